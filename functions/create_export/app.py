"""POST /api/v1/exports"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.core.errors import AudienceNotFound
from clientele.jobs.exports import create_consumer_export
from clientele.jobs.models import ConsumerExportCreate, ExportJob

app = api.resolver()


@app.post(
    "/api/v1/exports",
    tags=["Exports"],
    summary="Export consumers as CSV or Excel",
    description=(
        "The consumers the list shows for `filters` (its filter names, `search`, `sortBy`/`sortDir`), or exactly "
        "the ones in `consumerIds` (at most 500). Consumer ID, Email, Full Name, Status and Created At are always "
        "columns; `fields` adds phone, tags, loyalty, metadata, address or orders. Returns the job at once; "
        "`GET /exports/{id}` shows its progress and, when done, a download URL."
    ),
    responses={**api.documented(202, ExportJob, "The queued export"), **api.also_answers(AudienceNotFound)},
)
def create(request: ConsumerExportCreate) -> Response[dict[str, Any]]:
    job = idempotency.remembered(app, "create_export", lambda tenant: create_consumer_export(tenant, request).to_api())
    return api.json_response(202, job)


lambda_handler = api.handler(app)
