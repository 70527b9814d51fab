"""POST /api/v1/consumers/bulk-status"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consumers.batches import bulk_status
from clientele.consumers.models import Consumer
from clientele.consumers.requests import BulkStatus
from clientele.core import http as api
from clientele.core import idempotency

app = api.resolver()


@app.post(
    "/api/v1/consumers/bulk-status",
    tags=["Consumers"],
    summary="Set the status of many consumers",
    description="At most 500 `consumerIds`, all validated before any is changed; an unknown id is a 400.",
    responses=api.documented(200, list[Consumer], "The updated consumers"),
)
def update(request: BulkStatus) -> Response[list[dict[str, Any]]]:
    consumers = idempotency.remembered(
        app, "bulk_update_status", lambda tenant: [consumer.to_api() for consumer in bulk_status(tenant, request)]
    )
    return api.json_response(200, consumers)


lambda_handler = api.handler(app)
