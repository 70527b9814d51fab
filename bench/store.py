"""Bench-only help with moto at scale: loading items straight into the table, answers written out
without moto's generic serializer (patched in clientele_local/moto_patches.py, as every change to
moto is), and the table's objects kept out of the garbage collector's way.
(Queries that read one partition are the local store's own: clientele_local/partitions.py.)"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from clientele_local import moto_patches, partitions


def fast_responses() -> None:
    """moto's DynamoDB answers written out without its serializer (clientele_local/moto_patches.py's
    FAST_ANSWERS patch, which says why)."""
    moto_patches.apply(moto_patches.FAST_ANSWERS)


def restore() -> None:
    """moto's own serializer again (the tests use it)."""
    moto_patches.restore(moto_patches.FAST_ANSWERS)


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
