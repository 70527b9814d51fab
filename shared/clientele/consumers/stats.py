"""The overview figures of a tenant's consumers (`GET /consumers/stats`): totals by status, membership,
verified and tier, and consumers created per day. The stream keeps them as counters
(functions/count_consumers), so a request reads two keys and never counts consumers (the items:
consumers/stats_store.py).

Exact under redelivery: a record's deltas are added in the transaction that puts its `counted`
marker on condition that there is none yet, so a record delivered again adds nothing. Records of one
tenant go in one transaction (markers, counters, days); a transaction that meets a marker already
there (a batch retried after a partial failure) is redone record by record.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, NamedTuple

from pydantic import WithJsonSchema

from clientele.consumers import stats_store as store
from clientele.consumers.enums import Membership, Status
from clientele.consumers.models import Consumer
from clientele.core.errors import ClienteleError, Conflict, StoreBusy
from clientele.core.models import Resource
from clientele.core.tenancy import Tenant

PER_TRANSACTION = 45  # records a transaction adds: each brings a marker and may bring a day (100 items at most)
MAX_PERIODS = 104  # days or weeks `created` goes back
CLASH_RETRIES = 3  # a transaction that meets a concurrent one is tried again this often before the stream retries


# The wire models live here rather than in models.py: only this route and the stream load them
# (every consumer function's cold start pays for each model class in models.py).
class StatsInterval(StrEnum):
    DAY = "day"
    WEEK = "week"


Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


class CreatedIn(Resource):
    start: Day  # the first day of the period (UTC; a week starts on Monday)
    count: int  # consumers created in it that still exist


class ConsumerStats(Resource):
    """Overview figures of the environment's consumers, kept up to date by the table's stream (a change
    shows within seconds). Every consumer counts once in `total` and in each of `byStatus`,
    `byMembership` and `byVerified`; `byTier` counts those with a tier in their primary program."""

    total: int
    by_status: dict[str, int]
    by_membership: dict[str, int]
    by_verified: dict[str, int]
    by_tier: dict[str, int]
    interval: StatsInterval
    created: list[CreatedIn]  # oldest first; the last period is the current one


def buckets(consumer: Consumer) -> Counter[str]:
    """What one consumer adds to the counters."""
    counts = Counter(
        {
            "total": 1,
            f"status:{consumer.status}": 1,
            f"membership:{consumer.membership}": 1,
            f"verified:{str(consumer.verified).lower()}": 1,
        }
    )
    if consumer.loyalty.tier:
        counts[f"tier:{consumer.loyalty.tier}"] += 1
    return counts


class Change(NamedTuple):
    """One stream record's effect on the figures."""

    tenant: Tenant
    event_id: str
    counters: dict[str, int]  # bucket -> delta, none zero
    days: dict[str, int]  # yyyy-mm-dd -> delta, none zero


def change_of(tenant: Tenant, event_id: str, before: Consumer | None, after: Consumer | None) -> Change | None:
    """The record's deltas; None when it moves no figure (most changes: an order, a new name)."""
    counters: Counter[str] = Counter()
    days: Counter[str] = Counter()
    if after is not None:
        counters.update(buckets(after))
        days[after.created_at[:10]] += 1
    if before is not None:
        counters.subtract(buckets(before))
        days[before.created_at[:10]] -= 1
    moved = {bucket: delta for bucket, delta in counters.items() if delta}
    created = {day: delta for day, delta in days.items() if delta}
    return Change(tenant, event_id, moved, created) if moved or created else None


def _groups(changes: list[Change]) -> Iterator[list[Change]]:
    """Each tenant's changes, PER_TRANSACTION at a time; a record twice in one batch once (a
    transaction may not write one marker twice)."""
    by_tenant: dict[Tenant, dict[str, Change]] = {}
    for change in changes:
        by_tenant.setdefault(change.tenant, {}).setdefault(change.event_id, change)
    for distinct in by_tenant.values():
        group = list(distinct.values())
        for start in range(0, len(group), PER_TRANSACTION):
            yield group[start : start + PER_TRANSACTION]


class Applied(NamedTuple):
    added: int  # changes added to the figures now
    repeated: int  # changes delivered again, already in them
    failed: list[Change]  # changes the store refused for now (busy, a clash): deliver them again


def _add(group: list[Change]) -> bool:
    counters: Counter[str] = Counter()
    days: Counter[str] = Counter()
    for change in group:
        counters.update(change.counters)
        days.update(change.days)
    return store.add(
        group[0].tenant,
        [change.event_id for change in group],
        {bucket: delta for bucket, delta in counters.items() if delta},
        {day: delta for day, delta in days.items() if delta},
    )


def _add_retrying(group: list[Change]) -> bool:
    """`_add`, tried again after a clash: every shard's batches of a tenant add to the same counters,
    so concurrent transactions on them meet; a short, jittered wait usually lets the next one in."""
    for attempt in range(CLASH_RETRIES):
        try:
            return _add(group)
        except Conflict:
            time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 (jitter, not a secret)
    return _add(group)


def apply(changes: list[Change]) -> Applied:
    """Adds each change to its tenant's figures exactly once."""
    added, repeated, failed = 0, 0, []
    for group in _groups(changes):
        try:
            if _add_retrying(group):
                added += len(group)
                continue
            for change in group:  # a marker was there: some of these are in already
                try:
                    if _add_retrying([change]):
                        added += 1
                    else:
                        repeated += 1
                except (Conflict, StoreBusy, ClienteleError):
                    failed.append(change)
        except (Conflict, StoreBusy, ClienteleError):
            failed += group
    return Applied(added, repeated, failed)


# ---------------------------------------------------------------- reading


def week_start(day: date) -> date:
    """The Monday of the day's ISO week."""
    return day - timedelta(days=day.weekday())


def overview(tenant: Tenant, interval: StatsInterval, periods: int, today: date) -> ConsumerStats:
    """The figures now, and the consumers created in each of the last `periods` days or weeks (ISO
    weeks, from Monday; the current one included), oldest first. Two reads, whatever the tenant's size."""
    unit = timedelta(days=1) if interval is StatsInterval.DAY else timedelta(weeks=1)
    last = today if interval is StatsInterval.DAY else week_start(today)
    starts = [last - unit * back for back in range(periods - 1, -1, -1)]
    counts, days = store.read(tenant, starts[0].isoformat(), today.isoformat())
    created: Counter[date] = Counter()
    for day, count in days.items():
        moment = date.fromisoformat(day)
        created[moment if interval is StatsInterval.DAY else week_start(moment)] += count

    def bucket(name: str) -> int:
        return int(counts.get(name, 0))

    tiers = {name.removeprefix("tier:"): int(value) for name, value in counts.items() if name.startswith("tier:")}
    return ConsumerStats(
        total=bucket("total"),
        by_status={status.value: bucket(f"status:{status.value}") for status in Status},
        by_membership={membership.value: bucket(f"membership:{membership.value}") for membership in Membership},
        by_verified={"verified": bucket("verified:true"), "unverified": bucket("verified:false")},
        by_tier={tier: count for tier, count in sorted(tiers.items()) if count},
        interval=interval,
        created=[CreatedIn(start=start.isoformat(), count=created[start]) for start in starts],
    )
