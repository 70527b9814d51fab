"""POST /api/v1/orders"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.core.errors import ConsumerNotFound
from clientele.core.tenancy import Tenant
from clientele.orders.models import Order, OrderCreate
from clientele.orders.service import place_order

app = api.resolver()


@app.post(
    "/api/v1/orders",
    tags=["Orders"],
    summary="Record an order",
    description=(
        "Names the consumer by exactly one of `consumerId`, `email` (an unknown email creates a guest consumer) "
        "or `consumerExternalId`, and moves its order aggregates. `amount` is the value before discounts. An "
        "order whose `externalId` was sent before is not recorded again: the first one is returned with 200."
    ),
    responses={
        **api.documented(201, Order, "The recorded order"),
        **api.documented(200, Order, "The order recorded earlier with this externalId"),
        **api.also_answers(ConsumerNotFound),
    },
)
def create(request: OrderCreate) -> Response[dict[str, Any]]:

    def place(tenant: Tenant) -> dict[str, Any]:
        order, created = place_order(tenant, request)
        return {"status": 201 if created else 200, "order": order.to_api()}

    answer = idempotency.remembered(app, "create_order", place)
    return api.json_response(answer["status"], answer["order"])


lambda_handler = api.handler(app)
