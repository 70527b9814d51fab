"""What the export routes read: a job (with its download link once done) and the tenant's jobs. Reads
need none of the export engine (the consumer listing, loyalty's ledger, the file writers), so their
cold start does not load it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from clientele.core import clock
from clientele.core.errors import ExportNotFound
from clientele.core.paging import PageRequest, paged
from clientele.core.store import files
from clientele.core.store.pages import newest_first
from clientele.core.tenancy import Tenant
from clientele.jobs import export_store as store
from clientele.jobs.models import ExportJob, ExportStatus

ID_PREFIX = "exp"
RUN_SECONDS = 900  # the export function's Timeout (template.yaml): no run lasts longer
# A run older than this is over, and had it ended in a retry, that retry would have started by now.
RUN_LIMIT = timedelta(seconds=RUN_SECONDS + 60)
STOPPED = "The export stopped before it finished (its worker was stopped or ran out of time) and was not run again"


def get_export(tenant: Tenant, export_id: str) -> ExportJob:
    """The job; once succeeded, with a download URL valid 15 minutes."""
    job = store.get(tenant, export_id) if export_id.startswith(f"{ID_PREFIX}_") else None
    if job is None:
        raise ExportNotFound()
    return _with_url(tenant, as_seen(job))


def as_seen(job: ExportJob) -> ExportJob:
    """The job as its caller should see it. A run stopped from outside (killed, out of memory, past
    the function's timeout) writes no end of its own; the stream then runs the job again, which
    marks it running anew, unless that was its last run. So a job still running from a run older
    than a run can last has none coming: it failed."""
    if job.status is not ExportStatus.RUNNING or job.started_at is None:
        return job
    if clock.parse(job.started_at) + RUN_LIMIT > datetime.now(UTC):
        return job
    return job.model_copy(update={"status": ExportStatus.FAILED, "error": STOPPED})


def _with_url(tenant: Tenant, job: ExportJob) -> ExportJob:
    if job.status is not ExportStatus.SUCCEEDED:
        return job
    url, expires_at = files.download_url(store.object_key(tenant, job), f"{job.kind}-{job.id}.{job.format}")
    return job.model_copy(update={"download_url": url, "expires_at": expires_at})


def list_exports(tenant: Tenant, page: PageRequest) -> dict[str, Any]:
    """The tenant's export jobs, newest first (without download URLs: get one job for its URL)."""
    source = newest_first(store.ExportRecord.list_key(tenant))
    return paged(
        tenant,
        source,
        {"exports": True},
        page,
        lambda items: [as_seen(store.ExportRecord.from_item(i)).to_api() for i in items],
    )
