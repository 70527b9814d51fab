"""The API's half of an import: the job created with its upload URL, and the job read back. Neither
needs the import engine (jobs/imports.py: the CSV reader, the consumer rules, the report), so the
routes' cold start does not load it."""

from __future__ import annotations

from clientele.core import clock
from clientele.core.errors import ImportNotFound
from clientele.core.store import files
from clientele.core.tenancy import Tenant
from clientele.jobs import import_store as store
from clientele.jobs.models import ImportCreate, ImportJob, ImportStatus

IMPORT_ID_PREFIX = "imp"


def create_import(tenant: Tenant, request: ImportCreate) -> ImportJob:
    job = ImportJob(
        id=clock.new_id(IMPORT_ID_PREFIX),
        status=ImportStatus.AWAITING_UPLOAD,
        on_duplicate=request.on_duplicate,
        total_rows=None,
        created_at=clock.now(),
    )
    store.insert(tenant, job)
    url, expires_at = files.upload_url(store.upload_key(tenant, job.id))
    return job.model_copy(update={"upload_url": url, "upload_expires_at": expires_at})


def get_import(tenant: Tenant, import_id: str) -> ImportJob:
    """The job; once finished with failed rows, with the report's URL (valid 15 minutes)."""
    item = store.get_item(tenant, import_id) if import_id.startswith(f"{IMPORT_ID_PREFIX}_") else None
    if item is None:
        raise ImportNotFound()
    job = store.ImportRecord.from_item(item)
    if job.status is ImportStatus.SUCCEEDED and job.failed:
        url, _ = files.download_url(store.report_key(tenant, job.id), f"import-{job.id}-failed-rows.csv")
        return job.model_copy(update={"report_url": url})
    return job
