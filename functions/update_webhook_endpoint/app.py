"""PUT /api/v1/webhook-endpoints/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.webhooks.models import WebhookEndpoint
from clientele.webhooks.requests import WebhookEndpointUpdate
from clientele.webhooks.service import update_endpoint

app = api.resolver()


@app.put(
    "/api/v1/webhook-endpoints/<id>",
    tags=["Webhooks"],
    summary="Change a webhook endpoint",
    description=(
        "Changes the fields present (`url` is checked as on create). `enabled: true` turns a disabled endpoint on "
        "again and clears `disabledReason`."
    ),
    responses=api.documented(200, WebhookEndpoint, "The webhook endpoint as changed"),
)
def put(id: str, request: WebhookEndpointUpdate) -> Response[dict[str, Any]]:
    return api.json_response(200, update_endpoint(api.principal(app).tenant, id, request).to_api())


lambda_handler = api.handler(app)
