"""POST /api/v1/integrations/klaviyo/pull"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.core.errors import KlaviyoNotSetUp, PullInProgress
from clientele.integrations.models import KlaviyoPull
from clientele.integrations.service import request_pull

app = api.resolver()


@app.post(
    "/api/v1/integrations/klaviyo/pull",
    tags=["Integrations"],
    summary="Pull the Klaviyo import lists into consumers",
    description=(
        "Reads every profile of the `importListIds` lists (Klaviyo's Get Profiles for List, page by page) and "
        "creates or updates consumers with source `klaviyo`, matched by Klaviyo profile id, else email, else "
        "phone. A pull never clears a field, and leaves alone what Klaviyo already had from Clientele. The same "
        "runs every hour. One pull at a time (409 while one runs); `GET /integrations/klaviyo` shows `lastPull` "
        "with its counts."
    ),
    responses={
        **api.documented(202, KlaviyoPull, "The started pull"),
        **api.also_answers(KlaviyoNotSetUp, PullInProgress),
    },
)
def pull() -> Response[dict[str, Any]]:
    started = idempotency.remembered(app, "pull_klaviyo", lambda tenant: request_pull(tenant).to_api())
    return api.json_response(202, started)


lambda_handler = api.handler(app)
