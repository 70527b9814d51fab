"""Loyalty cards (issue 19): issued by a program, found by code with one read, linked to at most
usersPerCardLimit profiles however many links race, and points added and deducted by card."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from clientele.core.tenancy import Principal
from tests.integration.conftest import Invoke, principal_for


def _program(call: Invoke, principal: dict[str, str]) -> dict[str, Any]:
    return call("create_loyalty_program", principal=principal, body={"name": "Rewards"})["body"]


def _consumer(call: Invoke, principal: dict[str, str], email: str) -> dict[str, Any]:
    return call("create_consumer", principal=principal, body={"email": email})["body"]


def _issue(call: Invoke, principal: dict[str, str], program_id: str, **body: Any) -> dict[str, Any]:
    return call("issue_loyalty_card", principal=principal, path_params={"id": program_id}, body=body)


def _link(call: Invoke, principal: dict[str, str], code: str, consumer_id: str) -> dict[str, Any]:
    return call("link_loyalty_card", principal=principal, path_params={"code": code}, body={"consumerId": consumer_id})


def _card(call: Invoke, principal: dict[str, str], code: str) -> dict[str, Any]:
    return call("get_loyalty_card", principal=principal, path_params={"code": code})


def test_a_card_is_issued_linked_and_found_by_its_code(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    ana = _consumer(call, acme, "ana@example.com")
    issued = _issue(call, acme, program["id"], code="card-0001")
    assert issued["status"] == 201, issued
    card = issued["body"]
    assert (card["code"], card["programId"], card["status"], card["usersPerCardLimit"], card["consumers"]) == (
        "CARD-0001",
        program["id"],
        "active",
        1,
        [],
    )
    linked = _link(call, acme, "card-0001", ana["id"])
    assert linked["status"] == 200, linked
    [holder] = linked["body"]["consumers"]
    assert holder["consumerId"] == ana["id"]
    assert holder["registeredAt"] == linked["body"]["updatedAt"]
    assert _link(call, acme, "CARD-0001", ana["id"])["body"] == linked["body"]  # linked again: no change
    found = _card(call, acme, "card-0001")
    assert (found["status"], found["body"]) == (200, linked["body"])
    cards = call("list_consumer_cards", principal=acme, path_params={"id": ana["id"]})["body"]["data"]
    assert [listed["code"] for listed in cards] == ["CARD-0001"]
    events = call("consumer_timeline", principal=acme, path_params={"id": ana["id"]})["body"]["data"]
    assert [event["details"]["code"] for event in events if event["type"] == "card_linked"] == ["CARD-0001"]
    drawn = _issue(call, acme, program["id"], usersPerCardLimit=3)["body"]
    assert (len(drawn["code"]), drawn["usersPerCardLimit"]) == (10, 3)


def test_a_card_links_no_more_profiles_than_its_limit_however_many_race(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    _issue(call, acme, program["id"], code="FAMILY-1", usersPerCardLimit=3)
    people = [_consumer(call, acme, f"p{number}@example.com")["id"] for number in range(20)]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda consumer_id: _link(call, acme, "FAMILY-1", consumer_id)["status"], people))
    assert sorted(statuses) == [200] * 3 + [409] * 17
    card = _card(call, acme, "FAMILY-1")["body"]
    linked = [holder["consumerId"] for holder in card["consumers"]]
    assert len(linked) == 3
    for consumer_id in people:
        mine = call("list_consumer_cards", principal=acme, path_params={"id": consumer_id})["body"]["data"]
        assert len(mine) == (1 if consumer_id in linked else 0)
    full = _link(call, acme, "FAMILY-1", next(person for person in people if person not in linked))
    assert full["body"]["error"]["details"][0]["message"] == "the card is linked to 3 of its usersPerCardLimit 3"
    lower = call("update_loyalty_card", principal=acme, path_params={"code": "FAMILY-1"}, body={"usersPerCardLimit": 2})
    assert (lower["status"], lower["body"]["error"]["code"]) == (409, "loyalty_card_conflict")
    path = {"code": "FAMILY-1", "consumerId": linked[0]}
    unlinked = call("unlink_loyalty_card", principal=acme, path_params=path)
    assert unlinked["status"] == 200, unlinked
    assert len(unlinked["body"]["consumers"]) == 2
    assert call("list_consumer_cards", principal=acme, path_params={"id": linked[0]})["body"]["data"] == []
    assert call("unlink_loyalty_card", principal=acme, path_params=path)["status"] == 409


def test_points_move_by_card_into_its_consumers_wallet(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    ana = _consumer(call, acme, "ana@example.com")
    bob = _consumer(call, acme, "bob@example.com")
    _issue(call, acme, program["id"], code="SOLO-1")
    lonely = call("add_card_points", principal=acme, path_params={"code": "SOLO-1"}, body={"points": 5, "reason": "r"})
    assert (lonely["status"], lonely["body"]["error"]["code"]) == (409, "loyalty_card_conflict")
    _link(call, acme, "SOLO-1", ana["id"])
    added = call(
        "add_card_points", principal=acme, path_params={"code": "solo-1"}, body={"points": 50, "reason": "till 4"}
    )
    assert added["status"] == 201, added
    assert (added["body"]["consumerId"], added["body"]["programId"], added["body"]["points"]) == (
        ana["id"],
        program["id"],
        50,
    )
    spent = call(
        "deduct_card_points", principal=acme, path_params={"code": "SOLO-1"}, body={"points": 20, "reason": "tea"}
    )
    assert spent["body"]["points"] == -20
    assert call("get_consumer", principal=acme, path_params={"id": ana["id"]})["body"]["loyalty"]["points"] == 30

    _issue(call, acme, program["id"], code="SHARED-1", usersPerCardLimit=2)
    _link(call, acme, "SHARED-1", ana["id"])
    _link(call, acme, "SHARED-1", bob["id"])
    unnamed = call(
        "add_card_points", principal=acme, path_params={"code": "SHARED-1"}, body={"points": 5, "reason": "r"}
    )
    assert (unnamed["status"], unnamed["body"]["error"]["details"][0]["field"]) == (400, "consumerId")
    named = {"points": 5, "reason": "r", "consumerId": bob["id"]}
    assert call("add_card_points", principal=acme, path_params={"code": "SHARED-1"}, body=named)["status"] == 201
    stranger = {"points": 5, "reason": "r", "consumerId": _consumer(call, acme, "cy@example.com")["id"]}
    assert call("add_card_points", principal=acme, path_params={"code": "SHARED-1"}, body=stranger)["status"] == 400

    call("block_consumer", principal=acme, path_params={"id": bob["id"]}, body={})
    blocked_consumer = call("add_card_points", principal=acme, path_params={"code": "SHARED-1"}, body=named)
    assert (blocked_consumer["status"], blocked_consumer["body"]["error"]["code"]) == (409, "consumer_blocked")
    changed = call("update_loyalty_card", principal=acme, path_params={"code": "SOLO-1"}, body={"status": "blocked"})
    assert changed["body"]["status"] == "blocked"
    refused = call("add_card_points", principal=acme, path_params={"code": "SOLO-1"}, body={"points": 5, "reason": "r"})
    assert (refused["status"], refused["body"]["error"]["details"][0]["message"]) == (409, "the card is blocked")
    assert _link(call, acme, "SOLO-1", bob["id"])["status"] == 409


def test_bad_cards_are_refused_and_another_tenants_card_is_not_found(call: Invoke, acme: dict[str, str]) -> None:
    program = _program(call, acme)
    for body, field in (({"code": "x"}, "code"), ({"usersPerCardLimit": 0}, "usersPerCardLimit")):
        refused = _issue(call, acme, program["id"], **body)
        assert (refused["status"], refused["body"]["error"]["details"][0]["field"]) == (400, field)
    assert _issue(call, acme, "lp_unknown")["status"] == 404
    _issue(call, acme, program["id"], code="MINE-1")
    taken = _issue(call, acme, program["id"], code="mine-1")
    assert (taken["status"], taken["body"]["error"]["code"]) == (409, "loyalty_card_code_taken")
    assert _card(call, acme, "NOPE-1")["status"] == 404
    assert _link(call, acme, "MINE-1", "cons_unknown")["status"] == 404
    other = principal_for("other")
    assert _card(call, other, "MINE-1")["status"] == 404
    assert _link(call, other, "MINE-1", _consumer(call, other, "o@example.com")["id"])["status"] == 404
    bad_status = call("update_loyalty_card", principal=acme, path_params={"code": "MINE-1"}, body={"status": "lost"})
    assert bad_status["status"] == 400
    assert _card(call, acme, "MINE-1")["body"]["status"] == "active"


def test_points_by_a_card_blocked_after_it_was_read_are_refused(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from clientele.loyalty import card_points

    program = _program(call, acme)
    ana = _consumer(call, acme, "ana@example.com")
    _issue(call, acme, program["id"], code="LOST-1")
    _link(call, acme, "LOST-1", ana["id"])
    stale = card_points.get_card(Principal.from_context(acme).tenant, "LOST-1")  # active, as a till read it
    call("update_loyalty_card", principal=acme, path_params={"code": "LOST-1"}, body={"status": "blocked"})
    reads = iter([stale])
    real = card_points.get_card
    monkeypatch.setattr(card_points, "get_card", lambda tenant, code: next(reads, None) or real(tenant, code))
    refused = call("add_card_points", principal=acme, path_params={"code": "LOST-1"}, body={"points": 5, "reason": "r"})
    assert (refused["status"], refused["body"]["error"]["details"][0]["message"]) == (409, "the card is blocked")
    assert call("get_consumer", principal=acme, path_params={"id": ana["id"]})["body"]["loyalty"]["points"] == 0
