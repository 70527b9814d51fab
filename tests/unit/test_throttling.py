"""The local gateway's token buckets and quotas (clientele_local.throttling), on a hand-driven clock."""

from __future__ import annotations

from datetime import UTC, datetime

from clientele_local.gateway import ApiConfig
from clientele_local.throttling import Limit, MethodLimit, Quota, Throttles, method_limits, usage_plan


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.today = datetime(2026, 3, 31, 23, 0, tzinfo=UTC)

    def throttles(self) -> Throttles:
        return Throttles(clock=lambda: self.now, calendar=lambda: self.today)


def test_a_bucket_starts_full_refills_at_its_rate_and_holds_at_most_its_burst() -> None:
    clock = Clock()
    throttles = clock.throttles()
    limit = Limit(rate=2, burst=3)
    assert [throttles.take(("k",), limit) for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token at 2 per second
    assert [throttles.take(("k",), limit) for _ in range(2)] == [True, False]
    clock.now += 3600  # idle for an hour: still only a burst's worth
    assert [throttles.take(("k",), limit) for _ in range(4)] == [True, True, True, False]


def test_buckets_are_independent_by_key() -> None:
    throttles = Clock().throttles()
    limit = Limit(rate=0.001, burst=1)
    assert throttles.take(("plan", "acme"), limit)
    assert not throttles.take(("plan", "acme"), limit)
    assert throttles.take(("plan", "globex"), limit)


def test_a_quota_counts_within_its_period_and_starts_again_with_the_next() -> None:
    clock = Clock()
    throttles = clock.throttles()
    quota = Quota(limit=2, period="DAY")
    key = ("plan", "acme")
    assert not throttles.exhausted(key, quota)
    throttles.count(key, quota)
    throttles.count(key, quota)
    assert throttles.exhausted(key, quota)
    assert not throttles.exhausted(("plan", "globex"), quota)
    clock.today = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)  # 00:00 UTC: a new day
    assert not throttles.exhausted(key, quota)
    throttles.count(key, quota)
    assert not throttles.exhausted(key, quota)


def test_quota_periods() -> None:
    when = datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    assert Quota(1, "DAY").window(when) == "2026-03-31"
    assert Quota(1, "WEEK").window(when) == "2026-W14"
    assert Quota(1, "MONTH").window(when) == "2026-03"


def test_method_settings_the_most_specific_entry_wins() -> None:
    limits = method_limits(
        [
            {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": "10", "ThrottlingBurstLimit": "20"},
            {
                "ResourcePath": "/~1things~1{id}",
                "HttpMethod": "GET",
                "ThrottlingRateLimit": 1,
                "ThrottlingBurstLimit": 2,
            },
            {"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True},  # no throttling in it
        ]
    )
    assert limits == [
        MethodLimit("/*", "*", Limit(10.0, 20)),
        MethodLimit("/things/{id}", "GET", Limit(1.0, 2)),
    ]
    api = ApiConfig("Api", "abc", "dev", {}, None, {}, [], None, method_limits=limits)
    assert api.method_limit("/things/{id}", "GET") == limits[1]
    assert api.method_limit("/things/{id}", "DELETE") == limits[0]
    assert api.method_limit("/other", "POST") == limits[0]
    assert ApiConfig("Api", "abc", "dev", {}, None, {}, [], None).method_limit("/other", "GET") is None


def test_sam_usage_plans() -> None:
    assert usage_plan("Api", None) is None
    assert usage_plan("Api", {"CreateUsagePlan": "NONE", "Throttle": {"RateLimit": 1}}) is None
    plan = usage_plan(
        "Api",
        {"CreateUsagePlan": "PER_API", "Throttle": {"RateLimit": "5", "BurstLimit": "10"}, "Quota": {"Limit": "100"}},
    )
    assert plan is not None
    assert (plan.plan_id, plan.throttle, plan.quota) == ("ApiUsagePlan", Limit(5.0, 10), Quota(100, "DAY"))
    shared = usage_plan("Api", {"CreateUsagePlan": "SHARED"})
    assert shared is not None
    assert (shared.plan_id, shared.throttle, shared.quota) == ("ServerlessUsagePlan", None, None)
