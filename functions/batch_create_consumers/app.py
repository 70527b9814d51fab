"""POST /api/v1/consumers/batch: up to 500 consumers, all validated before any is written."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from pydantic import Field

from clientele.consumers.batches import MAX_BATCH, batch_create
from clientele.consumers.enums import Source
from clientele.consumers.models import Consumer
from clientele.consumers.requests import ConsumerCreate
from clientele.consumers.service import current
from clientele.core import http as api
from clientele.core import idempotency

app = api.resolver()

# The body is parsed by the logic (to report problems per item); this is its shape for the docs.
REQUEST_BODY = Annotated[list[ConsumerCreate], Field(min_length=1, max_length=MAX_BATCH)]


@app.post(
    "/api/v1/consumers/batch",
    tags=["Consumers"],
    summary="Create up to 500 consumers",
    description="Body: an array of CreateConsumer objects. Every item is validated before any is written.",
    responses=api.documented(201, list[Consumer], "The created consumers, in the order given"),
)
def create_batch() -> Response[list[dict[str, Any]]]:
    tenant = api.principal(app).tenant
    consumers = idempotency.remembered(
        app,
        "batch_create_consumers",
        lambda tenant: [
            consumer.to_api()
            for consumer in batch_create(
                tenant, api.json_body(app), source=Source.CONSOLE if api.from_console(app) else Source.API
            )
        ],
        # An answer too big to keep is kept as its ids; a replay then answers the consumers as they are now.
        shrink=lambda answer: [consumer["id"] for consumer in answer],
        expand=lambda ids: [consumer.to_api() for consumer in current(tenant, ids)],
    )
    return api.json_response(201, consumers)


lambda_handler = api.handler(app)
