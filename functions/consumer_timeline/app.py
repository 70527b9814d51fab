"""GET /api/v1/consumers/{id}/timeline"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consumers.models import TimelineEvent
from clientele.consumers.timeline import consumer_timeline
from clientele.core import http as api
from clientele.core.models import Page

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/timeline",
    tags=["Consumers"],
    summary="A consumer's timeline",
    description=(
        "Orders, refunds, point transactions, balance adjustments, status, membership and verification "
        "changes and audience joins, newest first, paged like the consumer list."
    ),
    responses=api.documented(200, Page[TimelineEvent], "A page of events"),
)
def timeline(
    id: str, first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, consumer_timeline(api.principal(app).tenant, id, page))


lambda_handler = api.handler(app)
