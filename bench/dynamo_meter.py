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


@dataclass
class Meter:
    """`indexes` maps each GSI to its (hash, range) key attributes: a write of an item carrying an
    index's keys also writes that index (projection ALL: the whole item, in normal write units)."""

    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Reads the stored item of a key (not metered): deletes and updates are charged by its size.
    peek: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda key: None
    requests: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    items_read: int = 0
    _consistent: bool = False

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def reset(self) -> None:
        self.requests.clear()
        self.read_units = self.write_units = 0.0
        self.items_read = 0

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        operation = model.name
        self.requests[operation] += 1
        self._consistent = bool(params.get("ConsistentRead"))
        if operation == "PutItem":
            self.write_units += write_units(params.get("Item")) + self._index_units(params.get("Item"))
        elif operation in ("UpdateItem", "DeleteItem"):
            stored = self.peek(params["Key"])
            self.write_units += write_units(stored) + self._index_units(stored)
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                ((kind, body),) = entry.items()
                if kind == "ConditionCheck":
                    self.write_units += 1
                    continue
                item = body.get("Item") or self.peek(body["Key"])
                self.write_units += write_units(item, transactional=True) + self._index_units(item)

    def _index_units(self, item: dict[str, Any] | None) -> float:
        if not item:
            return 0
        indexed = [name for name, keys in self.indexes.items() if all(key in item for key in keys)]
        return len(indexed) * write_units(item)

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        operation = model.name
        if operation == "GetItem":
            found = [parsed["Item"]] if "Item" in parsed else []
            self.read_units += read_units(found, consistent=self._consistent)
            self.items_read += len(found)
        elif operation == "Query":
            items = parsed.get("Items", [])
            self.read_units += read_units(items)
            self.items_read += len(items)
