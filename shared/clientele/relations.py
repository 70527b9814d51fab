"""`include=`: the relations a consumer is returned with."""

from __future__ import annotations

from typing import Any

from clientele.errors import ValidationFailed
from clientele.models import Consumer
from clientele.orders import newest_orders
from clientele.tenancy import Tenant

ON_ONE_CONSUMER = ("audiences", "orders")
ON_A_LIST = ("audiences",)


def relations(include: str | None, allowed: tuple[str, ...] = ON_ONE_CONSUMER) -> list[str]:
    """The relations `include` names (comma-separated); one not in `allowed` is a 400."""
    wanted = [name.strip() for name in (include or "").split(",") if name.strip()]
    unknown = [name for name in wanted if name not in allowed]
    if unknown:
        message = f"unknown relation {', '.join(unknown)}; include takes {', '.join(allowed)}"
        raise ValidationFailed(details=[{"field": "include", "message": message}])
    return wanted


def with_relations(
    tenant: Tenant, consumer: Consumer, include: str | None, allowed: tuple[str, ...] = ON_ONE_CONSUMER
) -> dict[str, Any]:
    """The API view of a consumer with the relations `include` names."""
    view = consumer.to_api()
    for name in relations(include, allowed):
        # Audiences arrive with their own increment; until then a consumer is in none.
        view[name] = newest_orders(tenant, consumer.id) if name == "orders" else []
    return view
