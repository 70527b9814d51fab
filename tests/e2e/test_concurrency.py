"""Concurrency over HTTP on the local stack (issue 5): requests really run side by side (the stack
keeps several workers per function, as Lambda scales out), and the data stays exact."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey
from tests.e2e.test_api import auth

PARALLEL = 50


def _post(stack: RunningStack, key: str, path: str, body: Any, **headers: str) -> requests.Response:
    return requests.post(f"{stack.base_url}/api/v1{path}", json=body, headers={**auth(key), **headers}, timeout=120)


def _all_at_once(work: Any, count: int = PARALLEL) -> list[requests.Response]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(work, range(count)))


def test_fifty_parallel_creates_of_one_email_create_exactly_one(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key(f"race-{uuid.uuid4().hex[:8]}")
    answers = _all_at_once(
        lambda n: _post(stack, key, "/consumers", {"email": "same@example.com", "fullName": f"P{n}"})
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [400] * (PARALLEL - 1)
    refused = [answer.json()["error"]["message"] for answer in answers if answer.status_code == 400]
    assert set(refused) == {"Email already exists"}
    found = requests.get(
        f"{stack.base_url}/api/v1/consumers/search?email=same@example.com", headers=auth(key), timeout=30
    )
    assert len(found.json()["data"]) == 1


def test_fifty_parallel_updates_with_one_version_exactly_one_wins(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key(f"race-{uuid.uuid4().hex[:8]}")
    consumer = _post(stack, key, "/consumers", {"email": "ana@example.com"}).json()
    url = f"{stack.base_url}/api/v1/consumers/{consumer['id']}"

    def update(number: int) -> requests.Response:
        headers = {**auth(key), "If-Match": '"1"'}
        return requests.put(url, json={"metadata": {"writer": number}}, headers=headers, timeout=120)

    answers = _all_at_once(update)
    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses) == [200] + [409] * (PARALLEL - 1)
    assert {answer.json()["error"]["code"] for answer in answers if answer.status_code == 409} == {"version_mismatch"}
    final = requests.get(url, headers=auth(key), timeout=30)
    assert final.headers["ETag"] == '"2"'
    assert final.json()["metadata"] == {"writer": statuses.index(200)}


def test_parallel_orders_and_deductions_keep_exact_totals(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key(f"race-{uuid.uuid4().hex[:8]}")
    consumer = _post(stack, key, "/consumers", {"email": "buyer@example.com"}).json()
    program = _post(stack, key, "/loyalty-programs", {"name": "Rewards"}).json()

    def order(number: int) -> requests.Response:
        body = {"consumerId": consumer["id"], "amount": "10.25", "currency": "EUR", "externalId": f"o-{number}"}
        for _ in range(5):  # a 409 (still changing after its retries) is safe to send again: externalId
            answer = _post(stack, key, "/orders", body)
            if answer.status_code != 409:
                return answer
        return answer

    orders = _all_at_once(order, 20)
    assert sorted({answer.status_code for answer in orders}) == [201]
    after = requests.get(f"{stack.base_url}/api/v1/consumers/{consumer['id']}", headers=auth(key), timeout=30).json()
    assert (after["totalOrders"], after["totalOrderValue"]) == (20, 205)

    grant = {"programId": program["id"], "points": 100, "reason": "welcome", "start": {"type": "immediate"}}
    assert _post(stack, key, f"/consumers/{consumer['id']}/loyalty/points", grant).status_code == 201
    spend = {"programId": program["id"], "points": 15, "reason": "voucher"}

    def deduct(_: int) -> requests.Response:
        for _attempt in range(5):
            answer = _post(stack, key, f"/consumers/{consumer['id']}/loyalty/deductions", spend)
            if answer.status_code != 409:
                return answer
        return answer

    deductions = _all_at_once(deduct, 10)
    assert sorted(answer.status_code for answer in deductions) == [201] * 6 + [400] * 4
    assert {answer.json()["error"]["message"] for answer in deductions if answer.status_code == 400} == {
        "Not enough active points"
    }
    final = requests.get(f"{stack.base_url}/api/v1/consumers/{consumer['id']}", headers=auth(key), timeout=30).json()
    assert final["loyalty"]["points"] == 10
