"""Bench-only help with moto at scale: loading items straight into the table, and queries that look
at one partition instead of every item of the table (moto's own Query walks the whole table).
The partitions are kept sorted as items are written, so an export's progress write or an
import's chunk does not send the next Query back over every item."""

from __future__ import annotations

import base64
import bisect
import inspect
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoResult

# (table, index) -> (hash attribute, range attribute, partition value -> (its items in key order, their sort keys))
_groups: dict[tuple[int, str | None], tuple[str, str, dict[Any, tuple[list[Any], list[Any]]]]] = {}
HIGHEST = "\U0010ffff"  # above every character: the end of a prefix's keys


def _keys_of(table: Table, index_name: str | None) -> tuple[str, str]:
    """(hash attribute, range attribute) of the table or of one of its indexes."""
    if index_name is None:
        return str(table.hash_key_attr), str(table.range_key_attr)
    index = next(index for index in table.all_indexes() if index.name == index_name)
    kinds = {key["KeyType"]: key["AttributeName"] for key in index.schema}
    return kinds["HASH"], kinds["RANGE"]


def _entry(item: Any, hash_attribute: str, range_attribute: str) -> tuple[Any, tuple[Any, ...]] | None:
    """(partition value, sort key) of an item in one grouping; None if the item is not in it."""
    value, position = item.attrs.get(hash_attribute), item.attrs.get(range_attribute)
    if value is None or position is None:
        return None
    return value.value, (position.value, item.hash_key.value, item.range_key.value if item.range_key else "")


def _grouped(table: Table, index_name: str | None) -> tuple[str, str, dict[Any, tuple[list[Any], list[Any]]]]:
    hash_attribute, range_attribute = _keys_of(table, index_name)
    grouped: dict[Any, list[tuple[tuple[Any, ...], Any]]] = defaultdict(list)
    for item in Table.all_items(table):
        entry = _entry(item, hash_attribute, range_attribute)
        if entry is not None:
            grouped[entry[0]].append((entry[1], item))
    partitions = {}
    for value, members in grouped.items():
        members.sort(key=lambda member: member[0])
        partitions[value] = ([item for _, item in members], [key for key, _ in members])
    return hash_attribute, range_attribute, partitions


def _positions(table: Table, item: Any) -> dict[tuple[int, str | None], tuple[Any, tuple[Any, ...]] | None]:
    """Where the item sits in each grouping of its table built so far (read before a write changes it)."""
    if item is None:
        return {}
    return {
        key: _entry(item, hash_attribute, range_attribute)
        for key, (hash_attribute, range_attribute, _) in _groups.items()
        if key[0] == id(table)
    }


def _move(table: Table, before: dict[tuple[int, str | None], Any], item: Any) -> None:
    """Keeps the groupings of the table in step with one write: the item leaves where it was and
    takes its new place (none when deleted), so a write never forces a walk of the whole table."""
    after = _positions(table, item)
    for key in {*before, *after}:
        if key not in _groups:
            continue
        partitions = _groups[key][2]
        old, new = before.get(key), after.get(key)
        if old is not None and old[0] in partitions:
            members, sort_keys = partitions[old[0]]
            at = bisect.bisect_left(sort_keys, old[1])
            if at < len(sort_keys) and sort_keys[at] == old[1]:
                del members[at], sort_keys[at]
        if new is not None:
            members, sort_keys = partitions.setdefault(new[0], ([], []))
            at = bisect.bisect_left(sort_keys, new[1])
            if at < len(sort_keys) and sort_keys[at] == new[1]:  # already there (an update that put)
                members[at] = item
            else:
                members.insert(at, item)
                sort_keys.insert(at, new[1])


def partitioned_queries() -> None:
    """Query reads only its partition's stretch of keys, kept sorted as items are written (moto's
    own Query walks and sorts the whole table)."""
    original_query = _patch(Table, "query")
    signature = inspect.signature(original_query)

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        arguments = bound.arguments
        hash_key, index_name = arguments["hash_key"], arguments.get("index_name")
        if hash_key is None:
            return original_query(self, *args, **kwargs)
        key = (id(self), index_name)
        if key not in _groups:
            _groups[key] = _grouped(self, index_name)
        _, range_attribute, partitions = _groups[key]
        members, sort_keys = partitions.get(hash_key.value, ([], []))
        low, high = 0, len(members)
        comparison = arguments.get("range_comparison")
        if comparison == "BETWEEN":
            first, last = (bound.value for bound in arguments["range_objs"])
            low, high = bisect.bisect_left(sort_keys, (first,)), bisect.bisect_right(sort_keys, (last, HIGHEST))
        elif comparison == "BEGINS_WITH":
            prefix = arguments["range_objs"][0].value
            low, high = bisect.bisect_left(sort_keys, (prefix,)), bisect.bisect_right(sort_keys, (prefix + HIGHEST,))
        elif comparison is not None:
            return original_query(self, *args, **kwargs)  # other comparisons: moto's own walk
        forward = arguments.get("scan_index_forward", True) is not False
        start = arguments.get("exclusive_start_key")
        if start:
            # Pick up after the start key by bisection (moto would walk the partition from its start).
            position = (start[range_attribute]["S"], start[self.hash_key_attr]["S"], start[self.range_key_attr]["S"])
            if forward:
                low = max(low, bisect.bisect_right(sort_keys, position))
            else:
                high = min(high, bisect.bisect_left(sort_keys, position))
            arguments["exclusive_start_key"] = None
        limit = arguments.get("limit")
        if limit:
            # moto stops after `limit` keys in scan order (filters apply after), and one more tells
            # it there are more: nothing past those can change the answer.
            low, high = (low, min(high, low + limit + 1)) if forward else (max(low, high - limit - 1), high)
        stretch = members[low:high]
        self.all_items = lambda: stretch  # type: ignore[method-assign]
        self.sorted_items = lambda hash_attrs, range_attrs, items: items  # type: ignore[method-assign,assignment]
        try:
            return original_query(*bound.args, **bound.kwargs)
        finally:
            del self.all_items
            del self.sorted_items

    Table.query = query  # type: ignore[method-assign]
    _follow_writes()


_ORIGINALS: dict[tuple[type, str], Any] = {}


def _patch(owner: type, name: str) -> Any:
    """The method to wrap, remembered so that `restore` can put it back."""
    _ORIGINALS.setdefault((owner, name), getattr(owner, name))
    return _ORIGINALS[(owner, name)]


def restore() -> None:
    """Undoes every patch of this module (the tests use moto as it is)."""
    for (owner, name), method in _ORIGINALS.items():
        setattr(owner, name, method)
    _ORIGINALS.clear()
    _groups.clear()


def _key_of(table: Table, attributes: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    hash_key = DynamoType(attributes[table.hash_key_attr])
    range_attribute = table.range_key_attr
    return hash_key, DynamoType(attributes[range_attribute]) if range_attribute else None


def _follow_writes() -> None:
    """Every write path of moto ends in one of these three: each moves its item in the groupings."""
    put, delete = _patch(Table, "put_item"), _patch(Table, "delete_item")
    update = _patch(DynamoDBBackend, "update_item")

    def put_item(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        before = _positions(self, self.get_item(*_key_of(self, item_attrs)))
        item = put(self, item_attrs, *args, **kwargs)
        _move(self, before, item)
        return item

    def delete_item(self: Table, hash_key: Any, range_key: Any) -> Any:
        before = _positions(self, self.get_item(hash_key, range_key))
        item = delete(self, hash_key, range_key)
        _move(self, before, None)
        return item

    def update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        table = self.get_table(table_name)
        before = _positions(table, table.get_item(*_key_of(table, key)))  # read before moto changes it in place
        item = update(self, table_name, key, *args, **kwargs)
        _move(table, before, item)
        return item

    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


def load(table_name: str, region: str, items: Iterable[dict[str, Any]]) -> int:
    """Puts DynamoDB-JSON items straight into moto's table, without stream records; returns the count."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table_name)
    shard, table.stream_shard = table.stream_shard, None
    put = _ORIGINALS.get((Table, "put_item"), Table.put_item)  # the groupings are rebuilt after: skip their upkeep
    count = 0
    try:
        for item in items:
            put(table, item)
            count += 1
    finally:
        table.stream_shard = shard
        _groups.clear()
    return count


def fast_responses() -> None:
    """moto 5 builds each DynamoDB response through its generic, shape-driven serializer, at about
    9 ms per item read: it would be most of every figure, for the service and its raw floor alike.
    Results are already DynamoDB JSON (DynamoResult), so they are written out as JSON directly."""

    def execute_result(self: DynamoResult, context: Any) -> Any:
        if isinstance(self.result, Exception):
            return original(self, context)
        body = json.dumps(self.result, default=_json_default)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    original = _patch(DynamoResult, "execute_result")
    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON")
