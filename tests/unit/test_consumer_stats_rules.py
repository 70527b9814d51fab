"""What one stream record does to the overview figures (consumers/stats.py), before any store."""

from __future__ import annotations

from datetime import date
from typing import Any

from clientele.consumers.models import Consumer
from clientele.consumers.stats import change_of, week_start
from clientele.core.tenancy import Environment, Tenant

TENANT = Tenant("acme", Environment.SANDBOX)


def consumer(**fields: Any) -> Consumer:
    base: dict[str, Any] = {
        "id": "cons_01HXYZ12345678901234567890",
        "email": "a@example.com",
        "phone": None,
        "fullName": None,
        "firstName": None,
        "lastName": None,
        "metadata": None,
        "externalId": None,
        "status": "active",
        "membership": "guest",
        "verified": False,
        "verifiedAt": None,
        "tags": [],
        "address": None,
        "source": "api",
        "syncStatus": "not_synced",
        "loyalty": {"points": 0},
        "totalOrders": 0,
        "totalOrderValue": 0,
        "lastOrderAt": None,
        "lastActivityAt": None,
        "createdAt": "2026-11-02T23:59:59.000Z",
        "updatedAt": "2026-11-02T23:59:59.000Z",
        "version": 1,
    }
    return Consumer.model_validate({**base, **fields})


def test_a_new_consumer_counts_in_every_bucket_and_on_its_creation_day() -> None:
    change = change_of(TENANT, "e1", None, consumer(loyalty={"points": 10, "tier": "Gold"}))
    assert change is not None
    assert change.counters == {
        "total": 1,
        "status:active": 1,
        "membership:guest": 1,
        "verified:false": 1,
        "tier:Gold": 1,
    }
    assert change.days == {"2026-11-02": 1}  # the UTC day of createdAt


def test_a_deleted_consumer_is_taken_out_of_every_bucket_and_its_day() -> None:
    change = change_of(TENANT, "e2", consumer(membership="member", verified=True), None)
    assert change is not None
    assert change.counters == {"total": -1, "status:active": -1, "membership:member": -1, "verified:true": -1}
    assert change.days == {"2026-11-02": -1}


def test_a_change_moves_only_the_buckets_it_changes() -> None:
    before = consumer(status="active", loyalty={"points": 10, "tier": "Silver"})
    after = consumer(status="inactive", loyalty={"points": 200, "tier": "Gold"}, version=2)
    change = change_of(TENANT, "e3", before, after)
    assert change is not None
    assert change.counters == {"status:active": -1, "status:inactive": 1, "tier:Silver": -1, "tier:Gold": 1}
    assert change.days == {}


def test_a_change_of_no_counted_field_is_nothing_to_write() -> None:
    assert change_of(TENANT, "e4", consumer(), consumer(fullName="New Name", totalOrders=3, version=2)) is None


def test_weeks_start_on_monday() -> None:
    assert week_start(date(2026, 11, 10)) == date(2026, 11, 9)  # a Tuesday
    assert week_start(date(2026, 11, 9)) == date(2026, 11, 9)  # a Monday
    assert week_start(date(2026, 11, 8)) == date(2026, 11, 2)  # a Sunday ends the week
