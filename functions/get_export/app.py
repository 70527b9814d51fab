"""GET /api/v1/exports/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.jobs.export_reads import get_export
from clientele.jobs.models import ExportJob

app = api.resolver()


@app.get(
    "/api/v1/exports/<id>",
    tags=["Exports"],
    summary="Get an export",
    description="Status, rowCount and timestamps (UTC); once succeeded, a `downloadUrl` valid 15 minutes.",
    responses=api.documented(200, ExportJob, "The export job"),
)
def get(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, get_export(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)
