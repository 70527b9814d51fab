"""POST /api/v1/orders/{id}/refunds"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.orders.models import Order, RefundCreate
from clientele.orders.service import refund_order

app = api.resolver()


@app.post(
    "/api/v1/orders/<id>/refunds",
    tags=["Orders"],
    summary="Refund an order",
    description=(
        "Gives back `amount` of what the consumer paid (default: all that is left) and takes back the same "
        "share of the order's discount from the consumer's aggregates."
    ),
    responses=api.documented(201, Order, "The order with its refunds"),
)
def refund(id: str, request: RefundCreate) -> Response[dict[str, Any]]:
    order = idempotency.remembered(app, f"refund_order#{id}", lambda tenant: refund_order(tenant, id, request).to_api())
    return api.json_response(201, order)


lambda_handler = api.handler(app)
