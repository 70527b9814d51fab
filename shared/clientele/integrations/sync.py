"""Consumers to Klaviyo (seed 000 "Klaviyo Sync"): each change from the stream, or the whole tenant
in bulk (resync).

A consumer's syncStatus moves not_synced -> syncing -> synced (syncedAt, klaviyoProfileId) or
error (syncError). Those moves are consumer writes too, and come back on the stream; they change
nothing Klaviyo sees, so `needs_sync` lets them pass without a sync, and no write triggers itself.
A consumer already synced since its last change is not sent again (a record delivered twice, or
two changes that one sync covered). Only tenants with the integration enabled are synced.

No echo of a pull (pull.py): a consumer whose profile is the one its Klaviyo link says Klaviyo
holds (a digest stored with the link, by a pull or by the last push) is marked synced without an
upsert; each push stores that digest, so the next pull finds the profile unchanged.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger

from clientele.consumers import store as consumer_store
from clientele.consumers.enums import Source, SyncStatus
from clientele.consumers.listing import ListRequest, checked, consumer_items
from clientele.consumers.models import Consumer
from clientele.consumers.service import retrying
from clientele.core import clock
from clientele.core.tenancy import Tenant
from clientele.integrations import klaviyo, link_store
from clientele.integrations import store as integration_store
from clientele.integrations.models import KlaviyoResync, ResyncStatus

logger = Logger(child=True)

JOB_POLL_SECONDS = 2.0
RESYNC_SECONDS = 780.0  # the function's 900 s, less time to record how it ended
MARKING_THREADS = 8


class Connection(NamedTuple):
    api_key: str
    list_id: str | None


_KEYS: dict[tuple[Tenant, str], str] = {}  # (tenant, settings updatedAt) -> the key: a new key is read at once


def connection(tenant: Tenant) -> Connection | None:
    """The tenant's key and list when its sync is enabled, else None. The settings are read every
    time (one consistent GetItem: turning the sync on or changing the key applies at once); the
    secret is cached for as long as the settings stay the same."""
    item = integration_store.get(tenant, consistent=True)
    if item is None or not item.get("enabled") or "keyHint" not in item:
        return None
    cache_key = (tenant, str(item["updatedAt"]))
    if cache_key not in _KEYS:
        _KEYS[cache_key] = integration_store.read_key(tenant)
    return Connection(_KEYS[cache_key], item.get("listId"))


# ---------------------------------------------------------------- one consumer at a time


def needs_sync(old_item: dict[str, Any] | None, new_item: dict[str, Any]) -> bool:
    """Whether a stream record changes what Klaviyo holds: a new consumer, or a change of the profile
    Klaviyo would get (not of totals, activity, or the sync fields themselves)."""
    if old_item is None:
        return True
    before = consumer_store.ConsumerRecord.from_item(old_item)
    after = consumer_store.ConsumerRecord.from_item(new_item)
    return klaviyo.profile(before) != klaviyo.profile(after) or _told(before) != _told(after)


def _told(consumer: Consumer) -> dict[str, str]:
    """The consent states Klaviyo is told of, by channel: what a link keeps of the last it was told."""
    return {channel: str(told.state) for channel, told in klaviyo.consents(consumer).items()}


class Sent(NamedTuple):
    """What a sync gives Klaviyo: the profile's attributes, and the consent states it tells."""

    profile: dict[str, Any]
    told: dict[str, str]


def _sent(consumer: Consumer) -> Sent:
    return Sent(klaviyo.profile(consumer), _told(consumer))


class Outcome(StrEnum):
    SYNCED = "synced"
    DISABLED = "disabled"  # the tenant has no Klaviyo sync on
    CURRENT = "current"  # already synced since its last change
    GONE = "gone"  # deleted since
    OVERTAKEN = "overtaken"  # changed during the sync: its own record syncs it again
    HELD = "held"  # Klaviyo already holds this profile (pulled from there): marked synced, not sent
    PULLING = "pulling"  # just created by a pull, which links it (and marks it synced) next


def sync_consumer(tenant: Tenant, consumer_id: str, *, again: bool = False) -> Outcome:
    """Upserts the consumer as it is now (`again`: even if Klaviyo is thought to hold it already). A
    Klaviyo failure marks it `error` and is raised, so the stream retries the record (and finally
    parks it in the failure queue)."""
    setup = connection(tenant)
    if setup is None:
        return Outcome.DISABLED
    consumer = consumer_store.get(tenant, consumer_id)
    if consumer is None:
        return Outcome.GONE
    if not again and consumer.sync_status is SyncStatus.SYNCED and consumer.synced_version == consumer.version:
        return Outcome.CURRENT
    if consumer.source == Source.KLAVIYO and consumer.klaviyo_profile_id is None and consumer.version == 1:
        return Outcome.PULLING
    link = link_store.get_link(tenant, consumer.klaviyo_profile_id) if consumer.klaviyo_profile_id else None
    if not again and _klaviyo_holds(consumer, link):
        held = _sent(consumer)
        at = clock.now()
        marked = retrying(
            lambda: _mark(
                tenant, consumer_id, held, synced=True, sync_status=SyncStatus.SYNCED, synced_at=at, sync_error=None
            )
        )
        return Outcome.HELD if marked is not None else Outcome.OVERTAKEN
    syncing = retrying(lambda: _mark(tenant, consumer_id, None, sync_status=SyncStatus.SYNCING))
    if syncing is None:
        return Outcome.GONE
    sent = _sent(syncing)
    try:
        profile_id = klaviyo.upsert(setup.api_key, syncing)
        if setup.list_id:
            klaviyo.add_to_list(setup.api_key, setup.list_id, [profile_id])  # idempotent: the list may be new
        # Only the channels whose state moved since the last telling (the link keeps it).
        already = _told_before(consumer_id, link)
        changes = [c for name, c in klaviyo.consents(syncing).items() if already.get(name) != str(c.state)]
        if changes:
            klaviyo.tell_consent(setup.api_key, setup.list_id, [(syncing, change) for change in changes])
    except klaviyo.KlaviyoFailed as failed:
        why = str(failed)
        retrying(lambda: _mark(tenant, consumer_id, sent, sync_status=SyncStatus.ERROR, sync_error=why))
        raise
    fields = {"sync_status": SyncStatus.SYNCED, "synced_at": clock.now(), "klaviyo_profile_id": profile_id}
    link_fields = (
        profile_id,
        klaviyo.fingerprint(klaviyo.shared(sent.profile)),
        klaviyo.fingerprint(sent.profile),
        sent.told,
    )
    synced = retrying(
        lambda: _mark(tenant, consumer_id, sent, synced=True, link=link_fields, sync_error=None, **fields)
    )
    return Outcome.SYNCED if synced is not None else Outcome.OVERTAKEN


def _klaviyo_holds(consumer: Consumer, link: dict[str, Any] | None) -> bool:
    """Whether the consumer's profile and consent are what its Klaviyo link says Klaviyo last had from
    it or gave it (pull.py): then there is nothing to send."""
    return (
        link is not None
        and link.get("consumerId") == consumer.id
        and link.get("pushed") == klaviyo.fingerprint(klaviyo.profile(consumer))
        and _told_before(consumer.id, link) == _told(consumer)
    )


def _told_before(consumer_id: str, link: dict[str, Any] | None) -> dict[str, str]:
    """The consent states Klaviyo was last told of the consumer (none if the link is another's)."""
    return dict(link.get("consent") or {}) if link is not None and link.get("consumerId") == consumer_id else {}


def _mark(
    tenant: Tenant,
    consumer_id: str,
    sent: Sent | None,
    *,
    synced: bool = False,
    link: tuple[str, str, str, dict[str, str]] | None = None,
    **fields: Any,
) -> Consumer | None:
    """Sets sync fields on the consumer as it is now, if what Klaviyo got (`sent`: profile and consent)
    is still its own: a change Klaviyo does not hold (an order) may have come in between, a profile
    or consent change is left to its own record's sync. None if it is gone or its profile moved on. The version
    moves, so an edit that read the consumer before cannot write an old sync state back. `link` =
    (profile id, digest of the shared fields sent, digest of the whole profile sent, the consent states
    told) is stored with it."""
    consumer = consumer_store.get(tenant, consumer_id)
    if consumer is None or (sent is not None and _sent(consumer) != sent):
        return None
    version = consumer.version + 1
    after = consumer.model_copy(update={**fields, "version": version} | ({"synced_version": version} if synced else {}))
    write = consumer_store.replace_write(tenant, consumer, after)
    if link is not None:
        profile_id, shared, pushed, told = link
        write.add(
            link_store.put_link(tenant, profile_id, consumer_id, shared, pushed, consent=told),
            consumer_store.ConsumerChanged,
        )
    consumer_store.commit(write)
    return after


def _mark_if_unchanged(tenant: Tenant, consumer: Consumer, **fields: Any) -> bool:
    """Sets sync fields if nobody changed the consumer since `consumer` was read."""
    version = consumer.version + 1
    after = consumer.model_copy(update={**fields, "version": version, "synced_version": version})
    try:
        consumer_store.commit(consumer_store.replace_write(tenant, consumer, after))
    except consumer_store.ConsumerChanged:
        return False
    return True


# ---------------------------------------------------------------- the whole tenant


def run_resync(tenant: Tenant, resync_id: str) -> KlaviyoResync | None:
    """Sends every consumer through Klaviyo's bulk profile import jobs (MAX_BULK_PROFILES a job),
    waits for the jobs, and marks the consumers of fully imported jobs synced. None if this resync
    is not pending (a record delivered again)."""
    item = integration_store.get(tenant)
    stored = (item or {}).get("resync")
    if not stored or stored["id"] != resync_id or stored["status"] != ResyncStatus.PENDING:
        return None
    resync = KlaviyoResync.model_validate(stored)
    running = resync.model_copy(update={"status": ResyncStatus.RUNNING})
    if not integration_store.move_resync(tenant, resync_id, ResyncStatus.PENDING, running):
        return None
    try:
        setup = connection(tenant)
        if setup is None:
            raise klaviyo.KlaviyoFailed(None, "Klaviyo sync was turned off before the resync ran")
        done = _backfill(tenant, setup, running, time.monotonic() + RESYNC_SECONDS)
    except Exception as error:  # whatever stops it, the resync ends failed: a new one may be asked for
        logger.exception("Resync failed", extra={"resyncId": resync_id})
        message = (
            str(error) if isinstance(error, klaviyo.KlaviyoFailed) else f"The resync stopped ({type(error).__name__})"
        )
        latest = KlaviyoResync.model_validate((integration_store.get(tenant) or {}).get("resync") or running.to_api())
        failed = latest.model_copy(
            update={"status": ResyncStatus.FAILED, "error": message, "completed_at": clock.now()}
        )
        integration_store.move_resync(tenant, resync_id, ResyncStatus.RUNNING, failed)
        return failed
    integration_store.move_resync(tenant, resync_id, ResyncStatus.RUNNING, done)
    return done


def _batches(tenant: Tenant) -> Iterator[list[Consumer]]:
    """Every consumer, oldest first, in batches Klaviyo takes in one bulk job."""
    batch: list[Consumer] = []
    size = 0
    for item in consumer_items(tenant, checked(tenant, ListRequest(sort_dir="asc"))[0]):
        consumer = consumer_store.ConsumerRecord.from_item(item)
        batch.append(consumer)
        size += len(json.dumps(klaviyo.profile(consumer)))
        if len(batch) == klaviyo.MAX_BULK_PROFILES or size >= klaviyo.MAX_BULK_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _backfill(tenant: Tenant, setup: Connection, resync: KlaviyoResync, deadline: float) -> KlaviyoResync:
    """One bulk job at a time: sent, waited for, its consumers marked; memory holds one batch."""
    for batch in _batches(tenant):
        if time.monotonic() > deadline:
            raise klaviyo.KlaviyoFailed(None, f"Out of time after {resync.profiles} profiles; ask for a resync again")
        job_id = klaviyo.bulk_import(setup.api_key, [klaviyo.profile(consumer) for consumer in batch], setup.list_id)
        job = _finished(setup, job_id, deadline)
        unfinished = len(batch) if job.status != "complete" else 0  # still running, cancelled or failed
        if job.status == "complete" and job.failed == 0:
            told = [(consumer, channel) for consumer in batch for channel in klaviyo.consents(consumer).values()]
            if told:
                klaviyo.tell_consent(setup.api_key, setup.list_id, told, backfill=True)
            _mark_synced(tenant, batch, clock.now())
        resync = resync.model_copy(
            update={
                "profiles": resync.profiles + len(batch),
                "jobs": [*resync.jobs, job_id],
                "failed": resync.failed + max(job.failed, unfinished),
            }
        )
        integration_store.move_resync(tenant, resync.id, ResyncStatus.RUNNING, resync)  # progress
    return resync.model_copy(update={"status": ResyncStatus.SUCCEEDED, "completed_at": clock.now()})


def _finished(setup: Connection, job_id: str, deadline: float) -> klaviyo.BulkJob:
    while True:
        job = klaviyo.bulk_job(setup.api_key, job_id)
        if job.status in ("complete", "cancelled", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(JOB_POLL_SECONDS)


def _mark_synced(tenant: Tenant, consumers: list[Consumer], at: str) -> None:
    """Marks the consumers synced as they were sent; one changed since keeps its own state (its
    change is on the stream, and syncs on its own)."""

    def mark(consumer: Consumer) -> bool:
        return _mark_if_unchanged(tenant, consumer, sync_status=SyncStatus.SYNCED, synced_at=at, sync_error=None)

    with ThreadPoolExecutor(MARKING_THREADS) as pool:
        marked = sum(pool.map(mark, consumers))
    logger.info("Resync marked consumers synced", extra={"marked": marked, "sent": len(consumers)})


# ---------------------------------------------------------------- merges


def merge_profiles(tenant: Tenant, survivor_id: str, profile_ids: list[str]) -> str:
    """Merges in Klaviyo the profiles of consumers merged into one (each into the survivor's), then
    pushes the survivor again: what happened, for the merge job to show.

    The push is owed twice over: Klaviyo's merge keeps values of the profiles merged away that the
    survivor does not hold, and the survivor's own sync may have been refused while another profile
    still held an identifier it took over (Klaviyo's 409 duplicate_profile)."""
    survivor = consumer_store.get(tenant, survivor_id)
    into = survivor.klaviyo_profile_id if survivor else None
    others = [profile_id for profile_id in dict.fromkeys(profile_ids) if profile_id != into]
    if into is None or not others:
        return "not_needed"
    setup = connection(tenant)
    if setup is None:
        return "not_synced"
    for profile_id in others:
        try:
            klaviyo.merge_profile(setup.api_key, into, profile_id)
        except klaviyo.KlaviyoFailed as failed:
            # A 404: merged already (this step run again after a crash), or gone from Klaviyo.
            if failed.status != 404:
                return f"failed: {failed}"
        link_store.drop_link(tenant, profile_id)  # that profile is gone: the survivor's link stays
    with contextlib.suppress(klaviyo.KlaviyoFailed):  # marked on the survivor (syncError), as every sync failure
        sync_consumer(tenant, survivor_id, again=True)
    return "merged"


# ---------------------------------------------------------------- erasure


def forget(tenant: Tenant, item: dict[str, Any]) -> bool:
    """Asks Klaviyo to delete an erased consumer's profile (data-privacy deletion), then drops the
    request item, the last one holding the consumer's email. The key is used even if the sync has
    been switched off since: erasure is owed either way. False if the item is already gone."""
    stored = integration_store.forget_request(item)
    if stored is None:
        return False
    klaviyo.request_deletion(
        integration_store.read_key(tenant), stored.get("email"), stored.get("phone"), stored.get("profileId")
    )
    if stored.get("profileId"):  # the profile's link holds digests of the consumer's fields: it goes too
        link_store.drop_link(tenant, str(stored["profileId"]))
    integration_store.drop_forget_request(item)
    return True
