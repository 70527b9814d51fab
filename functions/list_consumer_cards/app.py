"""GET /api/v1/consumers/{id}/loyalty-cards"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.loyalty.cards import consumer_cards
from clientele.loyalty.models import LoyaltyCard

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/loyalty-cards",
    tags=["Loyalty"],
    summary="List a consumer's loyalty cards",
    description="By code, each with its status and the profiles it is linked to (when each was registered).",
    responses=api.documented(200, Page[LoyaltyCard], "A page of cards"),
)
def list_(
    id: str, first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, consumer_cards(api.principal(app).tenant, id, page))


lambda_handler = api.handler(app)
