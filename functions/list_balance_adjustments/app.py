"""GET /api/v1/consumers/{id}/balance-adjustments"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.orders.balance import balance_history
from clientele.orders.models import BalanceAdjustment

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/balance-adjustments",
    tags=["Orders"],
    summary="A consumer's balance history",
    description="Newest first, paged like the consumer list.",
    responses=api.documented(200, Page[BalanceAdjustment], "A page of balance adjustments"),
)
def list_(
    id: str, first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, balance_history(api.principal(app).tenant, id, page))


lambda_handler = api.handler(app)
