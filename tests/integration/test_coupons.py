"""Coupons issued to one recipient (issue 19): issuing, listing, and redemption by the recipient's
orders, atomically and at most usageLimit times however many orders race for it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import Invoke, principal_for


def _consumer(call: Invoke, principal: dict[str, str], email: str = "ana@example.com", **body: Any) -> dict[str, Any]:
    return call("create_consumer", principal=principal, body={"email": email, **body})["body"]


def _issue(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> dict[str, Any]:
    return call("issue_coupon", principal=principal, path_params={"id": consumer_id}, body=body)


def _order(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> dict[str, Any]:
    sent = {"consumerId": consumer_id, "amount": 50, "currency": "EUR", **body}
    return call("create_order", principal=principal, body=sent)


def _coupons(call: Invoke, principal: dict[str, str], consumer_id: str) -> list[dict[str, Any]]:
    response = call("list_consumer_coupons", principal=principal, path_params={"id": consumer_id})
    assert response["status"] == 200, response
    return response["body"]["data"]


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_a_coupon_is_issued_listed_and_redeemed_by_its_recipients_order(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme)
    issued = _issue(call, acme, consumer["id"], code="spring-10", type="percent", value=10, expiresAt=_in(30))
    assert issued["status"] == 201, issued
    coupon = issued["body"]
    assert (coupon["code"], coupon["status"], coupon["usageLimit"], coupon["redemptionCount"]) == (
        "SPRING-10",
        "active",
        1,
        0,
    )
    drawn = _issue(call, acme, consumer["id"], type="fixed", value="7.50")["body"]
    assert len(drawn["code"]) == 10
    assert drawn["code"].isupper()
    assert [listed["code"] for listed in _coupons(call, acme, consumer["id"])] == [drawn["code"], "SPRING-10"]

    placed = _order(call, acme, consumer["id"], couponCode="Spring-10")
    assert placed["status"] == 201, placed
    order = placed["body"]
    assert (order["couponCode"], order["discountAmount"], order["netAmount"]) == ("SPRING-10", 5, 45)
    redeemed = next(listed for listed in _coupons(call, acme, consumer["id"]) if listed["code"] == "SPRING-10")
    assert (redeemed["status"], redeemed["redemptionCount"]) == ("redeemed", 1)
    assert [use["orderId"] for use in redeemed["redemptions"]] == [order["id"]]
    # A discountAmount sent with the coupon is the shop's figure: it stands.
    fixed = _order(call, acme, consumer["id"], couponCode=drawn["code"], discountAmount=8)["body"]
    assert fixed["discountAmount"] == 8
    events = call("consumer_timeline", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    assert [event["details"].get("couponCode") for event in events if event["type"] == "order_placed"] == [
        drawn["code"],
        "SPRING-10",
    ]
    assert [event["details"]["code"] for event in events if event["type"] == "coupon_issued"] == [
        drawn["code"],
        "SPRING-10",
    ]


def test_only_the_recipient_redeems_and_only_while_the_coupon_lasts(call: Invoke, acme: dict[str, str]) -> None:
    ana = _consumer(call, acme)
    bob = _consumer(call, acme, "bob@example.com")
    _issue(call, acme, ana["id"], code="ANA-ONLY", type="fixed", value=5)
    for body, status, code, message in (
        ({"consumerId": bob["id"], "couponCode": "ANA-ONLY"}, 400, "validation_failed", "another consumer"),
        ({"email": "new@example.com", "couponCode": "ANA-ONLY"}, 400, "validation_failed", "another consumer"),
        ({"consumerId": ana["id"], "couponCode": "NO-SUCH"}, 400, "validation_failed", "no coupon has this code"),
    ):
        refused = call("create_order", principal=acme, body={"amount": 50, "currency": "EUR", **body})
        assert refused["status"] == status, refused
        error = refused["body"]["error"]
        assert (error["code"], error["details"][0]["field"]) == (code, "couponCode")
        assert message in error["details"][0]["message"]
    assert call("get_consumer", principal=acme, path_params={"id": bob["id"]})["body"]["totalOrders"] == 0
    assert _order(call, acme, ana["id"], couponCode="ANA-ONLY")["status"] == 201
    used_up = _order(call, acme, ana["id"], couponCode="ANA-ONLY")
    assert (used_up["status"], used_up["body"]["error"]["code"]) == (409, "coupon_not_redeemable")
    assert "redeemed 1 of 1 times" in used_up["body"]["error"]["details"][0]["message"]


def test_an_expired_coupon_is_refused(call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    ana = _consumer(call, acme)
    _issue(call, acme, ana["id"], code="SOON", type="percent", value=50, expiresAt=_in(1))
    from clientele.core import clock

    later = datetime.now(UTC) + timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: clock.format_instant(later))
    refused = _order(call, acme, ana["id"], couponCode="SOON")
    assert (refused["status"], refused["body"]["error"]["code"]) == (409, "coupon_not_redeemable")
    assert [coupon["status"] for coupon in _coupons(call, acme, ana["id"])] == ["expired"]


def test_a_blocked_or_inactive_recipient_redeems_nothing(call: Invoke, acme: dict[str, str]) -> None:
    ana = _consumer(call, acme)
    ed = _consumer(call, acme, "ed@example.com", status="inactive")
    assert _issue(call, acme, ana["id"], code="ANA-1", type="fixed", value=5)["status"] == 201
    assert _issue(call, acme, ed["id"], code="ED-1", type="fixed", value=5)["status"] == 201
    call("block_consumer", principal=acme, path_params={"id": ana["id"]}, body={})
    for consumer, code, error in ((ana, "ANA-1", "consumer_blocked"), (ed, "ED-1", "consumer_inactive")):
        refused = _order(call, acme, consumer["id"], couponCode=code)
        assert (refused["status"], refused["body"]["error"]["code"]) == (409, error)
        assert refused["body"]["error"]["details"][0]["field"] == "couponCode"
        assert _coupons(call, acme, consumer["id"])[0]["redemptionCount"] == 0
        assert _order(call, acme, consumer["id"])["status"] == 201  # its orders without the coupon still record


def test_twenty_racing_orders_redeem_a_coupon_at_most_its_usage_limit(call: Invoke, acme: dict[str, str]) -> None:
    ana = _consumer(call, acme)
    _issue(call, acme, ana["id"], code="RACE", type="fixed", value=5, usageLimit=3)

    def place(number: int) -> int:
        return int(_order(call, acme, ana["id"], couponCode="RACE", externalId=f"race-{number}")["status"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(place, range(20)))
    assert sorted(statuses) == [201] * 3 + [409] * 17
    [coupon] = _coupons(call, acme, ana["id"])
    assert (coupon["redemptionCount"], len(coupon["redemptions"]), coupon["status"]) == (3, 3, "redeemed")
    shown = call("get_consumer", principal=acme, path_params={"id": ana["id"]})["body"]
    assert (shown["totalOrders"], shown["accruedDiscounts"]) == (3, 15)


def test_bad_coupons_are_refused_and_issue_nothing(call: Invoke, acme: dict[str, str]) -> None:
    ana = _consumer(call, acme)
    for body, field in (
        ({"type": "percent", "value": 101}, "body"),
        ({"type": "fixed", "value": 0}, "value"),
        ({"type": "fixed", "value": "1.005"}, "body"),
        ({"type": "fixed", "value": 5, "code": "a b"}, "code"),
        ({"type": "fixed", "value": 5, "usageLimit": 101}, "usageLimit"),
        ({"type": "fixed", "value": 5, "expiresAt": _in(-1)}, "expiresAt"),
        ({"type": "gift", "value": 5}, "type"),
    ):
        refused = _issue(call, acme, ana["id"], **body)
        assert refused["status"] == 400, (body, refused)
        assert refused["body"]["error"]["details"][0]["field"] == field, (body, refused)
    assert _coupons(call, acme, ana["id"]) == []
    assert _issue(call, acme, ana["id"], code="ONCE", type="fixed", value=5)["status"] == 201
    taken = _issue(call, acme, _consumer(call, acme, "bob@example.com")["id"], code="once", type="fixed", value=5)
    assert (taken["status"], taken["body"]["error"]["code"]) == (409, "coupon_code_taken")
    assert _issue(call, acme, "cons_unknown", type="fixed", value=5)["status"] == 404
    other = principal_for("other")
    assert _issue(call, other, ana["id"], type="fixed", value=5)["status"] == 404
    assert call("list_consumer_coupons", principal=other, path_params={"id": ana["id"]})["status"] == 404
    # Another tenant's code space is its own.
    theirs = _consumer(call, other, "ana@example.com")
    assert _issue(call, other, theirs["id"], code="ONCE", type="fixed", value=5)["status"] == 201


def test_a_cancelled_order_gives_its_coupon_use_back(call: Invoke, acme: dict[str, str]) -> None:
    ana = _consumer(call, acme)
    _issue(call, acme, ana["id"], code="BACK-1", type="fixed", value=5)
    for state in ("open", "closed"):
        order = _order(call, acme, ana["id"], couponCode="BACK-1", state=state)["body"]
        assert _coupons(call, acme, ana["id"])[0]["status"] == "redeemed"
        cancelled = call("cancel_order", principal=acme, path_params={"id": order["id"]}, body={})
        assert cancelled["status"] == 200, cancelled
        [coupon] = _coupons(call, acme, ana["id"])
        assert (coupon["status"], coupon["redemptionCount"], coupon["redemptions"]) == ("active", 0, [])
