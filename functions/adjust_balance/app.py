"""POST /api/v1/consumers/{id}/balance-adjustments"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.orders.balance import adjust_balance
from clientele.orders.models import BalanceAdjustment, BalanceAdjustmentCreate

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/balance-adjustments",
    tags=["Orders"],
    summary="Credit or debit a consumer's balance",
    description="A positive `amount` credits, a negative one debits; the balance never goes below zero.",
    responses=api.documented(201, BalanceAdjustment, "The adjustment, with the balance after it"),
)
def adjust(id: str, request: BalanceAdjustmentCreate) -> Response[dict[str, Any]]:
    adjustment = idempotency.remembered(
        app,
        f"adjust_balance#{id}",
        lambda tenant: adjust_balance(tenant, id, request).to_api(),
    )
    return api.json_response(201, adjustment)


lambda_handler = api.handler(app)
