"""PUT /api/v1/integrations/shopify"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.shopify.connection import base_url_of, configure
from clientele.shopify.models import ShopifyConnection
from clientele.shopify.requests import ShopifySettings

app = api.resolver()


@app.put(
    "/api/v1/integrations/shopify",
    tags=["Integrations"],
    summary="Connect a Shopify shop",
    description=(
        "`shopDomain` (the shop's `<name>.myshopify.com`), `accessToken` (the custom app's Admin API access token) "
        "and `webhookSecret` (the app's API secret key, which signs its webhooks): both kept in AWS Secrets "
        "Manager and shown masked; they may be left out later for the same shop. `enabled` turns the webhooks' "
        "processing and the daily reconciliation on or off. Answers `webhookUrl`, the address to register for "
        "the shop's webhooks: it stays the same across later PUTs."
    ),
    responses=api.documented(200, ShopifyConnection, "The connection, secrets masked"),
)
def put(settings: ShopifySettings) -> Response[dict[str, Any]]:
    event = app.current_event
    base_url = base_url_of(event.raw_event.get("requestContext") or {}, event.headers or {})
    return api.json_response(200, configure(api.principal(app).tenant, settings, base_url=base_url).to_api())


lambda_handler = api.handler(app)
