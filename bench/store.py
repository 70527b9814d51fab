"""Bench-only help with moto at scale: loading items straight into the table, answers written out
without moto's generic serializer, and the table's objects kept out of the garbage collector's way.
(Queries that read one partition are the local store's own: clientele_local/partitions.py.)"""

from __future__ import annotations

import base64
import gc
import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.responses import DynamoResult

from clientele_local import partitions

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


def load(table_name: str, region: str, items: Iterable[dict[str, Any]]) -> int:
    """Puts DynamoDB-JSON items straight into moto's table, without stream records; returns the count."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table_name)
    shard, table.stream_shard = table.stream_shard, None
    partitions.forget(table)  # no groupings to keep in step while loading: the next Query builds them
    count = 0
    try:
        for item in items:
            table.put_item(item)
            count += 1
    finally:
        table.stream_shard = shard
        partitions.forget(table)
    return count


def settle() -> None:
    """Collects what is garbage, then freezes every object alive: the collector no longer walks them.

    moto keeps the whole table in this process, millions of objects after the load; each full
    collection walked them all, for seconds, in whichever timed call happened to allocate at the
    time (a Lambda's heap holds its own request, not the store). After this, collections walk
    only what was made since."""
    gc.collect()
    gc.freeze()


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
