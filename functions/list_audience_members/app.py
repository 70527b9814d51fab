"""GET /api/v1/audiences/{id}/members"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.consumers.listing import ListRequest, list_consumers
from clientele.consumers.models import Consumer
from clientele.core import http as api
from clientele.core.models import Page

app = api.resolver()


@app.get(
    "/api/v1/audiences/<id>/members",
    tags=["Audiences"],
    summary="List an audience's members",
    description="The consumers in the audience, newest first; the same as `GET /consumers?audienceId=`.",
    responses=api.documented(200, Page[Consumer], "A page of consumers"),
)
def members(
    id: str,
    first: api.PageSize = None,
    last: api.PageSize = None,
    after: str | None = None,
    before: str | None = None,
    include: str | None = None,
) -> Response[dict[str, Any]]:
    request = ListRequest(first=first, last=last, after=after, before=before, audience_id=id, include=include)
    return api.json_response(200, list_consumers(api.principal(app).tenant, request))


lambda_handler = api.handler(app)
