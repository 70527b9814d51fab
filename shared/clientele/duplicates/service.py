"""Keeping and reading duplicate suggestions.

`check` runs from the stream for a consumer whose match keys (or phone) changed: it reads who else
holds each key, and makes the consumer's pairs exactly those: new ones written, gone ones deleted,
dismissed ones left dismissed. Every step is idempotent, so a record delivered twice, or two checks
of the two sides of a pair at once, leave the same pairs.
"""

from __future__ import annotations

from typing import Any

from clientele.consumers import match_keys
from clientele.consumers import store as consumer_store
from clientele.consumers.models import Consumer
from clientele.core import clock
from clientele.core.errors import ConsumerNotFound, DuplicateNotFound
from clientele.core.paging import PageRequest, paged
from clientele.core.tenancy import Tenant
from clientele.duplicates import store
from clientele.duplicates.models import (
    CommonKey,
    ConsumerDuplicates,
    DuplicateProfile,
    DuplicateReason,
    DuplicateSuggestion,
    score,
)

COMMON_KEY_HOLDERS = 50  # a key more profiles share than this suggests nothing (it is reported instead)


def keys_of(consumer: Consumer) -> dict[DuplicateReason, str]:
    found = {DuplicateReason(reason): value for reason, value in match_keys.keys(consumer).items()}
    if consumer.phone:
        found[DuplicateReason.PHONE] = consumer.phone
    return found


def changed(tenant: Tenant, old_item: dict[str, Any] | None, new_item: dict[str, Any] | None) -> int | None:
    """A consumer record of the stream: its pairs checked again if it was created, deleted, or its keys
    changed (how many it holds); None for a write that moves no key."""
    before = consumer_store.ConsumerRecord.from_item(old_item) if old_item else None
    after = consumer_store.ConsumerRecord.from_item(new_item) if new_item else None
    consumer = after or before
    assert consumer is not None
    if before is not None and after is not None and keys_of(before) == keys_of(after):
        return None
    return check(tenant, consumer.id)


def check(tenant: Tenant, consumer_id: str) -> int:
    """Makes the consumer's suggestions those its keys give now; returns how many pairs it holds."""
    consumer = consumer_store.get(tenant, consumer_id)
    if consumer is None:
        forget(tenant, consumer_id)
        return 0
    others: dict[str, set[DuplicateReason]] = {}
    common: list[dict[str, Any]] = []
    for reason, value in keys_of(consumer).items():
        holders = store.holders(tenant, reason, value, COMMON_KEY_HOLDERS + 1)
        if len(holders) > COMMON_KEY_HOLDERS:
            common.append({"reason": str(reason), "holders": len(holders)})
            continue
        for other in holders:
            if other != consumer_id:
                others.setdefault(other, set()).add(reason)
    now = clock.now()
    existing = {str(item["otherId"]): item for item in store.suggestions_of(tenant, consumer_id)}
    for other, reasons in others.items():
        held = existing.get(other)
        if held is not None and held.get("dismissed"):
            continue
        if held is not None and set(held["reasons"]) == {str(reason) for reason in reasons}:
            continue
        fields = {
            "reasons": sorted(str(reason) for reason in reasons),
            "score": score(reasons),
            "suggestedAt": held["suggestedAt"] if held else now,
        }
        store.put_pair(tenant, consumer_id, other, fields)
    for other, held in existing.items():
        if other not in others and not held.get("dismissed"):
            store.delete_pair(tenant, consumer_id, other)
    if common or store.get_check(tenant, consumer_id):
        store.put_check(tenant, consumer_id, common, now)
    return len(others)


def forget(tenant: Tenant, consumer_id: str) -> int:
    """A consumer deleted (or erased, or merged away): its pairs go, on both sides; how many."""
    pairs = store.suggestions_of(tenant, consumer_id)
    for item in pairs:
        store.delete_pair(tenant, consumer_id, str(item["otherId"]))
    store.drop_check(tenant, consumer_id)
    return len(pairs)


def dismiss(tenant: Tenant, suggestion_id: str) -> DuplicateSuggestion:
    """POST /duplicates/{id}/dismiss: the pair leaves the lists and is never suggested again."""
    pair = store.pair_of(suggestion_id)
    if pair is None or not store.dismiss(tenant, *pair, clock.now()):
        raise DuplicateNotFound()
    item = next(item for item in store.suggestions_of(tenant, pair[0]) if item["otherId"] == pair[1])
    return _suggestion(item, {})


def _suggestion(item: dict[str, Any], consumers: dict[str, Consumer]) -> DuplicateSuggestion:
    ids = sorted((str(item["consumerId"]), str(item["otherId"])))
    return DuplicateSuggestion(
        id=str(item["id"]),
        consumer_ids=ids,
        reasons=[DuplicateReason(reason) for reason in item["reasons"]],
        score=int(item["score"]),
        suggested_at=str(item["suggestedAt"]),
        consumers=[_profile(consumers[one]) for one in ids if one in consumers],
    )


def _profile(consumer: Consumer) -> DuplicateProfile:
    return DuplicateProfile(
        id=consumer.id,
        full_name=consumer.full_name,
        email=consumer.email,
        phone=consumer.phone,
        created_at=consumer.created_at,
    )


def tenant_duplicates(tenant: Tenant, page: PageRequest) -> dict[str, Any]:
    """GET /duplicates: the open suggestions, strongest first, each with its two profiles (one
    BatchGetItem for the page's)."""

    def shown(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [one for item in items for one in (str(item["consumerId"]), str(item["otherId"]))]
        consumers = consumer_store.get_many(tenant, ids) if ids else {}
        return [_suggestion(item, consumers).to_api() for item in items]

    return paged(tenant, store.tenant_list(tenant), {"duplicates": True}, page, shown)


def consumer_duplicates(tenant: Tenant, consumer_id: str) -> ConsumerDuplicates:
    """GET /consumers/{id}/duplicates: its open suggestions, strongest first, and its common keys."""
    items = [item for item in store.suggestions_of(tenant, consumer_id) if not item.get("dismissed")]
    # One BatchGetItem for the consumer (its 404) and the others it is paired with.
    consumers = consumer_store.get_many(tenant, [consumer_id, *(str(item["otherId"]) for item in items)])
    if consumer_id not in consumers:
        raise ConsumerNotFound()
    suggestions = sorted((_suggestion(item, consumers) for item in items), key=lambda found: (-found.score, found.id))
    check_item = store.get_check(tenant, consumer_id) or {}
    common = [CommonKey.model_validate(key) for key in check_item.get("commonKeys", [])]
    return ConsumerDuplicates(data=suggestions, common_keys=common)
