"""POST /api/v1/integrations/shopify/sync"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from clientele.core import http as api
from clientele.core import idempotency
from clientele.core.errors import ShopifyNotSetUp, ShopifySyncInProgress
from clientele.shopify.sync_jobs import start_sync
from clientele.shopify.sync_models import ShopifySync, ShopifySyncRequest

app = api.resolver()


@app.post(
    "/api/v1/integrations/shopify/sync",
    tags=["Integrations"],
    summary="Sync customers from Shopify",
    description=(
        'The "Sync Customers" button: every Shopify customer becomes (or updates) a consumer, linked by its '
        "Shopify id, else the same email or phone, never a duplicate. `mode`: `auto` (default: a bulk operation for "
        "a shop of more than 2,500 customers, else the paginated customers query), `bulk`, or `incremental` "
        "(customers updated since the last finished sync started). Answers 202 with the job; "
        "`GET /integrations/shopify/sync/{jobId}` shows its progress and counts. One sync at a time: 409 names "
        "the running job."
    ),
    responses={
        **api.documented(202, ShopifySync, "The running sync job"),
        **api.also_answers(ShopifyNotSetUp, ShopifySyncInProgress),
    },
)
def sync(request: Annotated[ShopifySyncRequest | None, Body()] = None) -> Response[dict[str, Any]]:
    body = request or ShopifySyncRequest()
    job = idempotency.remembered(app, "sync_shopify", lambda tenant: start_sync(tenant, body).to_api())
    return api.json_response(202, job)


lambda_handler = api.handler(app)
