"""Orders, refunds and the stored balance on the wire."""

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)
from pydantic.alias_generators import to_camel

from clientele.core.models import (
    MAX_AMOUNT,
    Amount,
    ApiModel,
    Currency,
    Email,
    ExternalId,
    Money,
    Reason,
    Resource,
    Text,
    Timestamp,
    in_currency,
)
from clientele.coupons.models import CouponCode
from clientele.referrals.models import ReferralCodeText

# ---------------------------------------------------------------- orders


class OrderStatus(StrEnum):
    PLACED = "placed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class OrderState(StrEnum):
    """Where the order stands as a session (seed 003): an open session records but moves no aggregates
    and earns no points until it closes. Moves: open -> closed | cancelled, closed -> partially_returned
    | cancelled, partially_returned -> cancelled (STATE_MOVES)."""

    OPEN = "open"
    CLOSED = "closed"
    PARTIALLY_RETURNED = "partially_returned"
    CANCELLED = "cancelled"


STATE_MOVES = {
    OrderState.OPEN: (OrderState.CLOSED, OrderState.CANCELLED),
    OrderState.CLOSED: (OrderState.PARTIALLY_RETURNED, OrderState.CANCELLED),
    OrderState.PARTIALLY_RETURNED: (OrderState.PARTIALLY_RETURNED, OrderState.CANCELLED),  # another return
    OrderState.CANCELLED: (),
}


class OrderLine(ApiModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, alias_generator=to_camel)

    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    name: Text
    quantity: Annotated[int, Field(ge=1, le=100_000)] = 1
    unit_price: Amount


MAX_ORDER_LINES = 100
MAX_REFUNDS = 100


class OrderCreate(ApiModel):
    """Body of `POST /orders`. The consumer is named by exactly one of consumerId, email (an unknown
    email creates a guest) or consumerExternalId; `externalId` is the order's own id in the caller's shop."""

    consumer_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    email: Email | None = None
    consumer_external_id: ExternalId | None = None
    external_id: ExternalId | None = None
    amount: Amount  # the order's value before discounts
    discount_amount: Amount = Field(default=Decimal(0), json_schema_extra={"default": 0})  # not "0"
    currency: Currency
    items: Annotated[list[OrderLine], Field(max_length=MAX_ORDER_LINES)] = Field(default_factory=list)
    placed_at: AwareDatetime | None = None  # default: now
    channel: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    checkout_url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)] | None = None
    state: OrderState = OrderState.CLOSED  # or open: a session still going, closed later by POST /orders/{id}/close
    coupon_code: CouponCode | None = None  # redeems the consumer's coupon; discountAmount defaults to what it takes off
    referral_code: ReferralCodeText | None = None  # records the consumer as referred, if it was not before

    # Whether the caller sent discountAmount (the validator's assignments would mark it sent anyway).
    _discount_sent: bool = PrivateAttr(default=False)

    @property
    def discount_sent(self) -> bool:
        return self._discount_sent

    @model_validator(mode="after")
    def _consistent(self) -> "OrderCreate":
        self._discount_sent = "discount_amount" in self.model_fields_set
        if self.state not in (OrderState.OPEN, OrderState.CLOSED):
            raise ValueError("an order is created open or closed")
        named = [self.consumer_id, self.email, self.consumer_external_id]
        if sum(value is not None for value in named) != 1:
            raise ValueError("name the consumer with exactly one of consumerId, email or consumerExternalId")
        self.amount = in_currency(self.amount, self.currency)
        self.discount_amount = in_currency(self.discount_amount, self.currency)
        if self.discount_amount > self.amount:
            raise ValueError("discountAmount cannot be more than amount")
        for line in self.items:
            line.unit_price = in_currency(line.unit_price, self.currency)
        if self.checkout_url is not None and not self.checkout_url.startswith(("https://", "http://")):
            raise ValueError("checkoutUrl must be an http(s) URL")
        return self


class RefundCreate(ApiModel):
    """Body of `POST /orders/{id}/refunds`: no amount refunds whatever is left."""

    amount: Amount | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None


class ReturnedItem(ApiModel):
    """Items of the order's line at `position` (0 for the first line of `items`) given back."""

    position: Annotated[int, Field(ge=0, lt=MAX_ORDER_LINES)]
    quantity: Annotated[int, Field(ge=1, le=100_000)]


def _each_line_once(items: list[ReturnedItem]) -> list[ReturnedItem]:
    positions = [item.position for item in items]
    if len(set(positions)) != len(positions):
        raise ValueError("name each position once")
    return items


class ReturnCreate(ApiModel):
    """Body of `POST /orders/{id}/returns`: the items given back, each line at most once."""

    items: Annotated[
        list[ReturnedItem], Field(min_length=1, max_length=MAX_ORDER_LINES), AfterValidator(_each_line_once)
    ]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None


class OrderCancel(ApiModel):
    """Body of `POST /orders/{id}/cancel` (may be empty)."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None


class Refund(ApiModel):
    id: str
    amount: Money
    reason: str | None
    items: list[ReturnedItem] | None = None  # a return's items; null: a refund by amount
    created_at: Timestamp


class Order(Resource):
    id: str
    consumer_id: str
    external_id: str | None
    status: OrderStatus
    state: OrderState = OrderState.CLOSED
    amount: Money
    discount_amount: Money
    net_amount: Money  # amount - discountAmount: what the consumer paid
    refunded_amount: Money
    currency: str
    items: list[OrderLine]
    placed_at: Timestamp
    closed_at: Timestamp | None = None  # when the session closed: points' start rules count from it
    channel: str | None
    checkout_url: str | None
    coupon_code: str | None = None
    referral_code: str | None = None
    refunds: list[Refund]
    points_earned: dict[str, int] = Field(default_factory=dict)  # {loyalty program id: points}
    points_taken_back: dict[str, int] = Field(default_factory=dict)  # by refunds, per program
    created_at: Timestamp
    updated_at: Timestamp
    version: int


# ---------------------------------------------------------------- balance and timeline


class BalanceAdjustmentCreate(ApiModel):
    """Body of `POST /consumers/{id}/balance-adjustments`: a credit (> 0) or a debit (< 0)."""

    amount: Annotated[Money, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]  # Money: one documented type
    reason: Reason
    currency: Currency | None = None  # the environment's currency; required for its first money movement

    @model_validator(mode="after")
    def _not_zero(self) -> "BalanceAdjustmentCreate":
        if self.amount == 0:
            raise ValueError("amount must not be 0")
        return self


class BalanceAdjustment(Resource):
    id: str
    consumer_id: str
    amount: Money
    balance_after: Money
    currency: str
    reason: str
    created_at: Timestamp
