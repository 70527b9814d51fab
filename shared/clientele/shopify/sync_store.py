"""Shopify full syncs in the table: the job with its checkpoint, the tenant's running-job lock, and
the last finished sync (whose start the next incremental run reads from).

job    pk=<tenant>#SHOPIFYSYNC#<id>  sk=SHOPIFYSYNC  gsi1pk=<tenant>#SHOPIFYSYNCS  gsi1sk=<startedAt>#<id>
lock   pk=<tenant>#SHOPIFYSYNC       sk=RUNNING      jobId, expiresAt
last   pk=<tenant>#SHOPIFYSYNC       sk=LAST         jobId, startedAt, finishedAt

One running job per tenant: the job is created in one transaction with the lock, on condition that
no lock exists (or the one there expired: a job whose worker stopped checkpointing for LOCK_MINUTES
is taken over and marked failed). Every checkpoint moves with its chunk's counts in one conditional
update on the chunk number (a chunk is counted once however often it is retried), and refreshes the
lock; the last chunk deletes the lock and records the sync as the last one, in the same transaction.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any, NamedTuple

from clientele.core import clock
from clientele.core.errors import Conflict
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import listed
from clientele.core.tenancy import Tenant
from clientele.jobs.job_store import JobRecord
from clientele.shopify.sync_models import ShopifySync, ShopifySyncStatus

LOCK_MINUTES = 30  # a running job that has not checkpointed for this long may be taken over

START = "start"  # decide the method (customersCount), start the bulk operation
BULK_WAIT = "bulk_wait"  # poll the bulk operation until it completes
BULK_READ = "bulk_read"  # read the JSONL, a chunk of customers from a byte offset
PAGES = "pages"  # the paginated customers query, a page from a cursor


class Checkpoint(NamedTuple):
    chunk: int  # chunks done so far
    phase: str
    cursor: str | None = None  # PAGES: the page's `after`
    offset: int = 0  # BULK_READ: the byte of the JSONL the next chunk starts at
    line: int = 0  # BULK_READ: lines read before that byte
    bulk_id: str | None = None
    url: str | None = None
    tried_at: str | None = None  # set when an attempt at this chunk began: a later attempt is a retry

    def stored(self) -> dict[str, Any]:
        return {name: value for name, value in self._asdict().items() if value is not None}

    @staticmethod
    def of(stored: dict[str, Any]) -> Checkpoint:
        return Checkpoint(
            chunk=int(stored["chunk"]),
            phase=str(stored["phase"]),
            cursor=stored.get("cursor"),
            offset=int(stored.get("offset", 0)),
            line=int(stored.get("line", 0)),
            bulk_id=stored.get("bulk_id"),
            url=stored.get("url"),
            tried_at=stored.get("tried_at"),
        )


class ShopifySyncRecord(JobRecord):
    kind = "ShopifySync"  # template.yaml's stream filter names this kind
    word = "SHOPIFYSYNC"
    answered_only = frozenset()

    @classmethod
    def to_item(cls, tenant: Tenant, job: Any) -> dict[str, Any]:
        fields = job.model_dump(mode="json", by_alias=True)
        keys = {**cls.key(tenant, fields["id"]), **listed(cls.list_key(tenant), fields["startedAt"], fields["id"])}
        return cls.item(keys, fields)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ShopifySync:
        fields = {name: value for name, value in cls.fields(item).items() if name != "checkpoint"}
        return dynamo.with_nulls(ShopifySync, fields)


class ShopifySyncLock(Entity):
    """The tenant's running sync: at most one."""

    kind = "ShopifySyncLock"

    @classmethod
    def key(cls, tenant: Tenant) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#SHOPIFYSYNC", "sk": "RUNNING"}


class ShopifyLastSync(Entity):
    """The last sync that finished: the next incremental run asks for customers updated after its start."""

    kind = "ShopifyLastSync"

    @classmethod
    def key(cls, tenant: Tenant) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#SHOPIFYSYNC", "sk": "LAST"}


def _expiry() -> str:
    return clock.format_instant(clock.parse(clock.now()) + timedelta(minutes=LOCK_MINUTES))


def get_item(tenant: Tenant, job_id: str) -> dict[str, Any] | None:
    return dynamo.get_item(ShopifySyncRecord.key(tenant, job_id), consistent=True)


def checkpoint_of(item: dict[str, Any]) -> Checkpoint | None:
    stored = item.get("checkpoint")
    return Checkpoint.of(stored) if stored else None


def running_job(tenant: Tenant) -> dict[str, Any] | None:
    """The lock item (jobId, expiresAt) when a sync runs."""
    return dynamo.get_item(ShopifySyncLock.key(tenant), consistent=True)


def last_sync(tenant: Tenant) -> dict[str, Any] | None:
    return dynamo.get_item(ShopifyLastSync.key(tenant), consistent=True)


def insert(tenant: Tenant, job: ShopifySync, checkpoint: Checkpoint) -> str | None:
    """Creates the running job with its first checkpoint and takes the tenant's lock; returns None,
    or the id of the job that holds the lock (nothing written then)."""
    now = clock.now()
    lock = ShopifySyncLock.item(ShopifySyncLock.key(tenant), {"jobId": job.id, "expiresAt": _expiry()})
    item = {**ShopifySyncRecord.to_item(tenant, job), "checkpoint": checkpoint.stored()}
    for _ in range(3):  # a lock released between the failed write and the read: try again
        held = running_job(tenant)
        if held is not None and str(held["expiresAt"]) >= now:
            return str(held["jobId"])
        if held is not None:
            _give_up(tenant, held, now)
        try:
            dynamo.transact(
                [
                    dynamo.put(lock, condition="attribute_not_exists(pk) OR expiresAt < :now", values={":now": now}),
                    dynamo.put(item, condition="attribute_not_exists(pk)"),
                ]
            )
        except dynamo.TransactionCancelled:
            continue
        return None
    raise Conflict()


def _give_up(tenant: Tenant, lock: dict[str, Any], now: str) -> None:
    """Marks a job that stopped checkpointing failed (its worker died for good); its lock may be taken."""
    operation = dynamo.set_fields(
        ShopifySyncRecord.key(tenant, str(lock["jobId"])),
        {"status": str(ShopifySyncStatus.FAILED), "error": "The sync stopped making progress", "finishedAt": now},
        condition="#status = :running",
        values={":running": str(ShopifySyncStatus.RUNNING)},
    )
    with contextlib.suppress(dynamo.TransactionCancelled):
        dynamo.transact([operation])


def mark_tried(tenant: Tenant, job_id: str, checkpoint: Checkpoint, at: str) -> bool:
    """Notes that an attempt at the checkpoint's chunk begins (once: a retry finds it noted)."""
    operation = dynamo.update(
        ShopifySyncRecord.key(tenant, job_id),
        expression="SET #checkpoint.#tried = :at",
        values={":at": at, ":running": str(ShopifySyncStatus.RUNNING), ":chunk": checkpoint.chunk},
        names={"#checkpoint": "checkpoint", "#tried": "tried_at", "#chunk": "chunk", "#status": "status"},
        condition="#status = :running AND #checkpoint.#chunk = :chunk AND attribute_not_exists(#checkpoint.#tried)",
    )
    try:
        dynamo.transact([operation])
    except dynamo.TransactionCancelled:
        return False
    return True


def advance(tenant: Tenant, job_id: str, done: Checkpoint, after: Checkpoint | None, fields: dict[str, Any]) -> bool:
    """Closes chunk `done.chunk` with `fields` (counts, progress, ...) and the next checkpoint, on
    condition that nobody closed it first and this job still holds the lock. `after` None finishes
    the job (fields carry its status): the lock goes, and it becomes the last sync. False if the
    chunk was closed already."""
    key = ShopifySyncRecord.key(tenant, job_id)
    guard = {"condition": "#status = :running AND #checkpoint.#chunk = :chunk"}
    values = {":running": str(ShopifySyncStatus.RUNNING), ":chunk": done.chunk}
    names = {"#status": "status", "#chunk": "chunk"}
    held_condition, held_values = "jobId = :job", {":job": job_id}
    if after is not None:
        operations = [
            dynamo.set_fields(key, {**fields, "checkpoint": after.stored()}, values=values, names=names, **guard),
            dynamo.update(
                ShopifySyncLock.key(tenant),
                expression="SET expiresAt = :expires",
                values={":expires": _expiry(), **held_values},
                condition=held_condition,
            ),
        ]
    else:
        last = ShopifyLastSync.item(
            ShopifyLastSync.key(tenant),
            {"jobId": job_id, "startedAt": fields.get("startedAt"), "finishedAt": fields.get("finishedAt")},
        )
        stored = {name: value for name, value in fields.items() if name != "startedAt"}
        operations = [
            dynamo.set_fields(key, {**stored, "checkpoint": None}, values=values, names=names, **guard),
            dynamo.delete(ShopifySyncLock.key(tenant), condition=held_condition, values=held_values),
        ]
        if fields.get("status") == str(ShopifySyncStatus.SUCCEEDED):
            operations.append(dynamo.put(last))
    try:
        dynamo.transact(operations)
    except dynamo.TransactionCancelled:
        return False
    return True
