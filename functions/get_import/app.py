"""GET /api/v1/imports/{id}"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.jobs.import_jobs import get_import
from clientele.jobs.models import ImportJob

app = api.resolver()


@app.get(
    "/api/v1/imports/<id>",
    tags=["Imports"],
    summary="Get an import",
    description=(
        "Status (awaiting_upload, processing, succeeded, failed), totalRows, processedRows, the created, updated, "
        "skipped and failed counts, the first 100 row errors (rows numbered as a spreadsheet does: the header is "
        "row 1) and, once finished with failed rows, `reportUrl`: a CSV of every failed row, valid 15 minutes."
    ),
    responses=api.documented(200, ImportJob, "The import job"),
)
def get(id: str) -> Response[dict[str, Any]]:
    return api.json_response(200, get_import(api.principal(app).tenant, id).to_api())


lambda_handler = api.handler(app)
