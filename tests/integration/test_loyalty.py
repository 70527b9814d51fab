"""Loyalty programs, ledgers, points from orders, balances at read time and the scheduled refresh."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from time import sleep
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clientele.loyalty import service as loyalty
from tests.integration.conftest import Invoke, principal_for

PROGRAM = {
    "name": "Rewards",
    "timezone": "Europe/Lisbon",
    "tiers": [{"name": "Gold", "minPoints": 1000}, {"name": "Silver", "minPoints": 100}],
}


def _program(call: Invoke, principal: dict[str, str], **body: Any) -> dict[str, Any]:
    response = call("create_loyalty_program", principal=principal, body={**PROGRAM, **body})
    assert response["status"] == 201, response
    return response["body"]


def _consumer(call: Invoke, principal: dict[str, str], email: str = "ana@example.com") -> dict[str, Any]:
    return call("create_consumer", principal=principal, body={"email": email})["body"]


def _add(call: Invoke, principal: dict[str, str], consumer_id: str, expect: int = 201, **body: Any) -> Any:
    response = call("add_points", principal=principal, path_params={"id": consumer_id}, body=body)
    assert response["status"] == expect, response
    return response["body"]


def _deduct(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> dict[str, Any]:
    return call("deduct_points", principal=principal, path_params={"id": consumer_id}, body=body)


def _balances(call: Invoke, principal: dict[str, str], consumer_id: str, **query: str) -> list[dict[str, Any]]:
    response = call("consumer_loyalty", principal=principal, path_params={"id": consumer_id}, query=query or None)
    assert response["status"] == 200, response
    return response["body"]["programs"]


def _at(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_programs_are_created_read_changed_and_listed(call: Invoke, acme: dict[str, str]) -> None:
    first = _program(call, acme)
    assert first["id"].startswith("lp_")
    assert first["primary"] is True
    assert [tier["name"] for tier in first["tiers"]] == ["Silver", "Gold"]
    assert first["defaultStart"] == {"type": "immediate", "amount": None, "unit": "days", "round": "none", "at": None}
    second = _program(call, acme, name="Partners")
    assert second["primary"] is False
    got = call("get_loyalty_program", principal=acme, path_params={"id": first["id"]})
    assert got["body"] == first
    changed = call(
        "update_loyalty_program",
        principal=acme,
        path_params={"id": first["id"]},
        body={"earning": {"pointsPerUnit": 2}, "tierBasis": "lifetime"},
    )
    assert changed["status"] == 200, changed
    assert changed["body"]["earning"]["pointsPerUnit"] == "2"
    assert changed["body"]["tierBasis"] == "lifetime"
    listed = call("list_loyalty_programs", principal=acme)["body"]["data"]
    assert [program["id"] for program in listed] == [first["id"], second["id"]]
    assert (
        call("update_loyalty_program", principal=acme, path_params={"id": first["id"]}, body={"name": None})["status"]
        == 400
    )
    assert call("create_loyalty_program", principal=acme, body={"name": "X", "timezone": "Mars/Base"})["status"] == 400
    assert (
        call("get_loyalty_program", principal=principal_for("other"), path_params={"id": first["id"]})["status"] == 404
    )


def test_points_show_per_ledger_and_on_the_consumer(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme)
    added = _add(call, acme, consumer["id"], programId=program["id"], points=80, reason="welcome")
    assert (added["kind"], added["ledger"], added["orderId"], added["expiresOn"]) == ("added", "main", None, None)
    _add(call, acme, consumer["id"], programId=program["id"], ledger="summer", points=40, reason="campaign")
    balances = _balances(call, acme, consumer["id"])
    assert [(b["ledger"], b["activePoints"], b["tier"]) for b in balances] == [
        (None, 120, "Silver"),
        ("main", 80, None),
        ("summer", 40, None),
    ]
    only = _balances(call, acme, consumer["id"], programId=program["id"], ledger="summer")
    assert [b["ledger"] for b in only] == ["summer"]
    shown = call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]
    assert shown["loyalty"] == {"points": 120, "tier": "Silver", "pendingPoints": 0, "nextChangeAt": None}
    other = _consumer(call, acme, "bob@example.com")
    _add(call, acme, other["id"], programId=program["id"], points=500, reason="vip")
    by_points = call("list_consumers", principal=acme, query={"sortBy": "points"})["body"]["data"]
    assert [c["id"] for c in by_points] == [other["id"], consumer["id"]]
    by_tier = call("list_consumers", principal=acme, query={"tier": "Silver"})["body"]["data"]
    assert {c["id"] for c in by_tier} == {other["id"], consumer["id"]}
    events = call("consumer_timeline", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    assert [event["type"] for event in events[:2]] == ["points_added", "points_added"]


def test_pending_and_expired_points_are_computed_at_read_time(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme)
    later = _at(3)
    _add(
        call,
        acme,
        consumer["id"],
        programId=program["id"],
        points=30,
        reason="r",
        start={"type": "absolute", "at": later},
    )
    past = {
        "start": {"type": "absolute", "at": "2020-01-01T00:00:00Z"},
        "expiry": {"type": "absolute", "at": "2021-01-01T00:00:00Z"},
    }
    _add(call, acme, consumer["id"], programId=program["id"], points=20, reason="old", **past)
    (total, _main) = _balances(call, acme, consumer["id"])
    assert (total["activePoints"], total["pendingPoints"], total["expiredPoints"], total["lifetimePoints"]) == (
        0,
        30,
        20,
        20,
    )
    shown = call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]["loyalty"]
    assert (shown["points"], shown["pendingPoints"]) == (0, 30)
    assert shown["nextChangeAt"] is not None
    assert shown["nextChangeAt"][:16] == datetime.fromisoformat(later).astimezone(UTC).isoformat()[:16]

    # Nothing runs per consumer: the scheduled refresh brings the stored summary up to date once due.
    assert loyalty.refresh_due(datetime.now(UTC)) == 0
    assert loyalty.refresh_due(datetime.now(UTC) + timedelta(days=4)) == 1
    shown = call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]["loyalty"]
    assert shown == {"points": 0, "tier": None, "pendingPoints": 30, "nextChangeAt": shown["nextChangeAt"]}


def test_refresh_moves_the_consumer_summary_when_points_activate(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme)
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    _add(
        call,
        acme,
        consumer["id"],
        programId=program["id"],
        points=150,
        reason="r",
        start={"type": "absolute", "at": soon},
    )
    sleep(1.1)
    assert loyalty.refresh_due(datetime.now(UTC)) == 1
    shown = call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]["loyalty"]
    assert shown == {"points": 150, "tier": "Silver", "pendingPoints": 0, "nextChangeAt": None}
    assert loyalty.refresh_due(datetime.now(UTC) + timedelta(days=365)) == 0  # nothing left to change


def test_deductions_spend_active_points_earliest_expiry_first(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme)
    grants = [("2030-01-01T00:00:00Z", 50), ("2029-01-01T00:00:00Z", 50), (None, 50)]
    for expires, points in grants:
        expiry = {"type": "absolute", "at": expires} if expires else {"type": "unlimited"}
        _add(call, acme, consumer["id"], programId=program["id"], points=points, reason="r", expiry=expiry)
    _add(
        call,
        acme,
        consumer["id"],
        programId=program["id"],
        points=500,
        reason="later",
        start={"type": "absolute", "at": _at(10)},
    )
    spent = _deduct(call, acme, consumer["id"], programId=program["id"], points=70, reason="voucher")
    assert spent["status"] == 201, spent
    assert (spent["body"]["points"], spent["body"]["kind"]) == (-70, "deducted")
    (total, _main) = _balances(call, acme, consumer["id"])
    assert (total["activePoints"], total["spentPoints"], total["pendingPoints"]) == (80, 70, 500)
    assert (total["nextExpiry"], total["nextExpiringPoints"]) == ("2030-01-01T00:00:00.000Z", 30)
    too_many = _deduct(call, acme, consumer["id"], programId=program["id"], points=81, reason="x")
    assert too_many["status"] == 400
    assert too_many["body"]["error"]["message"] == "Not enough active points"
    assert "only 80 active points" in too_many["body"]["error"]["details"][0]["message"]
    unknown = _deduct(call, acme, consumer["id"], programId=program["id"], ledger="nope", points=1, reason="x")
    assert unknown["status"] == 400
    missing = _deduct(call, acme, consumer["id"], programId="lp_01HXYZ12345678901234567890", points=1, reason="x")
    assert missing["status"] == 404


def test_orders_earn_pending_points_and_refunds_take_them_back(call: Invoke, acme: dict[str, str]) -> None:
    earning = {"pointsPerUnit": 1, "start": {"type": "relative", "amount": 14, "unit": "days", "round": "end_of_day"}}
    program = _program(call, acme, earning=earning, timezone="America/New_York")
    consumer = _consumer(call, acme)
    order = call(
        "create_order",
        principal=acme,
        body={"consumerId": consumer["id"], "amount": "109.99", "discountAmount": 10, "currency": "EUR"},
    )["body"]
    assert order["pointsEarned"] == {program["id"]: 99}  # 99.99 paid, rounded down
    (total, _main) = _balances(call, acme, consumer["id"])
    assert (total["pendingPoints"], total["activePoints"]) == (99, 0)
    transactions = call("list_points_transactions", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    assert [(t["kind"], t["points"], t["orderId"]) for t in transactions] == [("earned", 99, order["id"])]
    # The end of the day, in the program's timezone, 14 days after the order was placed.
    zone = ZoneInfo("America/New_York")
    active_on = datetime.fromisoformat(transactions[0]["activeOn"]).astimezone(zone)
    placed = datetime.fromisoformat(order["placedAt"]).astimezone(zone)
    assert (active_on.date(), active_on.time()) == (placed.date() + timedelta(days=14), time(23, 59, 59))

    half = call("refund_order", principal=acme, path_params={"id": order["id"]}, body={"amount": "50"})["body"]
    assert half["pointsTakenBack"] == {program["id"]: 49}
    assert _balances(call, acme, consumer["id"])[0]["pendingPoints"] == 50
    rest = call("refund_order", principal=acme, path_params={"id": order["id"]}, body={})["body"]
    assert rest["pointsTakenBack"] == {program["id"]: 99}
    (total, _main) = _balances(call, acme, consumer["id"])
    assert (total["pendingPoints"], total["activePoints"], total["lifetimePoints"]) == (0, 0, 0)
    kinds = [
        t["kind"]
        for t in call("list_points_transactions", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    ]
    assert kinds == ["taken_back", "taken_back", "earned"]


def test_a_guest_created_by_an_order_earns_too(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme, earning={"pointsPerUnit": "0.5", "start": {"type": "immediate"}})
    order = call("create_order", principal=acme, body={"email": "new@example.com", "amount": 21, "currency": "EUR"})
    assert order["body"]["pointsEarned"] == {program["id"]: 10}
    consumer = call("get_consumer", principal=acme, path_params={"id": order["body"]["consumerId"]})["body"]
    assert consumer["loyalty"]["points"] == 10


def test_transactions_read_by_date_range_and_ledger(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme)
    _add(call, acme, consumer["id"], programId=program["id"], points=5, reason="a")
    middle = datetime.now(UTC).isoformat()
    _add(call, acme, consumer["id"], programId=program["id"], ledger="x", points=6, reason="b")
    _add(call, acme, consumer["id"], programId=program["id"], points=7, reason="c")
    path = {"id": consumer["id"]}

    def points(**query: str) -> list[int]:
        response = call("list_points_transactions", principal=acme, path_params=path, query=query)
        assert response["status"] == 200, response
        return [transaction["points"] for transaction in response["body"]["data"]]

    assert points() == [7, 6, 5]
    assert points(createdAfter=middle) == [7, 6]
    assert points(createdBefore=middle) == [5]
    assert points(ledger="main") == [7, 5]
    assert points(programId=program["id"], first="1") == [7]
    assert (
        call("list_points_transactions", principal=acme, path_params={"id": "cons_01HXYZ12345678901234567890"})[
            "status"
        ]
        == 404
    )


def test_parallel_deductions_never_overspend(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme)
    _add(call, acme, consumer["id"], programId=program["id"], points=100, reason="top-up")
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(
                lambda _: _deduct(call, acme, consumer["id"], programId=program["id"], points=15, reason="spend")[
                    "status"
                ],
                range(10),
            )
        )
    assert sorted(statuses) == [201] * 6 + [400] * 4
    (total, _main) = _balances(call, acme, consumer["id"])
    assert (total["activePoints"], total["spentPoints"]) == (10, 90)
    assert call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]["loyalty"]["points"] == 10


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"points": 0, "reason": "r"}, "greater than or equal to 1"),
        ({"points": 1, "reason": ""}, "at least 1 character"),
        ({"points": 1, "reason": "r", "ledger": "a b"}, "pattern"),
        ({"points": 1, "reason": "r", "start": {"type": "relative"}}, "needs amount"),
        (
            {
                "points": 1,
                "reason": "r",
                "start": {"type": "absolute", "at": "2030-01-02T00:00:00Z"},
                "expiry": {"type": "absolute", "at": "2030-01-01T00:00:00Z"},
            },
            "expire before they start",
        ),
    ],
)
def test_bad_points_requests_are_400_and_change_nothing(
    call: Invoke, acme: dict[str, str], body: dict[str, Any], message: str
) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme)
    response = call(
        "add_points", principal=acme, path_params={"id": consumer["id"]}, body={"programId": program["id"], **body}
    )
    assert response["status"] == 400, response
    assert message in str(response["body"]["error"]["details"])
    assert _balances(call, acme, consumer["id"])[0]["activePoints"] == 0
    assert call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"] == consumer


def test_a_program_whose_fixed_expiry_has_passed_never_blocks_an_order(call: Invoke, acme: dict[str, str]) -> None:
    expired = {"type": "absolute", "at": "2020-12-31T23:59:59Z"}
    _program(call, acme, earning={"pointsPerUnit": 1, "start": {"type": "immediate"}}, defaultExpiry=expired)
    order = call("create_order", principal=acme, body={"email": "late@example.com", "amount": 10, "currency": "EUR"})
    assert order["status"] == 201, order
    assert order["body"]["pointsEarned"] == {}


def test_date_ranges_must_run_forwards_and_may_start_before_1970(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    path = {"id": consumer["id"]}
    backwards = {"createdAfter": "2024-02-01T00:00:00Z", "createdBefore": "2024-01-01T00:00:00Z"}
    response = call("list_points_transactions", principal=acme, path_params=path, query=backwards)
    assert response["status"] == 400
    assert response["body"]["error"]["details"][0]["field"] == "createdBefore"
    assert call("list_consumers", principal=acme, query=backwards)["status"] == 400
    old = {"createdAfter": "1960-01-01T00:00:00Z"}
    assert call("list_points_transactions", principal=acme, path_params=path, query=old)["status"] == 200


def test_a_deleted_consumers_points_are_not_served(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme)
    _add(call, acme, consumer["id"], programId=program["id"], points=5, reason="r")
    call("delete_consumer", principal=acme, path_params={"id": consumer["id"]})
    assert call("consumer_loyalty", principal=acme, path_params={"id": consumer["id"]})["status"] == 404
    assert call("list_points_transactions", principal=acme, path_params={"id": consumer["id"]})["status"] == 404
