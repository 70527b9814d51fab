"""A coupon on the wire, as callers get it back. (What callers send is coupons/requests.py.)"""

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from clientele.core.models import ApiModel, Money, Resource, Timestamp

CouponCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$"),
    AfterValidator(str.upper),  # codes are read out and typed: one case
]


class CouponType(StrEnum):
    PERCENT = "percent"  # value: the percentage of the order's amount taken off
    FIXED = "fixed"  # value: the amount taken off (at most the order's amount)


class CouponStatus(StrEnum):
    ACTIVE = "active"
    REDEEMED = "redeemed"  # used as often as its usage limit allows
    EXPIRED = "expired"


class Redemption(ApiModel):
    order_id: str
    redeemed_at: Timestamp


class Coupon(Resource):
    code: str
    consumer_id: str  # the recipient: only its orders redeem the coupon
    type: CouponType
    value: Money
    expires_at: Timestamp | None
    usage_limit: int
    redemption_count: int
    redemptions: list[Redemption]
    status: CouponStatus  # at the time of the answer
    created_at: Timestamp
    updated_at: Timestamp
