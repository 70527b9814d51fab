"""GET /api/v1/integrations/shopify"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.errors import ShopifyNotSetUp
from clientele.shopify.connection import connection
from clientele.shopify.models import ShopifyConnection

app = api.resolver()


@app.get(
    "/api/v1/integrations/shopify",
    tags=["Integrations"],
    summary="Get the Shopify connection",
    description=(
        "The shop, whether the integration is on, the token and webhook secret masked, `webhookUrl`, how the "
        "webhook deliveries have gone (`webhooks`) and the summary of the last full sync."
    ),
    responses={
        **api.documented(200, ShopifyConnection, "The connection, secrets masked"),
        **api.also_answers(ShopifyNotSetUp),
    },
)
def get() -> Response[dict[str, Any]]:
    return api.json_response(200, connection(api.principal(app).tenant).to_api())


lambda_handler = api.handler(app)
