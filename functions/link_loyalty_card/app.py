"""POST /api/v1/loyalty-cards/{code}/consumers"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.loyalty.cards import link_card
from clientele.loyalty.models import LoyaltyCard
from clientele.loyalty.requests import CardLink

app = api.resolver()


@app.post(
    "/api/v1/loyalty-cards/<code>/consumers",
    tags=["Loyalty"],
    summary="Link a loyalty card to a consumer",
    description=(
        "Records when (`registeredAt`). An active card links at most `usersPerCardLimit` profiles: one more is "
        "409 `loyalty_card_conflict`, however many links race. Linking a linked consumer changes nothing."
    ),
    responses=api.documented(200, LoyaltyCard, "The card"),
)
def link(code: str, request: CardLink) -> Response[dict[str, Any]]:
    card = idempotency.remembered(
        app, f"link_loyalty_card#{code}", lambda tenant: link_card(tenant, code, request.consumer_id).to_api()
    )
    return api.json_response(200, card)


lambda_handler = api.handler(app)
