"""Queries that read one partition, as DynamoDB's do, instead of moto's walk of the whole table.

moto answers every Query by sorting every item of the table and then picking the partition's: at
80k items (10k consumers) a page of 25 took 2.8 s against 14 ms here, so the local stack
slowed down with every consumer it held, and requests that re-read on a conflict (parallel orders
on one consumer) ran out of time on a busy machine. Here each table and index keeps its partitions
sorted as items are written, and a Query bisects to its stretch of keys: the same answer as moto's
(tests/integration/test_partitions.py holds the two side by side), at the cost of the rows read.

The groupings are built on a table's first Query of each index and live as long as the table.
"""

from __future__ import annotations

import bisect
import inspect
import weakref
from collections import defaultdict
from typing import Any

from moto.dynamodb.models.table import Table

HIGHEST = "\U0010ffff"  # above every character: the end of a prefix's keys

# One index's (or the table's) partitions: partition value -> (its items in key order, their sort keys).
Partitions = dict[Any, tuple[list[Any], list[Any]]]
# Where one item sits: index name (None: the table itself) -> (partition value, sort key), None if absent.
Positions = dict[str | None, tuple[Any, tuple[Any, ...]] | None]
# table -> index name (None: the table itself) -> (hash attribute, range attribute, partitions)
_GROUPS: weakref.WeakKeyDictionary[Table, dict[str | None, tuple[str, str, Partitions]]] = weakref.WeakKeyDictionary()
_ORIGINAL_QUERY: Any = Table.query  # moto's own; `partitioned` is handed the one it wraps


def _keys_of(table: Table, index_name: str | None) -> tuple[str, str] | None:
    """(hash attribute, range attribute) of the table or of one of its indexes; None where moto's own
    walk stays: no range key, or a key that is not a string (bisection compares strings)."""
    if not table.range_key_attr:
        return None
    if index_name is None:
        keys = (str(table.hash_key_attr), str(table.range_key_attr))
    else:
        index = next(index for index in table.all_indexes() if index.name == index_name)  # moto checked it exists
        kinds = {key["KeyType"]: key["AttributeName"] for key in index.schema}
        keys = (kinds.get("HASH", ""), kinds.get("RANGE", ""))
    types = {definition["AttributeName"]: definition["AttributeType"] for definition in table.attr}
    return keys if all(types.get(name) == "S" for name in keys) else None


def _entry(item: Any, hash_attribute: str, range_attribute: str) -> tuple[Any, tuple[Any, ...]] | None:
    """(partition value, sort key) of an item in one grouping; None if the item is not in it."""
    value, position = item.attrs.get(hash_attribute), item.attrs.get(range_attribute)
    if value is None or position is None:
        return None
    return value.value, (position.value, item.hash_key.value, item.range_key.value)


def _grouped(table: Table, index_name: str | None) -> tuple[str, str, Partitions] | None:
    keys = _keys_of(table, index_name)
    if keys is None:
        return None
    grouped: dict[Any, list[tuple[tuple[Any, ...], Any]]] = defaultdict(list)
    for partition in table.items.values():
        for item in partition.values():
            entry = _entry(item, *keys)
            if entry is not None:
                grouped[entry[0]].append((entry[1], item))
    partitions = {}
    for value, members in grouped.items():
        members.sort(key=lambda member: member[0])
        partitions[value] = ([item for _, item in members], [key for key, _ in members])
    return (*keys, partitions)


def positions(table: Table, item: Any) -> Positions:
    """Where the item sits in each grouping of its table built so far (read before a write changes it)."""
    if item is None:
        return {}
    groups = _GROUPS.get(table, {})
    return {
        name: _entry(item, hash_attribute, range_attribute)
        for name, (hash_attribute, range_attribute, _) in groups.items()
    }


def move(table: Table, before: Positions, item: Any) -> None:
    """Keeps the groupings of the table in step with one write: the item leaves where it was and
    takes its new place (none when deleted), so a write never forces a walk of the whole table."""
    groups = _GROUPS.get(table, {})
    after = positions(table, item)
    for name in {*before, *after}:
        if name not in groups:
            continue
        partitions = groups[name][2]
        old, new = before.get(name), after.get(name)
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


def forget(table: Table) -> None:
    """Drops the table's groupings (after items were loaded around the write paths); its next Query
    builds them again."""
    _GROUPS.pop(table, None)


_SIGNATURE = inspect.signature(_ORIGINAL_QUERY)


def forget_all() -> None:
    """Drops every grouping: moto_patches does as it installs the Query again, after writes that may
    not have kept them in step (moto's own write paths, while a test compares with moto)."""
    _GROUPS.clear()


def _from(sort_keys: list[Any], value: str) -> int:
    """The first position whose sort key is `value` or after it."""
    return bisect.bisect_left(sort_keys, (value,))


def _after(sort_keys: list[Any], value: str) -> int:
    """The first position whose sort key is after `value`."""
    return bisect.bisect_right(sort_keys, (value, HIGHEST))


# (low, high) of the stretch of a partition's sort keys a key condition can match, by its comparison
# (moto's names); moto then checks the condition on the stretch's items, as it does on every item.
_STRETCHES: dict[str | None, Any] = {
    None: lambda keys, values: (0, len(keys)),
    "BETWEEN": lambda keys, values: (_from(keys, values[0]), _after(keys, values[1])),
    "BEGINS_WITH": lambda keys, values: (_from(keys, values[0]), bisect.bisect_right(keys, (values[0] + HIGHEST,))),
    "=": lambda keys, values: (_from(keys, values[0]), _after(keys, values[0])),
    "<": lambda keys, values: (0, _from(keys, values[0])),
    "<=": lambda keys, values: (0, _after(keys, values[0])),
    ">": lambda keys, values: (_after(keys, values[0]), len(keys)),
    ">=": lambda keys, values: (_from(keys, values[0]), len(keys)),
}


def _query(self: Table, *args: Any, **kwargs: Any) -> Any:
    bound = _SIGNATURE.bind(self, *args, **kwargs)
    arguments = bound.arguments
    hash_key, index_name = arguments["hash_key"], arguments.get("index_name")
    comparison = arguments.get("range_comparison")
    if hash_key is None or comparison not in _STRETCHES:
        return _ORIGINAL_QUERY(self, *args, **kwargs)  # other comparisons: moto's own walk
    groups = _GROUPS.setdefault(self, {})
    if index_name not in groups:
        grouped = _grouped(self, index_name)
        if grouped is None:
            return _ORIGINAL_QUERY(self, *args, **kwargs)
        groups[index_name] = grouped
    _, range_attribute, partitions = groups[index_name]
    members, sort_keys = partitions.get(hash_key.value, ([], []))
    low, high = _STRETCHES[comparison](sort_keys, [bound.value for bound in arguments.get("range_objs") or []])
    forward = arguments.get("scan_index_forward", True) is not False
    # And the key just past the stretch's far end: moto's walk answers a page that reached its limit
    # with a LastEvaluatedKey when any item of the partition follows it, matching or not.
    low, high = (low, min(len(members), high + 1)) if forward else (max(0, low - 1), high)
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
        # moto stops after `limit` keys in scan order (filters apply after), and one more tells it
        # there are more: nothing past those can change the answer.
        low, high = (low, min(high, low + limit + 1)) if forward else (max(low, high - limit - 1), high)
    stretch = members[low:high]
    self.all_items = lambda: stretch  # type: ignore[method-assign]
    self.sorted_items = lambda hash_attrs, range_attrs, items: items  # type: ignore[method-assign,assignment]
    try:
        return _ORIGINAL_QUERY(*bound.args, **bound.kwargs)
    finally:
        del self.all_items
        del self.sorted_items


def partitioned(query: Any) -> Any:
    """Table.query over moto's own `query`: the partitioned Query (clientele_local/moto_patches.py
    installs it). The local store's write paths (clientele_local/atomic.py) keep the partitions in
    step through `positions` and `move`."""
    global _ORIGINAL_QUERY, _SIGNATURE
    _ORIGINAL_QUERY, _SIGNATURE = query, inspect.signature(query)
    return _query
