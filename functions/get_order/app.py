"""GET /api/v1/orders/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.orders.models import Order
from clientele.orders.reads import get_order

app = api.resolver()


@app.get(
    "/api/v1/orders/<id>", tags=["Orders"], summary="Get an order", responses=api.documented(200, Order, "The order")
)
def get(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, get_order(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)
