"""PUT /api/v1/consumers/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele import api
from clientele.consumers import update_consumer
from clientele.models import Consumer, ConsumerUpdate

app = api.resolver()


@app.put(
    "/api/v1/consumers/<id>",
    summary="Update a consumer",
    description="Fields present in the body change; `null` clears a field.",
    responses=api.documented(200, Consumer, "The updated consumer"),
)
def update(id: str, request: ConsumerUpdate) -> Response[dict[str, Any]]:
    consumer = update_consumer(api.principal(app).tenant, id, request)
    return api.json_response(200, consumer.to_api())


lambda_handler = api.handler(app)
