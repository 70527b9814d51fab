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
from clientele.consumers.models import Consumer, TimelineEvent, TimelineEventType
from clientele.consumers.requests import ConsumerCreate
from clientele.consumers.service import ID_PREFIX as CONSUMER_PREFIX
from clientele.consumers.service import new_consumer, retrying
from clientele.core import clock, normalize
from clientele.core.errors import (
    ConsumerNotFound,
    OrderAlreadyRefunded,
    OrderChangedConcurrently,
    OrderStateConflict,
    RefundTooLarge,
    ValidationFailed,
)
from clientele.core.models import minor_units
from clientele.core.tenancy import Tenant
from clientele.coupons import service as coupons
from clientele.coupons import store as coupon_store
from clientele.coupons.models import Coupon
from clientele.loyalty import service as loyalty
from clientele.loyalty import store as loyalty_store
from clientele.loyalty.models import AchievementMetric, BudgetAction, LoyaltyProgram
from clientele.orders import store
from clientele.orders.balance import check_currency
from clientele.orders.models import (
    MAX_REFUNDS,
    STATE_MOVES,
    Order,
    OrderCreate,
    OrderState,
    OrderStatus,
    Refund,
    RefundCreate,
    ReturnCreate,
    ReturnedItem,
)
from clientele.orders.reads import ID_PREFIX, get_order
from clientele.referrals import service as referrals
from clientele.referrals import store as referral_store

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


AGGREGATES = (
    "total_orders",
    "total_order_value",
    "last_order_at",
    "average_order_value",
    "discounted_orders",
    "undiscounted_orders",
    "accrued_discounts",
    "net_revenue",
)


def aggregates_of(consumer: Consumer, orders: list[Order]) -> Consumer:
    """The consumer with its order aggregates recomputed from `orders` (a merge's survivor): each order
    and refund is replayed through the very steps that keep them as they happen, so the figures are
    those the orders would have made had they all been placed on it. An order that never closed (an
    open session, or one cancelled while open) moved nothing and moves nothing here."""
    blank = Consumer.model_validate(
        {
            **consumer.model_dump(),
            "total_orders": 0,
            "total_order_value": 0,
            "last_order_at": None,
            "average_order_value": 0,
            "discounted_orders": 0,
            "undiscounted_orders": 0,
            "accrued_discounts": 0,
            "net_revenue": 0,
        }
    )
    replayed = blank
    for order in sorted(orders, key=lambda order: (order.placed_at, order.id)):
        if order.closed_at is None:
            continue
        replayed = with_order(replayed, order, replayed.updated_at)
        refunded = Decimal(0)
        for refund in order.refunds:
            before = order.model_copy(update={"refunded_amount": refunded})
            replayed = with_refund(replayed, before, refund.amount, replayed.updated_at)
            refunded += refund.amount
    return consumer.model_copy(update={name: getattr(replayed, name) for name in AGGREGATES})


# ---------------------------------------------------------------- placing orders


def new_order(request: OrderCreate, consumer_id: str, now: str, discount: Decimal | None = None) -> Order:
    """The order as sent; `discount` (a coupon's) when the request named no discountAmount."""
    placed_at = clock.format_instant(request.placed_at.astimezone(UTC)) if request.placed_at else now
    discount_amount = request.discount_amount if discount is None else discount
    return Order(
        id=clock.new_id(ID_PREFIX),
        consumer_id=consumer_id,
        external_id=request.external_id,
        status=OrderStatus.PLACED,
        amount=request.amount,
        discount_amount=discount_amount,
        net_amount=request.amount - discount_amount,
        refunded_amount=Decimal(0),
        currency=request.currency,
        items=request.items,
        placed_at=placed_at,
        state=request.state,
        closed_at=placed_at if request.state is OrderState.CLOSED else None,
        channel=request.channel,
        checkout_url=request.checkout_url,
        coupon_code=request.coupon_code,
        referral_code=request.referral_code,
        refunds=[],
        created_at=now,
        updated_at=now,
        version=1,
    )


class _OrderExists(Exception):
    """The order's externalId is taken: the order was sent before."""


def place_order(
    tenant: Tenant, request: OrderCreate, *, source: ConsumerSource = ConsumerSource.API
) -> tuple[Order, bool]:
    """(the order, True) once stored with the consumer's new aggregates; (the order stored before,
    False) when an order with this externalId exists, so that re-sending an order is harmless.
    `source` is the path a guest the order brings came in through."""
    if request.placed_at is not None and request.placed_at > datetime.now(UTC) + MAX_CLOCK_SKEW:
        raise ValidationFailed(details=[{"field": "placedAt", "message": "is in the future"}])

    attempted: set[str] = set()  # the ids this call's attempts gave the order

    def attempt() -> tuple[Order, bool]:
        known = store.read_before_order(
            tenant,
            external_id=request.external_id,
            consumer_keys=_consumer_keys(tenant, request),
            coupon_code=request.coupon_code,
            referral_code=request.referral_code,
        )
        if "order" in known:
            raise _OrderExists()
        check_currency(known.get("currency"), request.currency)
        consumer = _consumer_for(tenant, request, known)
        now = clock.now()
        before = consumer or new_consumer(_guest(request), now, source)  # an unknown email: the order brings a guest
        coupon = _coupon_for(request, known, before, now)
        discount = None
        if coupon is not None and not request.discount_sent:
            discount = coupons.discount_of(coupon, request.amount, request.currency)
        order = new_order(request, before.id, now, discount)
        attempted.add(order.id)
        referral = _referral_for(tenant, request, known, before, consumer is None, order, now)
        # The programs whose wallets the order writes: those it earns in once closed, and those whose
        # coupon_redemptions budget counts its coupon (a coupon is only an existing consumer's).
        all_programs = loyalty_store.programs(tenant)
        earning = [] if order.state is OrderState.OPEN else _earning(before, all_programs)
        counting = [program for program in all_programs if coupon is not None and _counts_coupons(program)]
        programs = list({program.id: program for program in [*earning, *counting]}.values())
        points = loyalty.begin(tenant, before, [program.id for program in programs] if consumer else [])
        for program in counting:
            points.within_budget(program, BudgetAction.COUPON_REDEMPTIONS, 1, field="couponCode")
        if order.state is OrderState.OPEN:  # a session still going: it records, and moves nothing yet
            opened = before.model_copy(
                update={
                    "last_activity_at": max(before.last_activity_at or "", order.placed_at),
                    "updated_at": now,
                    "version": before.version + 1,
                }
            )
            after = points.consumer_after(opened, {program.id: program for program in programs})
            closing = points.operations(tenant)
        else:
            after, closing = _closed(tenant, points, programs, before, order, now)
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
        if coupon is not None:  # its last use taken meanwhile: read again, and then refused
            write.add(coupon_store.redeem(tenant, coupon, order.id, now), consumer_store.ConsumerChanged)
        if referral is not None:
            write.extend(referral)
        for operation in closing:
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
        # An attempt whose transaction was stored though its answer said otherwise (a clash reported
        # after the commit) finds its own order: it was created by this call.
        return existing, existing.id in attempted


def _coupon_for(request: OrderCreate, known: dict[str, dict[str, Any]], consumer: Consumer, now: str) -> Coupon | None:
    """The coupon the order redeems, if it names one that its consumer may redeem now."""
    if request.coupon_code is None:
        return None
    found = coupon_store.CouponRecord.from_item(known["coupon"], now) if "coupon" in known else None
    coupon = coupons.redeemable(found, consumer.id)
    if (refused := loyalty.participation(consumer)) is not None:  # blocked or inactive: redeems nothing
        refused.details = [{"field": "couponCode", "message": refused.message}]
        raise refused
    return coupon


def _referral_for(
    tenant: Tenant,
    request: OrderCreate,
    known: dict[str, dict[str, Any]],
    consumer: Consumer,
    new: bool,
    order: Order,
    now: str,
) -> consumer_store.Write | None:
    """The writes that record the order's consumer as referred by the code it carries; None when it
    carries none or the consumer was referred before (a person is referred once)."""
    if request.referral_code is None:
        return None
    found = referral_store.ReferralCodeRecord.from_item(known["referralCode"], now) if "referralCode" in known else None
    code = referrals.usable(found, consumer.id)
    if not new and referral_store.get_referral(tenant, consumer.id) is not None:
        return None
    return referrals.referral_write(tenant, code, consumer.id, order.id, now)


def _earning(consumer: Consumer, programs: list[LoyaltyProgram]) -> list[LoyaltyProgram]:
    """The programs a closed order of the consumer moves: those it earns in, and those whose
    achievements count orders or spend; none while it is blocked or inactive (its orders still
    record)."""
    if loyalty.participation(consumer) is not None:
        return []
    by_orders = (AchievementMetric.ORDERS, AchievementMetric.SPEND)
    return [
        program
        for program in programs
        if program.earning is not None or any(achievement.metric in by_orders for achievement in program.achievements)
    ]


def _counts_coupons(program: LoyaltyProgram) -> bool:
    return any(budget.action is BudgetAction.COUPON_REDEMPTIONS for budget in program.budgets)


def _closed(
    tenant: Tenant,
    points: loyalty.PointsChange,
    programs: list[LoyaltyProgram],
    consumer: Consumer,
    order: Order,
    now: str,
) -> tuple[Consumer, list[dict[str, Any]]]:
    """What a closed session does (seed 003): the consumer's aggregates move, the order earns its
    points (counted from its close) and moves its achievements, and the purchase joins the
    timeline. Sets the order's pointsEarned; answers the consumer after and the writes that go
    with it."""
    order.points_earned = loyalty.earn(points, programs, order)
    if loyalty.participation(consumer) is None:
        for program in programs:  # achievements move in the order's own transaction
            points.progress(program, AchievementMetric.ORDERS, Decimal(1))
            points.progress(program, AchievementMetric.SPEND, order.net_amount)
    after = points.consumer_after(with_order(consumer, order, now), {program.id: program for program in programs})
    event = timeline.event(TimelineEventType.ORDER_PLACED, order.placed_at, _order_details(order))
    return after, [timeline.put(tenant, consumer.id, event), *points.operations(tenant)]


def _moving(order: Order, to: OrderState) -> None:
    """Refuses a state move the order's state does not allow (STATE_MOVES), saying which it does."""
    if to not in STATE_MOVES[order.state]:
        allowed = ", ".join(STATE_MOVES[order.state]) or "none: it is final"
        message = f"the order is {order.state}; the moves it allows are {allowed}"
        raise OrderStateConflict(details=[{"field": "state", "message": message}])


def close_order(tenant: Tenant, order_id: str) -> Order:
    """Closes an open session: the consumer's aggregates move and the order earns its points now."""

    def attempt() -> Order:
        order = get_order(tenant, order_id)
        _moving(order, OrderState.CLOSED)
        now = clock.now()
        closed = order.model_copy(
            update={"state": OrderState.CLOSED, "closed_at": now, "updated_at": now, "version": order.version + 1}
        )
        consumer = consumer_store.get(tenant, order.consumer_id)
        write = consumer_store.Write()
        if consumer is not None:  # a deleted consumer's session still closes
            programs = _earning(consumer, loyalty_store.programs(tenant))
            points = loyalty.begin(tenant, consumer, [program.id for program in programs])
            after, closing = _closed(tenant, points, programs, consumer, closed, now)
            write = consumer_store.replace_write(tenant, consumer, after)
            for operation in closing:
                write.add(operation, consumer_store.ConsumerChanged)
        write.add(store.replace(tenant, order, closed), consumer_store.ConsumerChanged)
        consumer_store.commit(write)
        return closed

    return retrying(attempt)


def _guest(request: OrderCreate) -> ConsumerCreate:
    return ConsumerCreate(email=request.email, membership=Membership.GUEST)


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
    """The consumer the order names (or, while a merge takes it into another, that one, so the merge
    has nothing new to chase); None for an unknown email (a guest is created)."""
    consumer = _named_consumer(tenant, request, known)
    if consumer is not None and consumer.merging_into is not None:
        consumer = consumer_store.get(tenant, consumer.merging_into)
        if consumer is None:
            raise consumer_store.ConsumerChanged()  # read again: the merge moved on meanwhile
    if consumer is not None and consumer.merge_held_until is not None and consumer.merge_held_until > clock.now():
        raise consumer_store.ConsumerChanged()  # a merge's last step is writing it: wait a moment and go again
    return consumer


def _named_consumer(tenant: Tenant, request: OrderCreate, known: dict[str, dict[str, Any]]) -> Consumer | None:
    if request.consumer_id is not None:
        if not request.consumer_id.startswith(f"{CONSUMER_PREFIX}_"):
            raise ConsumerNotFound(details=[{"field": "consumerId", "message": "no consumer has this id"}])
        if "consumer" not in known:
            # A merged-away id: the order is the survivor's, as everything else the id held.
            survivor = consumer_store.survivor_of(tenant, request.consumer_id)
            consumer = consumer_store.get(tenant, survivor) if survivor else None
            if consumer is None:
                raise ConsumerNotFound(details=[{"field": "consumerId", "message": "no consumer has this id"}])
            return consumer
        return consumer_store.ConsumerRecord.from_item(known["consumer"])
    if "claim" in known:
        holder = str(known["claim"]["consumerId"])
        consumer = consumer_store.get(tenant, holder)
        # Deleted, or its email / externalId changed, between the two reads: read both again. (A
        # merge's survivor holds the claims of the profiles merged into it besides its own.)
        if consumer is None or not (_holds(consumer, request) or _still_claimed(tenant, request, holder)):
            raise consumer_store.ConsumerChanged()
        return consumer
    if request.email is not None:
        return None
    raise ConsumerNotFound(details=[{"field": "consumerExternalId", "message": "no consumer has this externalId"}])


def _still_claimed(tenant: Tenant, request: OrderCreate, holder: str) -> bool:
    """The claim the order was found by still names `holder` (read again, consistently)."""
    return consumer_store.claim_holder(_consumer_keys(tenant, request)["claim"]) == holder


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
        **({"couponCode": order.coupon_code} if order.coupon_code else {}),
    }


# ---------------------------------------------------------------- refunds, returns and cancelling


def refund_order(tenant: Tenant, order_id: str, request: RefundCreate) -> Order:
    """Refunds `amount` (default: all that is left) of what the consumer paid for the order."""

    def attempt() -> Order:
        order = get_order(tenant, order_id)
        _paid_for(order)
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
        return _refund(tenant, order, amount, request.reason, None, order.state)

    return retrying(attempt)


def returned(order: Order) -> dict[int, int]:
    """{line position: quantity given back} by the order's returns."""
    counts: dict[int, int] = {}
    for refund in order.refunds:
        for item in refund.items or []:
            counts[item.position] = counts.get(item.position, 0) + item.quantity
    return counts


def return_items(tenant: Tenant, order_id: str, request: ReturnCreate) -> Order:
    """Gives back items of a closed session. The refund is the items' value less their share of the
    order's discount (the share of the paid amount they stand for); points and aggregates follow as
    for any refund. Returning every item left refunds all that is left and cancels the order."""

    def attempt() -> Order:
        order = get_order(tenant, order_id)
        _paid_for(order)
        back = returned(order)
        value = Decimal(0)
        for number, item in enumerate(request.items):
            if item.position >= len(order.items):
                message = f"the order has {len(order.items)} lines (positions 0 to {len(order.items) - 1})"
                if not order.items:
                    message = "the order has no lines to return"
                raise ValidationFailed(details=[{"field": f"items.{number}.position", "message": message}])
            line = order.items[item.position]
            left = line.quantity - back.get(item.position, 0)
            if item.quantity > left:
                message = f"only {left} of line {item.position} are left to return"
                raise ValidationFailed(details=[{"field": f"items.{number}.quantity", "message": message}])
            value += line.unit_price * item.quantity
            back[item.position] = back.get(item.position, 0) + item.quantity
        everything = all(back.get(position, 0) == line.quantity for position, line in enumerate(order.items))
        refundable = order.net_amount - order.refunded_amount
        if everything:
            amount = refundable
        else:
            share = value * order.net_amount / order.amount if order.amount else Decimal(0)
            amount = min(refundable, _cents(share, order.currency))
        state = OrderState.CANCELLED if everything else OrderState.PARTIALLY_RETURNED
        return _refund(tenant, order, amount, request.reason, request.items, state)

    return retrying(attempt)


def cancel_order(tenant: Tenant, order_id: str, reason: str | None) -> Order:
    """Cancels the order. An open session moved nothing, so nothing moves back; a closed (or partly
    returned) one refunds all that is left, with its points and share of the discount. Either way
    its coupon gets back the use the order made of it."""

    def attempt() -> Order:
        order = get_order(tenant, order_id)
        _moving(order, OrderState.CANCELLED)
        released = _coupon_given_back(tenant, order)
        if order.state is OrderState.OPEN:
            now = clock.now()
            cancelled = order.model_copy(
                update={"state": OrderState.CANCELLED, "updated_at": now, "version": order.version + 1}
            )
            operations = [store.replace(tenant, order, cancelled), *released]
            consumer_store.commit(consumer_store.Write(operations, [OrderChangedConcurrently] * len(operations)))
            return cancelled
        left = order.net_amount - order.refunded_amount
        return _refund(tenant, order, left, reason, None, OrderState.CANCELLED, released)

    return retrying(attempt)


def _coupon_given_back(tenant: Tenant, order: Order) -> list[dict[str, Any]]:
    """The write that gives back the use the order made of its coupon, if it still holds one."""
    now = clock.now()
    coupon = coupon_store.get(tenant, order.coupon_code, now) if order.coupon_code else None
    if coupon is None or not any(use.order_id == order.id for use in coupon.redemptions):
        return []
    return [coupon_store.release(tenant, coupon, order.id, now)]


def _paid_for(order: Order) -> None:
    """Refuses a refund or return of a session that is open (nothing paid yet) or cancelled."""
    if order.state in (OrderState.OPEN, OrderState.CANCELLED):
        verb = "close it first" if order.state is OrderState.OPEN else "nothing is left to give back"
        raise OrderStateConflict(details=[{"field": "state", "message": f"the order is {order.state}: {verb}"}])


def _refund(
    tenant: Tenant,
    order: Order,
    amount: Decimal,
    reason: str | None,
    items: list[ReturnedItem] | None,
    state: OrderState,
    extra: list[dict[str, Any]] | None = None,
) -> Order:
    """One transaction: the order with its refund (and new state), the consumer's aggregates, the
    points taken back and the timeline event. `amount` may be 0 (a fully discounted line returned,
    or cancelling an order already refunded): then only the items and the state move."""
    if len(order.refunds) >= MAX_REFUNDS:
        raise ValidationFailed(
            details=[{"field": "amount", "message": f"an order takes at most {MAX_REFUNDS} refunds"}]
        )
    now = clock.now()
    refunds = order.refunds
    if amount or items:
        refunds = [
            *refunds,
            Refund(id=clock.new_id(REFUND_PREFIX), amount=amount, reason=reason, items=items, created_at=now),
        ]
    refunded = order.refunded_amount + amount
    status = order.status
    if amount:
        status = OrderStatus.REFUNDED if refunded == order.net_amount else OrderStatus.PARTIALLY_REFUNDED
    after = order.model_copy(
        update={
            "refunds": refunds,
            "refunded_amount": refunded,
            "status": status,
            "state": state,
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
        for event in _refund_events(after, refunds[-1] if refunds is not order.refunds else None, state, reason, now):
            write.add(timeline.put(tenant, consumer.id, event), consumer_store.ConsumerChanged)
        for operation in points.operations(tenant):
            write.add(operation, consumer_store.ConsumerChanged)
    write.add(store.replace(tenant, order, after), consumer_store.ConsumerChanged)
    for operation in extra or []:
        write.add(operation, consumer_store.ConsumerChanged)
    consumer_store.commit(write)
    return after


def _refund_events(
    order: Order, refund: Refund | None, state: OrderState, reason: str | None, now: str
) -> list[TimelineEvent]:
    """The timeline's record of a refund (its items, for a return) and of a cancelled order."""
    events = []
    if refund is not None:
        details: dict[str, Any] = {
            "orderId": order.id,
            "refundId": refund.id,
            "amount": refund.amount,
            "currency": order.currency,
        }
        if refund.items:
            details["items"] = [
                {"position": item.position, "quantity": item.quantity, "name": order.items[item.position].name}
                for item in refund.items
            ]
        if refund.reason:
            details["reason"] = refund.reason  # the console shows why
        events.append(timeline.event(TimelineEventType.ORDER_REFUNDED, now, details))
    if state is OrderState.CANCELLED:
        cancelled: dict[str, Any] = {"orderId": order.id}
        if reason:
            cancelled["reason"] = reason
        events.append(timeline.event(TimelineEventType.ORDER_CANCELLED, now, cancelled))
    return events
