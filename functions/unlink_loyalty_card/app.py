"""DELETE /api/v1/loyalty-cards/{code}/consumers/{consumerId}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.loyalty.cards import unlink_card
from clientele.loyalty.models import LoyaltyCard

app = api.resolver()


@app.delete(
    "/api/v1/loyalty-cards/<code>/consumers/<consumerId>",
    tags=["Loyalty"],
    summary="Unlink a loyalty card from a consumer",
    responses=api.documented(200, LoyaltyCard, "The card"),
)
def unlink(code: str, consumerId: str) -> Response[dict[str, Any]]:
    return api.json_response(200, unlink_card(api.principal(app).tenant, code, consumerId).to_api())


lambda_handler = api.handler(app)
