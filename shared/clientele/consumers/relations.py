"""`include=`: the relations consumers are returned with."""

from __future__ import annotations

from typing import Any

from clientele.audiences import store as audience_store
from clientele.consumers.models import Consumer
from clientele.core.errors import ValidationFailed
from clientele.core.tenancy import Tenant

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
    tenant: Tenant, consumers: list[Consumer], include: str | None, allowed: tuple[str, ...] = ON_ONE_CONSUMER
) -> list[dict[str, Any]]:
    """The API views of the consumers with the relations `include` names. Audiences of a whole page
    come from one BatchGetItem; an audience deleted a moment ago (still being left) is not shown."""
    wanted = relations(include, allowed)
    audiences: dict[str, dict[str, Any]] = {}
    if "audiences" in wanted:
        ids = [audience_id for consumer in consumers for audience_id in consumer.audience_ids]
        audiences = {key: audience.to_api() for key, audience in audience_store.get_many(tenant, ids).items()}
    if "orders" in wanted:
        # Only a single consumer's GET offers orders: the orders domain stays out of every other cold start.
        from clientele.orders.reads import newest_orders
    views = []
    for consumer in consumers:
        view = consumer.to_api()
        if "audiences" in wanted:
            view["audiences"] = [audiences[key] for key in consumer.audience_ids if key in audiences]
        if "orders" in wanted:
            view["orders"] = newest_orders(tenant, consumer.id)
        views.append(view)
    return views
