"""POST /api/v1/consumers/{id}/coupons"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.coupons.models import Coupon
from clientele.coupons.requests import CouponCreate
from clientele.coupons.service import issue

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/coupons",
    tags=["Coupons"],
    summary="Issue a coupon to a consumer",
    description=(
        "A coupon only this consumer's orders redeem (`couponCode` on `POST /orders`), at most `usageLimit` "
        "times and before `expiresAt`. `percent` takes `value`% off the order's amount, `fixed` takes `value` "
        "off (at most the amount). Without `code`, a 10-character code is drawn; codes are upper case and "
        "unique in the environment (409 `coupon_code_taken`)."
    ),
    responses=api.documented(201, Coupon, "The issued coupon"),
)
def issue_coupon(id: str, request: CouponCreate) -> Response[dict[str, Any]]:
    coupon = idempotency.remembered(app, f"issue_coupon#{id}", lambda tenant: issue(tenant, id, request).to_api())
    return api.json_response(201, coupon)


lambda_handler = api.handler(app)
