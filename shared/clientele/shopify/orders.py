"""Shopify orders and refunds becoming Clientele orders and refunds (clientele.orders.service), so the
consumer's aggregates, loyalty points and timeline follow as for any order.

- The order's `externalId` is the Shopify order id: a redelivery, or orders/create then orders/paid,
  make ONE order (orders.service.place_order answers the stored one for a known externalId).
- orders/create of an order not paid yet (financial_status pending or authorized) makes an OPEN order,
  which earns nothing; orders/paid closes it (points and aggregates move then), or places it closed.
- amount is the lines' value before discounts (`total_line_items_price`), discountAmount
  `total_discounts` (shipping and taxes are not the consumer's spend here); the lines keep title, sku,
  quantity and price; checkoutUrl is `order_status_url`; channel is `shopify`. Discount codes are
  Shopify's, not Clientele coupons: only their amount counts (in discountAmount).
- orders/cancelled cancels the order (its points and money go back); an order cancelled before any
  other delivery came is placed open and cancelled, so it never earned anything.
- refunds/create refunds the sum of its successful refund transactions (at most what is left), once:
  the refund's reason names the Shopify refund id, and a refund already carrying it is not made again.
- The buyer is the consumer linked to the order's Shopify customer; a customer not linked yet is
  applied first (customers.apply links or creates it, never duplicating a consumer).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from clientele.core.errors import ClienteleError, OrderStateConflict
from clientele.core.tenancy import Tenant
from clientele.orders import service
from clientele.orders import store as order_store
from clientele.orders.models import MAX_ORDER_LINES, OrderCreate, OrderLine, OrderState, RefundCreate
from clientele.orders.reads import get_order
from clientele.shopify import customers

CHANNEL = "shopify"
UNPAID = frozenset({"pending", "authorized", "partially_paid"})
REFUND_REASON = "Shopify refund {}"


def _money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        return Decimal(0)
    return amount if amount.is_finite() and amount >= 0 else Decimal(0)


def _buyer(tenant: Tenant, payload: dict[str, Any]) -> str | None:
    """The id of the consumer who placed the order: the one linked to its Shopify customer, applied
    first when none is linked yet. None for an order without a customer."""
    customer = payload.get("customer")
    if not isinstance(customer, dict) or customer.get("id") in (None, ""):
        return None
    shopify_customer = customers.ShopifyCustomer.from_webhook(customer)
    found = customers.consumer_for(tenant, shopify_customer.shopify_id)
    if found is None:
        customers.apply(tenant, shopify_customer)
        found = customers.consumer_for(tenant, shopify_customer.shopify_id)
    return found.id if found is not None else None


def order_request(payload: dict[str, Any], consumer_id: str, state: OrderState) -> OrderCreate:
    """The Clientele order of a Shopify order payload (orders/create, orders/paid, orders/cancelled)."""
    lines = [line for line in payload.get("line_items") or [] if isinstance(line, dict)]
    items = [
        OrderLine(
            sku=(str(line["sku"]).strip()[:100] or None) if line.get("sku") else None,
            name=str(line.get("title") or line.get("name") or "Item")[:200],
            quantity=max(1, min(int(line.get("quantity") or 1), 100_000)),
            unit_price=_money(line.get("price")),
        )
        for line in lines[:MAX_ORDER_LINES]
    ]
    amount = _money(payload.get("total_line_items_price"))
    if amount == 0 and items:
        amount = sum((item.unit_price * item.quantity for item in items), Decimal(0))
    discount = min(_money(payload.get("total_discounts")), amount)
    checkout = payload.get("order_status_url")
    return OrderCreate.model_validate(
        {
            "consumerId": consumer_id,
            "externalId": str(payload["id"]),
            "amount": amount,
            "discountAmount": discount,
            "currency": str(payload.get("currency") or payload.get("presentment_currency") or ""),
            "items": [item.model_dump(by_alias=True, exclude_none=True) for item in items],
            "placedAt": payload.get("processed_at") or payload.get("created_at"),
            "channel": CHANNEL,
            "checkoutUrl": checkout if isinstance(checkout, str) and checkout.startswith("http") else None,
            "state": state,
        }
    )


def _existing(tenant: Tenant, shopify_order_id: str) -> Any:
    order_id = order_store.claimed_order_id(tenant, shopify_order_id)
    return order_store.get(tenant, order_id) if order_id else None


def place(tenant: Tenant, payload: dict[str, Any], *, paid: bool) -> str:
    """orders/create (paid=False: placed open while not paid) and orders/paid. The outcome."""
    unpaid = not paid and str(payload.get("financial_status") or "").lower() in UNPAID
    existing = _existing(tenant, str(payload["id"]))
    if existing is not None:
        if paid and existing.state is OrderState.OPEN:
            service.close_order(tenant, existing.id)
            return "closed"
        return "unchanged"
    consumer_id = _buyer(tenant, payload)
    if consumer_id is None:
        return "no_customer"
    request = order_request(payload, consumer_id, OrderState.OPEN if unpaid else OrderState.CLOSED)
    order, created = service.place_order(tenant, request)
    if not created:
        if paid and order.state is OrderState.OPEN:
            service.close_order(tenant, order.id)
            return "closed"
        return "unchanged"
    return "created_open" if unpaid else "created"


def cancel(tenant: Tenant, payload: dict[str, Any]) -> str:
    """orders/cancelled: the order cancelled (placed open first when it was never seen)."""
    shopify_id = str(payload["id"])
    existing = _existing(tenant, shopify_id)
    if existing is None:
        consumer_id = _buyer(tenant, payload)
        if consumer_id is None:
            return "no_customer"
        existing, _ = service.place_order(tenant, order_request(payload, consumer_id, OrderState.OPEN))
    if existing.state is OrderState.CANCELLED:
        return "unchanged"
    reason = payload.get("cancel_reason")
    try:
        service.cancel_order(tenant, existing.id, f"Shopify: {reason}"[:500] if reason else "Cancelled in Shopify")
    except OrderStateConflict:  # cancelled meanwhile by another delivery
        return "unchanged"
    return "cancelled"


def refund_amount(payload: dict[str, Any]) -> Decimal:
    """What a refunds/create gave back: its successful refund transactions."""
    total = Decimal(0)
    for transaction in payload.get("transactions") or []:
        if not isinstance(transaction, dict):
            continue
        if str(transaction.get("kind", "refund")).lower() != "refund":
            continue
        if str(transaction.get("status", "success")).lower() != "success":
            continue
        total += _money(transaction.get("amount"))
    return total


def refund(tenant: Tenant, payload: dict[str, Any]) -> str:
    """refunds/create: the order refunded by what Shopify gave back, once per Shopify refund."""
    existing = _existing(tenant, str(payload.get("order_id")))
    if existing is None:
        return "order_unknown"
    reason = REFUND_REASON.format(payload.get("id"))
    if any(made.reason == reason for made in existing.refunds):
        return "unchanged"
    amount = refund_amount(payload)
    left = existing.net_amount - existing.refunded_amount
    if amount == 0 or left == 0:
        return "nothing_to_refund"
    try:
        service.refund_order(tenant, existing.id, RefundCreate(amount=min(amount, left), reason=reason))
    except ClienteleError as error:
        if error.status >= 500:
            raise
        # Refunded meanwhile by another delivery of the same refund: then it carries the reason.
        if any(made.reason == reason for made in get_order(tenant, existing.id).refunds):
            return "unchanged"
        raise
    return "refunded"
