"""DELETE /api/v1/consumers/{id}: answers with the deleted consumer."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consumers.models import Consumer
from clientele.consumers.service import delete_consumer
from clientele.core import http as api

app = api.resolver()


@app.delete(
    "/api/v1/consumers/<id>",
    tags=["Consumers"],
    summary="Delete a consumer",
    responses=api.documented(200, Consumer, "The deleted consumer"),
)
def delete(id: str) -> Response[dict[str, Any]]:
    consumer = delete_consumer(api.principal(app).tenant, id)
    return api.json_response(200, consumer.to_api())


lambda_handler = api.handler(app)
