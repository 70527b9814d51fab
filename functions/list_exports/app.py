"""GET /api/v1/exports"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core.models import Page
from clientele.jobs.export_reads import list_exports
from clientele.jobs.models import ExportJob

app = api.resolver()


@app.get(
    "/api/v1/exports",
    tags=["Exports"],
    summary="List exports",
    description="The organization's export jobs in this environment, newest first.",
    responses=api.documented(200, Page[ExportJob], "A page of export jobs"),
)
def list_(
    first: api.PageSize = None, last: api.PageSize = None, after: str | None = None, before: str | None = None
) -> Response[dict[str, Any]]:
    page = api.page_request(first, last, after, before)
    return api.json_response(200, list_exports(api.principal(app).tenant, page))


lambda_handler = api.handler(app)
