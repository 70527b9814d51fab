"""Exports: a job item the API creates, a stream function that writes the file, a short download URL.

The job's INSERT on the table's stream wakes the export function (functions/run_export); it moves
the job pending -> running -> succeeded (rowCount) or failed (error). The file is written as one
multipart upload, so a retried job replaces it with one complete file and a half-written one is
never visible. Rows stream from DynamoDB pages to S3 parts: memory stays flat however many rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

from aws_lambda_powertools import Logger

from clientele import clock, loyalty
from clientele.consumers import get_consumer
from clientele.data import exports as store
from clientele.data import files
from clientele.data import loyalty as loyalty_store
from clientele.data.consumers import tenant_of
from clientele.data.pages import every_item, newest_first
from clientele.errors import ExportNotFound
from clientele.models import DateFormat, ExportJob, ExportKind, ExportStatus, PointsExportCreate
from clientele.paging import PageRequest, paged
from clientele.tenancy import Tenant

logger = Logger(child=True)

ID_PREFIX = "exp"
_DATE_FORMATS = {
    DateFormat.ISO8601: "%Y-%m-%dT%H:%M:%SZ",
    DateFormat.YMD: "%Y-%m-%d %H:%M:%S",
    DateFormat.DMY: "%d/%m/%Y %H:%M:%S",
    DateFormat.MDY: "%m/%d/%Y %H:%M:%S",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024  # text handed to the upload at a time


def safe_text(value: str | None) -> str:
    """A free-text cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = value or ""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def create_points_export(tenant: Tenant, consumer_id: str, request: PointsExportCreate) -> ExportJob:
    """Queues the consumer's points transaction log as a CSV."""
    get_consumer(tenant, consumer_id)
    if request.program_id is not None:
        loyalty.get_program(tenant, request.program_id, field="programId")
    parameters = {"consumerId": consumer_id, **request.model_dump(mode="json", by_alias=True, exclude_none=True)}
    return _create(tenant, ExportKind.POINTS_TRANSACTIONS, "csv", parameters)


def _create(tenant: Tenant, kind: ExportKind, format: str, parameters: dict[str, Any]) -> ExportJob:
    job = ExportJob(
        id=clock.new_id(ID_PREFIX),
        kind=kind,
        format=format,
        status=ExportStatus.PENDING,
        parameters=parameters,
        row_count=None,
        error=None,
        created_at=clock.now(),
        completed_at=None,
    )
    store.insert(tenant, job)
    return job


def get_export(tenant: Tenant, export_id: str) -> ExportJob:
    """The job; once succeeded, with a download URL valid 15 minutes."""
    job = store.get(tenant, export_id) if export_id.startswith(f"{ID_PREFIX}_") else None
    if job is None:
        raise ExportNotFound()
    return _with_url(tenant, job)


def _with_url(tenant: Tenant, job: ExportJob) -> ExportJob:
    if job.status is not ExportStatus.SUCCEEDED:
        return job
    url, expires_at = files.download_url(store.object_key(tenant, job), f"{job.kind}-{job.id}.{job.format}")
    return job.model_copy(update={"download_url": url, "expires_at": expires_at})


def list_exports(tenant: Tenant, page: PageRequest) -> dict[str, Any]:
    """The tenant's export jobs, newest first (without download URLs: get one job for its URL)."""
    source = newest_first(store.list_key(tenant))
    return paged(tenant, source, {"exports": True}, page, lambda items: [store.from_item(i).to_api() for i in items])


# ---------------------------------------------------------------- running a job


def run_export(tenant: Tenant, job: ExportJob) -> int | None:
    """Writes the job's file and marks it succeeded; returns the rows written (None: already done).
    A failure marks the job failed and is raised again, so the stream retries it."""
    if not store.move(tenant, job.id, ExportStatus.RUNNING, error=None):
        return None  # a redelivered record of a job that already succeeded
    try:
        rows = _ROWS[job.kind](tenant, job.parameters)
        with files.Upload(store.object_key(tenant, job), "text/csv; charset=utf-8") as upload:
            count = _write_csv(upload, rows)
    except Exception as error:
        logger.exception("Export failed", extra={"exportId": job.id})
        store.move(tenant, job.id, ExportStatus.FAILED, error=_public_error(error))
        raise
    store.move(tenant, job.id, ExportStatus.SUCCEEDED, rowCount=count, completedAt=clock.now())
    return count


def _public_error(error: Exception) -> str:
    """What the job shows: the kind of fault, never its message (which may hold personal data)."""
    return f"The file could not be written ({type(error).__name__}); the export is retried automatically"


def _write_csv(upload: files.Upload, rows: Iterator[list[Any]]) -> int:
    """Header first; returns the data rows written. UTF-8 with BOM, so spreadsheets read accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    upload.write("\ufeff".encode())
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
        if buffer.tell() >= CHUNK:
            upload.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    upload.write(buffer.getvalue().encode())
    return written - 1  # the header is not a data row


POINTS_HEADER = [
    *("Created on", "Points", "Ledger", "Reason", "Expires on", "Active on", "Session"),  # seed 003's columns
    *("Program", "Kind", "Transaction ID"),
]


def _points_rows(tenant: Tenant, parameters: dict[str, Any]) -> Iterator[list[Any]]:
    """Seed 003's transaction log columns; instants in UTC in the chosen format; oldest first."""
    request = PointsExportCreate.model_validate({k: v for k, v in parameters.items() if k != "consumerId"})
    pattern = _DATE_FORMATS[request.date_format]
    when: Callable[[str | None], str] = lambda instant: clock.parse(instant).strftime(pattern) if instant else ""  # noqa: E731
    yield POINTS_HEADER
    source = loyalty.transactions_source(
        tenant,
        parameters["consumerId"],
        loyalty.TransactionsRequest(request.program_id, request.ledger, request.after, request.before),
        forward=True,
    )
    for item in every_item(source):
        transaction = loyalty_store.transaction_from_item(item)
        yield [
            when(transaction.created_at),
            transaction.points,
            safe_text(transaction.ledger),
            safe_text(transaction.reason),
            when(transaction.expires_on),
            when(transaction.active_on),
            transaction.order_id or "manual",
            transaction.program_id,
            transaction.kind,
            transaction.id,
        ]


_ROWS: dict[ExportKind, Callable[[Tenant, dict[str, Any]], Iterator[list[Any]]]] = {
    ExportKind.POINTS_TRANSACTIONS: _points_rows,
}


def job_of(item: dict[str, Any]) -> tuple[Tenant, ExportJob]:
    """The tenant and job of a stored job item (the stream hands over items, not requests)."""
    return tenant_of(item), store.from_item(item)
