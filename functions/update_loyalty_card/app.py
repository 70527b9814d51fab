"""PUT /api/v1/loyalty-cards/{code}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.loyalty.cards import update_card
from clientele.loyalty.models import LoyaltyCard
from clientele.loyalty.requests import LoyaltyCardUpdate

app = api.resolver()


@app.put(
    "/api/v1/loyalty-cards/<code>",
    tags=["Loyalty"],
    summary="Change a loyalty card",
    description=(
        "`status` active, inactive or blocked (an inactive or blocked card links nothing and moves no points); "
        "`usersPerCardLimit` no lower than the profiles linked."
    ),
    responses=api.documented(200, LoyaltyCard, "The card"),
)
def update(code: str, request: LoyaltyCardUpdate) -> Response[dict[str, Any]]:
    return api.json_response(200, update_card(api.principal(app).tenant, code, request).to_api())


lambda_handler = api.handler(app)
