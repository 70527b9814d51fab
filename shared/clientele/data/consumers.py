"""Consumer items and the uniqueness items that keep email and externalId unique per tenant.

Keys (tenant prefix `<environment>#<organization>`):
  consumer        pk=<tenant>#CONSUMER#<id>          sk=PROFILE
                  gsi1pk=<tenant>#CONSUMERS           gsi1sk=<createdAt>#<id>   (newest/oldest first)
  unique value    pk=<tenant>#EMAIL#<lower(email)>    sk=UNIQUE   -> consumerId
                  pk=<tenant>#EXTERNALID#<externalId> sk=UNIQUE   -> consumerId
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clientele import normalize
from clientele.data import dynamo
from clientele.errors import Conflict, EmailAlreadyExists, ExternalIdAlreadyExists, StoreBusy
from clientele.models import Consumer
from clientele.tenancy import Tenant

ENTITY = "Consumer"


class ConsumerRecord:
    """How a Consumer is stored: it builds its own keys and converts to and from items."""

    @staticmethod
    def key(tenant: Tenant, consumer_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#CONSUMER#{consumer_id}", "sk": "PROFILE"}

    @staticmethod
    def to_item(tenant: Tenant, consumer: Consumer) -> dict[str, Any]:
        fields = consumer.model_dump(mode="python", by_alias=True)
        # Arbitrary JSON (floats, nesting) is kept as text: DynamoDB numbers would change its types.
        fields["metadata"] = None if consumer.metadata is None else json.dumps(consumer.metadata)
        return {
            **ConsumerRecord.key(tenant, consumer.id),
            "gsi1pk": f"{tenant.key_prefix}#CONSUMERS",
            "gsi1sk": f"{consumer.created_at}#{consumer.id}",
            "entity": ENTITY,
            **fields,
        }

    @staticmethod
    def from_item(item: dict[str, Any]) -> Consumer:
        fields = {name: value for name, value in item.items() if name not in _KEY_ATTRIBUTES}
        if fields.get("metadata") is not None:
            fields["metadata"] = json.loads(fields["metadata"])
        fields["loyalty"]["points"] = int(fields["loyalty"]["points"])
        fields["totalOrders"] = int(fields["totalOrders"])
        fields["version"] = int(fields["version"])
        # Absent attributes are nulls: serialize() drops None values to keep items small.
        for name, info in Consumer.model_fields.items():
            fields.setdefault(info.alias or name, None)
        return Consumer.model_validate(fields)


_KEY_ATTRIBUTES = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "entity"})


class UniqueValue:
    """Claims one identifying value (email, externalId) of a tenant for one consumer."""

    @staticmethod
    def key(tenant: Tenant, kind: str, value: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#{kind}#{value}", "sk": "UNIQUE"}

    @staticmethod
    def claim(tenant: Tenant, kind: str, value: str, consumer_id: str) -> dict[str, Any]:
        item = {**UniqueValue.key(tenant, kind, value), "entity": "Unique", "consumerId": consumer_id}
        return dynamo.put(item, condition="attribute_not_exists(pk)")


class ConsumerChanged(Exception):
    """The consumer's version moved (or it was deleted) since it was read: re-read and retry."""


@dataclass
class Write:
    """One consumer's share of a transaction, and what a failed condition on each operation means."""

    operations: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Callable[[], Exception]] = field(default_factory=list)

    def add(self, operation: dict[str, Any], failure: Callable[[], Exception]) -> None:
        self.operations.append(operation)
        self.failures.append(failure)

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
    return write


def claim_changes(
    before: Consumer | None, after: Consumer
) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """(values to release, values to claim) when `before` (None: a new consumer) becomes `after`."""
    old, new = (unique_values(before) if before is not None else {}), unique_values(after)
    released = {name: value for name, value in old.items() if new.get(name) != value}
    claimed = {name: value for name, value in new.items() if old.get(name) != value}
    return released, claimed


def replace_write(tenant: Tenant, before: Consumer, after: Consumer) -> Write:
    """Stores `after` if the consumer is still at `before`'s version, moving changed unique claims."""
    condition, values = _same_version(before)
    write = Write()
    write.add(dynamo.put(ConsumerRecord.to_item(tenant, after), condition=condition, values=values), ConsumerChanged)
    released, claimed = claim_changes(before, after)
    for kind, value in released.values():
        write.add(_release(tenant, kind, value, before.id), ConsumerChanged)
    for field_name, (kind, value) in claimed.items():
        write.add(UniqueValue.claim(tenant, kind, value, after.id), _taken(field_name))
    return write


def delete_write(tenant: Tenant, consumer: Consumer) -> Write:
    """Deletes the consumer (at the version read) and frees its unique values for others."""
    condition, values = _same_version(consumer)
    write = Write()
    write.add(
        dynamo.delete(ConsumerRecord.key(tenant, consumer.id), condition=condition, values=values), ConsumerChanged
    )
    for kind, value in unique_values(consumer).values():
        write.add(_release(tenant, kind, value, consumer.id), ConsumerChanged)
    return write


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


def get_many(tenant: Tenant, consumer_ids: list[str]) -> dict[str, Consumer]:
    items = dynamo.batch_get([ConsumerRecord.key(tenant, consumer_id) for consumer_id in consumer_ids], consistent=True)
    consumers = (ConsumerRecord.from_item(item) for item in items)
    return {consumer.id: consumer for consumer in consumers}


def taken_values(tenant: Tenant, values: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{(kind, identity): owning consumer id} for those of the values another consumer already holds."""
    items = dynamo.batch_get([UniqueValue.key(tenant, kind, value) for kind, value in values], consistent=True)
    prefix = f"{tenant.key_prefix}#"
    owners = {}
    for item in items:
        kind, _, value = item["pk"].removeprefix(prefix).partition("#")
        owners[(kind, value)] = item["consumerId"]
    return owners
