"""A consumer's stored balance: credits and debits in the environment's currency, never below zero.

Each adjustment is one transaction: the consumer's new balance (on condition of the version read),
the adjustment in the balance history and the timeline event, so the history always adds up to the
balance and two concurrent debits cannot both spend the same money.
"""

from __future__ import annotations

from typing import Any

from clientele.consumers import store, timeline
from clientele.consumers.models import TimelineEventType
from clientele.consumers.service import retrying
from clientele.core import clock
from clientele.core.errors import ConsumerNotFound, CurrencyMismatch, InsufficientBalance, ValidationFailed
from clientele.core.models import in_currency
from clientele.core.paging import PageRequest
from clientele.core.tenancy import Tenant
from clientele.orders import store as order_store
from clientele.orders.models import BalanceAdjustment, BalanceAdjustmentCreate

ID_PREFIX = "badj"


def check_currency(setting: dict[str, Any] | None, currency: str) -> None:
    if setting is not None and setting["currency"] != currency:
        fixed = setting["currency"]
        raise CurrencyMismatch(
            f"This environment's currency is {fixed}",
            details=[{"field": "currency", "message": f"is {currency}; this environment's currency is {fixed}"}],
        )


def adjust_balance(tenant: Tenant, consumer_id: str, request: BalanceAdjustmentCreate) -> BalanceAdjustment:
    def attempt() -> BalanceAdjustment:
        known = order_store.consumer_and_currency(tenant, consumer_id)
        if "consumer" not in known:
            raise ConsumerNotFound()
        consumer = store.ConsumerRecord.from_item(known["consumer"])
        currency = _currency(known.get("currency"), request)
        amount = _amount(request, currency)
        balance = consumer.balance + amount
        if balance < 0:
            raise InsufficientBalance(
                details=[{"field": "amount", "message": f"the balance is {consumer.balance} {currency}"}]
            )
        now = clock.now()
        adjustment = BalanceAdjustment(
            id=clock.new_id(ID_PREFIX),
            consumer_id=consumer.id,
            amount=amount,
            balance_after=balance,
            currency=currency,
            reason=request.reason,
            created_at=now,
        )
        after = consumer.model_copy(
            update={"balance": balance, "last_activity_at": now, "updated_at": now, "version": consumer.version + 1}
        )
        write = store.replace_write(tenant, consumer, after)
        write.add(order_store.adjustment_put(tenant, adjustment), store.ConsumerChanged)
        details = {"adjustmentId": adjustment.id, "amount": amount, "currency": currency, "reason": request.reason}
        event = timeline.event(TimelineEventType.BALANCE_ADJUSTED, now, details)
        write.add(timeline.put(tenant, consumer.id, event), store.ConsumerChanged)
        if "currency" not in known:
            write.add(order_store.fix_currency(tenant, currency), store.ConsumerChanged)
        store.commit(write)
        return adjustment

    return retrying(attempt)


def _currency(setting: dict[str, Any] | None, request: BalanceAdjustmentCreate) -> str:
    if setting is not None:
        if request.currency is not None:
            check_currency(setting, request.currency)
        return str(setting["currency"])
    if request.currency is None:
        message = "is required: this environment has no currency yet (its first order or adjustment sets it)"
        raise ValidationFailed(details=[{"field": "currency", "message": message}])
    return request.currency


def _amount(request: BalanceAdjustmentCreate, currency: str) -> Any:
    try:
        return in_currency(request.amount, currency)
    except ValueError as error:
        raise ValidationFailed(details=[{"field": "amount", "message": str(error)}]) from None


def balance_history(tenant: Tenant, consumer_id: str, page: PageRequest) -> dict[str, Any]:
    """The consumer's balance adjustments, newest first."""
    return timeline.history(
        tenant,
        consumer_id,
        order_store.BalanceAdjustmentRecord.PREFIX,
        page,
        lambda item: order_store.BalanceAdjustmentRecord.from_item(item).to_api(),
    )
