"""Search entries: one item per word of a consumer, so that a prefix of any word finds it with one Query.

  search entry   pk=<tenant>#SEARCH#<first two letters of the word>
                 sk=<word>\\0<createdAt, digits inverted><id>   (a word's consumers, newest first)
                 consumerId, words (all the consumer's words), createdAt and the filter keys

They are derived from the consumer item alone and kept by the stream (functions/index_search), so
creating or changing a consumer does not pay for them in its own transaction.
"""

from __future__ import annotations

from typing import Any

from clientele.consumers import search
from clientele.consumers.models import Consumer
from clientele.consumers.store import FILTER_INDEXES, SEPARATOR, ConsumerRecord
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.tenancy import Tenant

MAX_WORDS = 24  # bounds what one consumer costs the index; names and addresses rarely come close


class SearchEntry(Entity):
    """One word of one consumer, in the partition of the word's first two letters."""

    kind = "SearchEntry"

    @staticmethod
    def partition(tenant: Tenant, term: str) -> str:
        return f"{tenant.key_prefix}#SEARCH#{term[:2]}"


def _newest_first(created_at: str) -> str:
    return "".join(str(9 - int(char)) if char.isdigit() else char for char in created_at)


def entries(tenant: Tenant, consumer: Consumer) -> dict[tuple[str, str], dict[str, Any]]:
    """{(pk, sk): item} of every search entry the consumer should have."""
    words = sorted(search.words(consumer), key=lambda word: (len(word), word))[:MAX_WORDS]
    item = ConsumerRecord.to_item(tenant, consumer)
    shared = {
        "entity": SearchEntry.kind,
        "consumerId": consumer.id,
        "words": sorted(words),
        "createdAt": consumer.created_at,
        **{attribute: item[attribute] for _, attribute in FILTER_INDEXES.values() if attribute in item},
    }
    found = {}
    for word in words:
        key = (
            SearchEntry.partition(tenant, word),
            f"{word}{SEPARATOR}{_newest_first(consumer.created_at)}{consumer.id}",
        )
        found[key] = {"pk": key[0], "sk": key[1], **shared}
    return found


def sync(tenant: Tenant, before: Consumer | None, after: Consumer | None) -> tuple[int, int]:
    """Makes the stored entries match `after` (None: deleted), given they matched `before`.
    Idempotent, so a retried stream record does no harm. Returns (entries written, entries deleted)."""
    old = entries(tenant, before) if before else {}
    new = entries(tenant, after) if after else {}
    puts = [item for key, item in new.items() if old.get(key) != item]
    deletes = [{"pk": pk, "sk": sk} for pk, sk in old.keys() - new.keys()]
    dynamo.batch_write(puts=puts, deletes=deletes)
    return len(puts), len(deletes)
