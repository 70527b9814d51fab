"""POST /api/v1/integrations/shopify/webhooks/{connectionId}: Shopify's deliveries (no API key: the
HMAC signature and the connection id stand for it). Verify, store, answer; the work is done from the
stream (process_shopify_webhook)."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.errors import ShopifyConnectionNotFound, ValidationFailed, WebhookSignatureInvalid
from clientele.shopify import webhooks

app = api.resolver()


@app.post(
    "/api/v1/integrations/shopify/webhooks/<connectionId>",
    tags=["Integrations"],
    summary="Receive a Shopify webhook",
    description=(
        "Where Shopify delivers the shop's webhooks: the `webhookUrl` that `GET /integrations/shopify` shows. "
        "No API key: the delivery must carry `X-Shopify-Hmac-Sha256`, the base64 HMAC-SHA256 of the raw body "
        "with the connection's webhook secret (401 otherwise, and nothing changes), `X-Shopify-Topic`, and "
        "`X-Shopify-Event-Id` (else `X-Shopify-Webhook-Id`): a delivery of an event already received answers "
        "200 and does nothing. The work is done within seconds after the answer."
    ),
    responses={
        **api.documented(200, webhooks.WebhookReceived, "Received (`duplicate` true: received before, ignored)"),
        **api.also_answers(ShopifyConnectionNotFound, WebhookSignatureInvalid, ValidationFailed),
    },
)
def receive(connectionId: str) -> Response[dict[str, Any]]:
    event = app.current_event
    body = webhooks.raw_body(event.body, event.is_base64_encoded)
    outcome = webhooks.receive(connectionId, event.headers, body)
    return api.json_response(200, webhooks.WebhookReceived(duplicate=outcome == "duplicate").to_api())


lambda_handler = api.handler(app, max_body_bytes=webhooks.MAX_BODY_BYTES)
