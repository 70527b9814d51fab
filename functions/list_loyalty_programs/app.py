"""GET /api/v1/loyalty-programs"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.loyalty.models import LoyaltyProgram
from clientele.loyalty.service import list_programs

app = api.resolver()


@app.get(
    "/api/v1/loyalty-programs",
    tags=["Loyalty"],
    summary="List loyalty programs",
    description="Oldest first, paged like the consumer list.",
    responses=api.documented(200, Page[LoyaltyProgram], "A page of programs"),
)
def list_(
    first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, list_programs(api.principal(app).tenant, page))


lambda_handler = api.handler(app)
