"""POST /api/v1/consumers/{id}/unblock"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consumers.blocking import unblock
from clientele.consumers.models import Consumer
from clientele.core import http as api

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/unblock",
    tags=["Consumers"],
    summary="Unblock a consumer",
    description=(
        "The consumer earns and redeems points again. Unblocking a consumer that is not blocked changes nothing."
    ),
    responses=api.documented(200, Consumer, "The unblocked consumer"),
)
def unblock_consumer(id: str) -> Response[dict[str, Any]]:
    consumer = unblock(api.principal(app).tenant, id)
    return api.json_response(200, consumer.to_api(), version=consumer.version)


lambda_handler = api.handler(app)
