"""PUT /api/v1/loyalty-programs/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.loyalty.models import LoyaltyProgram
from clientele.loyalty.requests import LoyaltyProgramUpdate
from clientele.loyalty.service import update_program

app = api.resolver()


@app.put(
    "/api/v1/loyalty-programs/<id>",
    tags=["Loyalty"],
    summary="Change a loyalty program",
    description="Fields present change; points already given keep their dates. `earning: null` stops orders earning.",
    responses=api.documented(200, LoyaltyProgram, "The updated program"),
)
def update(id: str, request: LoyaltyProgramUpdate) -> Response[dict[str, Any]]:
    return api.json_response(200, update_program(api.principal(app).tenant, id, request).to_api())


lambda_handler = api.handler(app)
