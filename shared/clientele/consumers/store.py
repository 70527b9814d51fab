"""Consumer items, the uniqueness items that keep email and externalId unique per tenant, the phone
entries behind exact phone lookups, and the index keys every list order and filter reads.

Keys (tenant prefix `<environment>#<organization>`):
  consumer        pk=<tenant>#CONSUMER#<id>          sk=PROFILE
                  gsi1pk=<tenant>#CONSUMERS           gsi1sk=<createdAt>#<id>   (gsi1: createdAt order)
                  s<Field>=<1 value | 0><ulid>         (index by<Field> per other sortBy, hash gsi1pk)
                  fStatus / fMember / fTier=<tenant>#<FIELD>#<value>   (indexes byStatus/…, range gsi1sk)
  unique value    pk=<tenant>#EMAIL#<lower(email)>    sk=UNIQUE   -> consumerId
                  pk=<tenant>#EXTERNALID#<externalId> sk=UNIQUE   -> consumerId
  phone entry     pk=<tenant>#PHONE#<E.164>           sk=<id>     (phones are not unique)
"""

from __future__ import annotations

import contextlib
import json
import time
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

from clientele.audiences import store as audiences
from clientele.consumers import changes, match_keys
from clientele.consumers.models import Consumer
from clientele.core import clock, normalize
from clientele.core.errors import (
    Conflict,
    ConsumerMerged,
    ConsumerNotFound,
    EmailAlreadyExists,
    ExternalIdAlreadyExists,
    StoreBusy,
)
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.keys import tenant_of
from clientele.core.store.pages import every_item, newest_first, prefixed
from clientele.core.tenancy import Tenant

ID_PREFIX = "cons"


SEPARATOR = "\x00"  # ends a text value inside an index key: lower than any character, so "ann" < "ann b"
PRESENT, ABSENT = "1", "0"  # leads every sort key: values first, then nulls (read last in both directions)


def _text(value: str | None) -> str | None:
    return None if value is None else value.casefold().replace(SEPARATOR, "") + SEPARATOR


def _count(value: int) -> str:
    return f"{max(value, 0):012d}"


def _money(value: Decimal) -> str:
    return f"{int(max(value, Decimal(0)) * 10_000):018d}"  # exact to 1/100 of a cent


def instant_key(value: str | None) -> str | None:
    """A stored timestamp in 17 digits (`20241101100000000`): same order, fewer bytes in every key."""
    return None if value is None else "".join(char for char in value if char.isdigit())


class SortIndex(NamedTuple):
    """A KEYS_ONLY index that orders a tenant's consumers by one field, ties broken by id.

    Its range key is `1<value>\\0<id>` or, when the field is null, `0<id>`: reading downwards gives
    values then nulls; reading upwards starts at the values and wraps round to the nulls.
    """

    sort_by: str
    index_name: str
    attribute: str  # the index's range key on the consumer item; short, since every item carries it
    encode: Callable[[Consumer], str | None]
    nullable: bool = True

    def key(self, consumer: Consumer) -> str:
        value, tiebreak = self.encode(consumer), consumer.id.partition("_")[2]  # the id's ULID
        return f"{ABSENT}{tiebreak}" if value is None else f"{PRESENT}{value}{tiebreak}"


SORT_INDEXES = {
    index.sort_by: index
    for index in (
        SortIndex("email", "byEmail", "sEmail", lambda c: _text(c.email)),
        SortIndex("fullName", "byFullName", "sName", lambda c: _text(c.full_name)),
        SortIndex("lastOrderAt", "byLastOrderAt", "sOrderAt", lambda c: instant_key(c.last_order_at)),
        SortIndex("lastActivityAt", "byLastActivityAt", "sActive", lambda c: instant_key(c.last_activity_at)),
        SortIndex("totalOrders", "byTotalOrders", "sOrders", lambda c: _count(c.total_orders), nullable=False),
        SortIndex("totalOrderValue", "byTotalOrderValue", "sValue", lambda c: _money(c.total_order_value), False),
        SortIndex("points", "byPoints", "sPoints", lambda c: _count(c.loyalty.points), nullable=False),
        SortIndex("memberSince", "byMemberSince", "sJoined", lambda c: instant_key(c.member_since)),
    )
}

# Equality filters with an index each (projection ALL, newest/oldest first): {filter: (index, hash attribute)}.
FILTER_INDEXES = {
    "status": ("byStatus", "fStatus"),
    "membership": ("byMembership", "fMember"),
    "tier": ("byTier", "fTier"),
}


def _filter_values(consumer: Consumer) -> dict[str, str | None]:
    return {"status": consumer.status, "membership": consumer.membership, "tier": consumer.loyalty.tier}


class ConsumerRecord(Entity):
    """How a Consumer is stored: it builds its own keys and converts to and from items."""

    kind = "Consumer"  # template.yaml's stream filters name this kind
    index_attributes = frozenset(
        {"dueShard", "dueAt"}
        | {index.attribute for index in SORT_INDEXES.values()}
        | {attribute for _, attribute in FILTER_INDEXES.values()}
    )

    @staticmethod
    def key(tenant: Tenant, consumer_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#CONSUMER#{consumer_id}", "sk": "PROFILE"}

    @staticmethod
    def id_of(keys: dict[str, Any]) -> str:
        """The consumer a consumer item's keys name (entries of a KEYS_ONLY index carry only keys)."""
        return str(keys["pk"]).rsplit("#", 1)[1]

    @staticmethod
    def filter_key(tenant: Tenant, name: str, value: str) -> str:
        return f"{tenant.key_prefix}#{name.upper()}#{value}"

    @staticmethod
    def list_key(tenant: Tenant) -> str:
        """The hash key all of a tenant's consumers share in gsi1 and the sort indexes."""
        return f"{tenant.key_prefix}#CONSUMERS"

    @staticmethod
    def created_sort(consumer: Consumer) -> str:
        """gsi1's range key: the list's default order (createdAt, ties by id)."""
        return f"{consumer.created_at}#{consumer.id}"

    @classmethod
    def to_item(cls, tenant: Tenant, consumer: Consumer) -> dict[str, Any]:
        # Fields at their default (a new consumer's zero totals, no audiences) are left out: every
        # write pays for the item's size once per index that holds it; from_item restores them.
        fields = consumer.model_dump(mode="python", by_alias=True, exclude_defaults=True)
        # Arbitrary JSON (floats, nesting) is kept as text: DynamoDB numbers would change its types.
        fields["metadata"] = None if consumer.metadata is None else json.dumps(consumer.metadata)
        filters = {
            attribute: ConsumerRecord.filter_key(tenant, name, value)
            for name, (_, attribute) in FILTER_INDEXES.items()
            if (value := _filter_values(consumer)[name]) is not None
        }
        return {
            **ConsumerRecord.key(tenant, consumer.id),
            "gsi1pk": ConsumerRecord.list_key(tenant),
            "gsi1sk": ConsumerRecord.created_sort(consumer),
            **{index.attribute: index.key(consumer) for index in SORT_INDEXES.values()},
            **filters,
            **ConsumerRecord.due_keys(consumer),
            "entity": cls.kind,
            **fields,
        }

    @staticmethod
    def due_keys(consumer: Consumer) -> dict[str, str]:
        """Index byDue: consumers whose points change by themselves (pending points activating,
        active ones expiring) at `dueAt`, spread over DUE_SHARDS partitions for the scheduled refresh."""
        due_at = consumer.loyalty.next_change_at
        if due_at is None:
            return {}
        return {"dueShard": due_shard(consumer.id), "dueAt": due_at}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Consumer:
        fields = cls.fields(item)
        if fields.get("metadata") is not None:
            fields["metadata"] = json.loads(fields["metadata"])
        for name in _COUNTS:
            if name in fields:
                fields[name] = int(fields[name])
        return dynamo.with_nulls(Consumer, fields)


_COUNTS = ("totalOrders", "discountedOrders", "undiscountedOrders", "version")  # numbers that are ints

DUE_SHARDS = 8


def due_shard(consumer_id: str) -> str:
    return _due_shard(zlib.crc32(consumer_id.encode()) % DUE_SHARDS)


def _due_shard(number: int) -> str:
    return f"DUE#{number}"


def due_consumers(shard: int, until: str, limit: int) -> list[tuple[Tenant, str]]:
    """(tenant, consumer id) of up to `limit` consumers of one byDue shard whose points change by `until`,
    of every tenant: the scheduled refresh's one cross-tenant read (index byDue, KEYS_ONLY)."""
    entries = dynamo.query(
        index="byDue",
        key_condition="dueShard = :shard AND dueAt <= :now",
        values={":shard": _due_shard(shard), ":now": until},
        limit=limit,
    )
    return [(tenant_of(entry), ConsumerRecord.id_of(entry)) for entry in entries[:limit]]


def member_fields(item: dict[str, Any]) -> dict[str, Any]:
    """A stored consumer's fields without its keys and index attributes: what an audience member copies."""
    return ConsumerRecord.fields(item)


class InConsumerPartition(Entity):
    """A kind kept in its consumer's own partition, beside the profile: one item per `PREFIX` + id, so one
    Query of the prefix reads them all (a subclass names its kind and its PREFIX)."""

    PREFIX: ClassVar[str]

    @classmethod
    def key(cls, tenant: Tenant, consumer_id: str, item_id: str) -> dict[str, str]:
        return {"pk": ConsumerRecord.key(tenant, consumer_id)["pk"], "sk": f"{cls.PREFIX}{item_id}"}


class ChangeRecord(InConsumerPartition):
    """A write's field-level changes (clientele.consumers.changes), keyed by the version it made: newest
    last, one per version, so a write retried or recorded twice is still one record.

      pk=<tenant>#CONSUMER#<id>   sk=CHANGE#<version, 10 digits>
    """

    kind = "ProfileChange"
    PREFIX = "CHANGE#"

    @classmethod
    def put(cls, tenant: Tenant, before: Consumer | None, after: Consumer) -> dict[str, Any] | None:
        """The record of the write from `before` (None: a creation) to `after`; None if nothing tracked changed."""
        fields = changes.item_fields(before, after)
        if fields is None:
            return None
        return dynamo.put(cls.item(cls.key(tenant, after.id, f"{after.version:010d}"), fields))


class ClaimAlias(InConsumerPartition):
    """The identifiers a merged-away profile handed to the consumer (`holderId`: the one their claims
    point to): an exact lookup by them finds it, and deleting or erasing it frees them.

      pk=<tenant>#CONSUMER#<holder>   sk=ALIAS#<merged profile id>   (emails, externalIds, phones)
    """

    kind = "ClaimAlias"
    PREFIX = "ALIAS#"

    @classmethod
    def put(cls, tenant: Tenant, holder: str, merged_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return dynamo.put(cls.item(cls.key(tenant, holder, merged_id), {"holderId": holder, **fields}))


def aliases(tenant: Tenant, consumer_id: str) -> list[dict[str, Any]]:
    """The ClaimAlias items in the consumer's partition (consistent: a delete frees what they name)."""
    partition = ConsumerRecord.key(tenant, consumer_id)["pk"]
    return list(every_item(prefixed(partition, ClaimAlias.PREFIX, consistent=True)))


def alias_values(records: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[str]]:
    """([(claim kind, value)], [phone]) that alias records name."""
    claims = [("EMAIL", str(value)) for record in records for value in record.get("emails") or []]
    claims += [("EXTERNALID", str(value)) for record in records for value in record.get("externalIds") or []]
    phones = [str(value) for record in records for value in record.get("phones") or []]
    return claims, phones


class MatchKey(Entity):
    """One consumer holding one match key (consumers/match_keys.py): the key is the partition, each
    holder a row, written in the consumer's own transactions, as phone entries are.

      pk=<tenant>#MATCH#<reason>#<value>   sk=<consumer id>
    """

    kind = "MatchKey"

    @staticmethod
    def partition(tenant: Tenant, reason: str, value: str) -> str:
        return f"{tenant.key_prefix}#MATCH#{reason}#{value}"

    @staticmethod
    def row(tenant: Tenant, reason: str, value: str, consumer_id: str) -> dict[str, Any]:
        return MatchKey.item({"pk": MatchKey.partition(tenant, reason, value), "sk": consumer_id}, {})

    @staticmethod
    def rows(tenant: Tenant, consumer: Consumer) -> list[dict[str, Any]]:
        """Every match key item the consumer holds."""
        return [
            MatchKey.row(tenant, reason, value, consumer.id) for reason, value in match_keys.written(consumer).items()
        ]

    @staticmethod
    def put(tenant: Tenant, reason: str, value: str, consumer_id: str) -> dict[str, Any]:
        return dynamo.put(MatchKey.row(tenant, reason, value, consumer_id))

    @staticmethod
    def delete(tenant: Tenant, reason: str, value: str, consumer_id: str) -> dict[str, Any]:
        return dynamo.delete({"pk": MatchKey.partition(tenant, reason, value), "sk": consumer_id})


def _move_match_keys(
    write: Write, tenant: Tenant, consumer_id: str, before: Consumer | None, after: Consumer | None
) -> None:
    """The writes that make the stored match keys those of `after` (None: deleted) from `before`'s."""
    old = match_keys.written(before) if before is not None else {}
    new = match_keys.written(after) if after is not None else {}
    for reason, value in old.items():
        if new.get(reason) != value:
            write.add(MatchKey.delete(tenant, reason, value, consumer_id), ConsumerChanged)
    for reason, value in new.items():
        if old.get(reason) != value:
            write.add(MatchKey.put(tenant, reason, value, consumer_id), ConsumerChanged)


class PhoneEntry(Entity):
    """One consumer holding one phone number: phones are not unique, so the number is the partition
    and each holder a row. Written in the consumer's own transactions, so lookups read their writes."""

    kind = "Phone"

    @staticmethod
    def partition(tenant: Tenant, phone: str) -> str:
        return f"{tenant.key_prefix}#PHONE#{phone}"

    @staticmethod
    def put(tenant: Tenant, phone: str, consumer_id: str) -> dict[str, Any]:
        return dynamo.put(PhoneEntry.item({"pk": PhoneEntry.partition(tenant, phone), "sk": consumer_id}, {}))

    @staticmethod
    def delete(tenant: Tenant, phone: str, consumer_id: str) -> dict[str, Any]:
        return dynamo.delete({"pk": PhoneEntry.partition(tenant, phone), "sk": consumer_id})


class UniqueValue(Entity):
    """Claims one identifying value (email, externalId) of a tenant for one consumer."""

    kind = "Unique"

    @staticmethod
    def key(tenant: Tenant, what: str, value: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#{what}#{value}", "sk": "UNIQUE"}

    @staticmethod
    def email_key(tenant: Tenant, email: str) -> dict[str, str]:
        return UniqueValue.key(tenant, "EMAIL", normalize.email_identity(email))

    @staticmethod
    def external_id_key(tenant: Tenant, external_id: str) -> dict[str, str]:
        return UniqueValue.key(tenant, "EXTERNALID", external_id)

    @staticmethod
    def claim(tenant: Tenant, what: str, value: str, consumer_id: str) -> dict[str, Any]:
        """The claim, on condition nobody else holds it (a merge's survivor may hold it already: a value
        one of its merged profiles had, which it now takes as its own)."""
        item = UniqueValue.item(UniqueValue.key(tenant, what, value), {"consumerId": consumer_id})
        return dynamo.put(item, condition="attribute_not_exists(pk) OR consumerId = :id", values={":id": consumer_id})

    @staticmethod
    def repoint(tenant: Tenant, what: str, value: str, holder: str, survivor: str) -> dict[str, Any]:
        """The claim handed from a merged profile to its survivor (a no-op if the survivor has it)."""
        item = UniqueValue.item(UniqueValue.key(tenant, what, value), {"consumerId": survivor})
        return dynamo.put(
            item, condition="consumerId IN (:holder, :survivor)", values={":holder": holder, ":survivor": survivor}
        )


class Tombstone(Entity):
    """What a merged-away profile leaves: its id answers `consumer_merged` with the survivor's id.

    pk=<tenant>#CONSUMER#<id>   sk=MERGED   (mergedInto, mergeId, mergedAt)
    """

    kind = "MergedConsumer"

    @staticmethod
    def key(tenant: Tenant, consumer_id: str) -> dict[str, str]:
        return {"pk": ConsumerRecord.key(tenant, consumer_id)["pk"], "sk": "MERGED"}

    @staticmethod
    def put(tenant: Tenant, consumer_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return dynamo.put(Tombstone.item(Tombstone.key(tenant, consumer_id), fields))


class MergeLock(Entity):
    """The merge a profile is in while it runs (one at a time; an erasure waits for it).

    pk=<tenant>#CONSUMER#<id>   sk=MERGELOCK   (mergeId)
    """

    kind = "MergeLock"

    @staticmethod
    def key(tenant: Tenant, consumer_id: str) -> dict[str, str]:
        return {"pk": ConsumerRecord.key(tenant, consumer_id)["pk"], "sk": "MERGELOCK"}


class MergeRequestRecord(Entity):
    """A merge asked for by another system (Shopify merged two customers linked to two consumers); its
    INSERT starts the merge (functions/run_merge), which records how that went on it (`outcome`). Keyed
    by the request's origin id (a webhook's event id), so a delivery sent twice asks once.

      pk=<tenant>#MERGEREQUEST#<origin id>   sk=REQUEST   (survivorId, sourceIds, origin, outcome)
    """

    kind = "MergeRequest"  # template.yaml's stream filter names this kind

    @staticmethod
    def key(tenant: Tenant, request_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#MERGEREQUEST#{request_id}", "sk": "REQUEST"}

    @staticmethod
    def id_of(item: dict[str, Any]) -> str:
        """The request's own id (its origin's: a webhook's event id), read back from its key."""
        return str(item["pk"]).rsplit("#", 1)[1]


def request_merge(tenant: Tenant, request_id: str, survivor: str, sources: list[str], origin: str) -> bool:
    """Asks for the merge (False: this request was made already); TTL 7 days once answered."""
    fields = {"survivorId": survivor, "sourceIds": sources, "origin": origin, "requestedAt": clock.now()}
    item = MergeRequestRecord.item(MergeRequestRecord.key(tenant, request_id), fields)
    return dynamo.put_new(item)


def answer_merge_request(tenant: Tenant, request_id: str, outcome: str) -> None:
    expiration = int(clock.parse(clock.now()).timestamp()) + 7 * 24 * 3600
    dynamo.transact(
        [dynamo.set_fields(MergeRequestRecord.key(tenant, request_id), {"outcome": outcome, "expiration": expiration})]
    )


def merge_running(tenant: Tenant, consumer_id: str) -> str | None:
    """The id of the merge the consumer is in, if one is running."""
    item = dynamo.get_item(MergeLock.key(tenant, consumer_id), consistent=True)
    return None if item is None else str(item["mergeId"])


def merged_into(tenant: Tenant, consumer_id: str) -> str | None:
    """The survivor a merged-away id points to (None: the id was never merged)."""
    item = dynamo.get_item(Tombstone.key(tenant, consumer_id), consistent=True)
    return None if item is None else str(item["mergedInto"])


def survivor_of(tenant: Tenant, consumer_id: str, hops: int = 10) -> str | None:
    """The profile that holds a merged-away id's data now, following merges of merges."""
    current = merged_into(tenant, consumer_id)
    for _ in range(hops):
        if current is None or get(tenant, current) is not None:
            return current
        current = merged_into(tenant, current)
    return current


class ConsumerChanged(Exception):
    """The consumer's version moved (or it was deleted) since it was read: re-read and retry."""


class Write:
    """One consumer's share of a transaction, and what a failed condition on each operation means."""

    def __init__(
        self, operations: list[dict[str, Any]] | None = None, failures: list[Callable[[], Exception]] | None = None
    ) -> None:
        self.operations = operations if operations is not None else []
        self.failures = failures if failures is not None else []

    def add(self, operation: dict[str, Any], failure: Callable[[], Exception]) -> None:
        self.operations.append(operation)
        self.failures.append(failure)

    def extend(self, other: Write) -> None:
        """Adds another share (a referral, another consumer's points) to this transaction."""
        self.operations += other.operations
        self.failures += other.failures

    def failure(self, failed: list[int]) -> Exception:
        """The error the first failed operation stands for."""
        return self.failures[failed[0]]() if failed else ConsumerChanged()


def _taken(field_name: str) -> Callable[[], Exception]:
    error = EmailAlreadyExists if field_name == "email" else ExternalIdAlreadyExists
    message = f"{field_name} is already used by another consumer"
    return lambda: error(details=[{"field": field_name, "message": message}])


def unique_values(consumer: Consumer) -> dict[str, tuple[str, str]]:
    """{API field: (key kind, identity)} for the consumer's values that must be unique in the tenant."""
    values = {}
    if consumer.email is not None:
        values["email"] = ("EMAIL", normalize.email_identity(consumer.email))
    if consumer.external_id is not None:
        values["externalId"] = ("EXTERNALID", consumer.external_id)
    return values


def _same_version(consumer: Consumer) -> tuple[str, dict[str, Any]]:
    return "attribute_exists(pk) AND version = :version", {":version": consumer.version}


def insert_write(tenant: Tenant, consumer: Consumer) -> Write:
    """Creates the consumer and claims its unique values: a taken value fails the whole write, so two
    concurrent creates with one email cannot both succeed."""
    write = Write()
    write.add(
        dynamo.put(ConsumerRecord.to_item(tenant, consumer), condition="attribute_not_exists(pk)"), ConsumerChanged
    )
    for field_name, (kind, value) in unique_values(consumer).items():
        write.add(UniqueValue.claim(tenant, kind, value, consumer.id), _taken(field_name))
    if consumer.phone is not None:
        write.add(PhoneEntry.put(tenant, consumer.phone, consumer.id), ConsumerChanged)
    _move_match_keys(write, tenant, consumer.id, None, consumer)
    _record_changes(write, tenant, None, consumer)
    return write


def _record_changes(write: Write, tenant: Tenant, before: Consumer | None, after: Consumer) -> None:
    history = ChangeRecord.put(tenant, before, after)
    if history is not None:
        write.add(history, ConsumerChanged)


def claim_changes(
    before: Consumer | None, after: Consumer
) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """(values to release, values to claim) when `before` (None: a new consumer) becomes `after`."""
    old, new = (unique_values(before) if before is not None else {}), unique_values(after)
    released = {name: value for name, value in old.items() if new.get(name) != value}
    claimed = {name: value for name, value in new.items() if old.get(name) != value}
    return released, claimed


def replace_write(tenant: Tenant, before: Consumer, after: Consumer) -> Write:
    """Stores `after` if the consumer is still at `before`'s version, moving changed unique claims and
    rewriting its audience member copies (dropping those of audiences it left)."""
    condition, values = _same_version(before)
    write = Write()
    item = ConsumerRecord.to_item(tenant, after)
    write.add(dynamo.put(item, condition=condition, values=values), ConsumerChanged)
    copy = member_fields(item)
    for audience_id in after.audience_ids:
        write.add(audiences.member_put(tenant, audience_id, copy, after), ConsumerChanged)
    for audience_id in set(before.audience_ids) - set(after.audience_ids):
        write.add(audiences.member_delete(tenant, audience_id, before), ConsumerChanged)
    released, claimed = claim_changes(before, after)
    for kind, value in released.values():
        write.add(_release(tenant, kind, value, before.id), ConsumerChanged)
    for field_name, (kind, value) in claimed.items():
        write.add(UniqueValue.claim(tenant, kind, value, after.id), _taken(field_name))
    if before.phone != after.phone:
        if before.phone is not None:
            write.add(PhoneEntry.delete(tenant, before.phone, before.id), ConsumerChanged)
        if after.phone is not None:
            write.add(PhoneEntry.put(tenant, after.phone, after.id), ConsumerChanged)
    _move_match_keys(write, tenant, after.id, before, after)
    _record_changes(write, tenant, before, after)
    return write


def reindex(tenant: Tenant, complete: Callable[[Consumer], Consumer]) -> tuple[int, int]:
    """(consumers read, consumers rewritten): every consumer of the tenant that `complete` fills in
    (a field a newer version derives) or whose index attributes differ from those the code derives
    now is stored again, at the same version, on condition that its version has not moved (a write
    in between did the same). For an upgrade that adds a field or an index (an item without its
    attribute is missing from that index), run once per organization by an operator with
    `clientele reindex`. It reads the tenant's gsi1 partition (every consumer, whole items), and
    puts every consumer's match keys (idempotent: a consumer stored before they existed gets them,
    so the profiles that come or change later are compared with it)."""
    read = rewritten = 0
    for item in every_item(newest_first(ConsumerRecord.list_key(tenant))):
        read += 1
        stored = ConsumerRecord.from_item(item)
        dynamo.batch_write(puts=MatchKey.rows(tenant, stored), deletes=[])
        consumer = complete(stored)
        fresh = ConsumerRecord.to_item(tenant, consumer)
        if consumer != stored or any(fresh.get(name) != item.get(name) for name in ConsumerRecord.index_attributes):
            condition, values = _same_version(consumer)
            try:
                dynamo.transact([dynamo.put(fresh, condition=condition, values=values)])
                rewritten += 1
            except dynamo.TransactionCancelled:
                pass  # changed meanwhile: that write derived the attributes
    return read, rewritten


def release_aliases(tenant: Tenant, consumer: Consumer, alias_records: list[dict[str, Any]]) -> None:
    """Frees the claims the consumer holds for profiles merged into it, before it is deleted: each on
    condition it still does (one it stopped using since is another's, or nobody's, already)."""
    claims, _ = alias_values(alias_records)
    own = set(unique_values(consumer).values())
    for kind, value in dict.fromkeys(claims):
        if (kind, value) not in own:
            with contextlib.suppress(dynamo.TransactionCancelled):
                dynamo.transact([_release(tenant, kind, value, consumer.id)])


def delete_write(tenant: Tenant, consumer: Consumer, alias_records: list[dict[str, Any]] | None = None) -> Write:
    """Deletes the consumer (at the version read) and frees its unique values for others, with the
    phones and alias records of the profiles merged into it (release_aliases frees their claims)."""
    condition, values = _same_version(consumer)
    write = Write()
    write.add(
        dynamo.delete(ConsumerRecord.key(tenant, consumer.id), condition=condition, values=values), ConsumerChanged
    )
    for kind, value in unique_values(consumer).values():
        write.add(_release(tenant, kind, value, consumer.id), ConsumerChanged)
    _, phones = alias_values(alias_records or [])
    for phone in dict.fromkeys([*([consumer.phone] if consumer.phone is not None else []), *phones]):
        write.add(PhoneEntry.delete(tenant, phone, consumer.id), ConsumerChanged)
    for record in alias_records or []:
        write.add(dynamo.delete({"pk": record["pk"], "sk": record["sk"]}), ConsumerChanged)
    for audience_id in consumer.audience_ids:
        write.add(audiences.member_delete(tenant, audience_id, consumer), ConsumerChanged)
    _move_match_keys(write, tenant, consumer.id, consumer, None)
    return write


def merge_write(tenant: Tenant, before: Consumer, after: Consumer, source: Consumer) -> Write:
    """The survivor stored as `after` and the merged `source` deleted, each at the version read: the
    source's unique claims and phone now name the survivor (an exact lookup by them finds it), its
    audience copies and match keys go, and the survivor's copies and match keys follow `after`. The
    survivor's own former values stay its claims too (nothing is released by a merge)."""
    write = Write()
    condition, values = _same_version(before)
    item = ConsumerRecord.to_item(tenant, after)
    write.add(dynamo.put(item, condition=condition, values=values), ConsumerChanged)
    copy = member_fields(item)
    for audience_id in after.audience_ids:
        write.add(audiences.member_put(tenant, audience_id, copy, after), ConsumerChanged)
    condition, values = _same_version(source)
    write.add(dynamo.delete(ConsumerRecord.key(tenant, source.id), condition=condition, values=values), ConsumerChanged)
    for audience_id in source.audience_ids:
        write.add(audiences.member_delete(tenant, audience_id, source), ConsumerChanged)
    for kind, value in unique_values(source).values():
        write.add(UniqueValue.repoint(tenant, kind, value, source.id, after.id), ConsumerChanged)
    if source.phone is not None:
        write.add(PhoneEntry.delete(tenant, source.phone, source.id), ConsumerChanged)
        write.add(PhoneEntry.put(tenant, source.phone, after.id), ConsumerChanged)
    _move_match_keys(write, tenant, source.id, source, None)
    _move_match_keys(write, tenant, after.id, before, after)
    _record_changes(write, tenant, before, after)
    return write


def repoint_aliases(tenant: Tenant, record: dict[str, Any], holder: str, survivor: str) -> list[dict[str, Any]]:
    """A moved ClaimAlias record's claims and phones handed from `holder` (merged away) to `survivor`."""
    claims, phones = alias_values([record])
    operations = [UniqueValue.repoint(tenant, kind, value, holder, survivor) for kind, value in claims]
    for phone in phones:
        operations += [PhoneEntry.delete(tenant, phone, holder), PhoneEntry.put(tenant, phone, survivor)]
    operations.append(dynamo.put({**record, "holderId": survivor}))
    return operations


def _release(tenant: Tenant, kind: str, value: str, consumer_id: str) -> dict[str, Any]:
    return dynamo.delete(
        UniqueValue.key(tenant, kind, value), condition="consumerId = :owner", values={":owner": consumer_id}
    )


def commit(write: Write) -> None:
    try:
        dynamo.transact(write.operations)
    except dynamo.TransactionCancelled as cancelled:
        raise write.failure(cancelled.failed) from None


class BatchStopped(Exception):
    """A transaction of a batch failed: `written` lists the writes that are stored, `failed` the index of
    the write whose condition failed (None when no single item is to blame), `cause` what it means."""

    def __init__(self, written: list[int], failed: int | None, cause: Exception) -> None:
        self.written, self.failed, self.cause = written, failed, cause
        super().__init__(f"batch interrupted after {len(written)} writes")


CHUNK_ATTEMPTS = 3  # a transaction that clashed or was throttled is tried again before the batch stops


def commit_all(writes: list[Write]) -> None:
    """Commits the writes in order, packed whole into transactions of at most 100 operations.

    Each transaction is all-or-nothing, so whatever stops the batch, exactly the earlier
    transactions are stored, and BatchStopped says which.
    """
    written: list[int] = []
    for chunk in _chunks(writes):
        operations = [operation for index in chunk for operation in writes[index].operations]
        for attempt in range(CHUNK_ATTEMPTS):
            try:
                dynamo.transact(operations)
                break
            except dynamo.TransactionCancelled as cancelled:
                failed, offset = _locate(writes, chunk, cancelled.failed[0])
                raise BatchStopped(written, failed, writes[failed].failure([offset])) from None
            except (Conflict, StoreBusy) as transient:
                if attempt == CHUNK_ATTEMPTS - 1:
                    raise BatchStopped(written, None, transient) from None
                time.sleep(0.05 * 2**attempt)
            except Exception as fault:
                raise BatchStopped(written, None, fault) from fault
        written.extend(chunk)


def _chunks(writes: list[Write]) -> list[list[int]]:
    chunks: list[list[int]] = [[]]
    size = 0
    for index, write in enumerate(writes):
        assert len(write.operations) <= dynamo.MAX_TRANSACTION_ITEMS, "one consumer's write never needs 100 operations"
        if size + len(write.operations) > dynamo.MAX_TRANSACTION_ITEMS:
            chunks.append([])
            size = 0
        chunks[-1].append(index)
        size += len(write.operations)
    return [chunk for chunk in chunks if chunk]


def _locate(writes: list[Write], chunk: list[int], operation: int) -> tuple[int, int]:
    """(write index, operation offset inside that write) of a transaction's operation index."""
    for index in chunk:
        count = len(writes[index].operations)
        if operation < count:
            return index, operation
        operation -= count
    raise IndexError(operation)


def get(tenant: Tenant, consumer_id: str) -> Consumer | None:
    item = dynamo.get_item(ConsumerRecord.key(tenant, consumer_id), consistent=True)  # read-after-write
    return ConsumerRecord.from_item(item) if item else None


def existing(tenant: Tenant, consumer_id: str) -> Consumer:
    """The consumer; ConsumerNotFound if there is none (an id that is not ours cannot exist: no read)."""
    consumer = get(tenant, consumer_id) if consumer_id.startswith(f"{ID_PREFIX}_") else None
    if consumer is None:
        survivor = merged_into(tenant, consumer_id) if consumer_id.startswith(f"{ID_PREFIX}_") else None
        if survivor is not None:
            raise ConsumerMerged.into(survivor)
        raise ConsumerNotFound()
    return consumer


def get_many(tenant: Tenant, consumer_ids: list[str]) -> dict[str, Consumer]:
    """{id: consumer} of those ids that exist, read consistently."""
    items = items_of(tenant, consumer_ids, consistent=True)
    return {consumer.id: consumer for consumer in (ConsumerRecord.from_item(item) for item in items if item)}


def items_of(tenant: Tenant, consumer_ids: list[str], *, consistent: bool) -> list[dict[str, Any] | None]:
    """The stored items of the ids, in their order (None where one is gone)."""
    keys = [ConsumerRecord.key(tenant, consumer_id) for consumer_id in dict.fromkeys(consumer_ids)]
    by_pk = {item["pk"]: item for item in dynamo.batch_get(keys, consistent=consistent)}
    return [by_pk.get(ConsumerRecord.key(tenant, consumer_id)["pk"]) for consumer_id in consumer_ids]


def claim_holder(key: dict[str, str]) -> str | None:
    """The consumer a unique claim names now (consistent read), if it exists."""
    item = dynamo.get_item(key, consistent=True)
    return None if item is None else str(item["consumerId"])


def taken_values(tenant: Tenant, values: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{(kind, identity): owning consumer id} for those of the values another consumer already holds."""
    items = dynamo.batch_get([UniqueValue.key(tenant, kind, value) for kind, value in values], consistent=True)
    prefix = f"{tenant.key_prefix}#"
    owners = {}
    for item in items:
        kind, _, value = item["pk"].removeprefix(prefix).partition("#")
        owners[(kind, value)] = item["consumerId"]
    return owners
