"""PUT /api/v1/consumers/{id}/consent"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consent.models import Consumer
from clientele.consent.requests import ConsentUpdate
from clientele.consent.service import set_consent
from clientele.core import http as api

app = api.resolver()


@app.put(
    "/api/v1/consumers/<id>/consent",
    tags=["Consumers"],
    summary="Set a consumer's marketing consent on a channel",
    description=(
        "Sets the consent on one channel (`email` or `sms`) to `subscribed`, `unsubscribed` or "
        "`never_subscribed`, given now by `method` (`form`, `checkout` or `api`, the default; the console's is "
        "`console`), with the wording version the person agreed to and the IP they gave it from. The change is "
        "kept in the consent log (`GET /consumers/{id}/consent-log`) with the key that made it. Saying what the "
        "channel already says changes nothing. `consentedAt` is the time of the change: only an import may give "
        "an earlier one."
    ),
    responses=api.documented(200, Consumer, "The consumer, with its consent"),
)
def put_consent(id: str, request: ConsentUpdate) -> Response[dict[str, Any]]:
    principal = api.principal(app)
    consumer = set_consent(principal.tenant, id, request, console=api.from_console(app), actor=principal.key_id)
    return api.json_response(200, consumer.to_api(), version=consumer.version)


lambda_handler = api.handler(app)
