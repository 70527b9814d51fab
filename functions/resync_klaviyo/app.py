"""POST /api/v1/integrations/klaviyo/resync"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.core.errors import KlaviyoNotSetUp
from clientele.integrations.models import KlaviyoResync
from clientele.integrations.service import request_resync

app = api.resolver()


@app.post(
    "/api/v1/integrations/klaviyo/resync",
    tags=["Integrations"],
    summary="Resync every consumer to Klaviyo",
    description=(
        "Backfills the whole organization (this environment) through Klaviyo's bulk profile import jobs, at most "
        "10,000 profiles a job. One resync at a time (409 while one runs); `GET /integrations/klaviyo` shows it."
    ),
    responses={**api.documented(202, KlaviyoResync, "The queued resync"), **api.also_answers(KlaviyoNotSetUp)},
)
def resync() -> Response[dict[str, Any]]:
    queued = idempotency.remembered(app, "resync_klaviyo", lambda tenant: request_resync(tenant).to_api())
    return api.json_response(202, queued)


lambda_handler = api.handler(app)
