"""POST /api/v1/webhook-endpoints"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.webhooks.models import WebhookEndpointWithSecret
from clientele.webhooks.requests import WebhookEndpointCreate
from clientele.webhooks.service import create_endpoint

app = api.resolver()


@app.post(
    "/api/v1/webhook-endpoints",
    tags=["Webhooks"],
    summary="Create a webhook endpoint",
    description=(
        "An https `url` (none resolving to loopback, private, link-local, CGNAT, multicast or metadata addresses) "
        "and the `events` it takes. The answer holds the endpoint's signing `secret` (`whsec_…`, Standard Webhooks) "
        "this once: keep it. A retry with the same Idempotency-Key answers the endpoint again with `secret` null."
    ),
    responses=api.documented(201, WebhookEndpointWithSecret, "The endpoint, with its secret shown once"),
)
def create(request: WebhookEndpointCreate) -> Response[dict[str, Any]]:
    shown: dict[str, str] = {}

    def work(tenant: Any) -> dict[str, Any]:
        created = create_endpoint(tenant, request).to_api()
        shown["secret"] = created["secret"]
        return {**created, "secret": None}  # what an Idempotency-Key keeps: never the secret

    answer = idempotency.remembered(app, "create_webhook_endpoint", work)
    return api.json_response(201, {**answer, "secret": shown.get("secret")})


lambda_handler = api.handler(app)
