"""POST /api/v1/loyalty-programs"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.loyalty.models import LoyaltyProgram
from clientele.loyalty.requests import LoyaltyProgramCreate
from clientele.loyalty.service import create_program

app = api.resolver()


@app.post(
    "/api/v1/loyalty-programs",
    tags=["Loyalty"],
    summary="Create a loyalty program",
    description=(
        "Timezone, default start and expiry rules, the earning rule for orders and the tiers. The organization's "
        "first program is its primary one: its points and tier show on each consumer."
    ),
    responses=api.documented(201, LoyaltyProgram, "The program"),
)
def create(request: LoyaltyProgramCreate) -> Response[dict[str, Any]]:
    program = idempotency.remembered(
        app, "create_loyalty_program", lambda tenant: create_program(tenant, request).to_api()
    )
    return api.json_response(201, program)


lambda_handler = api.handler(app)
