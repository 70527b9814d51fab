"""Consumer rules: creating, reading, changing and deleting profiles within one tenant."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from clientele.audiences import store as audience_store
from clientele.consumers import store, timeline
from clientele.consumers.enums import Membership, Source, SyncStatus
from clientele.consumers.models import NEEDS_IDENTIFIER, Consumer, Loyalty, derived_full_name
from clientele.core import clock
from clientele.core.errors import (
    Conflict,
    ConsumerChangedConcurrently,
    ValidationFailed,
    VersionMismatch,
)
from clientele.core.tenancy import Tenant
from clientele.referrals import service as referrals
from clientele.referrals import store as referral_store

if TYPE_CHECKING:  # the bodies are built by the routes that take them (consumers/requests.py)
    from clientele.consumers.requests import ConsumerCreate, ConsumerUpdate

ID_PREFIX = store.ID_PREFIX
# When other requests keep changing the consumer in between, reads-and-writes are tried again while
# time is left: a budget in seconds, not a count, so a slow or loaded host (every attempt slower,
# more requests overlapping) retries as long as a fast one. An API request retries until shortly
# before its function's timeout (clock.deadline); other callers (stream functions) for this long.
RETRY_SECONDS = 5.0
MAX_BACKOFF = 0.5  # seconds: the longest wait between two attempts


def new_consumer(request: ConsumerCreate, created_at: str, source: Source) -> Consumer:
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
        source=source,
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


def create_consumer(tenant: Tenant, request: ConsumerCreate, *, source: Source) -> Consumer:
    """Stores the new consumer, `source` being the path it came in through; with a referralCode,
    recording it as referred in the same transaction."""

    def attempt() -> Consumer:
        now = clock.now()
        consumer = new_consumer(request, now, source)
        write = store.insert_write(tenant, consumer)
        if request.referral_code is not None:
            code = referrals.usable(referral_store.get_code(tenant, request.referral_code, now), consumer.id)
            write.extend(referrals.referral_write(tenant, code, consumer.id, None, now))
        store.commit(write)
        return consumer

    return retrying(attempt)


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
    """Deletes the consumer with its unique values, phone entry and audience memberships, and the
    claims of the profiles merged into it."""

    def write(consumer: Consumer) -> Consumer:
        aliases = store.aliases(tenant, consumer.id)
        store.release_aliases(tenant, consumer, aliases)
        delete = store.delete_write(tenant, consumer, aliases)
        # Counts of audiences that still exist (one deleted meanwhile fails the condition: re-read).
        for audience_id in audience_store.get_many(tenant, consumer.audience_ids, consistent=True):
            delete.add(audience_store.count_change(tenant, audience_id, -1), store.ConsumerChanged)
        store.commit(delete)
        return consumer

    return _retrying(tenant, consumer_id, write)
