"""Merging profiles (issue 18): a merge of two and of ten with everything each holds, the dry run that
writes nothing, every blocker, tombstones and old identifiers finding the survivor, and a worker
killed mid-merge finishing on retry with nothing doubled."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
import pytest

from clientele.core.store import dynamo
from clientele.core.tenancy import Environment, Tenant
from clientele.merges import service
from tests.integration.conftest import TABLE_NAME, Invoke, principal_for, stream_delivery

ACME = Tenant(organization="acme", environment=Environment.SANDBOX)
Run = Callable[[], int]


@pytest.fixture
def run_merge(table: str) -> Run:
    """Delivers the merge job's records to its step function until the merge stops; how many steps."""
    deliver = stream_delivery(table, "run_merge", "RunMergeFunction", "Steps")

    def until_done() -> int:
        steps = 0
        while delivered := deliver():
            steps += delivered
        return steps

    return until_done


def _everything() -> list[dict[str, Any]]:
    """Every item of the table: a test may read it whole."""
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE_NAME)
    return [dynamo.deserialize(item) for page in pages for item in page["Items"]]


def _ok(answer: dict[str, Any], status: int = 200) -> dict[str, Any]:
    assert answer["status"] == status, answer
    return dict(answer["body"])


class Shop:
    """A tenant with a loyalty program and two audiences, and helpers to give profiles a life."""

    def __init__(self, call: Invoke, principal: dict[str, str]) -> None:
        self.call, self.principal = call, principal
        self.program = self.post("create_loyalty_program", {"name": "Rewards"}, status=201)
        self.audiences = [self.post("create_audience", {"name": name}, status=201)["id"] for name in ("VIP", "News")]

    def post(self, function: str, body: Any, status: int = 201, **path: str) -> dict[str, Any]:
        return _ok(self.call(function, principal=self.principal, body=body, path_params=path or None), status)

    def get(self, function: str, **path: str) -> dict[str, Any]:
        return _ok(self.call(function, principal=self.principal, path_params=path or None))

    def profile(self, name: str, *, orders: int = 2, audiences: tuple[int, ...] = (0,), **fields: Any) -> dict[str, Any]:
        """A profile with orders (one partly refunded), points in two lots with their own expiries,
        a balance, audience memberships, tags and metadata."""
        slug = name.lower().replace(" ", ".")
        body = {"email": f"{slug}@example.com", "fullName": name, "tags": [slug.split(".")[0]], **fields}
        consumer = self.post("create_consumer", body)
        consumer_id = consumer["id"]
        for number in range(orders):
            order = {"consumerId": consumer_id, "amount": "40.00", "currency": "EUR", "externalId": f"{slug}-{number}"}
            placed = self.post("create_order", order)
            if number == 0:
                self.post("refund_order", {"amount": "10.00"}, id=placed["id"])
        for points, at in ((30, "2031-01-01T00:00:00.000Z"), (20, "2032-06-01T00:00:00.000Z")):
            grant = {"programId": self.program["id"], "points": points, "reason": "welcome", "expiry": {"type": "absolute", "at": at}}
            self.post("add_points", grant, id=consumer_id)
        self.post("adjust_balance", {"amount": "5.00", "currency": "EUR", "reason": "goodwill"}, id=consumer_id)
        for index in audiences:
            self.post("add_audience_members", {"consumerIds": [consumer_id]}, status=200, id=self.audiences[index])
        return self.get("get_consumer", id=consumer_id)

    def merge(self, survivor: str, sources: list[str], status: int = 202, **body: Any) -> dict[str, Any]:
        return self.post("merge_consumers", {"sourceIds": sources, **body}, status=status, id=survivor)


@pytest.fixture
def shop(call: Invoke, acme: dict[str, str]) -> Shop:
    return Shop(call, acme)


def _page(shop: Shop, function: str, consumer_id: str) -> list[dict[str, Any]]:
    answer = shop.call(function, principal=shop.principal, path_params={"id": consumer_id}, query={"first": "100"})
    return list(_ok(answer)["data"])


def _lots(consumer_id: str) -> list[tuple[int, str]]:
    """(remaining, expiresOn) of every lot of the consumer's wallets, as stored."""
    from clientele.loyalty import store as loyalty_store

    wallets = loyalty_store.wallets(ACME, consumer_id)
    return sorted(
        (lot.remaining, str(lot.expires_on))
        for wallet in wallets.values()
        for ledger in wallet.ledgers.values()
        for lot in ledger.lots
    )


def test_a_merge_of_two_moves_everything_once_and_recomputes_the_aggregates(shop: Shop, run_merge: Run) -> None:
    survivor = shop.profile("Ana Silva", orders=2, audiences=(0,), metadata={"tier": "gold", "city": "Lisbon"})
    source = shop.profile(
        "Ana S", orders=3, audiences=(0, 1), phone="+14155550101", externalId="crm-7", metadata={"tier": "x", "shoe": 38}
    )
    lots_before = sorted(_lots(survivor["id"]) + _lots(source["id"]))
    events_before = len(_page(shop, "consumer_timeline", survivor["id"])) + len(_page(shop, "consumer_timeline", source["id"]))

    job = shop.merge(survivor["id"], [source["id"]])
    assert job["status"] == "running" and job["survivorId"] == survivor["id"] and job["moves"]["orders"] == 3
    assert run_merge() >= 2
    done = shop.get("get_merge", id=job["id"])
    assert done["status"] == "succeeded" and done["mergedIds"] == [source["id"]], done

    merged = shop.get("get_consumer", id=survivor["id"])
    # Aggregates recomputed from the five orders: 5 x 40 - 2 refunds of 10.
    assert merged["totalOrders"] == 5
    assert Decimal(str(merged["totalOrderValue"])) == Decimal("180.00")
    assert Decimal(str(merged["averageOrderValue"])) == Decimal("36.00")
    assert Decimal(str(merged["balance"])) == Decimal("10.00")
    assert merged["loyalty"]["points"] == 100
    # Survivor rules: its own values win; the source fills what it lacks; tags united; metadata merged.
    assert merged["email"] == survivor["email"] and merged["fullName"] == "Ana Silva"
    assert merged["phone"] == "+14155550101" and merged["externalId"] == "crm-7"
    assert merged["tags"] == ["ana"]
    assert merged["metadata"] == {"tier": "gold", "city": "Lisbon", "shoe": 38}
    assert sorted(merged["audienceIds"]) == sorted(shop.audiences)

    orders = _page(shop, "list_consumer_orders", survivor["id"])
    assert len(orders) == 5 and {order["consumerId"] for order in orders} == {survivor["id"]}
    assert sorted(_lots(survivor["id"])) == lots_before  # lot by lot, each with its own expiry
    transactions = _page(shop, "list_points_transactions", survivor["id"])
    assert len(transactions) == 4 and {entry["consumerId"] for entry in transactions} == {survivor["id"]}
    assert len(_page(shop, "list_balance_adjustments", survivor["id"])) == 2
    timeline = _page(shop, "consumer_timeline", survivor["id"])
    assert len(timeline) == events_before + 1  # everything once, and the merge itself
    assert timeline[0]["type"] == "profile_merged" and timeline[0]["details"]["mergedId"] == source["id"]
    # Audiences count the one person once.
    for audience_id in shop.audiences:
        assert shop.get("get_audience", id=audience_id)["memberCount"] == 1

    # The source is a tombstone; its identifiers find the survivor.
    gone = shop.call("get_consumer", principal=shop.principal, path_params={"id": source["id"]})
    assert gone["status"] == 410
    assert gone["body"]["error"]["code"] == "consumer_merged"
    assert gone["body"]["error"]["mergedInto"] == survivor["id"]
    found = shop.call("search_consumers", principal=shop.principal, query={"email": source["email"]})
    assert [consumer["id"] for consumer in _ok(found)["data"]] == [survivor["id"]]
    order = shop.post("create_order", {"email": source["email"], "amount": "10.00", "currency": "EUR"})
    assert order["consumerId"] == survivor["id"]
    order = shop.post("create_order", {"consumerId": source["id"], "amount": "10.00", "currency": "EUR"})
    assert order["consumerId"] == survivor["id"]
    order = shop.post("create_order", {"consumerExternalId": "crm-7", "amount": "10.00", "currency": "EUR"})
    assert order["consumerId"] == survivor["id"]
    assert shop.get("get_consumer", id=survivor["id"])["totalOrders"] == 8
    # Nothing of the source is left in its partition but its tombstone and its own change history.
    left = {str(item["sk"]).split("#")[0] for item in _everything() if source["id"] in str(item["pk"])}
    assert left <= {"MERGED", "CHANGE"}, left
    # The merge's change to the survivor is in its history, by the merge.
    changes = _ok(shop.call("consumer_changes", principal=shop.principal, path_params={"id": survivor["id"]}))
    assert changes["data"][0]["actor"] == {"type": "merge", "id": job["id"]}
