"""Export jobs: the item whose INSERT on the stream starts the export, and its status moves.

job   pk=<tenant>#EXPORT#<id>  sk=EXPORT   gsi1pk=<tenant>#EXPORTS  gsi1sk=<createdAt>#<id>  (newest first)
      the file: s3://<exports bucket>/exports/<environment>/<organization>/<id>.<format>
"""

from __future__ import annotations

import contextlib
from typing import Any

from clientele.core.store import dynamo
from clientele.core.tenancy import Tenant
from clientele.jobs.job_store import JobRecord
from clientele.jobs.models import ExportJob, ExportStatus


class ExportRecord(JobRecord):
    kind = "Export"  # template.yaml's stream filters name this kind
    word = "EXPORT"
    answered_only = frozenset({"download_url", "expires_at"})

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ExportJob:
        return dynamo.with_nulls(ExportJob, cls.fields(item))


def object_key(tenant: Tenant, job: ExportJob) -> str:
    return f"exports/{tenant.environment}/{tenant.organization}/{job.id}.{job.format}"


def insert(tenant: Tenant, job: ExportJob) -> None:
    item = ExportRecord.to_item(tenant, job)
    dynamo.transact([dynamo.put(item, condition="attribute_not_exists(pk)")])


def get(tenant: Tenant, export_id: str) -> ExportJob | None:
    item = dynamo.get_item(ExportRecord.key(tenant, export_id), consistent=True)
    return ExportRecord.from_item(item) if item else None


def start(tenant: Tenant, export_id: str, now: str) -> int | None:
    """Marks the job running from its first row, since `now`, and counts the run; returns which run
    this is (1 for the first delivery of the job's record, 2 for the stream's first retry, ...), or
    None when the job has already succeeded (a late duplicate delivery)."""
    operation = dynamo.update(
        ExportRecord.key(tenant, export_id),
        expression="SET #status = :running, processedRows = :none, startedAt = :now ADD runs :one",
        condition="attribute_exists(pk) AND #status <> :done",
        values={
            ":running": str(ExportStatus.RUNNING),
            ":none": 0,
            ":now": now,
            ":one": 1,
            ":done": str(ExportStatus.SUCCEEDED),
        },
        names={"#status": "status"},
    )
    written = dynamo.updated(operation)
    return None if written is None else int(written["runs"])


def move(tenant: Tenant, export_id: str, to: ExportStatus, **fields: Any) -> bool:
    """Moves the job to `to` with `fields`; never out of succeeded (a finished job stays finished).
    False if it had already succeeded."""
    operation = dynamo.set_fields(
        ExportRecord.key(tenant, export_id),
        {"status": str(to), **fields},
        condition="attribute_exists(pk) AND #status <> :done",
        values={":done": str(ExportStatus.SUCCEEDED)},
    )
    try:
        dynamo.transact([operation])
    except dynamo.TransactionCancelled:
        return False
    return True


def progress(tenant: Tenant, export_id: str, rows: int) -> None:
    """How many rows a running job has written (a retry that started over may lower it again)."""
    operation = dynamo.set_fields(
        ExportRecord.key(tenant, export_id),
        {"processedRows": rows},
        condition="#status = :running",
        values={":running": str(ExportStatus.RUNNING)},
        names={"#status": "status"},
    )
    with contextlib.suppress(dynamo.TransactionCancelled):  # the job has moved on: nothing to report
        dynamo.transact([operation])


def set_parameters(tenant: Tenant, export_id: str, parameters: dict[str, Any]) -> bool:
    """Replaces a job's parameters (an erasure scrubs a consumer's id out of them); False if the job is gone."""
    key = ExportRecord.key(tenant, export_id)
    return (
        dynamo.updated(dynamo.set_fields(key, {"parameters": parameters}, condition="attribute_exists(pk)")) is not None
    )
