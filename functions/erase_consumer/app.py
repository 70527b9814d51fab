"""POST /api/v1/consumers/{id}/erase"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.privacy.models import Erasure
from clientele.privacy.service import erase

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/erase",
    tags=["Privacy"],
    summary="Erase a consumer (right to be forgotten)",
    description=(
        "Removes the profile, its unique values, search entries, memberships, wallets and timeline. Orders, points "
        "transactions and balance adjustments keep their amounts for accounting under an anonymous id, without "
        "personal fields. A synced consumer's deletion is requested from Klaviyo. The answer is also kept as an "
        "audit entry: who erased whom (as a hash of the id) and when, without personal data. Sending it again "
        "after a failure completes it; after success the consumer is 404."
    ),
    responses=api.documented(200, Erasure, "What was erased"),
)
def erase_(id: str) -> Response[dict[str, Any]]:
    principal = api.principal(app)
    return api.json_response(200, erase(principal.tenant, id, principal.key_id).to_api())


lambda_handler = api.handler(app)
