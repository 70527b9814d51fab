"""Audiences: named groups of consumers for bulk actions (seed 000), with their members.

Joining or leaving is a change of the consumer (its `audienceIds`, its member copy, a timeline event)
committed with the audience's member count in one transaction per chunk of consumers, each on
condition of the versions read, so counts and copies never drift from the consumers themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientele.audiences import store
from clientele.audiences.models import Audience, MembersChanged
from clientele.consumers import store as consumer_store
from clientele.consumers import timeline
from clientele.consumers.models import Consumer, TimelineEventType
from clientele.consumers.service import ID_PREFIX as CONSUMER_PREFIX
from clientele.consumers.service import commit_or_reread, replace_write, retrying
from clientele.core import clock
from clientele.core.errors import AudienceNotFound, ValidationFailed
from clientele.core.paging import PageRequest, paged
from clientele.core.store import dynamo
from clientele.core.store.pages import newest_first
from clientele.core.tenancy import Tenant

if TYPE_CHECKING:  # built by the routes that take them
    from clientele.audiences.requests import AudienceCreate, AudienceUpdate, MembersChange

ID_PREFIX = "aud"


def create_audience(tenant: Tenant, request: AudienceCreate) -> Audience:
    now = clock.now()
    audience = Audience(
        id=clock.new_id(ID_PREFIX),
        name=request.name,
        description=request.description,
        member_count=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    store.create(tenant, audience)
    return audience


def get_audience(tenant: Tenant, audience_id: str, field: str | None = None) -> Audience:
    audience = store.get(tenant, audience_id) if audience_id.startswith(f"{ID_PREFIX}_") else None
    if audience is None:
        raise AudienceNotFound(details=[{"field": field, "message": "no audience has this id"}] if field else None)
    return audience


def update_audience(tenant: Tenant, audience_id: str, update: AudienceUpdate) -> Audience:
    def attempt() -> Audience:
        audience = get_audience(tenant, audience_id)
        changes = {name: getattr(update, name) for name in update.model_fields_set}
        after = audience.model_copy(update={**changes, "updated_at": clock.now(), "version": audience.version + 1})
        commit_or_reread([store.replace(tenant, audience, after)])
        return after

    return retrying(attempt)


def delete_audience(tenant: Tenant, audience_id: str) -> Audience:
    """Deletes the audience at once; its members leave it through the stream (cleanup_audience)."""

    def attempt() -> Audience:
        audience = get_audience(tenant, audience_id)
        commit_or_reread([store.delete(tenant, audience)])
        return audience

    return retrying(attempt)


def list_audiences(tenant: Tenant, page: PageRequest) -> dict[str, Any]:
    """The tenant's audiences, newest first."""
    source = newest_first(store.AudienceRecord.list_key(tenant))
    render = lambda items: [store.AudienceRecord.from_item(item).to_api() for item in items]  # noqa: E731
    return paged(tenant, source, {"audiences": True}, page, render)


# ---------------------------------------------------------------- members


def add_members(tenant: Tenant, audience_id: str, change: MembersChange) -> MembersChanged:
    """Adds the consumers; those already in it are left as they are. An unknown id is a 400 and
    changes nothing."""
    done: list[str] = []  # committed by this request, across attempts

    def attempt() -> MembersChanged:
        audience = get_audience(tenant, audience_id)
        consumers = _consumers(tenant, change.consumer_ids)
        missing = [index for index, consumer_id in enumerate(change.consumer_ids) if consumer_id not in consumers]
        full = [
            index
            for index, consumer_id in enumerate(change.consumer_ids)
            if consumer_id in consumers
            and audience.id not in consumers[consumer_id].audience_ids
            and len(consumers[consumer_id].audience_ids) >= store.MAX_AUDIENCES_PER_CONSUMER
        ]
        problems = [{"field": f"consumerIds.{index}", "message": "Consumer not found"} for index in missing]
        problems += [
            {"field": f"consumerIds.{index}", "message": f"is in {store.MAX_AUDIENCES_PER_CONSUMER} audiences already"}
            for index in full
        ]
        if problems:
            raise ValidationFailed(details=problems)
        now = clock.now()
        joining = [consumer for consumer in consumers.values() if audience.id not in consumer.audience_ids]
        writes = [
            (consumer.id, _membership_write(tenant, audience, consumer, [*consumer.audience_ids, audience.id], now))
            for consumer in joining
        ]
        _commit_in_chunks(tenant, audience.id, writes, +1, done)
        return _changed(tenant, audience.id, done, change.consumer_ids)

    return retrying(attempt)


def remove_members(tenant: Tenant, audience_id: str, change: MembersChange) -> MembersChanged:
    """Removes the consumers; ids that are not members (or not consumers) are left as they are."""
    done: list[str] = []

    def attempt() -> MembersChanged:
        audience = get_audience(tenant, audience_id)
        consumers = _consumers(tenant, change.consumer_ids)
        now = clock.now()
        leaving = [consumer for consumer in consumers.values() if audience.id in consumer.audience_ids]
        writes = [
            (
                consumer.id,
                _membership_write(
                    tenant, audience, consumer, [other for other in consumer.audience_ids if other != audience.id], now
                ),
            )
            for consumer in leaving
        ]
        _commit_in_chunks(tenant, audience.id, writes, -1, done)
        return _changed(tenant, audience.id, done, change.consumer_ids)

    return retrying(attempt)


def _consumers(tenant: Tenant, consumer_ids: list[str]) -> dict[str, Consumer]:
    ours = [consumer_id for consumer_id in consumer_ids if consumer_id.startswith(f"{CONSUMER_PREFIX}_")]
    return consumer_store.get_many(tenant, ours)


def _membership_write(
    tenant: Tenant, audience: Audience, consumer: Consumer, audience_ids: list[str], now: str
) -> consumer_store.Write:
    after = consumer.model_copy(
        update={"audience_ids": audience_ids, "updated_at": now, "version": consumer.version + 1}
    )
    joined = audience.id in audience_ids
    write = replace_write(tenant, consumer, after)
    kind = TimelineEventType.AUDIENCE_JOINED if joined else TimelineEventType.AUDIENCE_LEFT
    event = timeline.event(kind, now, {"audienceId": audience.id, "audienceName": audience.name})
    write.add(timeline.put(tenant, consumer.id, event), consumer_store.ConsumerChanged)
    return write


def _commit_in_chunks(
    tenant: Tenant, audience_id: str, writes: list[tuple[str, consumer_store.Write]], step: int, done: list[str]
) -> None:
    """Commits the consumers' writes, as many as fit in a transaction beside the count's own change,
    noting each committed consumer in `done`. Each chunk is whole or nothing; a failed one raises for
    `retrying` to read again, and the chunks stored before it stay done."""
    chunk: list[tuple[str, consumer_store.Write]] = []
    for entry in [*writes, None]:
        size = sum(len(write.operations) for _, write in chunk)
        if chunk and (entry is None or size + len(entry[1].operations) + 1 > dynamo.MAX_TRANSACTION_ITEMS):
            operations = [operation for _, write in chunk for operation in write.operations]
            commit_or_reread([*operations, store.count_change(tenant, audience_id, step * len(chunk))])
            done.extend(consumer_id for consumer_id, _ in chunk)
            chunk = []
        if entry is not None:
            chunk.append(entry)


def _changed(tenant: Tenant, audience_id: str, changed: list[str], asked: list[str]) -> MembersChanged:
    moved = set(changed)
    audience = get_audience(tenant, audience_id)
    return MembersChanged(
        audience_id=audience_id,
        changed=[consumer_id for consumer_id in asked if consumer_id in moved],
        unchanged=[consumer_id for consumer_id in asked if consumer_id not in moved],
        member_count=audience.member_count,
    )


def remove_deleted_audience(tenant: Tenant, audience_id: str) -> int:
    """After an audience is deleted: takes it off every consumer that was in it and drops its member
    copies. Idempotent (a retried stream record finds less to do). Returns how many consumers left."""
    left = 0
    while True:
        members = store.some_members(tenant, audience_id, 100)
        if not members:
            return left
        consumers = consumer_store.get_many(tenant, [member["id"] for member in members])
        writes, orphans = [], []
        for member in members:
            consumer = consumers.get(member["id"])
            if consumer is None or audience_id not in consumer.audience_ids:
                orphans.append(member)
                continue
            remaining = [other for other in consumer.audience_ids if other != audience_id]
            after = consumer.model_copy(update={"audience_ids": remaining, "version": consumer.version + 1})
            writes.append(consumer_store.replace_write(tenant, consumer, after))
        store.drop_members(orphans)
        try:
            consumer_store.commit_all(writes)
            left += len(writes)
        except consumer_store.BatchStopped as stopped:
            if not isinstance(stopped.cause, consumer_store.ConsumerChanged):
                raise stopped.cause from stopped
            left += len(stopped.written)  # a consumer changed under us: the next round reads it again
