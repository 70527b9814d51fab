"""POST /api/v1/orders/{id}/close"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.orders.models import Order
from clientele.orders.service import close_order

app = api.resolver()


@app.post(
    "/api/v1/orders/<id>/close",
    tags=["Orders"],
    summary="Close an open order",
    description=(
        "Closes a session created with `state: open` (seed 003): the consumer's aggregates move, the purchase "
        "joins its timeline, and the order earns its points, their start counted from now. Any other state "
        "answers 409 `invalid_order_state`."
    ),
    responses=api.documented(200, Order, "The closed order"),
)
def close(id: str) -> Response[dict[str, Any]]:
    order = idempotency.remembered(app, f"close_order#{id}", lambda tenant: close_order(tenant, id).to_api())
    return api.json_response(200, order)


lambda_handler = api.handler(app)
