"""Referrals (issue 19): an advocate's codes, the referred consumers recorded once per person by the
create or order that carries the code, and points for both sides by a program's referral rule."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from clientele.core.tenancy import Principal
from clientele.referrals.rewards import reward
from tests.integration.conftest import Invoke, principal_for, stream_delivery

RULE = {"name": "Rewards", "referral": {"advocatePoints": 50, "referredPoints": 20}}


@pytest.fixture
def referred(table: str) -> Callable[[], int]:
    """Delivers the stream's new referrals to the reward function; returns how many."""
    return stream_delivery(table, "reward_referral", "RewardReferralFunction", "Referred")


def _consumer(call: Invoke, principal: dict[str, str], email: str, **body: Any) -> dict[str, Any]:
    return call("create_consumer", principal=principal, body={"email": email, **body})


def _code(call: Invoke, principal: dict[str, str], advocate_id: str, **body: Any) -> dict[str, Any]:
    return call("create_referral_code", principal=principal, path_params={"id": advocate_id}, body=body)


def _listed(call: Invoke, principal: dict[str, str], function: str, consumer_id: str) -> list[dict[str, Any]]:
    response = call(function, principal=principal, path_params={"id": consumer_id})
    assert response["status"] == 200, response
    return response["body"]["data"]


def _points(call: Invoke, principal: dict[str, str], consumer_id: str) -> int:
    return int(call("get_consumer", principal=principal, path_params={"id": consumer_id})["body"]["loyalty"]["points"])


def test_a_referral_by_create_and_by_order_earns_both_sides_once(
    call: Invoke, acme: dict[str, str], referred: Callable[[], int]
) -> None:
    assert call("create_loyalty_program", principal=acme, body=RULE)["status"] == 201
    ana = _consumer(call, acme, "ana@example.com")["body"]
    created = _code(call, acme, ana["id"], code="ana-friends")
    assert created["status"] == 201, created
    code = created["body"]
    assert (code["code"], code["advocateId"], code["status"], code["usageCount"]) == (
        "ANA-FRIENDS",
        ana["id"],
        "active",
        0,
    )

    bob = _consumer(call, acme, "bob@example.com", referralCode="ana-friends")
    assert bob["status"] == 201, bob
    order = call(
        "create_order",
        principal=acme,
        body={"email": "cy@example.com", "amount": 10, "currency": "EUR", "referralCode": "ANA-FRIENDS"},
    )
    assert order["status"] == 201, order
    cy_id = order["body"]["consumerId"]
    assert order["body"]["referralCode"] == "ANA-FRIENDS"
    assert referred() == 2
    assert referred() == 0  # nothing new
    assert (_points(call, acme, ana["id"]), _points(call, acme, bob["body"]["id"]), _points(call, acme, cy_id)) == (
        100,
        20,
        20,
    )
    made = _listed(call, acme, "list_referrals", ana["id"])
    assert [(entry["referredId"], entry["orderId"]) for entry in made] == [
        (cy_id, order["body"]["id"]),
        (bob["body"]["id"], None),
    ]
    assert all((entry["advocatePoints"], entry["referredPoints"]) == (50, 20) for entry in made)
    assert _listed(call, acme, "list_referral_codes", ana["id"])[0]["usageCount"] == 2

    # Bob orders with the code again: a person is referred once; the order still records.
    again = call(
        "create_order",
        principal=acme,
        body={"consumerId": bob["body"]["id"], "amount": 5, "currency": "EUR", "referralCode": "ANA-FRIENDS"},
    )
    assert again["status"] == 201, again
    assert referred() == 0
    assert len(_listed(call, acme, "list_referrals", ana["id"])) == 2
    events = call("consumer_timeline", principal=acme, path_params={"id": ana["id"]})["body"]["data"]
    recorded = [event["details"] for event in events if event["type"] == "referral_recorded"]
    assert recorded == [
        {"code": "ANA-FRIENDS", "orderId": order["body"]["id"]},
        {"code": "ANA-FRIENDS", "orderId": None},
    ]
    bobs = call("consumer_timeline", principal=acme, path_params={"id": bob["body"]["id"]})["body"]["data"]
    assert [event["details"] for event in bobs if event["type"] == "referred"] == [
        {"code": "ANA-FRIENDS", "orderId": None}
    ]


def test_a_consumer_cannot_refer_themself_and_bad_codes_are_refused(call: Invoke, acme: dict[str, str]) -> None:
    ana = _consumer(call, acme, "ana@example.com")["body"]
    _code(call, acme, ana["id"], code="ANA-ONCE", usageLimit=1)
    own = call(
        "create_order",
        principal=acme,
        body={"consumerId": ana["id"], "amount": 5, "currency": "EUR", "referralCode": "ANA-ONCE"},
    )
    assert (own["status"], own["body"]["error"]["details"][0]["message"]) == (400, "a consumer cannot refer themself")
    unknown = _consumer(call, acme, "zed@example.com", referralCode="NOPE-1")
    assert (unknown["status"], unknown["body"]["error"]["details"][0]["field"]) == (400, "referralCode")
    assert call("search_consumers", principal=acme, query={"email": "zed@example.com"})["body"]["data"] == []
    assert _consumer(call, acme, "bob@example.com", referralCode="ANA-ONCE")["status"] == 201
    used_up = _consumer(call, acme, "cy@example.com", referralCode="ANA-ONCE")
    assert (used_up["status"], used_up["body"]["error"]["code"]) == (409, "referral_code_not_usable")
    batch = call(
        "batch_create_consumers", principal=acme, body=[{"email": "d@example.com", "referralCode": "ANA-ONCE"}]
    )
    assert batch["status"] == 400
    assert batch["body"]["error"]["details"][0]["field"] == "referralCode"
    for body, field in (
        ({"code": "x"}, "code"),
        ({"usageLimit": 0}, "usageLimit"),
        ({"expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
    ):
        refused = _code(call, acme, ana["id"], **body)
        assert (refused["status"], refused["body"]["error"]["details"][0]["field"]) == (400, field)
    taken = _code(call, acme, ana["id"], code="ana-once")
    assert (taken["status"], taken["body"]["error"]["code"]) == (409, "referral_code_taken")
    other = principal_for("other")
    assert _code(call, other, ana["id"])["status"] == 404
    assert call("list_referrals", principal=other, path_params={"id": ana["id"]})["status"] == 404
    drawn = _code(call, acme, ana["id"])["body"]["code"]
    assert len(drawn) == 10


def test_racing_referrals_never_pass_the_usage_limit(call: Invoke, acme: dict[str, str]) -> None:
    ana = _consumer(call, acme, "ana@example.com")["body"]
    _code(call, acme, ana["id"], code="ANA-TWO", usageLimit=2)

    def join(number: int) -> int:
        return int(_consumer(call, acme, f"friend{number}@example.com", referralCode="ANA-TWO")["status"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(join, range(20)))
    assert sorted(statuses) == [201] * 2 + [409] * 18
    assert len(_listed(call, acme, "list_referrals", ana["id"])) == 2
    [code] = _listed(call, acme, "list_referral_codes", ana["id"])
    assert (code["usageCount"], code["status"]) == (2, "used_up")


def test_a_blocked_side_gets_nothing_and_a_redelivery_grants_nothing(
    call: Invoke, acme: dict[str, str], referred: Callable[[], int]
) -> None:
    call("create_loyalty_program", principal=acme, body=RULE)
    ana = _consumer(call, acme, "ana@example.com")["body"]
    call("block_consumer", principal=acme, path_params={"id": ana["id"]}, body={})
    _code(call, acme, ana["id"], code="ANA-BLOCKED")
    bob = _consumer(call, acme, "bob@example.com", referralCode="ANA-BLOCKED")["body"]
    assert referred() == 1
    assert (_points(call, acme, ana["id"]), _points(call, acme, bob["id"])) == (0, 20)
    assert reward(Principal.from_context(acme).tenant, bob["id"]) == {}
    assert _points(call, acme, bob["id"]) == 20
