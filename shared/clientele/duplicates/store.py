"""Suggestion items: one in each profile's partition, so either side reads its own with one Query;
the older profile's also sits in the tenant's list, strongest first, until it is dismissed.

  pair     pk=<tenant>#CONSUMER#<id>   sk=DUP#<other id>
           gsi1pk=<tenant>#DUPLICATES   gsi1sk=<score, 3 digits>#<pair id>   (the older side, while open)
  check    pk=<tenant>#CONSUMER#<id>   sk=DUPCHECK   -> the keys found too common at its last check
"""

from __future__ import annotations

from typing import Any

from clientele.consumers.store import ConsumerRecord, InConsumerPartition, MatchKey, PhoneEntry, UniqueValue
from clientele.core.store import dynamo
from clientele.core.store.pages import Source, newest_first
from clientele.core.tenancy import Tenant
from clientele.duplicates.models import DuplicateReason

PAIR_PREFIX = "dup_"


def pair_id(first: str, second: str) -> str:
    """The pair's id from its two consumer ids (their ULIDs: the older first)."""
    low, high = sorted((first, second))
    return PAIR_PREFIX + low.partition("_")[2] + high.partition("_")[2]


def pair_of(suggestion_id: str) -> tuple[str, str] | None:
    """The two consumer ids a pair id names (the older first), None for one no pair can have."""
    body = suggestion_id.removeprefix(PAIR_PREFIX)
    if not suggestion_id.startswith(PAIR_PREFIX) or len(body) != 52 or not body.isalnum():
        return None
    low, high = f"cons_{body[:26]}", f"cons_{body[26:]}"
    return (low, high) if low < high else None


class SuggestionRecord(InConsumerPartition):
    kind = "DuplicateSuggestion"
    PREFIX = "DUP#"

    @staticmethod
    def listing(tenant: Tenant) -> str:
        return f"{tenant.key_prefix}#DUPLICATES"


class CheckRecord(InConsumerPartition):
    kind = "DuplicateCheck"
    PREFIX = "DUPCHECK"


def holders(tenant: Tenant, reason: DuplicateReason, value: str, limit: int) -> list[str]:
    """Up to `limit` consumers holding the key (a consistent Query of its partition; the phone's
    entries and, for an email, the uniqueness claim of the canonical address too)."""
    if reason is DuplicateReason.PHONE:
        partition = PhoneEntry.partition(tenant, value)
    else:
        partition = MatchKey.partition(tenant, reason, value)
    found = [
        str(item["sk"])
        for item in dynamo.query(key_condition="pk = :pk", values={":pk": partition}, limit=limit, consistent=True)[
            :limit
        ]
    ]
    if reason is DuplicateReason.EMAIL:
        claim = dynamo.get_item(UniqueValue.email_key(tenant, value), consistent=True)
        if claim is not None and str(claim["consumerId"]) not in found:
            found.append(str(claim["consumerId"]))
    return found


def suggestions_of(tenant: Tenant, consumer_id: str) -> list[dict[str, Any]]:
    """The consumer's pair items (dismissed ones too)."""
    partition = ConsumerRecord.key(tenant, consumer_id)["pk"]
    return dynamo.query(
        key_condition="pk = :pk AND begins_with(sk, :prefix)",
        values={":pk": partition, ":prefix": SuggestionRecord.PREFIX},
        consistent=True,
    )


def put_pair(tenant: Tenant, first: str, second: str, fields: dict[str, Any]) -> bool:
    """Writes the pair's two items with `fields` (reasons, score, suggestedAt), the older side in the
    tenant's list; False (nothing written) if the pair was dismissed meanwhile."""
    low, high = sorted((first, second))
    identifier = pair_id(low, high)
    listed = {"gsi1pk": SuggestionRecord.listing(tenant), "gsi1sk": f"{fields['score']:03d}#{identifier}"}
    operations = [
        dynamo.put(
            SuggestionRecord.item(
                SuggestionRecord.key(tenant, one, other),
                {"id": identifier, "consumerId": one, "otherId": other, **fields} | (listed if one == low else {}),
            ),
            condition="attribute_not_exists(dismissed)",  # only a dismissal sets it
        )
        for one, other in ((low, high), (high, low))
    ]
    try:
        dynamo.transact(operations)
    except dynamo.TransactionCancelled:
        return False
    return True


def delete_pair(tenant: Tenant, first: str, second: str) -> None:
    dynamo.batch_write(
        puts=[],
        deletes=[SuggestionRecord.key(tenant, first, second), SuggestionRecord.key(tenant, second, first)],
    )


def dismiss(tenant: Tenant, first: str, second: str, at: str) -> bool:
    """Marks both items dismissed and takes the pair off the tenant's list; False if there is no such pair."""
    operations = [
        dynamo.update(
            SuggestionRecord.key(tenant, one, other),
            expression="SET dismissed = :true, dismissedAt = :at REMOVE gsi1pk, gsi1sk",
            values={":true": True, ":at": at},
            condition="attribute_exists(pk)",
        )
        for one, other in ((first, second), (second, first))
    ]
    try:
        dynamo.transact(operations)
    except dynamo.TransactionCancelled:
        return False
    return True


def put_check(tenant: Tenant, consumer_id: str, common: list[dict[str, Any]], at: str) -> None:
    item = CheckRecord.item(CheckRecord.key(tenant, consumer_id, ""), {"commonKeys": common, "checkedAt": at})
    dynamo.batch_write(puts=[item], deletes=[])


def get_check(tenant: Tenant, consumer_id: str) -> dict[str, Any] | None:
    return dynamo.get_item(CheckRecord.key(tenant, consumer_id, ""))


def drop_check(tenant: Tenant, consumer_id: str) -> None:
    dynamo.batch_write(puts=[], deletes=[CheckRecord.key(tenant, consumer_id, "")])


def tenant_list(tenant: Tenant) -> Source:
    """The tenant's open suggestions, strongest first (the range key leads with the score)."""
    return newest_first(SuggestionRecord.listing(tenant))
