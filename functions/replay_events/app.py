"""POST /api/v1/webhook-endpoints/{id}/replay"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.webhooks.models import ReplayAccepted
from clientele.webhooks.requests import ReplayRequest
from clientele.webhooks.service import request_replay

app = api.resolver()


@app.post(
    "/api/v1/webhook-endpoints/<id>/replay",
    tags=["Webhooks"],
    summary="Redeliver stored events to a webhook endpoint",
    description=(
        "Every stored event since `since` (at most 30 days back) of a type the endpoint takes is delivered again, "
        "in the background, oldest first; each keeps its `webhook-id`."
    ),
    responses=api.documented(202, ReplayAccepted, "The replay, queued"),
)
def replay(id: str, request: ReplayRequest) -> Response[dict[str, Any]]:
    answer = idempotency.remembered(
        app, f"replay_events#{id}", lambda tenant: request_replay(tenant, id, request).to_api()
    )
    return api.json_response(202, answer)


lambda_handler = api.handler(app)
