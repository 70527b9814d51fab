"""POST /api/v1/webhook-endpoints/{id}/rotate-secret"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.webhooks.models import WebhookEndpointWithSecret
from clientele.webhooks.service import rotate_secret

app = api.resolver()


@app.post(
    "/api/v1/webhook-endpoints/<id>/rotate-secret",
    tags=["Webhooks"],
    summary="Rotate a webhook endpoint's signing secret",
    description=(
        "A new `secret`, shown this once. For the next 24 hours (`previousSecretExpiresAt`) deliveries carry two "
        "signatures in `webhook-signature`, the new secret's and the old one's, so the receiver can switch at any "
        "moment. A retry with the same Idempotency-Key answers with `secret` null."
    ),
    responses=api.documented(200, WebhookEndpointWithSecret, "The endpoint, with its new secret shown once"),
)
def rotate(id: str) -> Response[dict[str, Any]]:
    shown: dict[str, str] = {}

    def work(tenant: Any) -> dict[str, Any]:
        rotated = rotate_secret(tenant, id).to_api()
        shown["secret"] = rotated["secret"]
        return {**rotated, "secret": None}  # what an Idempotency-Key keeps: never the secret

    answer = idempotency.remembered(app, f"rotate_webhook_secret#{id}", work)
    return api.json_response(200, {**answer, "secret": shown.get("secret")})


lambda_handler = api.handler(app)
