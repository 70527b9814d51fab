"""What callers send about coupons. Apart from what they get back (coupons/models.py), so that a route
that takes none of them does not build them."""

from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, Field, model_validator

from clientele.core.models import MAX_AMOUNT, ApiModel, Money
from clientele.coupons.models import CouponCode, CouponType

MAX_USAGE_LIMIT = 100  # a coupon keeps its redemptions: bounded, so its item stays small


class CouponCreate(ApiModel):
    """Body of `POST /consumers/{id}/coupons`: no code draws one."""

    code: CouponCode | None = None
    type: CouponType
    value: Annotated[Money, Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False)]
    expires_at: AwareDatetime | None = None
    usage_limit: Annotated[int, Field(ge=1, le=MAX_USAGE_LIMIT)] = 1

    @model_validator(mode="after")
    def _sensible(self) -> "CouponCreate":
        if self.type is CouponType.PERCENT and self.value > 100:
            raise ValueError("a percent coupon's value is at most 100")
        if self.value != self.value.quantize(Decimal("0.01")):
            raise ValueError("value has at most 2 decimals")
        return self
