"""Orders and refunds, and the consumer aggregates they move.

Every order or refund is one transaction with the consumer's new aggregates, written on condition
that the consumer is still at the version read (retried with backoff when another request got in
first), so totals stay exact however many orders arrive at once. Money is Decimal throughout.

Aggregates: totalOrderValue is the orders' value before discounts, accruedDiscounts their discounts,
netRevenue = totalOrderValue - accruedDiscounts (what was paid). A refund gives back paid money and
takes back the same share of the order's discount, so refunding an order in full undoes its money
exactly; the order still counts in totalOrders (it was placed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from clientele.consumers import store as consumer_store
from clientele.consumers import timeline
from clientele.consumers.enums import Membership
from clientele.consumers.enums import Source as ConsumerSource
from clientele.consumers.models import Consumer, TimelineEventType
from clientele.consumers.requests import ConsumerCreate
from clientele.consumers.service import ID_PREFIX as CONSUMER_PREFIX
from clientele.consumers.service import new_consumer, retrying
from clientele.core import clock, normalize
from clientele.core.errors import (
    ConsumerNotFound,
    OrderAlreadyRefunded,
    OrderChangedConcurrently,
    RefundTooLarge,
    ValidationFailed,
)
from clientele.core.models import minor_units
from clientele.core.tenancy import Tenant
from clientele.loyalty import service as loyalty
from clientele.loyalty import store as loyalty_store
from clientele.orders import store
from clientele.orders.balance import check_currency
from clientele.orders.models import MAX_REFUNDS, Order, OrderCreate, OrderStatus, Refund, RefundCreate
from clientele.orders.reads import ID_PREFIX, get_order

REFUND_PREFIX = "ref"
MAX_CLOCK_SKEW = timedelta(minutes=5)  # placedAt may be this far ahead of our clock


def _cents(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


# ---------------------------------------------------------------- aggregates (pure)


def with_order(consumer: Consumer, order: Order, now: str) -> Consumer:
    """The consumer after `order` was placed."""
    total_orders = consumer.total_orders + 1
    value = consumer.total_order_value + order.amount
    discounted = order.discount_amount > 0
    return _with_money(
        consumer,
        order.currency,
        now,
        total_orders=total_orders,
        total_order_value=value,
        accrued_discounts=consumer.accrued_discounts + order.discount_amount,
        discounted_orders=consumer.discounted_orders + discounted,
        undiscounted_orders=consumer.undiscounted_orders + (not discounted),
        last_order_at=max(consumer.last_order_at or "", order.placed_at),
        last_activity_at=max(consumer.last_activity_at or "", order.placed_at),
    )


def discount_given_back(order: Order, refunded: Decimal) -> Decimal:
    """How much of the order's discount refunds of `refunded` in all take back: the same share as of
    the paid amount, exactly the whole discount once everything paid is refunded."""
    if order.net_amount == 0 or refunded >= order.net_amount:
        return order.discount_amount
    return _cents(order.discount_amount * refunded / order.net_amount, order.currency)


def with_refund(consumer: Consumer, order: Order, amount: Decimal, now: str) -> Consumer:
    """The consumer after `amount` of `order` (as it was before the refund) was refunded."""
    discount_back = discount_given_back(order, order.refunded_amount + amount) - discount_given_back(
        order, order.refunded_amount
    )
    return _with_money(
        consumer,
        order.currency,
        now,
        total_orders=consumer.total_orders,
        total_order_value=consumer.total_order_value - amount - discount_back,
        accrued_discounts=consumer.accrued_discounts - discount_back,
        last_activity_at=max(consumer.last_activity_at or "", now),
    )


def _with_money(
    consumer: Consumer, currency: str, now: str, *, total_orders: int, total_order_value: Decimal, **changes: Any
) -> Consumer:
    accrued = changes.get("accrued_discounts", consumer.accrued_discounts)
    average = _cents(total_order_value / total_orders, currency) if total_orders else Decimal(0)
    return consumer.model_copy(
        update={
            **changes,
            "total_orders": total_orders,
            "total_order_value": total_order_value,
            "net_revenue": total_order_value - accrued,
            "average_order_value": average,
            "updated_at": now,
            "version": consumer.version + 1,
        }
    )


# ---------------------------------------------------------------- placing orders


def new_order(request: OrderCreate, consumer_id: str, now: str) -> Order:
    placed_at = clock.format_instant(request.placed_at.astimezone(UTC)) if request.placed_at else now
    return Order(
        id=clock.new_id(ID_PREFIX),
        consumer_id=consumer_id,
        external_id=request.external_id,
        status=OrderStatus.PLACED,
        amount=request.amount,
        discount_amount=request.discount_amount,
        net_amount=request.amount - request.discount_amount,
        refunded_amount=Decimal(0),
        currency=request.currency,
        items=request.items,
        placed_at=placed_at,
        channel=request.channel,
        checkout_url=request.checkout_url,
        refunds=[],
        created_at=now,
        updated_at=now,
        version=1,
    )


class _OrderExists(Exception):
    """The order's externalId is taken: the order was sent before."""


def place_order(tenant: Tenant, request: OrderCreate) -> tuple[Order, bool]:
    """(the order, True) once stored with the consumer's new aggregates; (the order stored before,
    False) when an order with this externalId exists, so that re-sending an order is harmless."""
    if request.placed_at is not None and request.placed_at > datetime.now(UTC) + MAX_CLOCK_SKEW:
        raise ValidationFailed(details=[{"field": "placedAt", "message": "is in the future"}])

    def attempt() -> tuple[Order, bool]:
        known = store.read_before_order(
            tenant,
            external_id=request.external_id,
            consumer_keys=_consumer_keys(tenant, request),
        )
        if "order" in known:
            raise _OrderExists()
        check_currency(known.get("currency"), request.currency)
        consumer = _consumer_for(tenant, request, known)
        programs = loyalty.earning_programs(tenant)
        now = clock.now()
        before = consumer or new_consumer(_guest(request), now)  # an unknown email: the order brings a guest
        if loyalty.participation(before) is not None:
            programs = []  # blocked or inactive: the order records and earns nothing
        order = new_order(request, before.id, now)
        points = loyalty.begin(tenant, before, [program.id for program in programs] if consumer else [])
        order.points_earned = loyalty.earn(points, programs, order)
        after = points.consumer_after(with_order(before, order, now), {program.id: program for program in programs})
        if consumer is None:
            write = consumer_store.insert_write(tenant, after.model_copy(update={"version": 1}))
            # Another order may bring the same guest first: then read again and order for it.
            write.failures = [consumer_store.ConsumerChanged] * len(write.operations)
        else:
            write = consumer_store.replace_write(tenant, consumer, after)
        for operation in store.insert(tenant, order):
            write.add(operation, _OrderExists)
        if "currency" not in known:
            write.add(store.fix_currency(tenant, order.currency), consumer_store.ConsumerChanged)
        event = timeline.event(TimelineEventType.ORDER_PLACED, order.placed_at, _order_details(order))
        write.add(timeline.put(tenant, order.consumer_id, event), consumer_store.ConsumerChanged)
        for operation in points.operations(tenant):
            write.add(operation, consumer_store.ConsumerChanged)
        consumer_store.commit(write)
        return order, True

    try:
        return retrying(attempt)
    except _OrderExists:
        assert request.external_id is not None
        order_id = store.claimed_order_id(tenant, request.external_id)
        existing = store.get(tenant, order_id) if order_id else None
        if existing is None:  # claimed and gone again in between: vanishingly rare
            raise OrderChangedConcurrently() from None
        return existing, False


def _guest(request: OrderCreate) -> ConsumerCreate:
    return ConsumerCreate(email=request.email, membership=Membership.GUEST, source=ConsumerSource.API)


def _consumer_keys(tenant: Tenant, request: OrderCreate) -> dict[str, dict[str, str]]:
    """The consumer item the order names by id, or the claim of its email or externalId."""
    if request.consumer_id is not None:
        return {"consumer": consumer_store.ConsumerRecord.key(tenant, request.consumer_id)}
    if request.email is not None:
        return {"claim": consumer_store.UniqueValue.email_key(tenant, request.email)}
    if request.consumer_external_id is not None:
        return {"claim": consumer_store.UniqueValue.external_id_key(tenant, request.consumer_external_id)}
    return {}


def _consumer_for(tenant: Tenant, request: OrderCreate, known: dict[str, dict[str, Any]]) -> Consumer | None:
    """The consumer the order names; None for an unknown email (a guest is created)."""
    if request.consumer_id is not None:
        if "consumer" not in known or not request.consumer_id.startswith(f"{CONSUMER_PREFIX}_"):
            raise ConsumerNotFound(details=[{"field": "consumerId", "message": "no consumer has this id"}])
        return consumer_store.ConsumerRecord.from_item(known["consumer"])
    if "claim" in known:
        consumer = consumer_store.get(tenant, known["claim"]["consumerId"])
        # Deleted, or its email / externalId changed, between the two reads: read both again.
        if consumer is None or not _holds(consumer, request):
            raise consumer_store.ConsumerChanged()
        return consumer
    if request.email is not None:
        return None
    raise ConsumerNotFound(details=[{"field": "consumerExternalId", "message": "no consumer has this externalId"}])


def _holds(consumer: Consumer, request: OrderCreate) -> bool:
    """The consumer still holds the email or externalId the order names it by."""
    if request.email is not None:
        return consumer.email is not None and normalize.email_identity(consumer.email) == normalize.email_identity(
            request.email
        )
    return consumer.external_id == request.consumer_external_id


def _order_details(order: Order) -> dict[str, Any]:
    """What the timeline shows of a purchase (seed 002): what was bought, what it cost, where it was
    paid. A copy, so the timeline reads one partition; the order itself stays the record."""
    return {
        "orderId": order.id,
        "amount": order.amount,
        "discountAmount": order.discount_amount,
        "netAmount": order.net_amount,
        "currency": order.currency,
        "items": [line.model_dump(by_alias=True, exclude_none=True) for line in order.items],
        "checkoutUrl": order.checkout_url,
        "channel": order.channel,
    }


# ---------------------------------------------------------------- refunds


def refund_order(tenant: Tenant, order_id: str, request: RefundCreate) -> Order:
    """Refunds `amount` (default: all that is left) of what the consumer paid for the order."""

    def attempt() -> Order:
        order = get_order(tenant, order_id)
        refundable = order.net_amount - order.refunded_amount
        if order.net_amount == 0:
            raise ValidationFailed(details=[{"field": "amount", "message": "nothing was paid for this order"}])
        if refundable == 0:
            raise OrderAlreadyRefunded()
        amount = refundable if request.amount is None else request.amount
        if amount != _cents(amount, order.currency) or amount <= 0:
            message = f"must be more than 0 with at most {minor_units(order.currency)} decimals"
            raise ValidationFailed(details=[{"field": "amount", "message": message}])
        if amount > refundable:
            raise RefundTooLarge(
                details=[{"field": "amount", "message": f"is more than the {refundable} {order.currency} refundable"}]
            )
        if len(order.refunds) >= MAX_REFUNDS:
            raise ValidationFailed(
                details=[{"field": "amount", "message": f"an order takes at most {MAX_REFUNDS} refunds"}]
            )
        now = clock.now()
        refund = Refund(id=clock.new_id(REFUND_PREFIX), amount=amount, reason=request.reason, created_at=now)
        refunded = order.refunded_amount + amount
        after = order.model_copy(
            update={
                "refunds": [*order.refunds, refund],
                "refunded_amount": refunded,
                "status": OrderStatus.REFUNDED if refunded == order.net_amount else OrderStatus.PARTIALLY_REFUNDED,
                "updated_at": now,
                "version": order.version + 1,
            }
        )
        write = consumer_store.Write()
        consumer = consumer_store.get(tenant, order.consumer_id)
        if consumer is not None:  # a deleted consumer's orders can still be refunded
            programs = [program for program in loyalty_store.programs(tenant) if program.id in order.points_earned]
            points = loyalty.begin(tenant, consumer, [program.id for program in programs])
            taken = loyalty.take_back(points, programs, order, refunded)
            after.points_taken_back = {**order.points_taken_back, **taken}
            consumer_after = points.consumer_after(
                with_refund(consumer, order, amount, now), {program.id: program for program in programs}
            )
            write = consumer_store.replace_write(tenant, consumer, consumer_after)
            details = {"orderId": order.id, "refundId": refund.id, "amount": amount, "currency": order.currency}
            if refund.reason:
                details["reason"] = refund.reason  # the console shows why
            event = timeline.event(TimelineEventType.ORDER_REFUNDED, now, details)
            write.add(timeline.put(tenant, consumer.id, event), consumer_store.ConsumerChanged)
            for operation in points.operations(tenant):
                write.add(operation, consumer_store.ConsumerChanged)
        write.add(store.replace(tenant, order, after), consumer_store.ConsumerChanged)
        consumer_store.commit(write)
        return after

    return retrying(attempt)
