"""GET /api/v1/webhook-endpoints/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.webhooks.models import WebhookEndpoint
from clientele.webhooks.reads import get_endpoint

app = api.resolver()


@app.get(
    "/api/v1/webhook-endpoints/<id>",
    tags=["Webhooks"],
    summary="Get a webhook endpoint",
    description="The endpoint (never its secret), with `disabledReason` and `disabledAt` when Clientele disabled it.",
    responses=api.documented(200, WebhookEndpoint, "The webhook endpoint"),
)
def get(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, get_endpoint(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)
