"""GET /api/v1/loyalty-programs/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.loyalty.models import LoyaltyProgram
from clientele.loyalty.service import get_program

app = api.resolver()


@app.get(
    "/api/v1/loyalty-programs/<id>",
    tags=["Loyalty"],
    summary="Get a loyalty program",
    responses=api.documented(200, LoyaltyProgram, "The program"),
)
def get(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, get_program(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)
