"""PUT /api/v1/consumers/batch: up to 500 updates, all validated before any is written."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from pydantic import Field

from clientele.consumers.batches import MAX_BATCH, batch_update
from clientele.consumers.models import Consumer
from clientele.consumers.requests import ConsumerBatchUpdate
from clientele.core import http as api

app = api.resolver()

# The body is parsed by the logic (to report problems per item); this is its shape for the docs.
REQUEST_BODY = Annotated[list[ConsumerBatchUpdate], Field(min_length=1, max_length=MAX_BATCH)]


@app.put(
    "/api/v1/consumers/batch",
    tags=["Consumers"],
    summary="Update up to 500 consumers",
    description="Body: an array of `{id, ...fields}`. Every item is validated before any is written.",
    responses=api.documented(200, list[Consumer], "The updated consumers, in the order given"),
)
def update_batch() -> Response[list[dict[str, Any]]]:
    consumers = batch_update(api.principal(app).tenant, api.json_body(app))
    return api.json_response(200, [consumer.to_api() for consumer in consumers])


lambda_handler = api.handler(app)
