"""GET /api/v1/integrations/klaviyo"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.errors import KlaviyoNotSetUp
from clientele.integrations.models import KlaviyoIntegration
from clientele.integrations.service import integration

app = api.resolver()


@app.get(
    "/api/v1/integrations/klaviyo",
    tags=["Integrations"],
    summary="Get the Klaviyo sync settings",
    description="Whether the sync is on, its list, the key masked, and the latest resync with its progress.",
    responses={
        **api.documented(200, KlaviyoIntegration, "The integration, key masked"),
        **api.also_answers(KlaviyoNotSetUp),
    },
)
def get() -> Response[dict[str, Any]]:
    return api.json_response(200, integration(api.principal(app).tenant).to_api())


lambda_handler = api.handler(app)
