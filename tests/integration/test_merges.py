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
from clientele.integrations import sync as klaviyo_sync
from clientele.merges import service
from clientele_local.klaviyo_standin import KlaviyoStandin
from tests.integration.conftest import TABLE_NAME, Invoke, principal_for, stream_delivery
from tests.integration.test_webhooks import queue  # noqa: F401 (a fixture)

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

    def profile(
        self, name: str, *, orders: int = 2, audiences: tuple[int, ...] = (0,), **fields: Any
    ) -> dict[str, Any]:
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
            grant = {
                "programId": self.program["id"],
                "points": points,
                "reason": "welcome",
                "expiry": {"type": "absolute", "at": at},
            }
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
        "Ana S",
        orders=3,
        audiences=(0, 1),
        phone="+14155550101",
        externalId="crm-7",
        metadata={"tier": "x", "shoe": 38},
    )
    bonus = {"programId": shop.program["id"], "ledger": "bonus", "points": 10, "reason": "a second ledger"}
    shop.post("add_points", bonus, id=source["id"])
    shop.post("issue_coupon", {"code": "ana-thanks", "type": "fixed", "value": 5}, id=source["id"])
    shop.post("create_referral_code", {"code": "ana-friends"}, id=source["id"])
    lots_before = sorted(_lots(survivor["id"]) + _lots(source["id"]))
    events_before = len(_page(shop, "consumer_timeline", survivor["id"])) + len(
        _page(shop, "consumer_timeline", source["id"])
    )

    job = shop.merge(survivor["id"], [source["id"]])
    assert job["status"] == "running"
    assert job["survivorId"] == survivor["id"]
    assert job["moves"]["orders"] == 3
    assert (job["moves"]["coupons"], job["moves"]["referralCodes"]) == (1, 1)
    assert run_merge() >= 2
    done = shop.get("get_merge", id=job["id"])
    assert done["status"] == "succeeded", done
    assert done["mergedIds"] == [source["id"]]

    merged = shop.get("get_consumer", id=survivor["id"])
    # Aggregates recomputed from the five orders: 5 x 40 - 2 refunds of 10.
    assert merged["totalOrders"] == 5
    assert Decimal(str(merged["totalOrderValue"])) == Decimal("180.00")
    assert Decimal(str(merged["averageOrderValue"])) == Decimal("36.00")
    assert Decimal(str(merged["balance"])) == Decimal("10.00")
    assert merged["loyalty"]["points"] == 110
    ledgers = _ok(shop.call("consumer_loyalty", principal=shop.principal, path_params={"id": survivor["id"]}))
    by_ledger = {balance["ledger"]: balance["activePoints"] for balance in ledgers["programs"]}
    assert by_ledger == {None: 110, "main": 100, "bonus": 10}
    # Survivor rules: its own values win; the source fills what it lacks; tags united; metadata merged.
    assert merged["email"] == survivor["email"]
    assert merged["fullName"] == "Ana Silva"
    assert merged["phone"] == "+14155550101"
    assert merged["externalId"] == "crm-7"
    assert merged["tags"] == ["ana"]
    assert merged["metadata"] == {"tier": "gold", "city": "Lisbon", "shoe": 38}
    assert sorted(merged["audienceIds"]) == sorted(shop.audiences)

    orders = _page(shop, "list_consumer_orders", survivor["id"])
    assert len(orders) == 5
    assert {order["consumerId"] for order in orders} == {survivor["id"]}
    assert sorted(_lots(survivor["id"])) == lots_before  # lot by lot, each with its own expiry
    transactions = _page(shop, "list_points_transactions", survivor["id"])
    assert len(transactions) == 5
    assert {entry["consumerId"] for entry in transactions} == {survivor["id"]}
    assert len(_page(shop, "list_balance_adjustments", survivor["id"])) == 2
    timeline = _page(shop, "consumer_timeline", survivor["id"])
    assert len(timeline) == events_before + 1  # everything once, and the merge itself
    assert timeline[0]["type"] == "profile_merged"
    assert timeline[0]["details"]["mergedId"] == source["id"]
    assert [coupon["code"] for coupon in _page(shop, "list_consumer_coupons", survivor["id"])] == ["ANA-THANKS"]
    assert [code["code"] for code in _page(shop, "list_referral_codes", survivor["id"])] == ["ANA-FRIENDS"]
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


def test_a_merge_of_ten_after_a_dry_run_that_writes_nothing(shop: Shop, run_merge: Run) -> None:
    survivor = shop.profile("Maria Costa", orders=1, audiences=())
    sources = [shop.profile(f"Maria Costa {n}", orders=2, audiences=(n % 2,)) for n in range(10)]
    ids = [source["id"] for source in sources]
    before = _everything()

    preview = shop.merge(survivor["id"], ids, status=200, dryRun=True)
    assert _everything() == before  # nothing written
    assert preview["blockers"] == []
    assert preview["consumer"]["id"] == survivor["id"]
    assert preview["consumer"]["totalOrders"] == 21
    assert preview["consumer"]["loyalty"]["points"] == 550
    moves = preview["moves"]
    assert (moves["orders"], moves["pointsTransactions"], moves["loyaltyLots"], moves["balanceAdjustments"]) == (
        20,
        20,
        20,
        10,
    )
    assert moves["points"] == 500
    assert Decimal(str(moves["balance"])) == Decimal("50.00")
    assert sorted(moves["audiences"]) == sorted(shop.audiences)
    assert moves["emails"] == [source["email"] for source in sources]
    origins = {origin["field"]: origin for origin in preview["fields"]}
    assert origins["email"] == {"field": "email", "value": survivor["email"], "takenFrom": [survivor["id"]]}
    assert origins["tags"]["value"] == ["maria"]

    job = shop.merge(survivor["id"], ids)
    assert job["moves"] == moves
    run_merge()
    assert shop.get("get_merge", id=job["id"])["mergedIds"] == ids
    merged = shop.get("get_consumer", id=survivor["id"])
    for name in ("totalOrders", "totalOrderValue", "balance", "loyalty", "audienceIds"):
        assert merged[name] == preview["consumer"][name], name
    assert len(_page(shop, "list_consumer_orders", survivor["id"])) == 21
    assert len(_lots(survivor["id"])) == 22
    for source in sources:
        found = shop.call("search_consumers", principal=shop.principal, query={"email": source["email"]})
        assert [consumer["id"] for consumer in _ok(found)["data"]] == [survivor["id"]]
        gone = shop.call("get_consumer", principal=shop.principal, path_params={"id": source["id"]})
        assert gone["body"]["error"]["mergedInto"] == survivor["id"]
    listed = _ok(shop.call("list_consumers", principal=shop.principal, query={"first": "100"}))
    assert [consumer["id"] for consumer in listed["data"]] == [survivor["id"]]


def test_fields_name_the_profile_a_value_comes_from(shop: Shop, run_merge: Run) -> None:
    survivor = shop.profile("Old Name", orders=0, audiences=(), metadata={"a": 1, "b": 1})
    source = shop.profile("New Name", orders=0, audiences=(), metadata={"b": 2, "c": 2}, phone="+14155550123")
    fields = {"email": source["id"], "fullName": source["id"], "metadata": source["id"]}
    preview = shop.merge(survivor["id"], [source["id"]], status=200, dryRun=True, fields=fields)
    assert preview["consumer"]["email"] == source["email"]
    assert preview["consumer"]["fullName"] == "New Name"
    assert preview["consumer"]["metadata"] == {"a": 1, "b": 2, "c": 2}
    shop.merge(survivor["id"], [source["id"]], fields=fields)
    run_merge()
    merged = shop.get("get_consumer", id=survivor["id"])
    assert (merged["email"], merged["fullName"], merged["phone"]) == (source["email"], "New Name", "+14155550123")
    assert merged["metadata"] == {"a": 1, "b": 2, "c": 2}
    # Both emails find it; the survivor may take its old email back (it still holds that claim), and
    # the one it stops using is freed, as with any change of email.
    for email in (survivor["email"], source["email"]):
        found = shop.call("search_consumers", principal=shop.principal, query={"email": email})
        assert [consumer["id"] for consumer in _ok(found)["data"]] == [survivor["id"]]
    back = shop.call(
        "update_consumer",
        principal=shop.principal,
        path_params={"id": survivor["id"]},
        body={"email": survivor["email"]},
    )
    assert _ok(back)["email"] == survivor["email"]
    taken = shop.call("create_consumer", principal=shop.principal, body={"email": survivor["email"]})
    assert taken["status"] == 400
    assert taken["body"]["error"]["code"] == "email_already_exists"
    assert shop.call("create_consumer", principal=shop.principal, body={"email": source["email"]})["status"] == 201


def test_an_unsubscribe_on_any_profile_stands_after_the_merge(shop: Shop, run_merge: Run) -> None:
    survivor = shop.profile("Consent One", orders=0, audiences=())
    source = shop.profile("Consent Two", orders=0, audiences=())
    shop.post("set_consent", {"channel": "email", "state": "subscribed"}, status=200, id=survivor["id"])
    shop.post("set_consent", {"channel": "email", "state": "unsubscribed"}, status=200, id=source["id"])
    shop.merge(survivor["id"], [source["id"]])
    run_merge()
    merged = shop.get("get_consumer", id=survivor["id"])
    assert merged["consent"]["email"]["state"] == "unsubscribed"
    log = _page(shop, "consumer_consent_log", survivor["id"])
    assert sorted(entry["state"] for entry in log) == ["subscribed", "unsubscribed"]  # both logs, moved


@pytest.mark.parametrize(
    "body",
    [
        {"sourceIds": []},
        {"sourceIds": [f"cons_{n:026d}" for n in range(11)]},
        {"sourceIds": ["cons_01J00000000000000000000001", "cons_01J00000000000000000000001"]},
        {"sourceIds": ["cons_01J00000000000000000000001"], "fields": {"createdAt": "cons_01J00000000000000000000001"}},
    ],
)
def test_bad_requests_are_400s_that_change_nothing(shop: Shop, body: dict[str, Any]) -> None:
    survivor = shop.profile("Bad Input", orders=0, audiences=())
    before = _everything()
    answer = shop.call("merge_consumers", principal=shop.principal, path_params={"id": survivor["id"]}, body=body)
    assert answer["status"] == 400, answer
    assert answer["body"]["error"]["code"] == "validation_failed"
    assert _everything() == before


def test_the_survivor_cannot_be_its_own_source_nor_fields_name_a_stranger(shop: Shop) -> None:
    survivor = shop.profile("Self Merge", orders=0, audiences=())
    other = shop.profile("Other One", orders=0, audiences=())
    own = shop.call(
        "merge_consumers",
        principal=shop.principal,
        path_params={"id": survivor["id"]},
        body={"sourceIds": [survivor["id"]]},
    )
    assert own["status"] == 400
    assert own["body"]["error"]["details"][0]["field"] == "sourceIds[0]"
    stranger = {"sourceIds": [other["id"]], "fields": {"email": "cons_01J00000000000000000000009"}}
    named = shop.call("merge_consumers", principal=shop.principal, path_params={"id": survivor["id"]}, body=stranger)
    assert named["status"] == 400
    assert named["body"]["error"]["details"][0]["field"] == "fields.email"


def test_every_blocker_is_a_409_naming_it_and_the_dry_run_lists_them(shop: Shop, run_merge: Run, call: Invoke) -> None:
    survivor = shop.profile("Block Survivor", orders=0, audiences=())
    merged_away = shop.profile("Block Merged", orders=0, audiences=())
    shop.merge(survivor["id"], [merged_away["id"]])
    run_merge()

    erased = shop.profile("Block Erased", orders=0, audiences=())
    _ok(shop.call("erase_consumer", principal=shop.principal, path_params={"id": erased["id"]}))
    pending = shop.profile("Block Pending", orders=0, audiences=())
    from clientele.privacy import store as privacy_store
    from clientele.privacy.models import Erasure

    started = Erasure(
        subject=privacy_store.subject_of(ACME, pending["id"]),
        erased_at="2026-12-07T10:00:00.000Z",
        erased_by="key_x",
        klaviyo_deletion="not_synced",
        anonymized={},
        removed={},
    )
    privacy_store.put_audit(ACME, started)  # an erasure cut short after its audit entry
    busy_survivor, busy = (
        shop.profile("Busy Survivor", orders=0, audiences=()),
        shop.profile("Busy", orders=0, audiences=()),
    )
    shop.merge(busy_survivor["id"], [busy["id"]])  # not run: still running

    sources = [merged_away["id"], erased["id"], pending["id"], busy["id"]]
    before = _everything()
    blocked = shop.call(
        "merge_consumers", principal=shop.principal, path_params={"id": survivor["id"]}, body={"sourceIds": sources}
    )
    assert blocked["status"] == 409
    assert blocked["body"]["error"]["code"] == "merge_blocked"
    reasons = {(detail["reason"], detail["consumerId"]) for detail in blocked["body"]["error"]["details"]}
    assert reasons == {
        ("already_merged", merged_away["id"]),
        ("erased", erased["id"]),
        ("erasure_pending", pending["id"]),
        ("merge_running", busy["id"]),
    }
    assert _everything() == before
    preview = shop.merge(survivor["id"], sources, status=200, dryRun=True)
    assert {(b["reason"], b["consumerId"]) for b in preview["blockers"]} == reasons

    # The busy survivor is locked too, and an erasure waits for its merge.
    again = shop.call(
        "merge_consumers",
        principal=shop.principal,
        path_params={"id": busy_survivor["id"]},
        body={"sourceIds": [survivor["id"]]},
    )
    assert {d["reason"] for d in again["body"]["error"]["details"]} == {"merge_running"}
    refused = shop.call("erase_consumer", principal=shop.principal, path_params={"id": busy["id"]})
    assert refused["status"] == 409
    assert refused["body"]["error"]["code"] == "merge_blocked"


def test_more_than_25_audiences_together_block_the_merge(shop: Shop) -> None:
    audiences = [shop.post("create_audience", {"name": f"A{n}"})["id"] for n in range(26)]
    first, second = shop.profile("Many One", orders=0, audiences=()), shop.profile("Many Two", orders=0, audiences=())
    for index, audience_id in enumerate(audiences):
        member = first if index < 13 else second
        shop.post("add_audience_members", {"consumerIds": [member["id"]]}, status=200, id=audience_id)
    blocked = shop.call(
        "merge_consumers", principal=shop.principal, path_params={"id": first["id"]}, body={"sourceIds": [second["id"]]}
    )
    assert blocked["status"] == 409
    assert [d["reason"] for d in blocked["body"]["error"]["details"]] == ["too_many_audiences"]


def test_another_tenants_profile_is_unknown_and_nothing_is_written(shop: Shop, call: Invoke) -> None:
    survivor = shop.profile("Tenant Survivor", orders=0, audiences=())
    live = principal_for("acme", "live")
    stranger = _ok(call("create_consumer", principal=live, body={"email": "stranger@example.com"}), 201)
    other_org = _ok(call("create_consumer", principal=principal_for("globex"), body={"email": "g@example.com"}), 201)
    before = _everything()
    for foreign in (stranger["id"], other_org["id"]):
        for dry_run in (True, False):
            body = {"sourceIds": [foreign], "dryRun": dry_run}
            answer = shop.call(
                "merge_consumers", principal=shop.principal, path_params={"id": survivor["id"]}, body=body
            )
            assert answer["status"] == 404
            assert answer["body"]["error"]["details"][0]["field"] == "sourceIds[0]"
    assert _everything() == before
    # Nor can the service be handed another tenant's survivor: the ids resolve under the caller's tenant only.
    from clientele.core.errors import ConsumerNotFound
    from clientele.merges.requests import MergeRequest

    with pytest.raises(ConsumerNotFound):
        service.preview(ACME, stranger["id"], MergeRequest(source_ids=[survivor["id"]]))


def test_a_worker_killed_mid_merge_finishes_on_retry_with_nothing_doubled(
    shop: Shop, run_merge: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clientele.merges import store as merge_store

    survivor = shop.profile("Crash Survivor", orders=1, audiences=())
    source = shop.profile("Crash Source", orders=3, audiences=(0,))
    job = shop.merge(survivor["id"], [source["id"]])
    real_advance, real_move = merge_store.advance, merge_store.move_items
    killed: list[str] = []

    def dies_before_counting(*args: Any, **kwargs: Any) -> bool:
        killed.append("advance")
        raise RuntimeError("worker killed after moving, before counting the step")

    def dies_half_way(tenant: Tenant, survivor_id: str, found: list[dict[str, Any]]) -> int:
        real_move(tenant, survivor_id, found[: len(found) // 2])
        raise RuntimeError("worker killed half way through a move")

    for crash in ("advance", "move"):
        if crash == "advance":
            monkeypatch.setattr(merge_store, "advance", dies_before_counting)
        else:
            monkeypatch.setattr(merge_store, "move_items", dies_half_way)
        steps = shop.get("get_merge", id=job["id"])["steps"]
        with pytest.raises(RuntimeError):
            service.run_step(ACME, job["id"], steps)
        monkeypatch.setattr(merge_store, "advance", real_advance)
        monkeypatch.setattr(merge_store, "move_items", real_move)
        assert service.run_step(ACME, job["id"], steps) is not None  # the stream's retry of the same step
    run_merge()
    assert killed
    assert shop.get("get_merge", id=job["id"])["status"] == "succeeded"
    merged = shop.get("get_consumer", id=survivor["id"])
    assert merged["totalOrders"] == 4
    assert merged["loyalty"]["points"] == 100
    assert len(_page(shop, "list_consumer_orders", survivor["id"])) == 4
    assert len(_page(shop, "list_points_transactions", survivor["id"])) == 4
    timeline = _page(shop, "consumer_timeline", survivor["id"])
    assert len({event["id"] for event in timeline}) == len(timeline)
    assert shop.get("get_audience", id=shop.audiences[0])["memberCount"] == 1


def test_writes_reaching_the_source_mid_merge_are_moved_not_lost(shop: Shop, run_merge: Run) -> None:
    survivor = shop.profile("Race Survivor", orders=1, audiences=())
    source = shop.profile("Race Source", orders=2, audiences=())
    job = shop.merge(survivor["id"], [source["id"]])
    early = shop.post("create_order", {"consumerId": source["id"], "amount": "1.00", "currency": "EUR"})
    assert early["consumerId"] == source["id"]  # before the merge's first step: the source's, moved later
    assert service.run_step(ACME, job["id"], 0) == "sealed"
    assert shop.get("get_consumer", id=source["id"])["mergingInto"] == survivor["id"]
    for named in ({"consumerId": source["id"]}, {"email": source["email"]}):
        late = shop.post("create_order", {**named, "amount": "1.00", "currency": "EUR"})
        assert late["consumerId"] == survivor["id"]  # sealed: new orders go straight to the survivor
    assert service.run_step(ACME, job["id"], 1) == "orders"
    # A refund of one of the source's orders (moved now) and a deduction of its points land meanwhile.
    order = _page(shop, "list_consumer_orders", survivor["id"])[-1]
    shop.post("refund_order", {"amount": "1.00"}, id=order["id"])
    shop.post("deduct_points", {"programId": shop.program["id"], "points": 5, "reason": "used"}, id=source["id"])
    run_merge()
    assert shop.get("get_merge", id=job["id"])["status"] == "succeeded"
    merged = shop.get("get_consumer", id=survivor["id"])
    assert merged["totalOrders"] == 6
    assert Decimal(str(merged["totalOrderValue"])) == Decimal(3 * 40 - 2 * 10 + 3 - 1)
    assert merged["loyalty"]["points"] == 95
    assert len(_page(shop, "list_consumer_orders", survivor["id"])) == 6
    assert len(_page(shop, "list_points_transactions", survivor["id"])) == 5


def test_a_failed_merge_unseals_its_sources(shop: Shop, run_merge: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    survivor = shop.profile("Fail Survivor", orders=0, audiences=())
    source = shop.profile("Fail Source", orders=1, audiences=())
    job = shop.merge(survivor["id"], [source["id"]])
    assert service.run_step(ACME, job["id"], 0) == "sealed"
    _ok(shop.call("delete_consumer", principal=shop.principal, path_params={"id": survivor["id"]}))
    run_merge()
    failed = shop.get("get_merge", id=job["id"])
    assert failed["status"] == "failed"
    assert "deleted during the merge" in failed["error"]
    assert shop.get("get_consumer", id=source["id"])["mergingInto"] is None
    order = shop.post("create_order", {"consumerId": source["id"], "amount": "1.00", "currency": "EUR"})
    assert order["consumerId"] == source["id"]
    again = shop.call(
        "merge_consumers",
        principal=shop.principal,
        path_params={"id": source["id"]},
        body={"sourceIds": [survivor["id"]]},
    )
    assert again["status"] == 404  # the survivor is gone; the source is free to merge again (no lock left)


@pytest.fixture
def publish(queue: str, table: str) -> Run:  # noqa: F811 (the webhook queue fixture)
    """Delivers the stream's new records to the webhook events' publisher; how many."""
    return stream_delivery(table, "publish_events", "PublishEventsFunction", "Changes")


def test_webhooks_hear_consumer_merged_and_the_survivor_updated(shop: Shop, run_merge: Run, publish: Run) -> None:
    survivor = shop.profile("Hook Survivor", orders=0, audiences=())
    source = shop.profile("Hook Source", orders=0, audiences=(), phone="+14155550177")
    publish()
    shop.merge(survivor["id"], [source["id"]])
    run_merge()
    publish()
    events = _ok(shop.call("list_events", principal=shop.principal, query={"type": "consumer.merged"}))["data"]
    assert [event["data"] for event in events] == [
        {"id": source["id"], "object": "consumer", "mergedInto": survivor["id"]}
    ]
    deleted = _ok(shop.call("list_events", principal=shop.principal, query={"type": "consumer.deleted"}))["data"]
    assert deleted == []  # a merge is not a deletion
    updated = _ok(shop.call("list_events", principal=shop.principal, query={"type": "consumer.updated"}))["data"]
    assert updated[0]["data"]["id"] == survivor["id"]
    assert updated[0]["data"]["phone"] == "+14155550177"


def test_erasing_the_survivor_erases_the_profiles_merged_into_it(shop: Shop, run_merge: Run) -> None:
    survivor = shop.profile("Erase Survivor", orders=1, audiences=())
    source = shop.profile("Erase Source", orders=1, audiences=(), phone="+14155550188", externalId="crm-erase")
    shop.merge(survivor["id"], [source["id"]])
    run_merge()
    _ok(shop.call("erase_consumer", principal=shop.principal, path_params={"id": survivor["id"]}))
    left = str(_everything())
    for needle in (survivor["id"], source["id"], source["email"], "+14155550188", "crm-erase", survivor["email"]):
        assert needle not in left, needle
    # Its identifiers are free again, and the tombstone is gone with the rest.
    assert shop.call("create_consumer", principal=shop.principal, body={"email": source["email"]})["status"] == 201
    gone = shop.call("get_consumer", principal=shop.principal, path_params={"id": source["id"]})
    assert gone["status"] == 404


def test_klaviyo_merges_the_profiles_of_two_synced_consumers(
    shop: Shop, run_merge: Run, standin: KlaviyoStandin, table: str
) -> None:
    shop.post("configure_klaviyo", {"apiKey": "pk_live_merge_0001", "enabled": True}, status=200)
    survivor = shop.profile("Klaviyo Survivor", orders=0, audiences=())
    source = shop.profile("Klaviyo Source", orders=0, audiences=(), phone="+14155550166")
    stream_delivery(table, "sync_klaviyo", "SyncKlaviyoFunction", "Changes")()
    kept = shop.get("get_consumer", id=survivor["id"])["klaviyoProfileId"]
    merged_away = shop.get("get_consumer", id=source["id"])["klaviyoProfileId"]
    assert kept
    assert merged_away
    assert kept != merged_away
    job = shop.merge(survivor["id"], [source["id"]], fields={"fullName": source["id"]})
    assert job["moves"]["klaviyoProfileIds"] == [merged_away]
    run_merge()
    assert shop.get("get_merge", id=job["id"])["klaviyo"] == "merged"
    assert standin.merges == [{"into": kept, "merged": [merged_away]}]
    assert kept in standin.profiles
    assert merged_away not in standin.profiles
    merged = shop.get("get_consumer", id=survivor["id"])
    assert merged["klaviyoProfileId"] == kept
    # The survivor took the source's phone. Its own sync, on the stream, would have been refused while
    # the other profile held that phone (409 duplicate_profile): the job pushed it again after Klaviyo's merge.
    assert merged["phone"] == "+14155550166"
    assert standin.profiles[kept]["phone_number"] == "+14155550166"
    assert standin.upserts[-1]["data"]["id"] == kept
    # Klaviyo's merge keeps the kept profile's own name; the push gives it the name the merge chose.
    assert (standin.profiles[kept]["first_name"], standin.profiles[kept]["last_name"]) == ("Klaviyo", "Source")
    assert (merged["syncStatus"], merged["syncError"]) == ("synced", None)
    stream_delivery(table, "sync_klaviyo", "SyncKlaviyoFunction", "Changes")()  # the stream's records: current
    assert shop.get("get_consumer", id=survivor["id"])["syncStatus"] == "synced"
    # The job's last step run again (a worker killed before it recorded the end): Klaviyo answers 404
    # for the profile merged already, which counts as merged.
    assert klaviyo_sync.merge_profiles(ACME, survivor["id"], [merged_away]) == "merged"
    assert standin.merges == [{"into": kept, "merged": [merged_away]}]


def test_an_import_row_with_an_old_email_updates_the_survivor(shop: Shop, run_merge: Run, table: str) -> None:
    from tests.integration.test_imports import _import

    run_import = stream_delivery(table, "run_import", "RunImportFunction", "Checkpoints")
    survivor = shop.profile("Import Survivor", orders=0, audiences=())
    source = shop.profile("Import Source", orders=0, audiences=())
    shop.merge(survivor["id"], [source["id"]])
    run_merge()
    content = f"email,firstName\n{source['email']},Imported\n".encode()
    job = _import(shop.call, shop.principal, run_import, content, on_duplicate="update")
    assert (job["created"], job["updated"], job["failed"]) == (0, 1, 0)
    assert shop.get("get_consumer", id=survivor["id"])["firstName"] == "Imported"
    listed = _ok(shop.call("list_consumers", principal=shop.principal, query={"first": "100"}))
    assert [consumer["id"] for consumer in listed["data"]] == [survivor["id"]]
