"""Klaviyo lists to consumers (seed 000 "Klaviyo Sync: synced from Klaviyo lists"): a pull reads each
import list's profiles a page at a time and creates or updates consumers with source `klaviyo`.

A pull runs as a chain of chunks, one page of one list each: the pull item's checkpoint (chunk,
list, Klaviyo's page cursor) moves on with the chunk's counts in one conditional write, and that
MODIFY starts the next chunk (template.yaml: RunKlaviyoPullFunction), as the CSV import does. A
chunk cut short is delivered again and does its page again: profiles it already wrote carry this
pull's id and chunk on their link, and count as they did, so the counts come out exact.

A profile is matched to a consumer by its link (the Klaviyo profile id), else by email, else by
phone: never a second consumer for one profile. The link holds digests of what each side last had
from the other (klaviyo.fingerprint): a profile Klaviyo still holds as it was last exchanged is
`unchanged` (a consumer pushed out is not pulled back, and a local change waiting for its push is
not overwritten), and the push (sync.py) skips a consumer whose profile is what Klaviyo holds (a
profile pulled in is not pushed back). The pull fills and changes fields; it never clears one.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from clientele.consumers import service as consumer_service
from clientele.consumers import store as consumer_store
from clientele.consumers.enums import Source, SyncStatus
from clientele.consumers.models import Consumer, derived_full_name
from clientele.consumers.requests import ConsumerCreate, ConsumerUpdate
from clientele.core import actor, clock
from clientele.core.errors import ClienteleError, StoreBusy
from clientele.core.tenancy import Tenant
from clientele.integrations import klaviyo, link_store, sync
from clientele.integrations import store as integration_store
from clientele.integrations.models import KlaviyoPull, PullStatus

logger = Logger(child=True)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


class _Pull:
    """What a chunk knows of its pull."""

    def __init__(self, pull: KlaviyoPull, chunk: int) -> None:
        self.id, self.chunk, self.requested_at = pull.id, chunk, pull.requested_at

    def stamp(self, outcome: Outcome) -> tuple[str, int, str]:
        return (self.id, self.chunk, str(outcome))


def run_chunk(tenant: Tenant, pull_id: str, chunk: int) -> int | None:
    """Pulls chunk number `chunk` (one page of one list) and moves the pull on; returns the profiles
    it read (None: not this chunk's turn, as for a record delivered again after the chunk closed).
    Klaviyo's 429s and 5xx that outlast the retries are raised: the stream runs the chunk again."""
    item = integration_store.get_pull(tenant)
    if item is None or item.get("id") != pull_id or item.get("status") != PullStatus.RUNNING:
        return None
    checkpoint = item["checkpoint"]
    if int(checkpoint["chunk"]) != chunk:
        return None
    pull = KlaviyoPull.model_validate(item)
    list_index, cursor = int(checkpoint["list"]), checkpoint.get("cursor")
    setup = sync.connection(tenant)
    if setup is None:
        _end(tenant, pull, chunk, "Klaviyo sync was turned off during the pull")
        return 0
    try:
        page = klaviyo.list_profiles(setup.api_key, pull.list_ids[list_index], cursor)
    except klaviyo.KlaviyoFailed as failed:
        if failed.status is None or failed.status in klaviyo.RETRIED:
            raise
        _end(tenant, pull, chunk, f"List {pull.list_ids[list_index]}: {failed}")  # a key or list Klaviyo refuses
        return 0
    with actor.acting(actor.Actor(actor.ActorType.KLAVIYO, pull.id)):
        counts = Counter(apply_profile(tenant, _Pull(pull, chunk), profile) for profile in page.profiles)
    fields: dict[str, Any] = {
        "created": pull.created + counts[Outcome.CREATED],
        "updated": pull.updated + counts[Outcome.UPDATED],
        "unchanged": pull.unchanged + counts[Outcome.UNCHANGED],
        "failed": pull.failed + counts[Outcome.FAILED],
        "heartbeatAt": clock.now(),
    }
    if page.next_cursor:
        fields["checkpoint"] = {"chunk": chunk + 1, "list": list_index, "cursor": page.next_cursor}
    elif list_index + 1 < len(pull.list_ids):
        fields["checkpoint"] = {"chunk": chunk + 1, "list": list_index + 1}
    else:
        fields |= {"status": str(PullStatus.SUCCEEDED), "completedAt": clock.now()}
    integration_store.advance_pull(tenant, pull.id, chunk, fields)
    return len(page.profiles)


def _end(tenant: Tenant, pull: KlaviyoPull, chunk: int, error: str) -> None:
    fields = {"status": str(PullStatus.FAILED), "error": error, "completedAt": clock.now()}
    integration_store.advance_pull(tenant, pull.id, chunk, fields)


# ---------------------------------------------------------------- one profile


def apply_profile(tenant: Tenant, pull: _Pull, profile: dict[str, Any]) -> Outcome:
    """Creates or updates the consumer the profile is; what it did (failed: a profile the API would
    refuse, or whose email/externalId another consumer holds)."""
    profile_id = str(profile["id"])
    theirs = klaviyo.shared(profile["attributes"])
    link = link_store.get_link(tenant, profile_id)
    if link is not None and link.get("pullId") == pull.id and int(link.get("chunk", -1)) == pull.chunk:
        return Outcome(str(link["outcome"]))  # this chunk wrote it before it was cut short
    try:
        consumer = _match(tenant, theirs, link)
        if consumer is None:
            return _create(tenant, pull, profile_id, theirs)
        if _created_unlinked(pull, consumer):  # this pull created it, then was cut short before linking it
            _write(tenant, pull, consumer.id, profile_id, theirs, None, Outcome.CREATED)
            return Outcome.CREATED
        return _update(tenant, pull, consumer, profile_id, theirs, link)
    except (ValidationError, ClienteleError) as refused:
        if isinstance(refused, StoreBusy):
            raise  # the store throttles: the chunk runs again, not a refused profile
        logger.info("Klaviyo profile not pulled", extra={"profileId": profile_id, "reason": type(refused).__name__})
        return Outcome.FAILED


def _match(tenant: Tenant, theirs: dict[str, Any], link: dict[str, Any] | None) -> Consumer | None:
    """The consumer linked to the profile, else the one with its email, else with its phone."""
    if link is not None and (linked := consumer_store.get(tenant, str(link["consumerId"]))) is not None:
        return linked
    for consumer_id in (
        theirs["email"] and link_store.consumer_with_email(tenant, theirs["email"]),
        theirs["phone_number"] and link_store.consumer_with_phone(tenant, theirs["phone_number"]),
    ):
        if consumer_id and (found := consumer_store.get(tenant, consumer_id)) is not None:
            return found
    return None


def _created_unlinked(pull: _Pull, consumer: Consumer) -> bool:
    return (
        consumer.source == Source.KLAVIYO
        and consumer.klaviyo_profile_id is None
        and consumer.version == 1
        and consumer.created_at >= pull.requested_at
    )


def _fields(theirs: dict[str, Any]) -> dict[str, Any]:
    """The profile's non-empty shared fields as the consumer's API fields."""
    location = theirs["location"]
    address = {
        "street": location["address1"],
        "city": location["city"],
        "region": location["region"],
        "postalCode": location["zip"],
        "country": location["country"],
    }
    fields = {
        "email": theirs["email"],
        "phone": theirs["phone_number"],
        "externalId": theirs["external_id"],
        "firstName": theirs["first_name"],
        "lastName": theirs["last_name"],
        "address": {name: value for name, value in address.items() if value is not None} or None,
    }
    return {name: value for name, value in fields.items() if value is not None}


def _create(tenant: Tenant, pull: _Pull, profile_id: str, theirs: dict[str, Any]) -> Outcome:
    request = ConsumerCreate.model_validate(_fields(theirs))
    consumer = consumer_service.create_consumer(tenant, request, source=Source.KLAVIYO)
    _write(tenant, pull, consumer.id, profile_id, theirs, None, Outcome.CREATED)
    return Outcome.CREATED


def _update(
    tenant: Tenant,
    pull: _Pull,
    consumer: Consumer,
    profile_id: str,
    theirs: dict[str, Any],
    link: dict[str, Any] | None,
) -> Outcome:
    if link is not None and link.get("consumerId") == consumer.id and link.get("shared") == klaviyo.fingerprint(theirs):
        return Outcome.UNCHANGED  # Klaviyo holds what was last exchanged: nothing new came from there
    update = _changes(consumer, theirs)
    if update is None:
        return Outcome.UNCHANGED
    _write(tenant, pull, consumer.id, profile_id, theirs, update, Outcome.UPDATED)
    return Outcome.UPDATED


def _changes(consumer: Consumer, theirs: dict[str, Any]) -> ConsumerUpdate | None:
    """The update that gives the consumer the profile's non-empty fields; None if it has them all."""
    ours = klaviyo.shared(klaviyo.profile(consumer))
    body: dict[str, Any] = {}
    if theirs["email"] and theirs["email"] != ours["email"]:
        body["email"] = theirs["email"]
    for name, field in (("phone_number", "phone"), ("external_id", "externalId")):
        if theirs[name] and theirs[name] != ours[name]:
            body[field] = theirs[name]
    if any(theirs[name] and theirs[name] != ours[name] for name in ("first_name", "last_name")):
        first, last = theirs["first_name"] or ours["first_name"], theirs["last_name"] or ours["last_name"]
        body |= {"firstName": first, "lastName": last, "fullName": derived_full_name(first, last)}
    location = {name: value or ours["location"][name] for name, value in theirs["location"].items()}
    if location != ours["location"]:
        body["address"] = {
            "street": location["address1"],
            "city": location["city"],
            "region": location["region"],
            "postalCode": location["zip"],
            "country": location["country"],
        }
    return ConsumerUpdate.model_validate(body) if body else None


def _write(
    tenant: Tenant,
    pull: _Pull,
    consumer_id: str,
    profile_id: str,
    theirs: dict[str, Any],
    update: ConsumerUpdate | None,
    outcome: Outcome,
) -> None:
    """The consumer (updated, linked to the profile) and its link, in one transaction. A consumer the
    pull created is what Klaviyo holds: it is marked synced, so the push leaves it alone."""

    def attempt() -> None:
        consumer = consumer_service.get_consumer(tenant, consumer_id)
        now = clock.now()
        after = consumer_service.changed(consumer, update, now) if update is not None else consumer
        fields: dict[str, Any] = {"klaviyo_profile_id": profile_id, "version": consumer.version + 1}
        if outcome is Outcome.CREATED:
            fields |= {"sync_status": SyncStatus.SYNCED, "synced_at": now, "synced_version": consumer.version + 1}
        after = after.model_copy(update=fields)
        write = consumer_service.replace_write(tenant, consumer, after)
        shared, pushed = klaviyo.fingerprint(theirs), klaviyo.fingerprint(klaviyo.profile(after))
        link = link_store.put_link(tenant, profile_id, consumer_id, shared, pushed, pull.stamp(outcome))
        write.add(link, consumer_store.ConsumerChanged)
        consumer_store.commit(write)

    consumer_service.retrying(attempt)
