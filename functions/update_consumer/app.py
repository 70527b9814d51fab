"""PUT /api/v1/consumers/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consumers.models import Consumer
from clientele.consumers.requests import ConsumerUpdate
from clientele.consumers.service import update_consumer
from clientele.core import http as api

app = api.resolver()


@app.put(
    "/api/v1/consumers/<id>",
    tags=["Consumers"],
    summary="Update a consumer",
    description=(
        "Fields present in the body change; `null` clears a field. With `If-Match` (the `ETag` a read gave), the "
        "update applies only to the consumer at that version, else 409 `version_mismatch`: no change is lost."
    ),
    responses=api.documented(200, Consumer, "The updated consumer"),
)
def update(id: str, request: ConsumerUpdate, if_match: api.IfMatch = None) -> Response[dict[str, Any]]:
    consumer = update_consumer(api.principal(app).tenant, id, request, api.version_of(if_match))
    return api.json_response(200, consumer.to_api(), version=consumer.version)


lambda_handler = api.handler(app)
