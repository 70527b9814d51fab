"""GET /api/v1/consumers/{id}/loyalty"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from clientele.core import http as api
from clientele.loyalty.models import LoyaltySummary
from clientele.loyalty.service import loyalty_summary

app = api.resolver()


@app.get(
    "/api/v1/consumers/<id>/loyalty",
    tags=["Loyalty"],
    summary="A consumer's loyalty points",
    description=(
        "Per program, all ledgers together (`ledger: null`) then each ledger: tier, active, pending, expired, "
        "spent and lifetime points, as of now."
    ),
    responses=api.documented(200, LoyaltySummary, "The consumer's points"),
)
def loyalty(
    id: str,
    program_id: Annotated[str | None, Query(alias="programId", max_length=40)] = None,
    ledger: Annotated[str | None, Query(max_length=64)] = None,
) -> Response[dict[str, Any]]:
    summary = loyalty_summary(api.principal(app).tenant, id, program_id, ledger)
    return api.json_response(200, summary.to_api())


lambda_handler = api.handler(app)
