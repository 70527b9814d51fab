"""GET /api/v1/audiences"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.audiences.models import Audience
from clientele.audiences.service import list_audiences
from clientele.core import http as api
from clientele.core.models import Page

app = api.resolver()


@app.get(
    "/api/v1/audiences",
    tags=["Audiences"],
    summary="List audiences",
    description="Newest first, paged like the consumer list.",
    responses=api.documented(200, Page[Audience], "A page of audiences"),
)
def list_(
    first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, list_audiences(api.principal(app).tenant, page))


lambda_handler = api.handler(app)
