"""POST /api/v1/consumers/batch: up to 500 consumers, all validated before any is written."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele import api, idempotency
from clientele.consumers import batch_create
from clientele.models import Consumer

app = api.resolver()


@app.post(
    "/api/v1/consumers/batch",
    summary="Create up to 500 consumers",
    description="Body: an array of CreateConsumer objects. Every item is validated before any is written.",
    responses=api.documented(201, list[Consumer], "The created consumers, in the order given"),
)
def create_batch() -> Response[list[dict[str, Any]]]:
    tenant = api.principal(app).tenant
    body = api.json_body(app)
    consumers = idempotency.once(
        tenant,
        "batch_create_consumers",
        api.idempotency_key(app),
        body,
        lambda: [consumer.to_api() for consumer in batch_create(tenant, body)],
    )
    return api.json_response(201, consumers)


lambda_handler = api.handler(app)
