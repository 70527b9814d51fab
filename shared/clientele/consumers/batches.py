"""Consumers in batches: up to 500 created or updated in one request, every item validated before
anything is written, and one status set on up to 500 (`POST /consumers/bulk-status`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from pydantic import TypeAdapter, ValidationError

from clientele.consumers import store
from clientele.consumers.enums import Source
from clientele.consumers.models import Consumer
from clientele.consumers.requests import BulkStatus, ConsumerBatchUpdate, ConsumerCreate
from clientele.consumers.service import ID_PREFIX, changed, new_consumer, replace_write, retrying
from clientele.core import clock
from clientele.core.errors import (
    BatchInterrupted,
    BatchTooLarge,
    ClienteleError,
    ConsumerChangedConcurrently,
    ValidationFailed,
    VersionMismatch,
    validation_details,
)
from clientele.core.tenancy import Tenant

logger = Logger(child=True)
MAX_BATCH = 500


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
            continue
        if getattr(parsed[index], "referral_code", None) is not None:  # a referral is one consumer's own write
            message = "is taken by POST /consumers and POST /orders, not by a batch"
            problems.append({"index": index, "field": "referralCode", "message": message})
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


def batch_create(tenant: Tenant, body: Any, *, source: Source) -> list[Consumer]:
    requests, problems = _parse_batch(body, ConsumerCreate)
    now = clock.now()
    consumers = {index: new_consumer(request, now, source) for index, request in requests.items()}
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
