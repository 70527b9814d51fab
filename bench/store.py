"""Bench-only help with moto at scale: loading items straight into the table, and queries that look
at one partition instead of every item of the table (moto's own Query walks the whole table)."""

from __future__ import annotations

import bisect
import inspect
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table

# (table, index) -> partition value -> (its items in key order, their range keys)
_groups: dict[tuple[int, str | None], dict[Any, tuple[list[Any], list[Any]]]] = {}


def _keys_of(table: Table, index_name: str | None) -> tuple[str, str]:
    """(hash attribute, range attribute) of the table or of one of its indexes."""
    if index_name is None:
        return str(table.hash_key_attr), str(table.range_key_attr)
    index = next(index for index in table.all_indexes() if index.name == index_name)
    kinds = {key["KeyType"]: key["AttributeName"] for key in index.schema}
    return kinds["HASH"], kinds["RANGE"]


def _grouped(table: Table, index_name: str | None) -> dict[Any, tuple[list[Any], list[Any]]]:
    hash_attribute, range_attribute = _keys_of(table, index_name)
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for item in Table.all_items(table):
        value = item.attrs.get(hash_attribute)
        if value is not None and range_attribute in item.attrs:
            grouped[value.value].append(item)
    result = {}
    for value, members in grouped.items():
        members.sort(key=lambda item: (item.attrs[range_attribute].value, item.hash_key.value, item.range_key.value))
        result[value] = (members, [item.attrs[range_attribute].value for item in members])
    return result


HIGHEST = "\U0010ffff"  # above every character: the end of a prefix's keys


def partitioned_queries() -> None:
    """Query reads only its partition's stretch of keys, kept sorted between writes (moto's own
    Query walks and sorts the whole table); any write starts the grouping afresh."""
    original_query = Table.query
    signature = inspect.signature(original_query)

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        hash_key, index_name = arguments["hash_key"], arguments.get("index_name")
        if hash_key is None:
            return original_query(self, *args, **kwargs)
        key = (id(self), index_name)
        if key not in _groups:
            _groups[key] = _grouped(self, index_name)
        members, range_keys = _groups[key].get(hash_key.value, ([], []))
        comparison = arguments.get("range_comparison")
        if comparison == "BETWEEN":
            low, high = (bound.value for bound in arguments["range_objs"])
            members = members[bisect.bisect_left(range_keys, low) : bisect.bisect_right(range_keys, high)]
        elif comparison == "BEGINS_WITH":
            prefix = arguments["range_objs"][0].value
            members = members[
                bisect.bisect_left(range_keys, prefix) : bisect.bisect_right(range_keys, prefix + HIGHEST)
            ]
        elif comparison is not None:
            return original_query(self, *args, **kwargs)  # other comparisons: moto's own walk
        limit = arguments.get("limit")
        if limit and not arguments.get("exclusive_start_key"):
            # moto stops after `limit` keys in scan order (filters apply after), and one more tells
            # it there are more: nothing past those can change the answer.
            forward = arguments.get("scan_index_forward", True) is not False
            members = members[: limit + 1] if forward else members[-(limit + 1) :]
        self.all_items = lambda: members  # type: ignore[method-assign]
        self.sorted_items = lambda hash_attrs, range_attrs, items: items  # type: ignore[method-assign,assignment]
        try:
            return original_query(self, *args, **kwargs)
        finally:
            del self.all_items
            del self.sorted_items

    Table.query = query  # type: ignore[method-assign]
    for owner, name in (
        (Table, "put_item"),
        (Table, "delete_item"),
        (DynamoDBBackend, "update_item"),
        (DynamoDBBackend, "transact_write_items"),
    ):
        _invalidating(owner, name)


def _invalidating(owner: type, name: str) -> None:
    original = getattr(owner, name)

    def write(*args: Any, **kwargs: Any) -> Any:
        _groups.clear()
        return original(*args, **kwargs)

    setattr(owner, name, write)


def load(table_name: str, region: str, items: Iterable[dict[str, Any]]) -> int:
    """Puts DynamoDB-JSON items straight into moto's table, without stream records; returns the count."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table_name)
    shard, table.stream_shard = table.stream_shard, None
    count = 0
    try:
        for item in items:
            table.put_item(item)
            count += 1
    finally:
        table.stream_shard = shard
        _groups.clear()
    return count
