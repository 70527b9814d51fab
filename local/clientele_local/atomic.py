"""Make moto's DynamoDB writes atomic, as DynamoDB's are.

moto evaluates a condition and applies the write in separate steps without a lock, so two
threads can both pass `attribute_not_exists(pk)`. DynamoDB serializes writes per item and runs
transactions atomically; one lock around moto's write paths gives the local stack and the tests
the same guarantee, so they prove the service's own concurrency rules rather than moto's race.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_LOCK = threading.RLock()
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


def make_moto_dynamodb_atomic() -> None:
    for name in _WRITES:
        method = getattr(DynamoDBBackend, name, None)
        if method is None or getattr(method, "_clientele_atomic", False):
            continue

        @functools.wraps(method)
        def locked(self: Any, *args: Any, __method: Any = method, **kwargs: Any) -> Any:
            with _LOCK:
                return __method(self, *args, **kwargs)

        locked._clientele_atomic = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, locked)
