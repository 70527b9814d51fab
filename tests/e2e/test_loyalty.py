"""Loyalty over HTTP and the SDK on the local stack, with the scheduled refresh running on its own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import requests

from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey
from tests.e2e.test_api import assert_error, auth
from tests.e2e.test_listing import eventually


def test_points_from_orders_deductions_and_the_scheduled_refresh(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key(f"loyalty-{uuid.uuid4().hex[:8]}")
    api = f"{stack.base_url}/api/v1"

    def post(path: str, body: dict) -> requests.Response:
        return requests.post(f"{api}{path}", json=body, headers=auth(key), timeout=30)

    program = post(
        "/loyalty-programs",
        {"name": "Rewards", "earning": {"pointsPerUnit": 10}, "tiers": [{"name": "Gold", "minPoints": 500}]},
    ).json()
    consumer = post("/consumers", {"email": "points@example.com"}).json()
    order = post("/orders", {"consumerId": consumer["id"], "amount": 60, "currency": "EUR"}).json()
    assert order["pointsEarned"] == {program["id"]: 600}
    assert_error(
        post(
            f"/consumers/{consumer['id']}/loyalty/deductions",
            {"programId": program["id"], "points": 601, "reason": "x"},
        ),
        400,
        "Not enough active points",
    )
    spent = post(
        f"/consumers/{consumer['id']}/loyalty/deductions", {"programId": program["id"], "points": 150, "reason": "gift"}
    )
    assert spent.status_code == 201, spent.text
    got = requests.get(f"{api}/consumers/{consumer['id']}", headers=auth(key), timeout=30).json()
    assert (got["loyalty"]["points"], got["loyalty"]["tier"]) == (450, None)

    # Points that become active in two seconds: the refresh, running every few seconds here, shows them.
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    start = {"type": "absolute", "at": soon}
    post(
        f"/consumers/{consumer['id']}/loyalty/points",
        {"programId": program["id"], "points": 100, "reason": "bonus", "start": start},
    )
    assert (
        requests.get(f"{api}/consumers/{consumer['id']}", headers=auth(key), timeout=30).json()["loyalty"][
            "pendingPoints"
        ]
        == 100
    )

    def refreshed() -> bool:
        loyalty = requests.get(f"{api}/consumers/{consumer['id']}", headers=auth(key), timeout=30).json()["loyalty"]
        return (loyalty["points"], loyalty["tier"], loyalty["pendingPoints"]) == (550, "Gold", 0)

    assert eventually(refreshed, timeout=30)
    log = requests.get(f"{api}/consumers/{consumer['id']}/loyalty/transactions", headers=auth(key), timeout=30).json()
    assert [entry["kind"] for entry in log["data"]] == ["added", "deducted", "earned"]


def test_the_transaction_log_downloads_as_a_csv(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key(f"log-{uuid.uuid4().hex[:8]}")
    api = f"{stack.base_url}/api/v1"
    program = requests.post(f"{api}/loyalty-programs", json={"name": "R"}, headers=auth(key), timeout=30).json()
    consumer = requests.post(
        f"{api}/consumers", json={"email": "log@example.com"}, headers=auth(key), timeout=30
    ).json()
    for points in (5, 7):
        body = {"programId": program["id"], "points": points, "reason": f"grant {points}"}
        requests.post(f"{api}/consumers/{consumer['id']}/loyalty/points", json=body, headers=auth(key), timeout=30)
    job = requests.post(
        f"{api}/consumers/{consumer['id']}/loyalty/transactions/exports",
        json={"after": "2020-01-01T00:00:00Z", "dateFormat": "yyyy-mm-dd"},
        headers=auth(key),
        timeout=30,
    ).json()

    def finished() -> dict | None:
        current = requests.get(f"{api}/exports/{job['id']}", headers=auth(key), timeout=30).json()
        return current if current["status"] == "succeeded" else None

    done = eventually(finished, timeout=30)
    assert done["rowCount"] == 2
    text = requests.get(done["downloadUrl"], timeout=30).content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Created on,Points,Ledger,Reason,Expires on,Active on,Session")
    assert [line.split(",")[1:4] for line in lines[1:]] == [["5", "main", "grant 5"], ["7", "main", "grant 7"]]
