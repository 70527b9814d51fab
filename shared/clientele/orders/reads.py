"""What the order routes read: an order, a consumer's orders, the newest for `include=orders`. Reads
need none of the write path's machinery (loyalty earning, the consumer's aggregates), so a GET's cold
start does not load it."""

from __future__ import annotations

from typing import Any

from clientele.consumers import store as consumer_store
from clientele.core.errors import OrderNotFound
from clientele.core.paging import PageRequest, paged
from clientele.core.store.pages import newest_first
from clientele.core.tenancy import Tenant
from clientele.orders import store
from clientele.orders.models import Order

ID_PREFIX = "ord"
ORDERS_INCLUDED = 20  # newest orders `include=orders` adds to a consumer


def get_order(tenant: Tenant, order_id: str) -> Order:
    order = store.get(tenant, order_id) if order_id.startswith(f"{ID_PREFIX}_") else None
    if order is None:
        raise OrderNotFound()
    return order


def consumer_orders(tenant: Tenant, consumer_id: str, page: PageRequest) -> dict[str, Any]:
    """A consumer's orders, newest first (by placedAt). 404 for an unknown consumer."""
    source = newest_first(store.OrderRecord.consumer_orders_partition(tenant, consumer_id))

    def render(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [store.OrderRecord.from_item(item).to_api() for item in items]

    return paged(
        tenant,
        source,
        {"orders": consumer_id},
        page,
        render,
        owner=lambda: consumer_store.existing(tenant, consumer_id),
    )


def newest_orders(tenant: Tenant, consumer_id: str) -> list[dict[str, Any]]:
    """The consumer's newest orders, for `include=orders`."""
    return [order.to_api() for order in store.newest(tenant, consumer_id, ORDERS_INCLUDED)]
