"""GET /api/v1/integrations/shopify/sync/{jobId}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.shopify.sync_jobs import get_sync
from clientele.shopify.sync_models import ShopifySync

app = api.resolver()


@app.get(
    "/api/v1/integrations/shopify/sync/<jobId>",
    tags=["Integrations"],
    summary="Get a Shopify sync",
    description=(
        "Status (running, succeeded, failed), the method chosen (bulk or paginated), progress (customers processed "
        "of the shop's total) and counts: created (new consumers), updated (linked consumers whose fields "
        "changed), unchanged (already as Shopify has them, or newer), failed (customers that could not be applied, "
        "the first few named in `errors`)."
    ),
    responses=api.documented(200, ShopifySync, "The sync job"),
)
def get(jobId: str) -> Response[dict[str, Any]]:
    return api.json_response(200, get_sync(api.principal(app).tenant, jobId).to_api())


lambda_handler = api.handler(app)
