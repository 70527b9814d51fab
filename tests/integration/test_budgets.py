"""Profile budgets (issue 19, seed 003): per-consumer limits on points earned, coupon redemptions and
referral rewards, per day, week, month or for good; refused or capped, and exact under concurrency."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clientele.core import clock
from tests.integration.conftest import Invoke, stream_delivery


def _program(call: Invoke, principal: dict[str, str], *budgets: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = call(
        "create_loyalty_program", principal=principal, body={"name": "Rewards", "budgets": list(budgets), **body}
    )
    assert response["status"] == 201, response
    return response["body"]


def _consumer(call: Invoke, principal: dict[str, str], email: str = "ana@example.com") -> dict[str, Any]:
    return call("create_consumer", principal=principal, body={"email": email})["body"]


def _add(call: Invoke, principal: dict[str, str], consumer_id: str, program_id: str, points: int) -> dict[str, Any]:
    body = {"programId": program_id, "points": points, "reason": "r"}
    return call("add_points", principal=principal, path_params={"id": consumer_id}, body=body)


def _budgets(call: Invoke, principal: dict[str, str], consumer_id: str) -> list[dict[str, Any]]:
    response = call("consumer_budgets", principal=principal, path_params={"id": consumer_id})
    assert response["status"] == 200, response
    return response["body"]["budgets"]


def test_a_refusing_points_budget_refuses_what_would_pass_it(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme, {"action": "points_earned", "limit": 100, "period": "day"})
    ana = _consumer(call, acme)
    assert _add(call, acme, ana["id"], program["id"], 60)["status"] == 201
    refused = _add(call, acme, ana["id"], program["id"], 50)
    assert (refused["status"], refused["body"]["error"]["code"]) == (409, "budget_exceeded")
    assert refused["body"]["error"]["details"] == [
        {"field": "points", "message": "60 of the 100 points_earned allowed this day are used"}
    ]
    assert _add(call, acme, ana["id"], program["id"], 40)["status"] == 201
    [budget] = _budgets(call, acme, ana["id"])
    assert (budget["action"], budget["used"], budget["remaining"], budget["period"]) == ("points_earned", 100, 0, "day")
    assert budget["periodStart"] < budget["resetsAt"]
    # Orders still record past the budget; they earn nothing.
    call(
        "update_loyalty_program",
        principal=acme,
        path_params={"id": program["id"]},
        body={"earning": {"pointsPerUnit": 1}},
    )
    order = call("create_order", principal=acme, body={"consumerId": ana["id"], "amount": 30, "currency": "EUR"})
    assert (order["status"], order["body"]["pointsEarned"]) == (201, {})


def test_a_capping_budget_credits_what_is_left_and_resets_with_its_period(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    program = _program(
        call,
        acme,
        {"action": "points_earned", "limit": 100, "period": "week", "overflow": "cap"},
        earning={"pointsPerUnit": 1, "start": {"type": "immediate"}},
    )
    ana = _consumer(call, acme)
    first = call("create_order", principal=acme, body={"consumerId": ana["id"], "amount": 70, "currency": "EUR"})
    assert first["body"]["pointsEarned"] == {program["id"]: 70}
    second = call("create_order", principal=acme, body={"consumerId": ana["id"], "amount": 70, "currency": "EUR"})
    assert second["body"]["pointsEarned"] == {program["id"]: 30}  # capped at the 100 of the week
    assert _add(call, acme, ana["id"], program["id"], 5)["status"] == 409  # nothing left to cap to
    assert call("get_consumer", principal=acme, path_params={"id": ana["id"]})["body"]["loyalty"]["points"] == 100

    later = datetime.now(UTC) + timedelta(days=8)  # the next week: the use starts again
    monkeypatch.setattr(clock, "now", lambda: clock.format_instant(later))
    import clientele.loyalty.service as service

    real = service.datetime

    class Later(real):  # type: ignore[misc,valid-type]
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return later

    monkeypatch.setattr(service, "datetime", Later)
    [budget] = _budgets(call, acme, ana["id"])
    assert (budget["used"], budget["remaining"]) == (0, 100)
    added = _add(call, acme, ana["id"], program["id"], 150)
    assert (added["status"], added["body"]["points"]) == (201, 100)


def test_twenty_parallel_grants_never_pass_a_budget(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme, {"action": "points_earned", "limit": 50, "period": "never"})
    ana = _consumer(call, acme)
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: _add(call, acme, ana["id"], program["id"], 10)["status"], range(20)))
    assert sorted(statuses) == [201] * 5 + [409] * 15
    [budget] = _budgets(call, acme, ana["id"])
    assert (budget["used"], budget["periodStart"], budget["resetsAt"]) == (50, None, None)
    assert call("get_consumer", principal=acme, path_params={"id": ana["id"]})["body"]["loyalty"]["points"] == 50


def test_a_coupon_redemptions_budget_refuses_the_order_that_would_pass_it(call: Invoke, acme: dict[str, str]) -> None:
    _program(call, acme, {"action": "coupon_redemptions", "limit": 1, "period": "month"})
    ana = _consumer(call, acme)
    for code in ("ONE-1", "TWO-2"):
        body = {"code": code, "type": "fixed", "value": 5}
        assert call("issue_coupon", principal=acme, path_params={"id": ana["id"]}, body=body)["status"] == 201
    body = {"consumerId": ana["id"], "amount": 30, "currency": "EUR"}
    assert call("create_order", principal=acme, body={**body, "couponCode": "ONE-1"})["status"] == 201
    refused = call("create_order", principal=acme, body={**body, "couponCode": "TWO-2"})
    assert (refused["status"], refused["body"]["error"]["code"]) == (409, "budget_exceeded")
    assert refused["body"]["error"]["details"][0]["field"] == "couponCode"
    coupons = call("list_consumer_coupons", principal=acme, path_params={"id": ana["id"]})["body"]["data"]
    assert {coupon["code"]: coupon["redemptionCount"] for coupon in coupons} == {"ONE-1": 1, "TWO-2": 0}
    assert call("create_order", principal=acme, body=body)["status"] == 201  # without a coupon: records
    assert call("get_consumer", principal=acme, path_params={"id": ana["id"]})["body"]["totalOrders"] == 2


def test_a_referral_rewards_budget_stops_the_advocates_rewards_not_the_referred(
    call: Invoke, acme: dict[str, str], table: str
) -> None:
    referred: Callable[[], int] = stream_delivery(table, "reward_referral", "RewardReferralFunction", "Referred")
    _program(
        call,
        acme,
        {"action": "referral_rewards", "limit": 1, "period": "never"},
        referral={"advocatePoints": 50, "referredPoints": 10},
    )
    ana = _consumer(call, acme)
    call("create_referral_code", principal=acme, path_params={"id": ana["id"]}, body={"code": "ANA-1"})
    friends = [
        call("create_consumer", principal=acme, body={"email": f"f{n}@example.com", "referralCode": "ANA-1"})["body"]
        for n in range(2)
    ]
    assert referred() == 2
    points = {
        consumer["id"]: call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]["loyalty"][
            "points"
        ]
        for consumer in (ana, *friends)
    }
    assert points == {ana["id"]: 50, friends[0]["id"]: 10, friends[1]["id"]: 10}


def test_bad_budgets_are_refused(call: Invoke, acme: dict[str, str]) -> None:
    for budgets, fragment in (
        ([{"action": "coupon_redemptions", "limit": 1, "period": "day", "overflow": "cap"}], "only a points_earned"),
        ([{"action": "points_earned", "limit": 1, "period": "day"}] * 2, "one budget per action"),
        ([{"action": "points_earned", "limit": 0, "period": "day"}], "greater than or equal to 1"),
        ([{"action": "points_earned", "limit": 1, "period": "year"}], "Input should be"),
    ):
        refused = call("create_loyalty_program", principal=acme, body={"name": "X", "budgets": budgets})
        assert refused["status"] == 400, (budgets, refused)
        assert fragment in refused["body"]["error"]["details"][0]["message"]
    program = _program(call, acme)
    path = {"id": program["id"]}
    assert call("update_loyalty_program", principal=acme, path_params=path, body={"budgets": None})["status"] == 400
    cleared = call("update_loyalty_program", principal=acme, path_params=path, body={"budgets": []})
    assert cleared["body"]["budgets"] == []
    assert call("consumer_budgets", principal=acme, path_params={"id": "cons_unknown"})["status"] == 404
