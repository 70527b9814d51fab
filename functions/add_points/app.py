"""POST /api/v1/consumers/{id}/loyalty/points"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.loyalty.models import PointsTransaction
from clientele.loyalty.requests import PointsAdd
from clientele.loyalty.service import add_points

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/loyalty/points",
    tags=["Loyalty"],
    summary="Add loyalty points",
    description=(
        "To a ledger of a program (`main` unless named; a new name creates that sub-ledger), with a start rule "
        "(default, immediate, relative, absolute) and an expiry rule (default, unlimited, relative, absolute)."
    ),
    responses=api.documented(201, PointsTransaction, "The transaction, with when the points start and expire"),
)
def add(id: str, request: PointsAdd) -> Response[dict[str, Any]]:
    transaction = idempotency.remembered(
        app, f"add_points#{id}", lambda tenant: add_points(tenant, id, request).to_api()
    )
    return api.json_response(201, transaction)


lambda_handler = api.handler(app)
