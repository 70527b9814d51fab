"""GET /api/v1/loyalty-cards/{code}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.loyalty.cards import get_card
from clientele.loyalty.models import LoyaltyCard

app = api.resolver()


@app.get(
    "/api/v1/loyalty-cards/<code>",
    tags=["Loyalty"],
    summary="Find a loyalty card",
    description="The card and the profiles it is linked to, as a till's lookup by code (one read).",
    responses=api.documented(200, LoyaltyCard, "The card"),
)
def get(code: str) -> Response[dict[str, Any]]:
    return api.json_response(200, get_card(api.principal(app).tenant, code).to_api())


lambda_handler = api.handler(app)
