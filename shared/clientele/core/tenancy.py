"""Who is calling: an organization, one of its two environments, and what the key may do."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple


class Environment(StrEnum):
    SANDBOX = "sandbox"
    LIVE = "live"


class Scope(StrEnum):
    WRITE = "write"  # secret keys: sk_test_ / sk_live_
    READ = "read"  # restricted read-only keys: rk_test_ / rk_live_


# Organization ids become part of every partition key, so they may not contain the `#` separator.
ORGANIZATION_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def valid_organization(organization: str) -> str:
    if not ORGANIZATION_PATTERN.match(organization):
        raise ValueError(
            "organization must be 1-64 characters of lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return organization


# Value objects in the layer are NamedTuples, and mutable helpers plain classes: a dataclass compiles
# its methods when its module is imported (0.4-0.7 ms each), a NamedTuple hardly anything. A function
# imported about ten dataclasses, a quarter of its own share of the cold start (bench/coldstart.py).
class Tenant(NamedTuple):
    organization: str
    environment: Environment

    @property
    def key_prefix(self) -> str:
        """The leading part of every partition key this tenant owns."""
        return f"{self.environment}#{self.organization}"


class Principal(NamedTuple):
    """An authenticated API key: the tenant it is bound to and its scope."""

    tenant: Tenant
    scope: Scope
    key_id: str

    def as_context(self) -> dict[str, str]:
        """The authorizer context API Gateway hands to every function."""
        return {
            "organization": self.tenant.organization,
            "environment": str(self.tenant.environment),
            "scope": str(self.scope),
            "keyId": self.key_id,
        }

    @classmethod
    def from_context(cls, context: dict[str, object] | None) -> Principal:
        context = context or {}
        return cls(
            tenant=Tenant(
                organization=valid_organization(str(context["organization"])),
                environment=Environment(str(context["environment"])),
            ),
            scope=Scope(str(context["scope"])),
            key_id=str(context["keyId"]),
        )
