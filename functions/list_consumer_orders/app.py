"""GET /api/v1/consumers/{id}/orders"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.orders.models import Order
from clientele.orders.reads import consumer_orders

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/orders",
    tags=["Orders"],
    summary="List a consumer's orders",
    description="Newest first (by placedAt), paged like the consumer list.",
    responses=api.documented(200, Page[Order], "A page of orders"),
)
def list_(
    id: str, first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, consumer_orders(api.principal(app).tenant, id, page))


lambda_handler = api.handler(app)
