"""CSV imports (seed 000 "CSV Import"): a presigned upload, then chunks of rows, each checkpointed.

1. `POST /imports` creates the job (awaiting_upload) and hands out a presigned PUT URL
   (jobs/import_jobs.py, which also reads the job back for `GET /imports/{id}`).
2. The file landing in S3 starts the import (functions/start_import): the file is read once to
   check its header and encoding and count its rows, and the job moves to processing with its
   first checkpoint.
3. Every change of a processing job's checkpoint is a MODIFY on the table's stream, which runs the
   next chunk (functions/run_import): CHUNK_ROWS rows from the checkpoint's byte offset, written in
   batches, then the counts and the next checkpoint in one conditional update. The last chunk
   writes the report of failed rows and marks the job succeeded. No invocation runs longer than
   a chunk, so any file fits in Lambda's limits.

A crash or timeout mid-chunk is retried by the stream from the same checkpoint. Rows are
idempotent: a new consumer's id is derived from the import and its row number, so a row that an
earlier attempt created is recognised (and counted as created) instead of becoming a duplicate.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from clientele.consent import imported as imported_consent
from clientele.consumers import store as consumer_store
from clientele.consumers.enums import ConsentChannel, Source
from clientele.consumers.models import Consumer
from clientele.consumers.requests import ConsumerCreate, ConsumerUpdate
from clientele.consumers.service import ID_PREFIX, changed, new_consumer, replace_write
from clientele.core import actor, clock
from clientele.core.errors import validation_details
from clientele.core.store import files
from clientele.core.tenancy import Tenant
from clientele.jobs import import_store as store
from clientele.jobs.exports import safe_text
from clientele.jobs.import_store import Checkpoint, Failure
from clientele.jobs.models import MAX_IMPORT_ERRORS_SHOWN, ImportJob, ImportStatus, OnDuplicate, RowError

logger = Logger(child=True)

CHUNK_ROWS = 1000  # rows an invocation imports before it checkpoints
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ROWS = 1_000_000
BOM = b"\xef\xbb\xbf"

# Header (lower-cased, without spaces, underscores and hyphens) -> the API's field.
_COLUMNS = {
    "email": "email",
    "emailaddress": "email",
    "fullname": "fullName",
    "name": "fullName",
    "firstname": "firstName",
    "lastname": "lastName",
    "phone": "phone",
    "phonenumber": "phone",
    "externalid": "externalId",
    "status": "status",
    "tags": "tags",
}
_COLUMNS |= {alias: imported_consent.column(*given) for alias, given in imported_consent.COLUMNS.items()}
CONSENT_FIELDS = {imported_consent.column(*given): given for given in imported_consent.COLUMNS.values()}
METADATA = "metadata."
IDENTITIES = ("email", "phone", "externalId")


# ---------------------------------------------------------------- reading the file


class _Lines:
    """The file's lines as text, counting the bytes handed out: after csv.reader returns a row,
    `consumed` is exactly where the next row starts (the reader never reads ahead)."""

    def __init__(self, chunks: Iterator[bytes], rows_before: int) -> None:
        self.chunks, self.consumed, self.row = chunks, 0, rows_before
        self.pending = b""

    def __iter__(self) -> Iterator[str]:
        for chunk in self.chunks:
            self.pending += chunk
            *complete, self.pending = self.pending.split(b"\n")
            for line in complete:
                yield self._text(line + b"\n")
        if self.pending:
            line, self.pending = self.pending, b""
            yield self._text(line)

    def _text(self, line: bytes) -> str:
        at_start = self.consumed == 0 and self.row == 0
        self.consumed += len(line)
        if at_start:
            line = line.removeprefix(BOM)  # before csv sees it: `\ufeff"Email"` would keep its quotes
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError:
            raise FileRefused(f"Row {self.row + 1} is not UTF-8 text: save the file as CSV UTF-8") from None


class FileRefused(Exception):
    """A file the import cannot read at all: the job fails with this message."""


class Columns(NamedTuple):
    """What each column of the header gives: a field, `metadata.<key>`, or nothing."""

    fields: list[str | None]
    ignored: list[str]

    @staticmethod
    def of(header: list[str]) -> Columns:
        fields: list[str | None] = []
        for title in header:
            name = title.strip()
            if name.lower().startswith(METADATA) and name[len(METADATA) :].strip():
                fields.append(METADATA + name[len(METADATA) :].strip())
            else:
                fields.append(_COLUMNS.get(re.sub(r"[\s_-]", "", name.lower())))
        given = [name for name in fields if name]
        twice = sorted({name for name in given if given.count(name) > 1})
        if twice:
            raise FileRefused(f"More than one column gives {', '.join(twice)}")
        if not set(IDENTITIES) & set(given):
            raise FileRefused("The header needs an email, phone or externalId column")
        return Columns(fields, [title for title, name in zip(header, fields, strict=True) if name is None])

    def body(self, cells: list[str]) -> dict[str, Any]:
        """The row as an API body: empty cells are left out; tags split on ; or |."""
        body: dict[str, Any] = {}
        for name, cell in zip(self.fields, cells, strict=False):
            value = cell.strip()
            if name is None or not value or name in CONSENT_FIELDS:
                continue
            if name == "tags":
                body["tags"] = [tag.strip() for tag in re.split(r"[;|]", value) if tag.strip()]
            elif name == "status":
                body["status"] = value.lower()
            elif name.startswith(METADATA):
                body.setdefault("metadata", {})[name.removeprefix(METADATA)] = value
            else:
                body[name] = value
        return body

    def consent(self, cells: list[str]) -> dict[tuple[ConsentChannel, str], str]:
        """The row's non-empty consent cells, by channel and column."""
        return {
            CONSENT_FIELDS[name]: cell.strip()
            for name, cell in zip(self.fields, cells, strict=False)
            if name in CONSENT_FIELDS and cell.strip()
        }


def _rows(lines: _Lines) -> Iterator[list[str]]:
    """Rows with at least one non-blank cell, numbering every row (blank ones too) in `lines.row`."""
    reader = csv.reader(lines)
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as error:  # e.g. a lone carriage return as line end, a cell over 128 KB
            raise FileRefused(f"Row {lines.row + 1} cannot be read as CSV ({error})") from None
        if cells is None:
            return
        lines.row += 1
        if any(cell.strip() for cell in cells):
            yield cells


# ---------------------------------------------------------------- starting


def start_import(tenant: Tenant, import_id: str, size: int, etag: str) -> bool:
    """The uploaded file: checked and counted, and the job moved to processing (its first chunk
    follows on the stream). False for a file of no waiting job (an event delivered twice)."""
    item = store.get_item(tenant, import_id)
    if item is None or store.ImportRecord.from_item(item).status is not ImportStatus.AWAITING_UPLOAD:
        return False
    try:
        if size > MAX_FILE_BYTES:
            raise FileRefused(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        checkpoint, total, ignored = _survey(store.upload_key(tenant, import_id), etag)
    except (FileRefused, files.FileChanged) as refused:
        message = str(refused) if isinstance(refused, FileRefused) else "The file was replaced while it was read"
        return store.refuse(tenant, import_id, message, clock.now())
    return store.start(tenant, import_id, checkpoint, total, ignored)


def _survey(key: str, etag: str) -> tuple[Checkpoint, int, list[str]]:
    """One pass over the file: its header (after a BOM), that every row is UTF-8, how many rows."""
    lines = _Lines(files.read(key, etag=etag), rows_before=0)
    reader = _rows(lines)
    header = next(reader, None)
    if header is None:
        raise FileRefused("The file is empty")
    columns = Columns.of(header)
    start = Checkpoint(chunk=0, offset=lines.consumed, next_row=lines.row + 1, header=header, etag=etag)
    total = 0
    for _ in reader:
        total += 1
        if total > MAX_ROWS:
            raise FileRefused(f"The file has more than {MAX_ROWS:,} rows")
    return start, total, columns.ignored


# ---------------------------------------------------------------- one chunk


class Outcome:
    def __init__(self, rows: int) -> None:
        self.rows, self.created, self.updated, self.skipped = rows, 0, 0, 0
        self.failures: list[Failure] = []

    def fail(self, row: int, cells: list[str], errors: list[RowError]) -> None:
        self.failures.append(Failure(row, errors, cells))


class _Row(NamedTuple):
    number: int
    cells: list[str]
    body: dict[str, Any]
    consumer: Consumer  # as it would be created
    consent: list[imported_consent.Given]
    puts: list[dict[str, Any]]  # the consent log and timeline records that go with its creation


def run_chunk(tenant: Tenant, import_id: str, chunk: int) -> int | None:
    """Imports chunk number `chunk` and closes it; returns its rows (None: not this chunk's turn, as
    for a stream record delivered again after the chunk was closed)."""
    item = store.get_item(tenant, import_id)
    checkpoint = store.checkpoint_of(item) if item else None
    if item is None or checkpoint is None or checkpoint.chunk != chunk:
        return None
    job = store.ImportRecord.from_item(item)
    if job.status is not ImportStatus.PROCESSING:
        return None
    columns = Columns.of(checkpoint.header)
    try:
        file = files.read(store.upload_key(tenant, import_id), offset=checkpoint.offset, etag=checkpoint.etag)
        lines = _Lines(file, rows_before=checkpoint.next_row - 1)
        rows: list[tuple[int, list[str]]] = []
        for cells in _rows(lines):
            rows.append((lines.row, cells))
            if len(rows) == CHUNK_ROWS:
                break  # `lines.consumed` now ends exactly after this row
        finished = len(rows) < CHUNK_ROWS  # (a file of whole chunks ends with an empty one)
    except (FileRefused, files.FileChanged) as refused:
        message = str(refused) if isinstance(refused, FileRefused) else "The file was replaced during the import"
        store.refuse(tenant, import_id, message, clock.now())
        return 0
    with actor.acting(actor.Actor(actor.ActorType.IMPORT, import_id)):
        outcome = _apply(tenant, job, columns, rows)
    outcome.failures.sort(key=lambda failure: failure.row)  # rows put off to a later round failed later
    store.put_failures(tenant, import_id, outcome.failures)
    fields: dict[str, Any] = {
        "processedRows": job.processed_rows + outcome.rows,
        "created": job.created + outcome.created,
        "updated": job.updated + outcome.updated,
        "skipped": job.skipped + outcome.skipped,
        "failed": job.failed + len(outcome.failures),
        "errors": [
            error.to_api()
            for error in [*job.errors, *(error for failure in outcome.failures for error in failure.errors)][
                :MAX_IMPORT_ERRORS_SHOWN
            ]
        ],
    }
    if finished:
        if fields["failed"]:
            _write_report(tenant, import_id, checkpoint.header)
        fields |= {"status": str(ImportStatus.SUCCEEDED), "completedAt": clock.now()}
    after = Checkpoint(chunk + 1, checkpoint.offset + lines.consumed, lines.row + 1, checkpoint.header, checkpoint.etag)
    store.advance(tenant, import_id, checkpoint, after, fields)
    return outcome.rows


def _apply(tenant: Tenant, job: ImportJob, columns: Columns, rows: list[tuple[int, list[str]]]) -> Outcome:
    """Validates the rows like the API does, then writes them in rounds: a round holds at most one row
    per email/externalId (and per consumer updated), so a value repeated in the file is created by
    its first row and found as a duplicate by the later ones, as if the rows ran one by one."""
    outcome = Outcome(len(rows))
    now = clock.now()
    pending: list[_Row] = []
    for number, cells in rows:
        body = columns.body(cells)
        consent, refused = imported_consent.read(columns.consent(cells), now)
        try:
            request = ConsumerCreate.model_validate(body)
        except ValidationError as invalid:
            outcome.fail(number, cells, _row_errors(number, invalid) + _consent_errors(number, refused))
            continue
        if refused:
            outcome.fail(number, cells, _consent_errors(number, refused))
            continue
        consumer = new_consumer(request, now, Source.IMPORT).model_copy(update={"id": _row_id(job, number)})
        consumer, puts = imported_consent.applied(tenant, consumer, consent, import_id=job.id)
        pending.append(_Row(number, cells, body, consumer, consent, puts))
    while pending:
        pending = _round(tenant, job, pending, outcome, clock.now())
    return outcome


def _row_errors(number: int, invalid: ValidationError) -> list[RowError]:
    details = validation_details([dict(issue) for issue in invalid.errors()])
    return [RowError(row=number, field=detail["field"], message=detail["message"]) for detail in details]


def _consent_errors(number: int, refused: list[imported_consent.Refused]) -> list[RowError]:
    return [RowError(row=number, field=column, message=message) for column, message in refused]


def _row_id(job: ImportJob, number: int) -> str:
    """The id the row's consumer gets: the same in every attempt at the chunk (a ULID of the
    import's creation time and a hash of the import and row)."""
    milliseconds = int(clock.parse(job.created_at).timestamp() * 1000)
    randomness = hashlib.sha256(f"{job.id}#{number}".encode()).digest()[:10]
    return f"{ID_PREFIX}_{clock.ulid(milliseconds, int.from_bytes(randomness))}"


def _round(tenant: Tenant, job: ImportJob, rows: list[_Row], outcome: Outcome, now: str) -> list[_Row]:
    """Writes the rows that share no unique value with an earlier one; returns the rest."""
    this: list[tuple[_Row, dict[str, tuple[str, str]]]] = []
    later: list[_Row] = []
    claimed: set[tuple[str, str]] = set()
    for row in rows:
        identities = consumer_store.unique_values(row.consumer)
        if claimed & set(identities.values()):
            later.append(row)
            continue
        claimed |= set(identities.values())
        this.append((row, identities))
    owners = consumer_store.taken_values(tenant, sorted(claimed))
    creates: list[_Row] = []
    updates: dict[str, _Row] = {}
    for row, identities in this:
        held = {field_name: owners[value] for field_name, value in identities.items() if value in owners}
        holders = set(held.values())
        if not holders:
            creates.append(row)
        elif holders == {row.consumer.id}:
            outcome.created += 1  # an earlier attempt at this chunk created it
        elif len(holders) > 1:
            message = "email and externalId belong to two different consumers"
            outcome.fail(row.number, row.cells, [RowError(row=row.number, field="externalId", message=message)])
        elif job.on_duplicate is OnDuplicate.SKIP:
            outcome.skipped += 1
        elif job.on_duplicate is OnDuplicate.ERROR:
            name = next(iter(held))
            message = f"A consumer with this {name} already exists"
            outcome.fail(row.number, row.cells, [RowError(row=row.number, field=name, message=message)])
        elif (owner := holders.pop()) in updates:
            later.append(row)  # one change per consumer and round: the next round builds on this one
        else:
            updates[owner] = row
    # A row without an email or externalId has nothing to be found by: its own id (the same in every
    # attempt at the chunk) says whether an earlier attempt created it. (A row with one was found by
    # it above: its claims and its consumer are written in one transaction.)
    done = consumer_store.get_many(tenant, [row.consumer.id for row, identities in this if not identities])
    consumer_store.commit_all([_insert(tenant, row) for row in creates if row.consumer.id not in done])
    outcome.created += len(creates)
    # Rows put off keep their file order: the next round applies them as if row by row.
    return sorted(later + _update(tenant, job.id, updates, outcome, now), key=lambda row: row.number)


def _insert(tenant: Tenant, row: _Row) -> consumer_store.Write:
    write = consumer_store.insert_write(tenant, row.consumer)
    for put in row.puts:
        write.add(put, consumer_store.ConsumerChanged)
    return write


def _update(tenant: Tenant, job_id: str, updates: dict[str, _Row], outcome: Outcome, now: str) -> list[_Row]:
    """The duplicates' rows applied to their consumers (non-empty cells change, metadata keys merge);
    returns the rows whose consumer was deleted meanwhile, to be created in the next round."""
    current = consumer_store.get_many(tenant, list(updates))
    writes = []
    gone = []
    for owner, row in updates.items():
        before = current.get(owner)
        if before is None:
            gone.append(row)
            continue
        body = dict(row.body)
        if "metadata" in body:
            body["metadata"] = {**(before.metadata or {}), **body["metadata"]}
        try:
            after = changed(before, ConsumerUpdate.model_validate(body), now)
        except ValidationError as invalid:
            outcome.fail(row.number, row.cells, _row_errors(row.number, invalid))
            continue
        after, puts = imported_consent.applied(tenant, after, row.consent, import_id=job_id)
        write = replace_write(tenant, before, after)
        for put in puts:
            write.add(put, consumer_store.ConsumerChanged)
        writes.append(write)
    consumer_store.commit_all(writes)
    outcome.updated += len(writes)
    return gone


REPORT_HEADER = ["Row", "Errors"]


def _write_report(tenant: Tenant, import_id: str, header: list[str]) -> None:
    """A CSV of every failed row: its number, what was wrong, and its cells as they were."""
    with files.Upload(store.report_key(tenant, import_id), "text/csv; charset=utf-8") as upload:
        text = _ReportText()
        upload.write(("\ufeff" + text.line([*REPORT_HEADER, *(safe_text(title) for title in header)])).encode())
        for failure in store.failures(tenant, import_id):
            errors = "; ".join(f"{error.field}: {error.message}" for error in failure.errors)
            upload.write(text.line([str(failure.row), errors, *(safe_text(cell) for cell in failure.cells)]).encode())


class _ReportText:
    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def line(self, cells: list[str]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        return self.buffer.getvalue()
