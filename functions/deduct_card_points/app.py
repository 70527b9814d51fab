"""POST /api/v1/loyalty-cards/{code}/deductions"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.loyalty.card_points import card_points
from clientele.loyalty.models import PointsTransaction
from clientele.loyalty.requests import CardPoints

app = api.resolver()


@app.post(
    "/api/v1/loyalty-cards/<code>/deductions",
    tags=["Loyalty"],
    summary="Deduct points by loyalty card",
    description=(
        "Deducts points of the card's consumer (`consumerId` names one when the card has several) in the card's "
        "program, as `POST /consumers/{id}/loyalty/deductions` does. An inactive or blocked card is 409."
    ),
    responses=api.documented(201, PointsTransaction, "The points transaction"),
)
def points(code: str, request: CardPoints) -> Response[dict[str, Any]]:
    transaction = idempotency.remembered(
        app, f"deduct_card_points#{code}", lambda tenant: card_points(tenant, code, request, deduct=True).to_api()
    )
    return api.json_response(201, transaction)


lambda_handler = api.handler(app)
