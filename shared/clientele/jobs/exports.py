"""Exports: a job item the API creates, a stream function that writes the file, a short download URL.

The job's INSERT on the table's stream wakes the export function (functions/run_export); it moves
the job pending -> running -> succeeded (rowCount) or failed (error). The file is written as one
multipart upload, so a retried job replaces it with one complete file and a half-written one is
never visible. Rows stream from DynamoDB pages to S3 parts (CSV) or through xlsxwriter's
constant-memory mode and a temporary file (Excel): memory stays flat however many rows.

Consumer exports read through the list's own access paths (listing.consumer_items), so a file
holds exactly the rows the list shows for the same filters, in the same order.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger

from clientele.consumers import store as consumer_store
from clientele.consumers.listing import ListRequest, checked, consumer_items, refuse_unsortable
from clientele.consumers.models import Consumer, Suppression
from clientele.consumers.service import get_consumer
from clientele.core import clock
from clientele.core.errors import ValidationFailed
from clientele.core.store import files
from clientele.core.store.keys import tenant_of
from clientele.core.store.pages import every_item
from clientele.core.tenancy import Tenant
from clientele.jobs import export_store as store
from clientele.jobs.export_reads import ID_PREFIX
from clientele.jobs.models import (
    ConsumerExportCreate,
    ConsumerFilters,
    DateFormat,
    ExportField,
    ExportFormat,
    ExportJob,
    ExportKind,
    ExportStatus,
    PointsExportCreate,
)
from clientele.loyalty import service as loyalty
from clientele.loyalty import store as loyalty_store

logger = Logger(child=True)

_DATE_FORMATS = {
    DateFormat.ISO8601: "%Y-%m-%dT%H:%M:%SZ",
    DateFormat.YMD: "%Y-%m-%d %H:%M:%S",
    DateFormat.DMY: "%d/%m/%Y %H:%M:%S",
    DateFormat.MDY: "%m/%d/%Y %H:%M:%S",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024  # text handed to the upload at a time
PROGRESS_EVERY = 5000  # rows between two updates of the job's processedRows
RUNS = 4  # the stream's first delivery of a job and its MaximumRetryAttempts (3, template.yaml)
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_MAX_ROWS = 1_048_576  # a worksheet's rows, the header's included
Cell = str | int | Decimal | datetime | None  # an instant is a datetime: a date cell in Excel, ISO 8601 in CSV


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
    return _create(tenant, ExportKind.POINTS_TRANSACTIONS, ExportFormat.CSV, parameters)


def create_consumer_export(tenant: Tenant, request: ConsumerExportCreate) -> ExportJob:
    """Queues the consumers the filters select (or the ones picked by id) as CSV or Excel. Whatever
    would fail the job is refused now: a bad filter, an unknown audience, an unknown consumer id."""
    if request.consumer_ids is not None:
        found = consumer_store.get_many(tenant, request.consumer_ids)
        missing = [
            {"field": f"consumerIds.{index}", "message": "Consumer not found"}
            for index, consumer_id in enumerate(request.consumer_ids)
            if consumer_id not in found
        ]
        if missing:
            raise ValidationFailed(details=missing)
    else:
        try:
            refuse_unsortable(tenant, checked(tenant, list_request(request.filters))[0])
        except ValidationFailed as invalid:  # name the field as this body spells it
            invalid.details = [{**detail, "field": f"filters.{detail['field']}"} for detail in invalid.details]
            raise
    parameters = request.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return _create(tenant, ExportKind.CONSUMERS, request.format, parameters)


def list_request(filters: ConsumerFilters) -> ListRequest:
    equals = {name: str(value) for name in ("status", "membership", "tier") if (value := getattr(filters, name))}
    return ListRequest(
        sort_by=None if filters.sort_by is None else str(filters.sort_by),
        sort_dir=None if filters.sort_dir is None else str(filters.sort_dir),
        search=filters.search,
        created_after=filters.created_after,
        created_before=filters.created_before,
        last_activity_after=filters.last_activity_after,
        last_activity_before=filters.last_activity_before,
        equals=equals,
        verified=filters.verified,
        source=None if filters.source is None else str(filters.source),
        email_consent=None if filters.email_consent is None else str(filters.email_consent),
        sms_consent=None if filters.sms_consent is None else str(filters.sms_consent),
        audience_id=filters.audience_id,
    )


def _create(tenant: Tenant, kind: ExportKind, format: ExportFormat, parameters: dict[str, Any]) -> ExportJob:
    job = ExportJob(
        id=clock.new_id(ID_PREFIX),
        kind=kind,
        format=str(format),
        status=ExportStatus.PENDING,
        parameters=parameters,
        row_count=None,
        error=None,
        created_at=clock.now(),
        completed_at=None,
    )
    store.insert(tenant, job)
    return job


# ---------------------------------------------------------------- running a job


def run_export(tenant: Tenant, job: ExportJob) -> int | None:
    """Writes the job's file and marks it succeeded; returns the rows written (None: already done).
    A failure is raised again, so that the stream delivers the record again: until the last run the
    job goes back to pending (with the error), so that nobody takes it for finished; then failed."""
    run = store.start(tenant, job.id, clock.now())
    if run is None:
        return None  # a redelivered record of a job that already succeeded
    try:
        rows = _ROWS[job.kind](tenant, job.parameters)
        format = ExportFormat(job.format)
        with files.Upload(store.object_key(tenant, job), CONTENT_TYPES[format]) as upload:
            count = _WRITERS[format](upload, _counted(tenant, job, rows))
    except Exception as error:
        logger.exception("Export failed", extra={"exportId": job.id, "run": run})
        final = isinstance(error, TooManyRows) or run >= RUNS  # a retry would fail the same way, or none comes
        status = ExportStatus.FAILED if final else ExportStatus.PENDING
        store.move(tenant, job.id, status, error=_public_error(error, final))
        if isinstance(error, TooManyRows):
            return 0
        raise
    store.move(
        tenant, job.id, ExportStatus.SUCCEEDED, error=None, rowCount=count, processedRows=count, completedAt=clock.now()
    )
    return count


def _counted(tenant: Tenant, job: ExportJob, rows: Iterator[list[Cell]]) -> Iterator[list[Cell]]:
    """The rows, telling the job how far it is every PROGRESS_EVERY data rows (the header is row 0)."""
    for number, row in enumerate(rows):
        if number and number % PROGRESS_EVERY == 0:
            store.progress(tenant, job.id, number)
        yield row


class TooManyRows(Exception):
    """More rows than the format holds: the job fails with this message, and is not retried."""


def _public_error(error: Exception, final: bool) -> str:
    """What the job shows: the kind of fault, never its message (which may hold personal data)."""
    if isinstance(error, TooManyRows):
        return str(error)
    fault = f"The file could not be written ({type(error).__name__})"
    return f"{fault} in {RUNS} attempts" if final else f"{fault}; the export is retried automatically"


def _csv_text(cell: Cell) -> Cell:
    return clock.format_instant(cell) if isinstance(cell, datetime) else cell


def _write_csv(upload: files.Upload, rows: Iterator[list[Cell]]) -> int:
    """Header first; returns the data rows written. UTF-8 with BOM, so spreadsheets read accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    upload.write("\ufeff".encode())
    written = 0
    for row in rows:
        writer.writerow([_csv_text(cell) for cell in row])
        written += 1
        if buffer.tell() >= CHUNK:
            upload.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    upload.write(buffer.getvalue().encode())
    return written - 1  # the header is not a data row


def _write_xlsx(upload: files.Upload, rows: Iterator[list[Cell]]) -> int:
    """One worksheet, written row by row in xlsxwriter's constant-memory mode (a row is flushed to a
    temporary file as soon as the next one starts), then handed to the upload a part at a time."""
    import xlsxwriter  # only the export function needs it: the other functions do not load it

    with tempfile.TemporaryDirectory() as directory:
        path = f"{directory}/export.xlsx"
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": directory})
        sheet = book.add_worksheet("Export")
        bold = book.add_format({"bold": True})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        written = 0
        for number, row in enumerate(rows):
            if number >= XLSX_MAX_ROWS:
                raise TooManyRows(f"Excel holds at most {XLSX_MAX_ROWS - 1:,} rows: export these as CSV")
            for column, cell in enumerate(row):
                if number == 0:
                    sheet.write_string(0, column, str(cell), bold)
                elif isinstance(cell, datetime):  # Excel has no time zones: the UTC wall time
                    sheet.write_datetime(number, column, cell.replace(tzinfo=None), when)
                elif isinstance(cell, int | Decimal):
                    sheet.write_number(number, column, cell)
                elif cell:  # text, never a formula; an empty one stays a blank cell
                    sheet.write_string(number, column, cell)
            written = number
        book.close()
        with open(path, "rb") as file:
            while chunk := file.read(files.READ_SIZE):
                upload.write(chunk)
    return written


_WRITERS: dict[ExportFormat, Callable[[files.Upload, Iterator[list[Cell]]], int]] = {
    ExportFormat.CSV: _write_csv,
    ExportFormat.XLSX: _write_xlsx,
}


# ---------------------------------------------------------------- consumers


def _instant(value: str | None) -> datetime | None:
    return clock.parse(value) if value else None


def _suppressed(suppression: Suppression | None) -> str | None:
    """The suppression's reason (hard_bounce, spam_complaint), blank when the address is not suppressed."""
    return str(suppression.reason) if suppression else None


def _address(part: str) -> Callable[[Consumer], Cell]:
    return lambda consumer: safe_text(getattr(consumer.address, part) if consumer.address else None)


ConsumerColumn = tuple[str, Callable[[Consumer], Cell]]
ALWAYS: list[ConsumerColumn] = [
    ("Consumer ID", lambda consumer: consumer.id),
    ("Email", lambda consumer: safe_text(consumer.email)),  # `=x@y.z` is a valid address, and a formula
    ("Full Name", lambda consumer: safe_text(consumer.full_name)),
    ("Status", lambda consumer: str(consumer.status)),
    ("Created At", lambda consumer: _instant(consumer.created_at)),
    ("Source", lambda consumer: str(consumer.source)),  # the path it came in through
]
OPTIONAL: dict[ExportField, list[ConsumerColumn]] = {
    ExportField.PHONE: [("Phone", lambda consumer: consumer.phone)],  # E.164: written as it is
    ExportField.TAGS: [("Tags", lambda consumer: safe_text("; ".join(consumer.tags)))],
    ExportField.LOYALTY: [
        ("Points", lambda consumer: consumer.loyalty.points),
        ("Tier", lambda consumer: safe_text(consumer.loyalty.tier)),
    ],
    ExportField.METADATA: [
        ("Metadata", lambda consumer: json.dumps(consumer.metadata, ensure_ascii=False) if consumer.metadata else "")
    ],
    ExportField.ADDRESS: [
        (title, _address(part))
        for title, part in (
            ("Street", "street"),
            ("City", "city"),
            ("Region", "region"),
            ("Postal Code", "postal_code"),
            ("Country", "country"),
        )
    ],
    ExportField.ORDERS: [
        ("Total Orders", lambda consumer: consumer.total_orders),
        ("Total Order Value", lambda consumer: consumer.total_order_value),
        ("Average Order Value", lambda consumer: consumer.average_order_value),
        ("Last Order At", lambda consumer: _instant(consumer.last_order_at)),
    ],
    ExportField.MEMBERSHIP: [
        ("Membership", lambda consumer: str(consumer.membership)),
        ("Member Since", lambda consumer: _instant(consumer.member_since)),
        ("Verified", lambda consumer: str(consumer.verified).lower()),  # as the API writes it
    ],
    ExportField.CONSENT: [
        ("Email Consent", lambda consumer: str(consumer.consent.email.state)),
        ("Email Consented At", lambda consumer: _instant(consumer.consent.email.consented_at)),
        ("SMS Consent", lambda consumer: str(consumer.consent.sms.state)),
        ("SMS Consented At", lambda consumer: _instant(consumer.consent.sms.consented_at)),
        # Apart from consent, as on the profile: an address not to send to whatever the person said.
        ("Email Suppressed", lambda consumer: _suppressed(consumer.suppressions.email)),
        ("SMS Suppressed", lambda consumer: _suppressed(consumer.suppressions.sms)),
    ],
}


def consumer_columns(fields: list[ExportField]) -> list[ConsumerColumn]:
    """The always-present columns, then the optional groups asked for, in a fixed order."""
    return ALWAYS + [column for field in ExportField if field in fields for column in OPTIONAL[field]]


def _consumer_rows(tenant: Tenant, parameters: dict[str, Any]) -> Iterator[list[Cell]]:
    request = ConsumerExportCreate.model_validate(parameters)
    columns = consumer_columns(request.fields)
    yield [title for title, _ in columns]
    for consumer in _selected(tenant, request):
        yield [value(consumer) for _, value in columns]


def _selected(tenant: Tenant, request: ConsumerExportCreate) -> Iterator[Consumer]:
    """The picked consumers in the order given (deleted since: left out), or every consumer the list
    shows for the filters, in its order."""
    items: Iterable[dict[str, Any] | None]
    if request.consumer_ids is not None:
        items = consumer_store.items_of(tenant, request.consumer_ids, consistent=True)
    else:
        items = consumer_items(tenant, checked(tenant, list_request(request.filters))[0])
    for item in items:
        if item is not None:
            yield consumer_store.ConsumerRecord.from_item(item)


# ---------------------------------------------------------------- points transactions


POINTS_HEADER = [
    *("Created on", "Points", "Ledger", "Reason", "Expires on", "Active on", "Session"),  # seed 003's columns
    *("Program", "Kind", "Transaction ID"),
]


def _points_rows(tenant: Tenant, parameters: dict[str, Any]) -> Iterator[list[Cell]]:
    """Seed 003's transaction log columns; instants in UTC in the chosen format; oldest first."""
    request = PointsExportCreate.model_validate({k: v for k, v in parameters.items() if k != "consumerId"})
    pattern = _DATE_FORMATS[request.date_format]
    when: Callable[[str | None], str] = lambda instant: clock.parse(instant).strftime(pattern) if instant else ""  # noqa: E731
    yield list(POINTS_HEADER)
    source = loyalty.transactions_source(
        tenant,
        parameters["consumerId"],
        loyalty.TransactionsRequest(request.program_id, request.ledger, request.after, request.before),
        forward=True,
    )
    for item in every_item(source):
        transaction = loyalty_store.PointsTransactionRecord.from_item(item)
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


_ROWS: dict[ExportKind, Callable[[Tenant, dict[str, Any]], Iterator[list[Cell]]]] = {
    ExportKind.CONSUMERS: _consumer_rows,
    ExportKind.POINTS_TRANSACTIONS: _points_rows,
}


def job_of(item: dict[str, Any]) -> tuple[Tenant, ExportJob]:
    """The tenant and job of a stored job item (the stream hands over items, not requests)."""
    return tenant_of(item), store.ExportRecord.from_item(item)
