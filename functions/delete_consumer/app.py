"""DELETE /api/v1/consumers/{id}: answers with the deleted consumer."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele import api
from clientele.consumers import delete_consumer

app = api.resolver()


@app.delete("/api/v1/consumers/<consumer_id>")
def delete(consumer_id: str) -> Response[dict[str, Any]]:
    consumer = delete_consumer(api.principal(app).tenant, consumer_id)
    return api.json_response(200, consumer.to_api())


lambda_handler = api.handler(app)
