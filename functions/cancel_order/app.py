"""POST /api/v1/orders/{id}/cancel"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.orders.models import Order, OrderCancel
from clientele.orders.service import cancel_order

app = api.resolver()


@app.post(
    "/api/v1/orders/<id>/cancel",
    tags=["Orders"],
    summary="Cancel an order",
    description=(
        "An open order is cancelled with nothing to undo. A closed or partially returned one refunds all that "
        "is left, with its share of the discount and its points. The order still counts in `totalOrders` (it "
        "was placed). A cancelled order answers 409 `invalid_order_state`."
    ),
    responses=api.documented(200, Order, "The cancelled order"),
)
def cancel(id: str, request: OrderCancel) -> Response[dict[str, Any]]:
    order = idempotency.remembered(
        app, f"cancel_order#{id}", lambda tenant: cancel_order(tenant, id, request.reason).to_api()
    )
    return api.json_response(200, order)


lambda_handler = api.handler(app)
