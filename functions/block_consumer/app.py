"""POST /api/v1/consumers/{id}/block"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consumers.blocking import block
from clientele.consumers.models import Consumer
from clientele.consumers.requests import ConsumerBlock
from clientele.core import http as api

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/block",
    tags=["Consumers"],
    summary="Block a consumer",
    description=(
        "A blocked consumer earns and redeems no points: its orders still record (and count in its "
        "aggregates) but earn nothing, and adding or deducting points answers 409 `consumer_blocked`. "
        "Blocking a blocked consumer changes nothing."
    ),
    responses=api.documented(200, Consumer, "The blocked consumer"),
)
def block_consumer(id: str, request: ConsumerBlock) -> Response[dict[str, Any]]:
    consumer = block(api.principal(app).tenant, id, request.reason)
    return api.json_response(200, consumer.to_api(), version=consumer.version)


lambda_handler = api.handler(app)
