"""PUT /api/v1/integrations/klaviyo"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.integrations.models import KlaviyoIntegration, KlaviyoSettings
from clientele.integrations.service import configure

app = api.resolver()


@app.put(
    "/api/v1/integrations/klaviyo",
    tags=["Integrations"],
    summary="Set up the Klaviyo sync",
    description=(
        "`apiKey` (a Klaviyo private key; kept in AWS Secrets Manager, shown masked), `enabled`, and an optional "
        "`listId` that synced profiles join. The key may be left out once one is set. While enabled, every "
        "created or changed consumer is upserted to Klaviyo within seconds; `syncStatus` shows how it went."
    ),
    responses=api.documented(200, KlaviyoIntegration, "The integration, key masked"),
)
def put(settings: KlaviyoSettings) -> Response[dict[str, Any]]:
    return api.json_response(200, configure(api.principal(app).tenant, settings).to_api())


lambda_handler = api.handler(app)
