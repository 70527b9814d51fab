"""POST /api/v1/consumers/{id}/erase"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.privacy.models import Erasure
from clientele.privacy.service import erase
from clientele.privacy.store import subject_of

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
        "after a failure completes it; after success the consumer is 404, unless the retry carries the first "
        "request's Idempotency-Key, which answers the first erasure again."
    ),
    responses=api.documented(200, Erasure, "What was erased"),
)
def erase_(id: str) -> Response[dict[str, Any]]:
    principal = api.principal(app)
    # Remembered under the subject's hash, not the id: the record outlives the consumer's data.
    operation = f"erase_consumer#{subject_of(principal.tenant, id)}"
    erasure = idempotency.remembered(app, operation, lambda tenant: erase(tenant, id, principal.key_id).to_api())
    return api.json_response(200, erasure)


lambda_handler = api.handler(app)
