"""PUT /api/v1/consumers/{id}/suppression"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consent.models import Consumer
from clientele.consent.requests import SuppressionUpdate
from clientele.consent.service import set_suppression
from clientele.core import http as api

app = api.resolver()


@app.put(
    "/api/v1/consumers/<id>/suppression",
    tags=["Consumers"],
    summary="Suppress or lift a consumer's email address or phone number",
    description=(
        "Records that the channel's address (`email` or `sms`) is not to be sent to, with the reason "
        "(`hard_bounce`, `spam_complaint`, `invalid` or `manual`), or lifts it with `reason: null`. Kept apart "
        "from consent: the person's answer stays as it is (`consent`), and the Klaviyo sync subscribes no "
        "suppressed address. The change history records who did it. The same reason again changes nothing."
    ),
    responses=api.documented(200, Consumer, "The consumer, with its suppressions"),
)
def put_suppression(id: str, request: SuppressionUpdate) -> Response[dict[str, Any]]:
    consumer = set_suppression(api.principal(app).tenant, id, request)
    return api.json_response(200, consumer.to_api(), version=consumer.version)


lambda_handler = api.handler(app)
