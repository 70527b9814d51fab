"""Counts what the service asks of DynamoDB: requests, items, and capacity units estimated with
DynamoDB's published sizing rules (moto does not report capacity for transactions)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


def attribute_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = len(str(Decimal(inner)).lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: element}) for element in inner)
    if kind == "L":
        return 3 + sum(1 + attribute_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(len(name.encode()) + 1 + attribute_size(element) for name, element in inner.items())
    raise ValueError(kind)


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def write_units(item: dict[str, Any] | None, transactional: bool = False) -> float:
    units = max(1, math.ceil(item_size(item or {}) / 1024))
    return units * (2 if transactional else 1)


def read_units(items: list[dict[str, Any]], consistent: bool = False) -> float:
    size = sum(item_size(item) for item in items)
    units = max(1, math.ceil(size / 4096))
    return units * (1.0 if consistent else 0.5)


@dataclass(frozen=True)
class Index:
    """A GSI as the meter needs it: its key attributes and what it projects."""

    keys: tuple[str, ...]
    projection: str = "ALL"  # ALL | KEYS_ONLY | INCLUDE
    included: tuple[str, ...] = ()

    @classmethod
    def from_definition(cls, definition: dict[str, Any]) -> Index:
        projection = definition.get("Projection", {})
        return cls(
            keys=tuple(key["AttributeName"] for key in definition["KeySchema"]),
            projection=projection.get("ProjectionType", "ALL"),
            included=tuple(projection.get("NonKeyAttributes", ())),
        )

    def entry(self, item: dict[str, Any] | None, table_keys: tuple[str, ...]) -> dict[str, Any] | None:
        """What the index stores for an item (None: the item is not in the index)."""
        if not item or not all(key in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return item
        kept = set(self.keys) | set(table_keys) | set(self.included)
        return {name: value for name, value in item.items() if name in kept}

    def write_units(self, old: dict[str, Any] | None, new: dict[str, Any] | None, table_keys: tuple[str, ...]) -> float:
        """DynamoDB's charge to keep the index current when `old` becomes `new`: nothing if the entry
        is unchanged, one write if it changes in place, a delete and a put if its keys move."""
        before, after = self.entry(old, table_keys), self.entry(new, table_keys)
        if before == after:
            return 0
        moved = before is not None and after is not None and any(before[k] != after[k] for k in self.keys)
        if moved or before is None or after is None:
            return (write_units(before) if before else 0) + (write_units(after) if after else 0)
        return write_units(after)


@dataclass
class Meter:
    """`indexes` maps each GSI to its keys and projection: a write of an item also writes each index
    whose entry for that item it changes (sized by the entry, not the item)."""

    indexes: dict[str, Index] = field(default_factory=dict)
    # Reads the stored item of a key (not metered): deletes and updates are charged by its size.
    peek: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda key: None
    table_keys: tuple[str, ...] = ("pk", "sk")
    requests: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    items_read: int = 0
    _consistent: bool = False

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def detach(self, client: Any) -> None:
        """Stops metering `client` (its peeks would slow down a timed run)."""
        client.meta.events.unregister("before-parameter-build.dynamodb.*", self._before)
        client.meta.events.unregister("after-call.dynamodb.*", self._after)

    def reset(self) -> None:
        self.requests.clear()
        self.read_units = self.write_units = 0.0
        self.items_read = 0

    def _key(self, item: dict[str, Any]) -> dict[str, Any]:
        return {name: item[name] for name in self.table_keys}

    def _write(self, old: dict[str, Any] | None, new: dict[str, Any] | None, transactional: bool = False) -> None:
        self.write_units += write_units(new if new is not None else old, transactional)
        self.write_units += sum(index.write_units(old, new, self.table_keys) for index in self.indexes.values())

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        operation = model.name
        self.requests[operation] += 1
        self._consistent = bool(params.get("ConsistentRead"))
        if operation == "PutItem":
            self._write(self.peek(self._key(params["Item"])), params["Item"])
        elif operation == "DeleteItem":
            self._write(self.peek(params["Key"]), None)
        elif operation == "UpdateItem":
            stored = self.peek(params["Key"])
            self._write(stored, stored)  # the item's size; index changes of updates are not modelled
        elif operation == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for request in requests:
                    if "PutRequest" in request:
                        item = request["PutRequest"]["Item"]
                        self._write(self.peek(self._key(item)), item)
                    else:
                        self._write(self.peek(request["DeleteRequest"]["Key"]), None)
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                ((kind, body),) = entry.items()
                if kind == "ConditionCheck":
                    self.write_units += 1
                    continue
                old = self.peek(self._key(body["Item"]) if kind == "Put" else body["Key"])
                new = body.get("Item") if kind == "Put" else (old if kind == "Update" else None)
                self._write(old, new, transactional=True)
        elif operation == "BatchGetItem":
            self._consistent = any(table.get("ConsistentRead") for table in params["RequestItems"].values())

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        operation = model.name
        if operation == "GetItem":
            found = [parsed["Item"]] if "Item" in parsed else []
            self.read_units += read_units(found, consistent=self._consistent)
            self.items_read += len(found)
        elif operation == "Query":
            items = parsed.get("Items", [])
            scanned = parsed.get("ScannedCount", len(items))
            # Filtered-out entries are read (and charged) too: size them like the ones returned.
            average = item_size_average(items)
            size = average * scanned
            self.read_units += max(1, math.ceil(size / 4096)) * (1.0 if self._consistent else 0.5)
            self.items_read += scanned
        elif operation == "BatchGetItem":
            found = [item for items in parsed.get("Responses", {}).values() for item in items]
            # BatchGetItem rounds each item up to 4 KB on its own.
            self.read_units += sum(read_units([item], consistent=self._consistent) for item in found)
            self.items_read += len(found)


def item_size_average(items: list[dict[str, Any]]) -> float:
    return sum(item_size(item) for item in items) / len(items) if items else 100.0
