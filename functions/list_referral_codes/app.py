"""GET /api/v1/consumers/{id}/referral-codes"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.referrals.models import ReferralCode
from clientele.referrals.service import referral_codes

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/referral-codes",
    tags=["Referrals"],
    summary="List a consumer's referral codes",
    description="Newest first, each with its status now (active, used_up, expired) and how often it was used.",
    responses=api.documented(200, Page[ReferralCode], "A page"),
)
def list_(
    id: str, first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, referral_codes(api.principal(app).tenant, id, page))


lambda_handler = api.handler(app)
