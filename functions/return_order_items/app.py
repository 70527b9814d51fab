"""POST /api/v1/orders/{id}/returns"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.orders.models import Order, ReturnCreate
from clientele.orders.service import return_items

app = api.resolver()


@app.post(
    "/api/v1/orders/<id>/returns",
    tags=["Orders"],
    summary="Return items of an order",
    description=(
        "Gives back `quantity` of the order's line at `position` (0: the first of `items`), for a closed or "
        "partially returned order. The refund is the items' value less their share of the order's discount; "
        "aggregates and points follow as for any refund, and the refund lists the items. The order becomes "
        "`partially_returned`, or `cancelled` once every item is back (then all that is left is refunded). "
        "An open or cancelled order answers 409 `invalid_order_state`."
    ),
    responses=api.documented(201, Order, "The order with the return among its refunds"),
)
def return_order_items(id: str, request: ReturnCreate) -> Response[dict[str, Any]]:
    order = idempotency.remembered(
        app, f"return_order_items#{id}", lambda tenant: return_items(tenant, id, request).to_api()
    )
    return api.json_response(201, order)


lambda_handler = api.handler(app)
