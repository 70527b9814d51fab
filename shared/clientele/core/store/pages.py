"""Reading one page of an ordered key range: the single engine behind every list, filter and search.

A Source is a partition of the table or of an index, read in key order through one or more
segments (key ranges), optionally narrowed by a FilterExpression on the index's own attributes.
Entries that are only keys are turned into their items with one BatchGetItem per page. A page
stops after `count` accepted items plus one more, which only says whether there is a next page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from clientele.core import aws, settings
from clientele.core.store import dynamo

Item = dict[str, Any]

MAX_QUERY_LIMIT = 1000
MAX_SCANNED_PER_PAGE = 5000  # a rare filter stops here with a short page and a cursor to go on from
MAX_FETCH = 100  # keys a BatchGetItem takes
HIGHEST = "\U0010ffff"  # above every character: the upper bound of a prefix range
NOTHING: Mapping[str, Any] = MappingProxyType({})


class Segment(NamedTuple):
    """Range keys from `low` to `high` (both inclusive), read upwards (`forward`) or downwards."""

    low: str
    high: str
    forward: bool

    def reversed(self) -> Segment:
        return Segment(self.low, self.high, not self.forward)


class Position(NamedTuple):
    """Where a page ended: the segment and the range key of the last item handed out."""

    segment: int
    key: str


class Source(NamedTuple):
    index_name: str | None  # None: the table itself
    hash_attribute: str
    hash_value: str
    range_attribute: str
    segments: tuple[Segment, ...]
    filter_expression: str | None = None
    filter_names: Mapping[str, str] = NOTHING
    filter_values: Mapping[str, Any] = NOTHING
    consistent: bool = False
    # Entries to keep before fetching (e.g. one entry per consumer in search); None keeps all.
    keep_entry: Callable[[Item], bool] | None = None
    # Entries that are only keys: how to fetch their items (None when the entry is the item).
    fetch: Callable[[list[Item]], list[Item | None]] | None = None
    # A last test on the fetched item, for conditions no index attribute can answer.
    keep_item: Callable[[Item], bool] | None = None

    def reversed(self) -> Source:
        """The same source read the other way: for `last`/`before`."""
        segments = tuple(segment.reversed() for segment in reversed(self.segments))
        return self._replace(segments=segments)


def listed(hash_value: str, instant: str, item_id: str) -> dict[str, str]:
    """The gsi1 keys that put an item in the list `newest_first(hash_value)` reads, at `instant`."""
    return {"gsi1pk": hash_value, "gsi1sk": f"{instant}#{item_id}"}


def newest_first(hash_value: str) -> Source:
    """A gsi1 partition whose range keys start with a timestamp (`<instant>#<id>`), newest first."""
    return Source(
        index_name="gsi1",
        hash_attribute="gsi1pk",
        hash_value=hash_value,
        range_attribute="gsi1sk",
        segments=(Segment("0", HIGHEST, False),),  # the keys start with the year
    )


def prefixed(hash_value: str, prefix: str, *, forward: bool = True, consistent: bool = False) -> Source:
    """A table partition's items whose sort key starts with `prefix` (all of them for "")."""
    return Source(
        index_name=None,
        hash_attribute="pk",
        hash_value=hash_value,
        range_attribute="sk",
        segments=(Segment(prefix or "\u0001", prefix + HIGHEST, forward),),  # a key is never empty
        consistent=consistent,
    )


class Page:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self.positions: list[Position] = []  # of each item, for its cursor
        self.more = False  # another accepted item follows the page
        self.requests = 0  # DynamoDB calls the page took
        self.read = 0  # entries and items the store returned to produce it
        self.resume: Position | None = None  # set when the page stopped at its read budget: go on from here


class _Reader:
    def __init__(self, source: Source, count: int) -> None:
        self.source, self.count, self.page = source, count, Page()

    def wanted(self) -> int:
        return self.count + 1 - len(self.page.items)

    def query(self, segment: Segment, after: str | None, limit: int) -> tuple[list[Item], str | None, int]:
        """One Query of a segment, continuing past `after`: the entries, where it stopped (None: at the
        segment's end) and how many entries it read before the filter."""
        low, high = segment.low, segment.high
        if after is not None:
            low, high = (after, high) if segment.forward else (low, after)
        names = {"#h": self.source.hash_attribute, "#r": self.source.range_attribute, **self.source.filter_names}
        values = {":h": self.source.hash_value, ":low": low, ":high": high, **self.source.filter_values}
        params: dict[str, Any] = {
            "TableName": settings.table_name(),
            "KeyConditionExpression": "#h = :h AND #r BETWEEN :low AND :high",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": dynamo.serialize(values),
            "ScanIndexForward": segment.forward,
            "Limit": limit,
            "ConsistentRead": self.source.consistent,
        }
        if self.source.index_name:
            params["IndexName"] = self.source.index_name
        if self.source.filter_expression:
            params["FilterExpression"] = self.source.filter_expression
        response = aws.dynamodb().query(**params)
        scanned = response.get("ScannedCount", 0)
        self.page.requests += 1
        self.page.read += scanned
        entries = [dynamo.deserialize(item) for item in response.get("Items", [])]
        # BETWEEN is inclusive: the item the last page ended on comes back first; it is not news.
        entries = [entry for entry in entries if entry[self.source.range_attribute] != after]
        last = response.get("LastEvaluatedKey")
        stopped = dynamo.deserialize(last)[self.source.range_attribute] if last else None
        return entries, stopped, scanned

    def fetch(self, entries: list[Item]) -> list[Item | None]:
        assert self.source.fetch is not None
        if not entries:
            return []
        items = self.source.fetch(entries)
        self.page.requests += 1
        self.page.read += sum(item is not None for item in items)
        return items

    def take(self, segment_index: int, entries: list[Item]) -> str | None:
        """Adds the entries that pass every test, fetching their items when the entries are keys.
        Returns the range key of the last entry looked at when later ones were left unread."""
        source = self.source
        if source.keep_entry:
            entries = [entry for entry in entries if source.keep_entry(entry)]
        if source.fetch is None:
            batch, items = entries[: self.wanted()], list[Item | None](entries[: self.wanted()])
        elif source.keep_item:
            # Items are tested after fetching: fetch a few more than wanted, since some will fail.
            batch = entries[: min(MAX_FETCH, max(2 * self.wanted(), 10))]
            items = self.fetch(batch)
        else:
            # The one extra entry only says there is a next page: it is fetched only if an item it
            # would follow has gone (so that it lands on this page after all).
            batch = entries[: self.wanted()]
            room = self.count - len(self.page.items)
            items = self.fetch(batch[:room])
            if len(batch) > room:
                items += self.fetch(batch[room:]) if None in items else [{} for _ in batch[room:]]
        for position, (entry, item) in enumerate(zip(batch, items, strict=True)):
            if self.wanted() <= 0:
                return str(batch[position - 1][source.range_attribute])
            if item is None or (source.keep_item and not source.keep_item(item)):
                continue
            self.page.items.append(item)  # `{}` stands for "exists": it decides `more`, never handed out
            self.page.positions.append(Position(segment_index, entry[source.range_attribute]))
        return str(batch[-1][source.range_attribute]) if batch and len(batch) < len(entries) else None


def read_page(source: Source, count: int, start: Position | None = None) -> Page:
    """Up to `count` items after `start` (None: from the beginning) in the source's order.

    A page whose filter keeps few entries reads at most MAX_SCANNED_PER_PAGE of them; it then ends
    short, with `resume` marking where the next page goes on (a Lambda must answer in seconds).
    """
    reader = _Reader(source, count)
    first = start.segment if start else 0
    for segment_index in range(first, len(source.segments)):
        segment = source.segments[segment_index]
        after = start.key if start and segment_index == start.segment else None
        # Entries a filter or a test may drop: start with twice what the page needs.
        limit = reader.wanted() * (2 if source.filter_expression or source.keep_entry else 1)
        while reader.wanted() > 0:
            if after is not None and reader.page.read >= MAX_SCANNED_PER_PAGE:
                reader.page.resume = Position(segment_index, after)
                break
            # Continuing from a key reads that key again (BETWEEN is inclusive): one more to fill the page.
            entries, stopped, scanned = reader.query(segment, after, min(limit + (after is not None), MAX_QUERY_LIMIT))
            before = len(reader.page.items)
            looked_at = reader.take(segment_index, entries)
            if looked_at is not None:  # some entries of this response were not looked at: read on from there
                after = looked_at
            elif stopped is None:
                break
            else:
                after = stopped
            # Ask for enough to fill the page at the rate the filter kept entries so far.
            kept = len(reader.page.items) - before
            limit = limit * 4 if kept == 0 else math.ceil(reader.wanted() * scanned / kept * 1.2) + 1
        if reader.wanted() <= 0 or reader.page.resume:
            break
    page = reader.page
    page.more = len(page.items) > count or page.resume is not None
    page.items, page.positions = page.items[:count], page.positions[:count]
    return page


def every_item(source: Source, page_size: int = MAX_QUERY_LIMIT) -> Iterator[Item]:
    """Every item of the source in order, one Query page at a time (for exports: memory holds one
    page, however many items there are). Entries that are keys are fetched MAX_FETCH at a time."""
    for segment in source.segments:
        names = {"#h": source.hash_attribute, "#r": source.range_attribute, **source.filter_names}
        values = {":h": source.hash_value, ":low": segment.low, ":high": segment.high, **source.filter_values}
        params: dict[str, Any] = {
            "TableName": settings.table_name(),
            "KeyConditionExpression": "#h = :h AND #r BETWEEN :low AND :high",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": dynamo.serialize(values),
            "ScanIndexForward": segment.forward,
            "Limit": page_size,
            "ConsistentRead": source.consistent,
        }
        if source.index_name:
            params["IndexName"] = source.index_name
        if source.filter_expression:
            params["FilterExpression"] = source.filter_expression
        while True:
            response = aws.dynamodb().query(**params)
            entries = [dynamo.deserialize(item) for item in response.get("Items", [])]
            if source.keep_entry is not None:
                entries = [entry for entry in entries if source.keep_entry(entry)]
            yield from _items_of(source, entries)
            if "LastEvaluatedKey" not in response:
                break
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _items_of(source: Source, entries: list[Item]) -> Iterator[Item]:
    """The items the entries stand for (fetched when they are keys) that pass the source's test."""
    if source.fetch is None:
        items: list[Item | None] = list(entries)
    else:
        items = [
            item
            for start in range(0, len(entries), MAX_FETCH)
            for item in source.fetch(entries[start : start + MAX_FETCH])
        ]
    for item in items:
        if item is not None and (source.keep_item is None or source.keep_item(item)):
            yield item
