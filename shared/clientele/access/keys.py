"""API keys in Stripe's style.

`sk_test_…`/`sk_live_…` secret keys may read and write; `rk_test_…`/`rk_live_…` keys only read.
The key is shown once at creation; only its SHA-256 is stored (a 190-bit random secret needs no
slow hash), and a key is bound to one organization and one environment.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import replace
from typing import Any, NamedTuple

from clientele.access import store as api_keys
from clientele.access.store import ApiKeyRecord
from clientele.core import clock, settings
from clientele.core.errors import AuthenticationRequired
from clientele.core.tenancy import Environment, Principal, Scope, Tenant, valid_organization

_ALPHABET = string.ascii_letters + string.digits
_SECRET_LENGTH = 32
_KEY_PATTERN = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9]{%d}$" % _SECRET_LENGTH)  # noqa: UP031

_SCOPE_PREFIX = {Scope.WRITE: "sk", Scope.READ: "rk"}
_ENVIRONMENT_PREFIX = {Environment.SANDBOX: "test", Environment.LIVE: "live"}


class NewKey(NamedTuple):
    key_id: str
    secret: str  # the only time the full key exists outside its owner's hands
    record: ApiKeyRecord


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hint(secret: str) -> str:
    return f"{secret[:12]}…{secret[-4:]}"


def create_key(organization: str, environment: Environment | str, *, read_only: bool = False) -> NewKey:
    environment = Environment(environment)
    scope = Scope.READ if read_only else Scope.WRITE
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_LENGTH))
    secret = f"{_SCOPE_PREFIX[scope]}_{_ENVIRONMENT_PREFIX[environment]}_{body}"
    record = ApiKeyRecord(
        key_id=clock.new_id("key"),
        organization=valid_organization(organization),
        environment=environment,
        scope=scope,
        hint=hint(secret),
        secret_hash=secret_hash(secret),
        created_at=clock.now(),
        usage_key=_usage_key(organization),
    )
    api_keys.insert(record)
    return NewKey(key_id=record.key_id, secret=secret, record=record)


def _usage_key(organization: str) -> str | None:
    """On AWS (CLIENTELE_USAGE_PLAN_ID: the stack's UsagePlanId output), the organization's key in the
    API's usage plan. Without a plan (the local stack) none: the organization itself identifies it."""
    plan = settings.current().usage_plan_id
    return api_keys.usage_key(valid_organization(organization), plan) if plan else None


def list_keys(organization: str) -> list[ApiKeyRecord]:
    return api_keys.list_for(valid_organization(organization))


def revoke_key(key_id: str) -> ApiKeyRecord:
    record = api_keys.find(key_id)
    revoked_at = clock.now()
    api_keys.revoke(record, revoked_at)
    return replace(record, revoked_at=revoked_at)


def bearer_secret(authorization: str | None) -> str:
    """The key from an `Authorization: Bearer <key>` header; anything else is unauthenticated."""
    scheme, _, secret = (authorization or "").strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not _KEY_PATTERN.match(secret):
        raise AuthenticationRequired()
    return secret


def authenticate(secret: str) -> Principal:
    return identify(secret)[0]


def identify(secret: str) -> tuple[Principal, str]:
    """Resolves a key to its principal and its usage identifier (the organization's API Gateway key,
    or the organization where keys have none); unknown, malformed and revoked keys all look the same."""
    if not _KEY_PATTERN.match(secret):
        raise AuthenticationRequired()
    # The lookup is by the hash of the whole key, prefix included: a key whose prefix was edited
    # (rk_ → sk_, test → live) is simply another, unknown key.
    item = api_keys.find_by_hash(secret_hash(secret))
    if item is None:
        raise AuthenticationRequired()
    return principal_of(item)


def principal_of(lookup_item: dict[str, Any]) -> tuple[Principal, str]:
    """A key's lookup item as (its principal, its usage identifier)."""
    principal = Principal(
        tenant=Tenant(organization=lookup_item["organization"], environment=Environment(lookup_item["environment"])),
        scope=Scope(lookup_item["scope"]),
        key_id=lookup_item["keyId"],
    )
    return principal, str(lookup_item.get("usageKey") or lookup_item["organization"])
