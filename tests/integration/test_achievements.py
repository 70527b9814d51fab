"""Achievements (issue 19, seed 003): N orders, a spend or points within a period, moved by the
transactions that move orders and points, completed once per period, rewarded, reset and expired."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clientele.core import clock
from tests.integration.conftest import Invoke

THREE_ORDERS = {"key": "three-orders", "name": "Three orders", "metric": "orders", "target": 3, "rewardPoints": 100}


def _program(call: Invoke, principal: dict[str, str], *achievements: dict[str, Any], **body: Any) -> dict[str, Any]:
    sent = {"name": "Rewards", "achievements": list(achievements), **body}
    response = call("create_loyalty_program", principal=principal, body=sent)
    assert response["status"] == 201, response
    return response["body"]


def _consumer(call: Invoke, principal: dict[str, str], **body: Any) -> dict[str, Any]:
    return call("create_consumer", principal=principal, body={"email": "ana@example.com", **body})["body"]


def _order(call: Invoke, principal: dict[str, str], consumer_id: str, amount: Any = 20, **body: Any) -> dict[str, Any]:
    sent = {"consumerId": consumer_id, "amount": amount, "currency": "EUR", **body}
    response = call("create_order", principal=principal, body=sent)
    assert response["status"] == 201, response
    return response["body"]


def _achievements(call: Invoke, principal: dict[str, str], consumer_id: str) -> dict[str, dict[str, Any]]:
    response = call("consumer_achievements", principal=principal, path_params={"id": consumer_id})
    assert response["status"] == 200, response
    return {entry["key"]: entry for entry in response["body"]["achievements"]}


def _points(call: Invoke, principal: dict[str, str], consumer_id: str) -> int:
    return int(call("get_consumer", principal=principal, path_params={"id": consumer_id})["body"]["loyalty"]["points"])


def test_orders_complete_an_achievement_once_and_it_gives_its_reward(call: Invoke, acme: dict[str, str]) -> None:
    spend = {"key": "big-spender", "name": "Spend 50", "metric": "spend", "target": "50.00"}
    _program(call, acme, THREE_ORDERS, spend)
    ana = _consumer(call, acme)
    _order(call, acme, ana["id"], amount=20)
    shown = _achievements(call, acme, ana["id"])
    assert (shown["three-orders"]["progress"], shown["three-orders"]["target"], shown["three-orders"]["status"]) == (
        "1",
        "3",
        "in_progress",
    )
    assert shown["big-spender"]["progress"] == "20.00"
    _order(call, acme, ana["id"], amount=20)
    opened = _order(call, acme, ana["id"], amount=15, state="open")  # an open session moves nothing yet
    assert _achievements(call, acme, ana["id"])["three-orders"]["progress"] == "2"
    closed = call("close_order", principal=acme, path_params={"id": opened["id"]})
    assert closed["status"] == 200, closed
    shown = _achievements(call, acme, ana["id"])
    assert (shown["three-orders"]["status"], shown["big-spender"]["status"]) == ("completed", "completed")
    assert shown["three-orders"]["completedOn"] is not None
    assert _points(call, acme, ana["id"]) == 100  # the reward, once
    _order(call, acme, ana["id"], amount=5)
    assert _achievements(call, acme, ana["id"])["three-orders"]["progress"] == "3"  # completed: it stays
    assert _points(call, acme, ana["id"]) == 100
    log = call("list_points_transactions", principal=acme, path_params={"id": ana["id"]})["body"]["data"]
    assert [(entry["kind"], entry["points"], entry["reason"]) for entry in log] == [
        ("achievement", 100, "Achievement Three orders")
    ]


def test_points_achievements_count_credits_but_not_their_own_rewards(call: Invoke, acme: dict[str, str]) -> None:
    chain = {"key": "collector", "name": "Collect 100", "metric": "points", "target": 100, "rewardPoints": 500}
    program = _program(call, acme, chain)
    ana = _consumer(call, acme)
    for points in (60, 40):
        body = {"programId": program["id"], "points": points, "reason": "r"}
        added = call("add_points", principal=acme, path_params={"id": ana["id"]}, body=body)
        assert (added["status"], added["body"]["kind"], added["body"]["points"]) == (201, "added", points)
    shown = _achievements(call, acme, ana["id"])["collector"]
    assert (shown["progress"], shown["status"]) == ("100", "completed")
    assert _points(call, acme, ana["id"]) == 600


def test_a_repeating_achievement_resets_with_its_period_and_an_ended_one_expires(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    daily = {"key": "daily", "name": "Order today", "metric": "orders", "target": 1, "period": "day", "rewardPoints": 5}
    ending = {
        "key": "this-week",
        "name": "Two orders by tomorrow",
        "metric": "orders",
        "target": 2,
        "endsAt": (now + timedelta(days=1)).isoformat(),
    }
    _program(call, acme, daily, ending)
    ana = _consumer(call, acme)
    _order(call, acme, ana["id"])
    shown = _achievements(call, acme, ana["id"])
    assert (shown["daily"]["status"], shown["this-week"]["status"], shown["this-week"]["progress"]) == (
        "completed",
        "in_progress",
        "1",
    )
    assert shown["this-week"]["end"] == clock.format_instant(datetime.fromisoformat(ending["endsAt"]))

    later = now + timedelta(days=2)
    import clientele.loyalty.service as service

    real = service.datetime

    class Later(real):  # type: ignore[misc,valid-type]
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return later

    monkeypatch.setattr(service, "datetime", Later)
    monkeypatch.setattr(clock, "now", lambda: clock.format_instant(later))
    shown = _achievements(call, acme, ana["id"])
    assert (shown["daily"]["status"], shown["daily"]["progress"]) == ("in_progress", "0")  # a new day
    assert shown["this-week"]["status"] == "expired"
    _order(call, acme, ana["id"])
    shown = _achievements(call, acme, ana["id"])
    assert shown["daily"]["status"] == "completed"
    assert shown["this-week"]["progress"] == "1"  # ended: orders no longer move it
    assert _points(call, acme, ana["id"]) == 10  # rewarded once a day


def test_parallel_orders_move_an_achievement_exactly(call: Invoke, acme: dict[str, str]) -> None:
    _program(call, acme, {**THREE_ORDERS, "target": 10})
    ana = _consumer(call, acme)
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda n: _order(call, acme, ana["id"], externalId=f"p{n}"), range(12)))
    shown = _achievements(call, acme, ana["id"])["three-orders"]
    assert (shown["progress"], shown["status"]) == ("10", "completed")
    assert _points(call, acme, ana["id"]) == 100


def test_blocked_consumers_move_no_achievements_and_bad_ones_are_refused(call: Invoke, acme: dict[str, str]) -> None:
    _program(call, acme, {**THREE_ORDERS, "target": 1})
    ana = _consumer(call, acme)
    call("block_consumer", principal=acme, path_params={"id": ana["id"]}, body={})
    _order(call, acme, ana["id"])
    assert _achievements(call, acme, ana["id"])["three-orders"]["progress"] == "0"
    for achievement, fragment in (
        ({**THREE_ORDERS, "key": "Bad Key"}, "String should match pattern"),
        ({**THREE_ORDERS, "target": 0}, "greater than 0"),
        ({**THREE_ORDERS, "metric": "visits"}, "Input should be"),
        (
            {**THREE_ORDERS, "startsAt": "2030-01-02T00:00:00Z", "endsAt": "2030-01-01T00:00:00Z"},
            "endsAt must be later",
        ),
    ):
        refused = call("create_loyalty_program", principal=acme, body={"name": "X", "achievements": [achievement]})
        assert refused["status"] == 400, (achievement, refused)
        assert fragment in refused["body"]["error"]["details"][0]["message"]
    twice = call("create_loyalty_program", principal=acme, body={"name": "X", "achievements": [THREE_ORDERS] * 2})
    assert "unique" in twice["body"]["error"]["details"][0]["message"]
    assert call("consumer_achievements", principal=acme, path_params={"id": "cons_unknown"})["status"] == 404
