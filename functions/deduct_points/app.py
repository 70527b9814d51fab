"""POST /api/v1/consumers/{id}/loyalty/deductions"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.loyalty.models import PointsTransaction
from clientele.loyalty.requests import PointsDeduct
from clientele.loyalty.service import deduct_points

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/loyalty/deductions",
    tags=["Loyalty"],
    summary="Deduct loyalty points",
    description="Spends active points of the ledger, earliest expiry first; more than are active is a 400.",
    responses=api.documented(201, PointsTransaction, "The transaction"),
)
def deduct(id: str, request: PointsDeduct) -> Response[dict[str, Any]]:
    transaction = idempotency.remembered(
        app,
        f"deduct_points#{id}",
        lambda tenant: deduct_points(tenant, id, request).to_api(),
    )
    return api.json_response(201, transaction)


lambda_handler = api.handler(app)
