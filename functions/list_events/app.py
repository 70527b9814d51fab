"""GET /api/v1/events"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from clientele.core import http as api
from clientele.core.models import Page
from clientele.webhooks.models import WebhookEvent
from clientele.webhooks.reads import list_events

app = api.resolver()


@app.get(
    "/api/v1/events",
    tags=["Webhooks"],
    summary="List events",
    description=(
        "The events of the last 30 days, newest first, as webhooks deliver them; `type` keeps one type "
        "(consumer.created, consumer.updated, consumer.deleted, consumer.erased, order.created, order.refunded, "
        "loyalty.points_changed, import.finished, export.finished)."
    ),
    responses=api.documented(200, Page[WebhookEvent], "A page of events"),
)
def list_(
    type: Annotated[str | None, Query(max_length=40)] = None,
    first: api.PageSize = None,
    last: api.PageSize = None,
    after: str | None = None,
    before: str | None = None,
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, list_events(api.principal(app).tenant, type, page))


lambda_handler = api.handler(app)
