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
"""

from __future__ import annotations

import copy
import functools
import threading
from types import SimpleNamespace
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

_LOCK = threading.RLock()
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_READS = ("get_item", "batch_get_item", "query", "scan", "transact_get_items")


def _snapshot_once_per_transaction(method: Any) -> Any:
    @functools.wraps(method)
    def transact(self: Any, *args: Any, **kwargs: Any) -> Any:
        snapshots: dict[str, Any] = {}
        live = dict(self.tables)
        streams = {name: (t.stream_shard, len(t.stream_shard.items)) for name, t in live.items() if t.stream_shard}

        def deepcopy(value: Any, memo: Any = None) -> Any:
            if not isinstance(value, Table):  # item copies (update_item's) stay as they were
                return copy.deepcopy(value, memo)
            if value.name not in snapshots:
                shared = {id(value.stream_shard): value.stream_shard} if value.stream_shard else {}
                snapshots[value.name] = copy.deepcopy(value, {**(memo or {}), **shared})
            return snapshots[value.name]

        dynamodb_models.copy = SimpleNamespace(deepcopy=deepcopy)  # type: ignore[assignment]
        try:
            return method(self, *args, **kwargs)
        finally:
            dynamodb_models.copy = copy
            for name, (shard, length) in streams.items():
                if self.tables.get(name) is not live[name]:  # rolled back to the snapshot
                    del shard.items[length:]

    return transact


def make_moto_dynamodb_atomic() -> None:
    for name in (*_WRITES, *_READS):
        method = getattr(DynamoDBBackend, name)
        if getattr(method, "_clientele_atomic", False):
            continue
        if name == "transact_write_items":
            method = _snapshot_once_per_transaction(method)

        @functools.wraps(method)
        def locked(self: Any, *args: Any, __method: Any = method, **kwargs: Any) -> Any:
            with _LOCK:
                return __method(self, *args, **kwargs)

        locked._clientele_atomic = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, locked)
