"""GET /api/v1/webhook-endpoints/{id}/deliveries"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.webhooks.models import WebhookDelivery
from clientele.webhooks.reads import list_deliveries

app = api.resolver()


@app.get(
    "/api/v1/webhook-endpoints/<id>/deliveries",
    tags=["Webhooks"],
    summary="List a webhook endpoint's delivery attempts",
    description=(
        "Every attempt of the last 30 days, newest first: the event, the attempt's number, the status code, how "
        "long it took, the error, and when the next attempt is due."
    ),
    responses=api.documented(200, Page[WebhookDelivery], "A page of delivery attempts"),
)
def list_(
    id: str,
    first: api.PageSize = None,
    last: api.PageSize = None,
    after: str | None = None,
    before: str | None = None,
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, list_deliveries(api.principal(app).tenant, id, page))


lambda_handler = api.handler(app)
