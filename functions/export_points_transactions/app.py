"""POST /api/v1/consumers/{id}/loyalty/transactions/exports"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.jobs.exports import create_points_export
from clientele.jobs.models import ExportJob, PointsExportCreate

app = api.resolver()


@app.post(
    "/api/v1/consumers/<id>/loyalty/transactions/exports",
    tags=["Exports"],
    summary="Export a consumer's points transaction log",
    description=(
        "A CSV of the transactions created from `after` (and before `before`), timestamps in UTC written as "
        "`dateFormat`. Returns the export job at once; `GET /exports/{id}` gives its download URL when done."
    ),
    responses=api.documented(202, ExportJob, "The queued export"),
)
def export(id: str, request: PointsExportCreate) -> Response[dict[str, Any]]:
    job = idempotency.remembered(
        app, f"export_points_transactions#{id}", lambda tenant: create_points_export(tenant, id, request).to_api()
    )
    return api.json_response(202, job)


lambda_handler = api.handler(app)
