"""Who takes part in loyalty (issue 19, Kefi's rules): blocking, inactive consumers, the signUp rule
and the lifetime figures of the loyalty summary."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from clientele.core.tenancy import Principal
from clientele.loyalty import service as loyalty
from tests.integration.conftest import Invoke, principal_for, stream_delivery

EARNING = {"name": "Rewards", "earning": {"pointsPerUnit": 1, "start": {"type": "immediate"}}}


def _program(call: Invoke, principal: dict[str, str], **body: Any) -> dict[str, Any]:
    response = call("create_loyalty_program", principal=principal, body={**EARNING, **body})
    assert response["status"] == 201, response
    return response["body"]


def _consumer(call: Invoke, principal: dict[str, str], email: str, **body: Any) -> dict[str, Any]:
    response = call("create_consumer", principal=principal, body={"email": email, **body})
    assert response["status"] == 201, response
    return response["body"]


def _points(call: Invoke, principal: dict[str, str], function: str, consumer_id: str, **body: Any) -> dict[str, Any]:
    return call(function, principal=principal, path_params={"id": consumer_id}, body=body)


def _summary(call: Invoke, principal: dict[str, str], consumer_id: str) -> dict[str, Any]:
    response = call("consumer_loyalty", principal=principal, path_params={"id": consumer_id})
    assert response["status"] == 200, response
    return response["body"]["programs"][0]


def _order(call: Invoke, principal: dict[str, str], consumer_id: str, amount: int = 40) -> dict[str, Any]:
    body = {"consumerId": consumer_id, "amount": amount, "currency": "EUR"}
    response = call("create_order", principal=principal, body=body)
    assert response["status"] == 201, response
    return response["body"]


def _block(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> dict[str, Any]:
    return call("block_consumer", principal=principal, path_params={"id": consumer_id}, body=body)


def _get(call: Invoke, principal: dict[str, str], consumer_id: str) -> dict[str, Any]:
    return call("get_consumer", principal=principal, path_params={"id": consumer_id})["body"]


@pytest.fixture
def joined(table: str) -> Callable[[], int]:
    """Delivers the stream's consumers that became members to the sign-up function; returns how many."""
    return stream_delivery(table, "grant_sign_up_points", "GrantSignUpPointsFunction", "Joined")


# ---------------------------------------------------------------- blocking


def test_a_blocked_consumer_records_orders_but_earns_and_redeems_nothing(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme, "ana@example.com")
    added = _points(call, acme, "add_points", consumer["id"], programId=program["id"], points=50, reason="welcome")
    assert added["status"] == 201, added

    version = _get(call, acme, consumer["id"])["version"]
    blocked = _block(call, acme, consumer["id"], reason="Chargeback fraud")
    assert blocked["status"] == 200, blocked
    shown = blocked["body"]
    assert (shown["blocked"], shown["blockedReason"]) == (True, "Chargeback fraud")
    assert shown["blockedAt"] is not None
    assert shown["version"] == version + 1

    order = _order(call, acme, consumer["id"], amount=40)
    assert order["pointsEarned"] == {}
    after = _get(call, acme, consumer["id"])
    assert (after["totalOrders"], after["totalOrderValue"], after["loyalty"]["points"]) == (1, 40, 50)
    for function in ("add_points", "deduct_points"):
        refused = _points(call, acme, function, consumer["id"], programId=program["id"], points=10, reason="r")
        assert refused["status"] == 409, refused
        assert refused["body"]["error"]["code"] == "consumer_blocked"
    assert _summary(call, acme, consumer["id"])["activePoints"] == 50  # nothing changed

    # Blocking again changes nothing: the first reason and date stay.
    again = _block(call, acme, consumer["id"], reason="another")
    assert (again["body"]["blockedReason"], again["body"]["version"]) == ("Chargeback fraud", after["version"])

    unblocked = call("unblock_consumer", principal=acme, path_params={"id": consumer["id"]})
    assert unblocked["status"] == 200, unblocked
    assert (unblocked["body"]["blocked"], unblocked["body"]["blockedAt"], unblocked["body"]["blockedReason"]) == (
        False,
        None,
        None,
    )
    assert _order(call, acme, consumer["id"], amount=30)["pointsEarned"] == {program["id"]: 30}
    spent = _points(call, acme, "deduct_points", consumer["id"], programId=program["id"], points=60, reason="gift")
    assert spent["status"] == 201, spent

    events = call("consumer_timeline", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    kinds = [(event["type"], event["details"]) for event in events if event["type"] in ("blocked", "unblocked")]
    assert kinds == [("unblocked", {}), ("blocked", {"reason": "Chargeback fraud"})]


def test_blocking_takes_an_empty_body_and_refuses_bad_input(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme, "bo@example.com")
    assert _block(call, acme, consumer["id"])["body"]["blockedReason"] is None
    too_long = _block(call, acme, "cons_unknown", reason="x" * 501)
    assert too_long["status"] == 400
    assert too_long["body"]["error"]["details"][0]["field"] == "reason"
    assert _block(call, acme, "cons_unknown")["status"] == 404
    other = principal_for("other")
    assert _block(call, other, consumer["id"])["status"] == 404  # another tenant's consumer
    assert call("unblock_consumer", principal=other, path_params={"id": consumer["id"]})["status"] == 404
    assert _get(call, acme, consumer["id"])["blocked"] is True


def test_a_refund_of_a_blocked_consumers_order_still_takes_its_points_back(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme, "cy@example.com")
    order = _order(call, acme, consumer["id"], amount=40)
    assert order["pointsEarned"] == {program["id"]: 40}
    _block(call, acme, consumer["id"])
    refunded = call("refund_order", principal=acme, path_params={"id": order["id"]}, body={})
    assert refunded["status"] == 201, refunded
    assert refunded["body"]["pointsTakenBack"] == {program["id"]: 40}
    assert _get(call, acme, consumer["id"])["loyalty"]["points"] == 0


def test_block_and_points_racing_leave_no_points_added_after_the_block(call: Invoke, acme: dict[str, str]) -> None:
    """Every points write is conditional on the consumer's version read: an add that read the
    consumer before the block committed is retried, and then refused."""
    program = _program(call, acme)
    consumer = _consumer(call, acme, "di@example.com")

    def add(_: int) -> int:
        body = {"programId": program["id"], "points": 1, "reason": "race"}
        return int(_points(call, acme, "add_points", consumer["id"], **body)["status"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        adds = pool.map(add, range(16))
        blocked = _block(call, acme, consumer["id"])
        statuses = list(adds)
    assert blocked["status"] == 200, blocked
    assert set(statuses) <= {201, 409}
    granted = statuses.count(201)
    assert _summary(call, acme, consumer["id"])["activePoints"] == granted
    transactions = call("list_points_transactions", principal=acme, path_params={"id": consumer["id"]})["body"]
    assert all(entry["createdAt"] <= blocked["body"]["blockedAt"] for entry in transactions["data"])
    assert len(transactions["data"]) == granted


# ---------------------------------------------------------------- inactive


def test_an_inactive_consumer_records_orders_but_earns_and_redeems_nothing(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme, "ed@example.com", status="inactive")
    order = _order(call, acme, consumer["id"], amount=25)
    assert order["pointsEarned"] == {}
    assert _get(call, acme, consumer["id"])["totalOrders"] == 1
    for function in ("add_points", "deduct_points"):
        refused = _points(call, acme, function, consumer["id"], programId=program["id"], points=5, reason="r")
        assert (refused["status"], refused["body"]["error"]["code"]) == (409, "consumer_inactive")
    call("update_consumer", principal=acme, path_params={"id": consumer["id"]}, body={"status": "active"})
    assert _order(call, acme, consumer["id"], amount=25)["pointsEarned"] == {program["id"]: 25}


# ---------------------------------------------------------------- sign-up


def test_a_member_gets_the_sign_up_points_once(call: Invoke, acme: dict[str, str], joined: Callable[[], int]) -> None:
    program = _program(call, acme, signUp={"points": 100})
    assert program["signUp"]["points"] == 100
    other = _program(call, acme, name="Partners", signUp={"points": 7, "expiry": {"type": "relative", "amount": 30}})
    _program(call, acme, name="No rule")
    member = _consumer(call, acme, "fa@example.com", membership="member")
    guest = _consumer(call, acme, "gu@example.com")
    assert joined() == 1  # only the member
    assert _get(call, acme, member["id"])["loyalty"]["points"] == 100  # the primary program's
    balances = call("consumer_loyalty", principal=acme, path_params={"id": member["id"]})["body"]["programs"]
    totals = {entry["programId"]: entry["activePoints"] for entry in balances if entry["ledger"] is None}
    assert (totals[program["id"]], totals[other["id"]]) == (100, 7)
    log = call("list_points_transactions", principal=acme, path_params={"id": member["id"]})["body"]["data"]
    assert sorted((entry["kind"], entry["points"], entry["reason"]) for entry in log) == [
        ("sign_up", 7, "Sign-up"),
        ("sign_up", 100, "Sign-up"),
    ]
    assert next(entry for entry in log if entry["points"] == 7)["expiresOn"] is not None
    events = call("consumer_timeline", principal=acme, path_params={"id": member["id"]})["body"]["data"]
    assert sorted(event["details"]["kind"] for event in events if event["type"] == "points_added") == [
        "sign_up",
        "sign_up",
    ]

    # The guest joins, leaves and joins again: one grant, however often the stream delivers it.
    for membership in ("member", "guest", "member"):
        call("update_consumer", principal=acme, path_params={"id": guest["id"]}, body={"membership": membership})
    assert joined() == 2
    assert loyalty.grant_sign_up(Principal.from_context(acme).tenant, guest["id"]) == {}  # a redelivery: nothing
    assert _get(call, acme, guest["id"])["loyalty"]["points"] == 100
    # A member's other changes do not reach the function.
    call("update_consumer", principal=acme, path_params={"id": member["id"]}, body={"fullName": "Fa"})
    assert joined() == 0


def test_blocked_or_inactive_members_get_no_sign_up_points(
    call: Invoke, acme: dict[str, str], joined: Callable[[], int]
) -> None:
    _program(call, acme, signUp={"points": 100})
    inactive = _consumer(call, acme, "ha@example.com", membership="member", status="inactive")
    guest = _consumer(call, acme, "io@example.com")
    _block(call, acme, guest["id"])
    call("update_consumer", principal=acme, path_params={"id": guest["id"]}, body={"membership": "member"})
    assert joined() == 2
    assert _get(call, acme, inactive["id"])["loyalty"]["points"] == 0
    assert _get(call, acme, guest["id"])["loyalty"]["points"] == 0


def test_members_created_in_a_batch_each_get_the_sign_up_points(
    call: Invoke, acme: dict[str, str], joined: Callable[[], int]
) -> None:
    _program(call, acme, signUp={"points": 20})
    batch = [{"email": f"m{number}@example.com", "membership": "member"} for number in range(5)]
    created = call("batch_create_consumers", principal=acme, body=batch)
    assert created["status"] == 201, created
    assert joined() == 5
    for consumer in call("list_consumers", principal=acme)["body"]["data"]:
        assert consumer["loyalty"]["points"] == 20


def test_the_sign_up_rule_is_validated_changed_and_removed(call: Invoke, acme: dict[str, str]) -> None:
    for bad in ({"points": 0}, {"points": -5}, {}, {"points": 10, "start": {"type": "unlimited"}}):
        response = call("create_loyalty_program", principal=acme, body={**EARNING, "signUp": bad})
        assert response["status"] == 400, (bad, response)
        assert response["body"]["error"]["details"][0]["field"].startswith("signUp")
    program = _program(call, acme)
    assert program["signUp"] is None
    path = {"id": program["id"]}
    changed = call("update_loyalty_program", principal=acme, path_params=path, body={"signUp": {"points": 5}})
    assert changed["body"]["signUp"]["points"] == 5
    removed = call("update_loyalty_program", principal=acme, path_params=path, body={"signUp": None})
    assert removed["body"]["signUp"] is None


# ---------------------------------------------------------------- lifetime figures


def test_the_summary_shows_lifetime_earned_and_redeemed(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    consumer = _consumer(call, acme, "ju@example.com")
    order = _order(call, acme, consumer["id"], amount=100)  # earns 100
    later = {"type": "relative", "amount": 3, "unit": "days"}
    _points(call, acme, "add_points", consumer["id"], programId=program["id"], points=30, reason="r", start=later)
    _points(call, acme, "deduct_points", consumer["id"], programId=program["id"], points=60, reason="gift")
    call("refund_order", principal=acme, path_params={"id": order["id"]}, body={"amount": 10})  # takes back 10
    summary = _summary(call, acme, consumer["id"])
    assert summary["lifetimeEarnedPoints"] == 120  # 100 - 10 taken back + 30 pending
    assert summary["lifetimeRedeemedPoints"] == 60 == summary["spentPoints"]
    assert (summary["activePoints"], summary["pendingPoints"]) == (30, 30)
