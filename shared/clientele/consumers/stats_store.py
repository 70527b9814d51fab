"""The overview figures' items (read and written by consumers/stats.py, which says what they mean):

counters   pk=<tenant>#STATS  sk=CONSUMERS          total, and one number per bucket (`status:active`, `tier:Gold`)
day        pk=<tenant>#STATS  sk=DAY#<yyyy-mm-dd>    created: consumers created that day (UTC) that still exist
counted    pk=<tenant>#STATS  sk=COUNTED#<event id>  a stream record already added in (expires after 2 days)
"""

from __future__ import annotations

import time
from typing import Any

from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.tenancy import Tenant

COUNTED_FOR = 2 * 24 * 3600  # seconds a marker is kept: a stream holds a record for 24 hours


class ConsumerCounts(Entity):
    """The tenant's running totals."""

    kind = "ConsumerCounts"

    @staticmethod
    def partition(tenant: Tenant) -> str:
        return f"{tenant.key_prefix}#STATS"

    @staticmethod
    def key(tenant: Tenant) -> dict[str, str]:
        return {"pk": ConsumerCounts.partition(tenant), "sk": "CONSUMERS"}


class CreatedOn(Entity):
    """How many of the tenant's consumers were created on one day (UTC) and still exist."""

    kind = "ConsumersCreatedOn"
    PREFIX = "DAY#"

    @staticmethod
    def key(tenant: Tenant, day: str) -> dict[str, str]:
        return {"pk": ConsumerCounts.partition(tenant), "sk": f"{CreatedOn.PREFIX}{day}"}


class Counted(Entity):
    """A stream record whose change is in the counters."""

    kind = "CountedChange"

    @staticmethod
    def key(tenant: Tenant, event_id: str) -> dict[str, str]:
        return {"pk": ConsumerCounts.partition(tenant), "sk": f"COUNTED#{event_id}"}


def _adding(key: dict[str, str], kind: str, deltas: dict[str, int]) -> dict[str, Any]:
    names = {"#entity": "entity", **{f"#a{index}": name for index, name in enumerate(deltas)}}
    values = {":kind": kind, **{f":a{index}": delta for index, delta in enumerate(deltas.values())}}
    additions = ", ".join(f"#a{index} :a{index}" for index in range(len(deltas)))
    return dynamo.update(key, expression=f"SET #entity = :kind ADD {additions}", values=values, names=names)


def add(tenant: Tenant, event_ids: list[str], counters: dict[str, int], days: dict[str, int]) -> bool:
    """One transaction: a marker for each record, on condition that none is there yet, and the
    deltas added to the counters and to each day. False when a marker was there (nothing written)."""
    expires = int(time.time()) + COUNTED_FOR
    markers = [
        dynamo.put(
            Counted.item(Counted.key(tenant, event_id), {"expiration": expires}), condition="attribute_not_exists(pk)"
        )
        for event_id in event_ids
    ]
    totals = [_adding(ConsumerCounts.key(tenant), ConsumerCounts.kind, counters)] if counters else []
    created = [_adding(CreatedOn.key(tenant, day), CreatedOn.kind, {"created": n}) for day, n in days.items()]
    try:
        dynamo.transact(markers + totals + created)
    except dynamo.TransactionCancelled:
        return False
    return True


def read(tenant: Tenant, first_day: str, last_day: str) -> tuple[dict[str, Any], dict[str, int]]:
    """(the counters, {day: consumers created}) for the days from `first_day` to `last_day`."""
    counts = dynamo.get_item(ConsumerCounts.key(tenant), consistent=True) or {}
    days = dynamo.query(
        key_condition="pk = :pk AND sk BETWEEN :low AND :high",
        values={
            ":pk": ConsumerCounts.partition(tenant),
            ":low": f"{CreatedOn.PREFIX}{first_day}",
            ":high": f"{CreatedOn.PREFIX}{last_day}",
        },
        consistent=True,
    )
    return counts, {item["sk"].removeprefix(CreatedOn.PREFIX): int(item["created"]) for item in days}
