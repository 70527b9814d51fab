"""DELETE /api/v1/webhook-endpoints/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.webhooks.models import WebhookEndpoint
from clientele.webhooks.service import delete_endpoint

app = api.resolver()


@app.delete(
    "/api/v1/webhook-endpoints/<id>",
    tags=["Webhooks"],
    summary="Delete a webhook endpoint",
    description="Gone at once, with its secret; deliveries still queued for it are dropped.",
    responses=api.documented(200, WebhookEndpoint, "The deleted webhook endpoint"),
)
def delete(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, delete_endpoint(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)
