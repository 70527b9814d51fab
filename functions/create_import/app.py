"""POST /api/v1/imports"""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from clientele.core import http as api
from clientele.core import idempotency
from clientele.jobs.import_jobs import create_import
from clientele.jobs.models import ImportCreate, ImportJob

app = api.resolver()


@app.post(
    "/api/v1/imports",
    tags=["Imports"],
    summary="Import consumers from a CSV file",
    description=(
        "Returns the job with `uploadUrl`: PUT the CSV (UTF-8, with or without BOM) there within the hour. "
        "Columns, matched case-insensitively: email, fullName (or name, full name), firstName, lastName, phone, "
        "externalId, status, tags (separated by ; or |), metadata.<key>, and per channel (email, sms) consent: "
        "emailConsent (subscribed, unsubscribed or never_subscribed), emailConsentedAt (when the person agreed: "
        "an import is the one path that may give a time before now) and emailConsentWording; a state the "
        "channel already has, or one older than its current record, changes nothing. Each row is checked as "
        "`POST /consumers` checks a body. A row whose email or externalId a consumer already has is skipped, "
        "updates that consumer, or fails, as `onDuplicate` says. `GET /imports/{id}` shows the progress."
    ),
    responses=api.documented(201, ImportJob, "The import, awaiting its file"),
)
def create(request: ImportCreate) -> Response[dict[str, Any]]:
    job = idempotency.remembered(app, "create_import", lambda tenant: create_import(tenant, request).to_api())
    return api.json_response(201, job)


lambda_handler = api.handler(app)
