"""GET /api/v1/webhook-endpoints"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.webhooks.models import WebhookEndpoint
from clientele.webhooks.reads import list_endpoints

app = api.resolver()


@app.get(
    "/api/v1/webhook-endpoints",
    tags=["Webhooks"],
    summary="List webhook endpoints",
    description="The environment's webhook endpoints (never their secrets), with why one was disabled.",
    responses=api.documented(200, Page[WebhookEndpoint], "A page of webhook endpoints"),
)
def list_(
    first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, list_endpoints(api.principal(app).tenant, page))


lambda_handler = api.handler(app)
