"""POST /api/v1/consumers"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consumers.enums import Source
from clientele.consumers.models import Consumer
from clientele.consumers.requests import ConsumerCreate
from clientele.consumers.service import create_consumer
from clientele.core import http as api
from clientele.core import idempotency

app = api.resolver()


@app.post(
    "/api/v1/consumers",
    tags=["Consumers"],
    summary="Create a consumer",
    responses=api.documented(201, Consumer, "The created consumer"),
)
def create(request: ConsumerCreate) -> Response[dict[str, Any]]:
    consumer = idempotency.remembered(
        app,
        "create_consumer",
        lambda tenant: create_consumer(
            tenant, request, source=Source.CONSOLE if api.from_console(app) else Source.API
        ).to_api(),
    )
    return api.json_response(201, consumer, version=consumer["version"])


lambda_handler = api.handler(app)
