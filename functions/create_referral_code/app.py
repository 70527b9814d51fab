"""POST /api/v1/consumers/{id}/referral-codes"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.referrals.models import ReferralCode
from clientele.referrals.requests import ReferralCodeCreate
from clientele.referrals.service import create_code

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/referral-codes",
    tags=["Referrals"],
    summary="Give a consumer a referral code",
    description=(
        "A code the consumer (the advocate) shares. A consumer create or an order carrying it as `referralCode` "
        "records its consumer as referred: once per person, never the advocate themself, at most `usageLimit` "
        "people and before `expiresAt`. A loyalty program's `referral` rule gives points to both sides. Without "
        "`code`, a 10-character code is drawn; codes are upper case and unique in the environment."
    ),
    responses=api.documented(201, ReferralCode, "The referral code"),
)
def create(id: str, request: ReferralCodeCreate) -> Response[dict[str, Any]]:
    code = idempotency.remembered(
        app, f"create_referral_code#{id}", lambda tenant: create_code(tenant, id, request).to_api()
    )
    return api.json_response(201, code)


lambda_handler = api.handler(app)
