"""POST /api/v1/consumers/{id}/loyalty/deductions"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele import api, idempotency
from clientele.loyalty import deduct_points
from clientele.models import PointsDeduct, PointsTransaction

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/loyalty/deductions",
    summary="Deduct loyalty points",
    description="Spends active points of the ledger, earliest expiry first; more than are active is a 400.",
    responses=api.documented(201, PointsTransaction, "The transaction"),
)
def deduct(id: str, request: PointsDeduct) -> Response[dict[str, Any]]:
    tenant = api.principal(app).tenant
    transaction = idempotency.once(
        tenant,
        f"deduct_points#{id}",
        api.idempotency_key(app),
        api.json_body(app),
        lambda: deduct_points(tenant, id, request).model_dump(mode="json", by_alias=True),
    )
    return api.json_response(201, transaction)


lambda_handler = api.handler(app)
