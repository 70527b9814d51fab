"""GET /api/v1/consumers/{id}/coupons"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.coupons.models import Coupon
from clientele.coupons.service import coupons

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/coupons",
    tags=["Coupons"],
    summary="List a consumer's coupons",
    description="Newest first, each with its status now (active, redeemed, expired) and its redemptions' orders.",
    responses=api.documented(200, Page[Coupon], "A page of coupons"),
)
def list_(
    id: str, first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, coupons(api.principal(app).tenant, id, page))


lambda_handler = api.handler(app)
