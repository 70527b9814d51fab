"""GET /api/v1/consumers/{id}/referrals"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.referrals.models import Referral
from clientele.referrals.service import referrals

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/referrals",
    tags=["Referrals"],
    summary="List the consumers a consumer referred",
    description=(
        "Newest first: the code, the referred consumer, the order that carried the code (null: its create) "
        "and the points each side got."
    ),
    responses=api.documented(200, Page[Referral], "A page"),
)
def list_(
    id: str, first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, referrals(api.principal(app).tenant, id, page))


lambda_handler = api.handler(app)
