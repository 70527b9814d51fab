"""Consumer rules: creating, reading, changing and deleting profiles within one tenant."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import TypeAdapter, ValidationError

from clientele.audiences import store as audience_store
from clientele.consumers import store, timeline
from clientele.consumers.models import (
    NEEDS_IDENTIFIER,
    BulkStatus,
    Consumer,
    ConsumerBatchUpdate,
    ConsumerCreate,
    ConsumerUpdate,
    Loyalty,
    Membership,
    SyncStatus,
    derived_full_name,
)
from clientele.core import clock
from clientele.core.errors import (
    BatchInterrupted,
    BatchTooLarge,
    ClienteleError,
    Conflict,
    ConsumerChangedConcurrently,
    ValidationFailed,
    VersionMismatch,
    validation_details,
)
from clientele.core.tenancy import Tenant

logger = Logger(child=True)

ID_PREFIX = store.ID_PREFIX
MAX_BATCH = 500
# When other requests keep changing the consumer in between, reads-and-writes are tried again while
# time is left: a budget in seconds, not a count, so a slow or loaded host (every attempt slower,
# more requests overlapping) retries as long as a fast one. An API request retries until shortly
# before its function's timeout (clock.deadline); other callers (stream functions) for this long.
RETRY_SECONDS = 5.0
MAX_BACKOFF = 0.5  # seconds: the longest wait between two attempts


def new_consumer(request: ConsumerCreate, created_at: str) -> Consumer:
    return Consumer(
        id=clock.new_id(ID_PREFIX),
        email=request.email,
        phone=request.phone,
        full_name=request.display_name(),
        first_name=request.first_name,
        last_name=request.last_name,
        metadata=request.metadata,
        external_id=request.external_id,
        status=request.status,
        membership=request.membership,
        member_since=created_at if request.membership == Membership.MEMBER else None,
        verified=request.verified,
        verified_at=created_at if request.verified else None,
        tags=request.tags,
        address=request.address,
        source=request.source,
        sync_status=SyncStatus.NOT_SYNCED,
        loyalty=Loyalty(),
        total_orders=0,
        total_order_value=0,
        last_order_at=None,
        last_activity_at=created_at,  # being created is the consumer's first interaction
        created_at=created_at,
        updated_at=created_at,
        version=1,
    )


def changed(consumer: Consumer, update: ConsumerUpdate, now: str) -> Consumer:
    """The consumer with the update's fields applied: present fields change, `null` clears."""
    changes = update.changes()
    if "tags" in changes and changes["tags"] is None:
        changes["tags"] = []
    names_given = {"first_name", "last_name"} & changes.keys()
    # A full name that was built from the parts follows them; one set on its own stays.
    built_from_parts = consumer.full_name in (None, derived_full_name(consumer.first_name, consumer.last_name))
    if names_given and "full_name" not in changes and built_from_parts:
        changes["full_name"] = derived_full_name(
            changes.get("first_name", consumer.first_name), changes.get("last_name", consumer.last_name)
        )
    if "verified" in changes and changes["verified"] != consumer.verified:
        changes["verified_at"] = now if changes["verified"] else None
    if "membership" in changes and changes["membership"] != consumer.membership:
        changes["member_since"] = now if changes["membership"] == Membership.MEMBER else None
    after = consumer.model_copy(update={**changes, "updated_at": now, "version": consumer.version + 1})
    if after.email is None and after.phone is None and after.external_id is None:
        raise ValidationFailed(details=[{"field": "body", "message": NEEDS_IDENTIFIER}])
    return after


def create_consumer(tenant: Tenant, request: ConsumerCreate) -> Consumer:
    consumer = new_consumer(request, clock.now())
    store.commit(store.insert_write(tenant, consumer))
    return consumer


def get_consumer(tenant: Tenant, consumer_id: str) -> Consumer:
    return store.existing(tenant, consumer_id)


def current(tenant: Tenant, consumer_ids: list[str]) -> list[Consumer]:
    """The consumers as they are now, in the order given; deleted ones are left out."""
    found = store.get_many(tenant, consumer_ids)
    return [found[consumer_id] for consumer_id in consumer_ids if consumer_id in found]


def retrying[Result](attempt: Callable[[], Result]) -> Result:
    """Runs `attempt` (which reads, then writes on condition that nothing it read has changed) again
    while other requests get in between: optimistic concurrency, never a blind overwrite. Backoff
    with jitter spreads the retries of requests that collided."""
    deadline = clock.deadline(RETRY_SECONDS)
    number = 0
    while True:
        try:
            return attempt()
        except (store.ConsumerChanged, Conflict) as conflict:  # every write is conditional: re-reading is safe
            last = conflict
        pause = random.uniform(0, min(MAX_BACKOFF, 0.01 * 2**number))  # noqa: S311 (jitter, not a secret)
        if time.monotonic() + pause >= deadline:
            break
        time.sleep(pause)
        number += 1
    if isinstance(last, Conflict):
        raise last  # as the last attempt said it (a batch names the item)
    raise ConsumerChangedConcurrently()


def commit_or_reread(operations: list[dict[str, Any]]) -> None:
    """One transaction whose conditions guard what was read: a failed one means something read has
    changed, which `retrying` answers by reading again."""
    store.commit(store.Write(operations, [store.ConsumerChanged] * len(operations)))


def _retrying(tenant: Tenant, consumer_id: str, write: Callable[[Consumer], Consumer]) -> Consumer:
    return retrying(lambda: write(get_consumer(tenant, consumer_id)))


def replace_write(tenant: Tenant, before: Consumer, after: Consumer) -> store.Write:
    """The consumer's change, with timeline events for the status, membership and verified changes."""
    write = store.replace_write(tenant, before, after)
    for event in timeline.profile_events(before, after):
        write.add(timeline.put(tenant, after.id, event), store.ConsumerChanged)
    return write


def update_consumer(
    tenant: Tenant, consumer_id: str, update: ConsumerUpdate, expected_version: int | None = None
) -> Consumer:
    """Applies the update; with `expected_version` (If-Match), only to the consumer at that version.
    A change that slips in between is caught by the conditional write and read again, so of many
    updates sent with the same version exactly one wins and the others get VersionMismatch."""

    def write(consumer: Consumer) -> Consumer:
        if expected_version is not None and consumer.version != expected_version:
            raise VersionMismatch(
                details=[{"field": "If-Match", "message": f"the consumer is at version {consumer.version}"}]
            )
        after = changed(consumer, update, clock.now())
        store.commit(replace_write(tenant, consumer, after))
        return after

    return _retrying(tenant, consumer_id, write)


def reindex(tenant: Tenant) -> tuple[int, int]:
    """`clientele reindex` (store.reindex): stores again the tenant's consumers an upgrade left
    incomplete. A member stored before memberSince existed gets it from its timeline's last change
    to member, or its createdAt when it was created a member."""

    def with_member_since(consumer: Consumer) -> Consumer:
        if consumer.membership != Membership.MEMBER or consumer.member_since is not None:
            return consumer
        joined = timeline.joined_at(tenant, consumer.id) or consumer.created_at
        return consumer.model_copy(update={"member_since": joined})

    return store.reindex(tenant, with_member_since)


def delete_consumer(tenant: Tenant, consumer_id: str) -> Consumer:
    """Deletes the consumer with its unique values, phone entry and audience memberships."""

    def write(consumer: Consumer) -> Consumer:
        delete = store.delete_write(tenant, consumer)
        # Counts of audiences that still exist (one deleted meanwhile fails the condition: re-read).
        for audience_id in audience_store.get_many(tenant, consumer.audience_ids, consistent=True):
            delete.add(audience_store.count_change(tenant, audience_id, -1), store.ConsumerChanged)
        store.commit(delete)
        return consumer

    return _retrying(tenant, consumer_id, write)


# ---------------------------------------------------------------- batches


def _parse_batch[Model: ConsumerCreate | ConsumerBatchUpdate](
    body: Any, model: type[Model]
) -> tuple[dict[int, Model], list[dict[str, Any]]]:
    """Every item validated before anything is written: the valid ones by index, and the problems."""
    if not isinstance(body, list):
        raise ValidationFailed(details=[{"field": "body", "message": "must be an array of consumers"}])
    if len(body) > MAX_BATCH:
        raise BatchTooLarge(details=[{"field": "body", "message": f"{len(body)} items; at most {MAX_BATCH}"}])
    if not body:
        raise ValidationFailed(details=[{"field": "body", "message": "must hold at least one consumer"}])
    adapter = _adapter(model)
    parsed: dict[int, Model] = {}
    problems: list[dict[str, Any]] = []
    for index, raw in enumerate(body):
        try:
            parsed[index] = adapter.validate_python(raw)
        except ValidationError as error:
            details = validation_details([dict(issue) for issue in error.errors()])
            problems += [{"index": index, **detail} for detail in details]
    return parsed, problems


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(model: type[Any]) -> TypeAdapter[Any]:
    """Built once per model and process: building a validator is the expensive part."""
    if model not in _ADAPTERS:
        _ADAPTERS[model] = TypeAdapter(model)
    return _ADAPTERS[model]


def _unique_problems(tenant: Tenant, changes: dict[int, tuple[Consumer | None, Consumer]]) -> list[dict[str, Any]]:
    """Unique values claimed twice within the batch, or already held by a consumer outside it.
    `changes` maps an item's index to (the consumer before, or None for a new one; after)."""
    problems: list[dict[str, Any]] = []
    first_claim: dict[tuple[str, str], int] = {}
    claims: list[tuple[int, str, tuple[str, str]]] = []
    for index, (before, after) in changes.items():
        for field_path, key in store.claim_changes(before, after)[1].items():
            if key in first_claim:
                message = f"{field_path} is also given to item {first_claim[key]} of this batch"
                problems.append({"index": index, "field": field_path, "message": message})
                continue
            first_claim[key] = index
            claims.append((index, field_path, key))
    owners = store.taken_values(tenant, [key for _, _, key in claims])
    batch_ids = {after.id for _, after in changes.values()}
    for index, field_path, key in claims:
        owner = owners.get(key)
        if owner is not None and owner != changes[index][1].id:
            # Moving a value between consumers of one batch would need two writes to one item.
            detail = "belongs to another consumer of this batch" if owner in batch_ids else "already exists"
            problems.append({"index": index, "field": field_path, "message": f"{field_path} {detail}"})
    return problems


def _commit_batch(writes: list[store.Write], results: list[Consumer]) -> None:
    """Commits a validated batch; if anything stops it part-way, says exactly which items were written."""
    try:
        store.commit_all(writes)
    except store.BatchStopped as stopped:
        cause = stopped.cause
        if isinstance(cause, store.ConsumerChanged):  # a consumer changed after the batch read it
            cause = ConsumerChangedConcurrently()
        if not stopped.written:  # nothing stored: the batch simply failed
            if isinstance(cause, ClienteleError) and stopped.failed is not None:
                own = cause.details or [{"message": cause.message}]
                cause.details = [{"index": stopped.failed, **detail} for detail in own]
            raise cause from None
        written = set(stopped.written)
        reason = cause.message if isinstance(cause, ClienteleError) else ClienteleError.message
        details = [
            {"index": index, "id": consumer.id, "written": index in written}
            | (
                {"message": reason}
                if index == stopped.failed or (stopped.failed is None and index not in written)
                else {}
            )
            for index, consumer in enumerate(results)
        ]
        if not isinstance(cause, ClienteleError):
            logger.exception("Batch stopped by a fault", exc_info=cause)
        raise BatchInterrupted(details=details) from None


def batch_create(tenant: Tenant, body: Any) -> list[Consumer]:
    requests, problems = _parse_batch(body, ConsumerCreate)
    now = clock.now()
    consumers = {index: new_consumer(request, now) for index, request in requests.items()}
    problems += _unique_problems(tenant, {index: (None, consumer) for index, consumer in consumers.items()})
    if problems:
        raise ValidationFailed(details=sorted(problems, key=lambda problem: problem["index"]))
    created = list(consumers.values())
    _commit_batch([store.insert_write(tenant, consumer) for consumer in created], created)
    return created


def batch_update(tenant: Tenant, body: Any) -> list[Consumer]:
    """Updates up to 500 consumers, all validated first. A consumer changed by someone else before
    anything was written (a sync mark, a concurrent edit) makes it read them again and retry."""
    return retrying(lambda: _batch_update(tenant, body))


def _batch_update(tenant: Tenant, body: Any) -> list[Consumer]:
    updates, problems = _parse_batch(body, ConsumerBatchUpdate)
    first_index: dict[str, int] = {}
    for index, update in updates.items():
        if update.id in first_index:
            problems.append(
                {"index": index, "field": "id", "message": f"also updated by item {first_index[update.id]}"}
            )
        first_index.setdefault(update.id, index)
    current = store.get_many(
        tenant, [consumer_id for consumer_id in first_index if consumer_id.startswith(f"{ID_PREFIX}_")]
    )
    now = clock.now()
    changes: dict[int, tuple[Consumer | None, Consumer]] = {}
    for index, update in updates.items():
        before = current.get(update.id)
        if before is None:
            problems.append({"index": index, "field": "id", "message": "Consumer not found"})
            continue
        try:
            changes[index] = (before, changed(before, update, now))
        except ValidationFailed as error:
            problems += [{"index": index, **detail} for detail in error.details]
    problems += _unique_problems(tenant, changes)
    if problems:
        raise ValidationFailed(details=sorted(problems, key=lambda problem: problem["index"]))
    stale = [
        {"index": index, "field": "version", "message": f"the consumer is at version {before.version}"}
        for index, (before, _) in changes.items()
        if before is not None and updates[index].version not in (None, before.version)
    ]
    if stale:
        raise VersionMismatch(details=stale)
    updated = [after for _, after in changes.values()]
    writes = [replace_write(tenant, before, after) for before, after in changes.values() if before is not None]
    _commit_batch(writes, updated)
    return updated


def bulk_status(tenant: Tenant, request: BulkStatus) -> list[Consumer]:
    """Sets one status on up to 500 consumers: a batch update of that one field (all or nothing
    per validation; an unknown id is a 400 naming its index)."""
    status = str(request.status)
    try:
        return batch_update(tenant, [{"id": consumer_id, "status": status} for consumer_id in request.consumer_ids])
    except ValidationFailed as invalid:  # name the problems as this body spells them
        invalid.details = [
            {"field": f"consumerIds.{detail['index']}", "message": detail["message"]} for detail in invalid.details
        ]
        raise
