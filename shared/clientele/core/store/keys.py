"""What every key shares: it starts with the tenant (`<environment>#<organization>#…`), so no Query can
cross tenants. Each domain's store builds the rest of its own keys; this reads the tenant back."""

from __future__ import annotations

from typing import Any

from clientele.core.tenancy import Environment, Tenant


def tenant_of(item: dict[str, Any]) -> Tenant:
    """The tenant a stored item belongs to (stream records carry items, not requests)."""
    environment, organization, _ = item["pk"].split("#", 2)
    return Tenant(organization=organization, environment=Environment(environment))
