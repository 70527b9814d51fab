"""Import jobs: the item the API creates, its checkpoint, and the rows that failed.

job       pk=<tenant>#IMPORT#<id>  sk=IMPORT               gsi1pk=<tenant>#IMPORTS  gsi1sk=<createdAt>#<id>
failure   pk=<tenant>#IMPORT#<id>  sk=FAILURE#<row, 10 digits>   (the row's errors and its cells, for the report)
the file:   s3://<files bucket>/imports/<environment>/<organization>/<id>.csv
the report: s3://<files bucket>/import-reports/<environment>/<organization>/<id>.csv

The checkpoint (`chunk`, the byte `offset` and row number the next chunk starts at, the header,
the file's ETag) moves only with the counts of the chunk it closes, in one conditional update on
`chunk`: a chunk is counted once however often it is retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import every_item, prefixed
from clientele.core.tenancy import Environment, Tenant
from clientele.jobs.job_store import JobRecord
from clientele.jobs.models import ImportJob, ImportStatus, RowError

UPLOADS = "imports/"  # the prefix whose new objects start an import (template.yaml's S3 event)
REPORTS = "import-reports/"
COUNTS = ("created", "updated", "skipped", "failed")


class Checkpoint(NamedTuple):
    chunk: int  # chunks done so far
    offset: int  # the byte of the file the next chunk starts at
    next_row: int  # the row number it starts at (the header is row 1)
    header: list[str]
    etag: str  # the file the import started with: a file replaced meanwhile is refused


class Failure(NamedTuple):
    row: int
    errors: list[RowError]
    cells: list[str]


class ImportRecord(JobRecord):
    kind = "Import"  # template.yaml's stream filters name this kind
    word = "IMPORT"
    answered_only = frozenset({"upload_url", "upload_expires_at", "report_url"})

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ImportJob:
        return dynamo.with_nulls(ImportJob, cls.fields(item))


class ImportFailureRecord(Entity):
    """One failed row of an import, in the import's partition, kept for the report."""

    kind = "ImportFailure"
    PREFIX = "FAILURE#"

    @classmethod
    def key(cls, tenant: Tenant, import_id: str, row: int) -> dict[str, str]:
        return {"pk": ImportRecord.key(tenant, import_id)["pk"], "sk": f"{cls.PREFIX}{row:010d}"}


def upload_key(tenant: Tenant, import_id: str) -> str:
    return f"{UPLOADS}{tenant.environment}/{tenant.organization}/{import_id}.csv"


def report_key(tenant: Tenant, import_id: str) -> str:
    return f"{REPORTS}{tenant.environment}/{tenant.organization}/{import_id}.csv"


def of_upload(object_key: str) -> tuple[Tenant, str]:
    """The tenant and import id an uploaded object's key names."""
    environment, organization, name = object_key.removeprefix(UPLOADS).split("/")
    return Tenant(organization=organization, environment=Environment(environment)), name.removesuffix(".csv")


def insert(tenant: Tenant, job: ImportJob) -> None:
    item = ImportRecord.to_item(tenant, job)
    dynamo.transact([dynamo.put(item, condition="attribute_not_exists(pk)")])


def checkpoint_of(item: dict[str, Any]) -> Checkpoint | None:
    stored = item.get("checkpoint")
    if not stored:
        return None
    return Checkpoint(
        chunk=int(stored["chunk"]),
        offset=int(stored["offset"]),
        next_row=int(stored["next_row"]),
        header=list(stored["header"]),
        etag=str(stored["etag"]),
    )


def get_item(tenant: Tenant, import_id: str) -> dict[str, Any] | None:
    return dynamo.get_item(ImportRecord.key(tenant, import_id), consistent=True)


def _moved(operation: dict[str, Any]) -> bool:
    try:
        dynamo.transact([operation])
    except dynamo.TransactionCancelled:
        return False
    return True


def start(tenant: Tenant, import_id: str, checkpoint: Checkpoint, total_rows: int, ignored: list[str]) -> bool:
    """awaiting_upload -> processing, with the first checkpoint. False if it had already started."""
    fields = {
        "status": str(ImportStatus.PROCESSING),
        "checkpoint": _stored(checkpoint),
        "totalRows": total_rows,
        "ignoredColumns": ignored,
    }
    condition = "#status = :waiting"
    return _moved(dynamo.set_fields(ImportRecord.key(tenant, import_id), fields, condition=condition, values=_WAITING))


def refuse(tenant: Tenant, import_id: str, error: str, completed_at: str) -> bool:
    """Fails the whole import (a file it cannot read); never one that has finished."""
    fields = {"status": str(ImportStatus.FAILED), "error": error, "completedAt": completed_at}
    condition = "#status IN (:waiting, :processing)"
    return _moved(dynamo.set_fields(ImportRecord.key(tenant, import_id), fields, condition=condition, values=_OPEN))


_WAITING = {":waiting": str(ImportStatus.AWAITING_UPLOAD)}
_OPEN = {**_WAITING, ":processing": str(ImportStatus.PROCESSING)}


def _stored(checkpoint: Checkpoint) -> dict[str, Any]:
    return checkpoint._asdict()


def advance(
    tenant: Tenant,
    import_id: str,
    done: Checkpoint,
    after: Checkpoint,
    fields: dict[str, Any],
) -> bool:
    """Closes chunk `done.chunk`: the new checkpoint and `fields` (counts, errors, status) at once, on
    condition that nobody closed it first. False if it was already closed."""
    operation = dynamo.set_fields(
        ImportRecord.key(tenant, import_id),
        {**fields, "checkpoint": _stored(after)},
        condition="#status = :processing AND #checkpoint.#chunk = :chunk",
        values={":processing": str(ImportStatus.PROCESSING), ":chunk": done.chunk},
        names={"#status": "status", "#chunk": "chunk"},
    )
    return _moved(operation)


def put_failures(tenant: Tenant, import_id: str, failures: list[Failure]) -> None:
    """The failed rows, each under its row number: writing one again only replaces it."""
    puts = [
        ImportFailureRecord.item(
            ImportFailureRecord.key(tenant, import_id, failure.row),
            {"row": failure.row, "errors": [error.to_api() for error in failure.errors], "cells": failure.cells},
        )
        for failure in failures
    ]
    dynamo.batch_write(puts=puts, deletes=[])


def failures(tenant: Tenant, import_id: str) -> Iterator[Failure]:
    """Every failed row, in row order, a page at a time."""
    source = prefixed(ImportRecord.key(tenant, import_id)["pk"], ImportFailureRecord.PREFIX, consistent=True)
    for item in every_item(source):
        yield Failure(
            row=int(item["row"]),
            errors=[RowError.model_validate(error) for error in item["errors"]],
            cells=list(item["cells"]),
        )
