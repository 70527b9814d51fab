"""Make moto's DynamoDB writes atomic, as DynamoDB's are, and its transactions affordable.

moto evaluates a condition and applies the write in separate steps without a lock, so two
threads can both pass `attribute_not_exists(pk)`; and its Query walks the table's dict while
another thread may be adding to it. DynamoDB serializes writes per item, runs transactions
atomically and reads only committed data; one lock around moto's write and read paths gives the
local stack and the tests the same guarantee, so they prove the service's own concurrency rules
rather than moto's races.

moto also snapshots the whole table once per *operation* of a transaction (for its rollback): a
100-operation transaction copied the table 100 times. Under the lock, one snapshot per table per
transaction is the same rollback at a hundredth of the cost.

A rollback swaps the table for its snapshot. The snapshot shares the live stream shard, so stream
readers keep reading after a failed transaction, and the shard forgets the records of the writes
that were rolled back, as DynamoDB never emits them.

moto parses a condition expression three times for each write of a transaction (to validate the
request, to check it, and again as it puts the item): a bulk import of conditional writes spent a
sixth of its time there. Each distinct expression is parsed once.

And moto keeps every Item it ever creates in a class-wide list (for its dashboard), the copies each
Query and GetItem hands out included: a long-running stack or bench grew by every row it ever
read. Items are created untracked, so a copy lives as long as the request that needed it.

Queries read only their partition (clientele_local/partitions.py), and a rolled-back transaction
puts its items back there too. The wrappers here are installed by clientele_local/moto_patches.py.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from types import SimpleNamespace
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models.table import Table

from clientele_local import partitions

LOCK = threading.RLock()  # also held by journal.py while it reads what a request wrote
WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
READS = ("get_item", "batch_get_item", "query", "scan", "transact_get_items")


# Items a running transaction changed, as they were before, in the order it first changed them:
# {(table id, hash key, range key): (table, hash key, range key, old item)}.
Journal = dict[tuple[int, Any, Any], tuple[Table, Any, Any, Any]]
_JOURNAL: Journal | None = None


def _journal(table: Table, hash_key: Any, range_key: Any, item: Any) -> None:
    """Remembers an item (None: absent) before a transaction first changes it (under the lock: one
    at a time)."""
    if _JOURNAL is None or (key := (id(table), hash_key, range_key)) in _JOURNAL:
        return
    _JOURNAL[key] = (table, hash_key, range_key, copy.deepcopy(item))


def _undo(journal: Journal) -> None:
    for table, hash_key, range_key, before in reversed(journal.values()):
        where = partitions.positions(table, table.get_item(hash_key, range_key))
        _put_back(table, hash_key, range_key, before)
        partitions.move(table, where, before)  # the Query groupings follow, as they follow every write


def _put_back(table: Table, hash_key: Any, range_key: Any, before: Any) -> None:
    if range_key is None:
        if before is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = before
        return
    partition = table.items[hash_key]
    if before is None:
        partition.pop(range_key, None)
        if not partition:
            del table.items[hash_key]
    else:
        partition[range_key] = before


def _before_write(table: Table, hash_key: Any, range_key: Any) -> partitions.Positions:
    """Journals the item and tells where it sits in the Query partitions, before a write changes it."""
    item = table.get_item(hash_key, range_key)
    _journal(table, hash_key, range_key, item)
    return partitions.positions(table, item)


def _key(table: Table, attributes: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_key = DynamoType(attributes[table.hash_key_attr])
    return hash_key, DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None


def watched_put(put: Any) -> Any:
    """Table.put_item: every write moto makes, alone or in a transaction, ends in this one, in
    `watched_delete` or in `watched_update`. Each notes its item in the running transaction's journal
    first, and moves it in the Query partitions after."""

    @functools.wraps(put)
    def put_item(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        where = _before_write(self, *_key(self, item_attrs))
        item = put(self, item_attrs, *args, **kwargs)
        partitions.move(self, where, item)
        return item

    return put_item


def watched_delete(delete: Any) -> Any:
    """Table.delete_item, as `watched_put`."""

    @functools.wraps(delete)
    def delete_item(self: Table, hash_key: Any, range_key: Any) -> Any:
        where = _before_write(self, hash_key, range_key)
        item = delete(self, hash_key, range_key)
        partitions.move(self, where, None)
        return item

    return delete_item


def watched_update(update: Any) -> Any:
    """DynamoDBBackend.update_item, as `watched_put` (moto changes the item in place: read it before)."""

    @functools.wraps(update)
    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        table = self.get_table(table_name)
        where = _before_write(table, *_key(table, key))
        item = update(self, table_name, key, *args, **kwargs)
        partitions.move(table, where, item)
        return item

    return update_item


def journal_instead_of_snapshots(method: Any) -> Any:
    """moto copies each table a transaction touches, to roll back to it on failure: at a hundred
    thousand items that copy is seconds and hundreds of megabytes per transaction. Here moto gets
    the live table as its "copy" (so its rollback changes nothing) and the transaction keeps a
    journal of the items it changes, which a failure puts back."""

    @functools.wraps(method)
    def transact(self: Any, *args: Any, **kwargs: Any) -> Any:
        global _JOURNAL
        live = dict(self.tables)
        streams = {name: (t.stream_shard, len(t.stream_shard.items)) for name, t in live.items() if t.stream_shard}

        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

        dynamodb_models.copy = SimpleNamespace(deepcopy=deepcopy)  # type: ignore[assignment]
        journal: Journal = {}
        _JOURNAL = journal
        try:
            return method(self, *args, **kwargs)
        except Exception:
            _undo(journal)
            for shard, length in streams.values():  # DynamoDB never emits a rolled-back write
                del shard.items[length:]
            raise
        finally:
            _JOURNAL = None
            dynamodb_models.copy = copy

    return transact


# {(expression, names, values): (its syntax tree, the names and values it uses)}: a tree holds no
# state between evaluations, so one serves every write with the same expression.
_PARSED: dict[tuple[str, str, str], tuple[Any, list[str], list[str]]] = {}
_MAX_PARSED = 10_000


def parsed_once(parse: Any) -> Any:
    @functools.wraps(parse)
    def parse_once(self: ConditionExpressionParser) -> Any:
        if not self.condition_expression:
            return parse(self)
        key = (
            self.condition_expression,
            json.dumps(self.expression_attribute_names or {}, sort_keys=True),
            json.dumps(self.expression_attribute_values or {}, sort_keys=True, default=repr),
        )
        if (parsed := _PARSED.get(key)) is None:
            tree = parse(self)  # an invalid expression raises here and is not kept
            if len(_PARSED) >= _MAX_PARSED:
                _PARSED.clear()
            parsed = _PARSED[key] = (tree, list(self.expr_attr_names_found), list(self.expr_attr_values_found))
        else:
            self.expr_attr_names_found.extend(parsed[1])
            self.expr_attr_values_found.extend(parsed[2])
        return parsed[0]

    return parse_once


def untracked(cls: type, *args: Any, **kwargs: Any) -> Any:
    """Item.__new__: an Item that moto's class-wide instance list does not keep alive."""
    return object.__new__(cls)


def locked(method: Any) -> Any:
    """A DynamoDBBackend read or write (WRITES, READS), one at a time under the store's lock."""

    @functools.wraps(method)
    def under_lock(self: Any, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            return method(self, *args, **kwargs)

    return under_lock
