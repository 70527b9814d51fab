"""POST /api/v1/consumers"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele import api, idempotency
from clientele.consumers import create_consumer
from clientele.models import Consumer, ConsumerCreate

app = api.resolver()


@app.post(
    "/api/v1/consumers",
    summary="Create a consumer",
    responses=api.documented(201, Consumer, "The created consumer"),
)
def create(request: ConsumerCreate) -> Response[dict[str, Any]]:
    tenant = api.principal(app).tenant
    consumer = idempotency.once(
        tenant,
        "create_consumer",
        api.idempotency_key(app),
        app.current_event.json_body,
        lambda: create_consumer(tenant, request).to_api(),
    )
    return api.json_response(201, consumer)


lambda_handler = api.handler(app)
