"""The rest of the profile (issue 19) over HTTP on the local stack, with its stream functions running
on their own: a card lookup at a till, a referral that earns both sides, a coupon that two racing
orders redeem once, and a member's sign-up points."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey, wait_for
from tests.e2e.test_api import assert_error, auth


class Api:
    def __init__(self, stack: RunningStack, key: str) -> None:
        self.base, self.key = f"{stack.base_url}/api/v1", key

    def post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        return requests.post(f"{self.base}{path}", json=body or {}, headers=auth(self.key), timeout=30)

    def get(self, path: str) -> dict[str, Any]:
        response = requests.get(f"{self.base}{path}", headers=auth(self.key), timeout=30)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def points(self, consumer_id: str) -> int:
        return int(self.get(f"/consumers/{consumer_id}")["loyalty"]["points"])


def _api(stack: RunningStack, mint_key: MintKey) -> Api:
    return Api(stack, mint_key(f"parts-{uuid.uuid4().hex[:8]}"))


def test_a_till_finds_the_card_and_moves_its_consumers_points(stack: RunningStack, mint_key: MintKey) -> None:
    api = _api(stack, mint_key)
    program = api.post("/loyalty-programs", {"name": "Rewards"}).json()
    ana = api.post("/consumers", {"email": "ana@example.com"}).json()
    assert api.post(f"/loyalty-programs/{program['id']}/cards", {"code": "till-0001"}).status_code == 201
    assert api.post("/loyalty-cards/TILL-0001/consumers", {"consumerId": ana["id"]}).status_code == 200
    card = api.get("/loyalty-cards/till-0001")
    assert [holder["consumerId"] for holder in card["consumers"]] == [ana["id"]]
    assert api.post("/loyalty-cards/TILL-0001/points", {"points": 40, "reason": "till 4"}).status_code == 201
    assert api.post("/loyalty-cards/TILL-0001/deductions", {"points": 15, "reason": "coffee"}).status_code == 201
    assert api.points(ana["id"]) == 25
    bob = api.post("/consumers", {"email": "bob@example.com"}).json()
    assert_error(api.post("/loyalty-cards/TILL-0001/consumers", {"consumerId": bob["id"]}), 409)


def test_a_referral_earns_both_sides(stack: RunningStack, mint_key: MintKey) -> None:
    api = _api(stack, mint_key)
    rule = {"advocatePoints": 100, "referredPoints": 25}
    assert api.post("/loyalty-programs", {"name": "Rewards", "referral": rule}).status_code == 201
    ana = api.post("/consumers", {"email": "ana@example.com"}).json()
    assert api.post(f"/consumers/{ana['id']}/referral-codes", {"code": "ana-friends"}).status_code == 201
    order = api.post(
        "/orders", {"email": "friend@example.com", "amount": 20, "currency": "EUR", "referralCode": "ANA-FRIENDS"}
    ).json()
    friend = order["consumerId"]
    wait_for(lambda: api.points(ana["id"]) == 100 or None)
    assert api.points(friend) == 25
    [referral] = api.get(f"/consumers/{ana['id']}/referrals")["data"]
    assert (referral["referredId"], referral["orderId"], referral["advocatePoints"]) == (friend, order["id"], 100)


def test_two_racing_orders_redeem_a_coupon_once(stack: RunningStack, mint_key: MintKey) -> None:
    api = _api(stack, mint_key)
    ana = api.post("/consumers", {"email": "ana@example.com"}).json()
    assert api.post(f"/consumers/{ana['id']}/coupons", {"code": "ONCE-10", "type": "percent", "value": 10}).ok

    def order(number: int) -> requests.Response:
        body = {
            "consumerId": ana["id"],
            "amount": 30,
            "currency": "EUR",
            "couponCode": "ONCE-10",
            "externalId": f"r{number}",
        }
        return api.post("/orders", body)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(order, range(2)))
    assert sorted(answer.status_code for answer in answers) == [201, 409]
    won = next(answer.json() for answer in answers if answer.status_code == 201)
    assert (won["couponCode"], won["discountAmount"]) == ("ONCE-10", 3)
    [coupon] = api.get(f"/consumers/{ana['id']}/coupons")["data"]
    assert (coupon["status"], [use["orderId"] for use in coupon["redemptions"]]) == ("redeemed", [won["id"]])
    assert api.get(f"/consumers/{ana['id']}")["totalOrders"] == 1


def test_a_new_member_gets_the_sign_up_points(stack: RunningStack, mint_key: MintKey) -> None:
    api = _api(stack, mint_key)
    assert api.post("/loyalty-programs", {"name": "Rewards", "signUp": {"points": 75}}).status_code == 201
    member = api.post("/consumers", {"email": "member@example.com", "membership": "member"}).json()
    wait_for(lambda: api.points(member["id"]) == 75 or None)
