"""POST /api/v1/loyalty-programs/{id}/cards"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.loyalty.cards import issue_card
from clientele.loyalty.models import LoyaltyCard
from clientele.loyalty.requests import LoyaltyCardCreate

app = api.resolver()


@app.post(
    "/api/v1/loyalty-programs/<id>/cards",
    tags=["Loyalty"],
    summary="Issue a loyalty card",
    description=(
        "A card of the program, active, linked to at most `usersPerCardLimit` profiles (default 1). Without "
        "`code`, a 10-character code is drawn; codes are upper case and unique in the environment."
    ),
    responses=api.documented(201, LoyaltyCard, "The issued card"),
)
def issue(id: str, request: LoyaltyCardCreate) -> Response[dict[str, Any]]:
    card = idempotency.remembered(
        app, f"issue_loyalty_card#{id}", lambda tenant: issue_card(tenant, id, request).to_api()
    )
    return api.json_response(201, card)


lambda_handler = api.handler(app)
