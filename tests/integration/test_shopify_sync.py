"""The Shopify full sync (seed 004 "Sync Customers"): jobs driven chunk by chunk by the stream through
the template's filters, against the Shopify stand-in: paginated and bulk (JSONL with children)
methods, incremental runs, throttling, a worker killed mid-chunk, one job at a time, the daily
reconciliation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from clientele.core import settings
from clientele.core.errors import Conflict
from clientele.core.tenancy import Environment, Tenant
from clientele.shopify import connection, sync, sync_store
from clientele.shopify import customers as shopify_customers
from clientele_local.inprocess import Context, load_function
from clientele_local.shopify_standin import ShopifyStandin
from clientele_local.shopify_standin import node as shopify_node
from tests.conftest import ROOT
from tests.integration.conftest import TABLE_NAME, Invoke, stream_records

ACME = Tenant(organization="acme", environment=Environment.SANDBOX)
SETTINGS = {
    "shopDomain": "kefi.myshopify.com",
    "accessToken": "shpat_0123456789abcdef0123456789abcdef",
    "webhookSecret": "whsec_0123456789abcdef0123456789",
    "enabled": True,
}

Records = list[dict[str, Any]]


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShopifyStandin]:
    with ShopifyStandin(customers=0, maximum_available=2000, restore_rate=2000) as standin:
        monkeypatch.setenv("SHOPIFY_BASE_URL", standin.base_url)
        settings.reset()
        monkeypatch.setattr(sync, "POLL_INTERVAL", 0.01)
        yield standin


class Worker:
    """The stream's new ShopifySync records, through RunShopifySyncFunction's filter, to its handler."""

    def __init__(self, table: str) -> None:
        self.new_records = stream_records(table, "RunShopifySyncFunction", "Checkpoints")
        self.handler = load_function("run_shopify_sync")

    def deliver(self, records: Records) -> dict[str, Any]:
        return dict(self.handler.lambda_handler({"Records": records}, Context()))

    def run(self, limit: int = 500) -> int:
        """Delivers records until none arrive; returns how many were delivered."""
        delivered = 0
        for _ in range(limit):
            records = self.new_records()
            if not records:
                return delivered
            for record in records:  # BatchSize 1, as template.yaml has it
                assert self.deliver([record]) == {"batchItemFailures": []}
            delivered += len(records)
        raise AssertionError("the sync did not finish")


@pytest.fixture
def worker(table: str) -> Worker:
    return Worker(table)


def _connect(call: Invoke, principal: dict[str, str]) -> None:
    answer = call("configure_shopify", principal=principal, body=SETTINGS)
    assert answer["status"] == 200, answer


def _start(call: Invoke, principal: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = call("sync_shopify", principal=principal, body=body)
    assert answer["status"] == 202, answer
    return dict(answer["body"])


def _job(call: Invoke, principal: dict[str, str], job_id: str) -> dict[str, Any]:
    answer = call("get_shopify_sync", principal=principal, path_params={"jobId": job_id})
    assert answer["status"] == 200, answer
    return dict(answer["body"])


def _consumers() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]  # a test may read the whole table
    return [item for item in items if item["entity"]["S"] == "Consumer"]


def _synced(call: Invoke, principal: dict[str, str], worker: Worker, **body: Any) -> dict[str, Any]:
    job = _start(call, principal, **body)
    assert (job["status"], job["counts"]) == ("running", {"created": 0, "updated": 0, "unchanged": 0, "failed": 0})
    worker.run()
    return _job(call, principal, job["id"])


def test_a_small_shop_syncs_page_by_page_and_a_second_run_changes_nothing(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker
) -> None:
    shop.generate(250)
    _connect(call, acme)
    done = _synced(call, acme, worker)
    assert (done["status"], done["method"], done["mode"]) == ("succeeded", "paginated", "auto")
    assert done["counts"] == {"created": 250, "updated": 0, "unchanged": 0, "failed": 0}
    assert done["progress"] == {"processed": 250, "total": 250}
    assert done["finishedAt"] is not None
    assert shop.operations("ShopifyCustomers") == 3  # pages of 100: 100, 100, 50
    assert shop.operations("ShopifyBulkCustomers") == 0
    assert len(_consumers()) == 250
    consumer = shopify_customers.consumer_for(ACME, "1000001")
    assert consumer is not None
    assert (consumer.email, consumer.first_name, str(consumer.source)) == ("customer1@example.com", "Ben", "shopify")
    # Applied on the sync's threads, each creation is in the history by Shopify.
    [created] = call("consumer_changes", principal=acme, path_params={"id": consumer.id})["body"]["data"]
    assert (created["version"], created["actor"]) == (1, {"type": "shopify", "id": None})
    # The connection shows the last full sync.
    shown = call("get_shopify", principal=acme)["body"]
    assert shown["lastFullSync"]["id"] == done["id"]
    assert shown["lastFullSync"]["status"] == "succeeded"
    again = _synced(call, acme, worker)
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 250, "failed": 0}
    assert len(_consumers()) == 250


def test_a_bulk_sync_streams_the_jsonl_and_attaches_children_to_their_parent(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "CHUNK_CUSTOMERS", 7)  # 30 customers: chunks of 7, 7, 7, 7, 2
    shop.generate(29)
    broken = shop.add_customer(updatedAt="yesterday")  # a customer the mapping refuses: counted, named, skipped
    shop.bulk_polls = 2  # RUNNING twice before COMPLETED
    _connect(call, acme)
    done = _synced(call, acme, worker, mode="bulk")
    assert (done["status"], done["method"]) == ("succeeded", "bulk")
    assert done["counts"] == {"created": 29, "updated": 0, "unchanged": 0, "failed": 1}
    assert len(done["errors"]) == 1
    assert done["errors"][0].startswith(f"{broken['id']}: ")
    assert shop.operations("ShopifyBulkCustomers") == 1
    assert shop.operations("ShopifyBulkOperation") == 3
    assert shop.operations("ShopifyCustomers") == 0
    assert shop.bulk_reads == 5  # one ranged read per chunk, never the whole file at once
    # Customer 5 has no default address; its one address comes as a child line (__parentId).
    assert shop.customers["1000005"]["defaultAddress"] is None
    consumer = shopify_customers.consumer_for(ACME, "1000005")
    assert consumer is not None
    assert consumer.address is not None
    assert consumer.address.street == "6 Harbour Road"
    with_default = shopify_customers.consumer_for(ACME, "1000006")
    assert with_default is not None
    assert with_default.address is not None
    assert with_default.address.street == "7 Market Street"
    assert len(_consumers()) == 29


def test_a_bulk_chunk_out_of_time_checkpoints_at_the_first_customer_it_left(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "CHUNK_SECONDS", 0.0)  # every chunk runs out of time after its first slice
    monkeypatch.setattr(sync, "APPLY_THREADS", 1)  # slices of 2 customers
    shop.generate(7)
    _connect(call, acme)
    done = _synced(call, acme, worker, mode="bulk")
    assert done["status"] == "succeeded"
    assert done["counts"] == {"created": 7, "updated": 0, "unchanged": 0, "failed": 0}
    assert shop.bulk_reads == 4  # 2, 2, 2, 1 customers, each chunk read from its first customer's first byte
    consumer = shopify_customers.consumer_for(ACME, "1000005")  # its address is a child line
    assert consumer is not None
    assert consumer.address is not None
    assert consumer.address.street == "6 Harbour Road"
    assert len(_consumers()) == 7


def test_an_incremental_run_reads_only_customers_updated_since_the_last_sync(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker
) -> None:
    shop.generate(40)
    _connect(call, acme)
    first = _synced(call, acme, worker, mode="incremental")  # no sync before: every customer
    assert (first["since"], first["counts"]["created"]) == (None, 40)
    shop.update_customer("1000003", firstName="Dorothea")
    shop.add_customer(email="new.customer@example.com", firstName="Nova")
    done = _synced(call, acme, worker, mode="incremental")
    assert done["since"] is not None
    assert done["since"] < first["startedAt"]
    assert done["counts"] == {"created": 1, "updated": 1, "unchanged": 0, "failed": 0}
    query = shop.requests[-1]["variables"]["query"]
    assert query.startswith("updated_at:>'")
    consumer = shopify_customers.consumer_for(ACME, "1000003")
    assert consumer is not None
    assert consumer.first_name == "Dorothea"


def test_the_client_paces_itself_by_the_throttle_status_and_waits_out_throttled_answers(
    call: Invoke, acme: dict[str, str], worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bucket of 250 refilled at 400/s: a page (cost 202) leaves 48, so the next page must wait ~0.4 s.
    with ShopifyStandin(customers=300, maximum_available=250, restore_rate=400) as shop:
        monkeypatch.setenv("SHOPIFY_BASE_URL", shop.base_url)
        settings.reset()
        _connect(call, acme)
        shop.throttle(2)  # and two THROTTLED answers besides
        done = _synced(call, acme, worker)
        assert done["counts"]["created"] == 300
        assert shop.throttled == 2  # only the injected ones: the client never ran the bucket dry itself
        assert len(shop.requests) == 1 + 3 + 2  # customersCount, three pages, two tries THROTTLED


def test_a_worker_killed_mid_chunk_resumes_with_exact_counts(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.generate(300)
    _connect(call, acme)
    # 20 already exist: the sync updates 10 of them and finds 10 as they are.
    for number in range(20):
        stored = shop.customers[str(1_000_000 + number)]
        changed = {**stored, "firstName": "Old"} if number < 10 else stored
        node = sync.node_with_children(shopify_node(changed))  # as the sync reads it
        shopify_customers.apply(ACME, shopify_customers.ShopifyCustomer.from_graphql(node))
    job = _start(call, acme)
    real_apply = shopify_customers.apply
    applied = {"count": 0}

    def dies_once(tenant: Tenant, customer: Any, seen: Any = None) -> Any:
        applied["count"] += 1
        if applied["count"] == 150:  # half-way through the second page
            raise RuntimeError("the worker died")
        return real_apply(tenant, customer, seen)

    monkeypatch.setattr(shopify_customers, "apply", dies_once)
    failed_once = False
    for _ in range(50):
        records = worker.new_records()
        if not records:
            break
        for record in records:
            try:
                answer = worker.deliver([record])
            except BatchProcessingError:  # every record of the batch failed: Lambda retries the batch
                answer = {"batchItemFailures": [record]}
            if answer["batchItemFailures"]:
                failed_once = True
                assert worker.deliver([record]) == {"batchItemFailures": []}  # Lambda retries the record
            assert worker.deliver([record]) == {"batchItemFailures": []}  # and a record delivered twice does nothing
    assert failed_once
    done = _job(call, acme, job["id"])
    assert done["status"] == "succeeded"
    assert done["counts"] == {"created": 280, "updated": 10, "unchanged": 10, "failed": 0}
    assert done["progress"]["processed"] == 300
    assert len(_consumers()) == 300


def test_a_write_that_lost_a_race_is_tried_again_and_counted_once(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.generate(20)
    _connect(call, acme)
    real_apply = shopify_customers.apply
    raced: list[str] = []

    def commits_then_conflicts(tenant: Tenant, customer: Any, seen: Any = None) -> Any:
        outcome = real_apply(tenant, customer, seen)
        if customer.shopify_id == "1000007" and not raced:
            raced.append(customer.shopify_id)
            raise Conflict()  # the write committed, but its answer was lost
        return outcome

    monkeypatch.setattr(shopify_customers, "apply", commits_then_conflicts)
    done = _synced(call, acme, worker)
    assert raced == ["1000007"]
    assert done["counts"] == {"created": 20, "updated": 0, "unchanged": 0, "failed": 0}
    assert len(_consumers()) == 20


def test_one_sync_runs_at_a_time_and_a_second_is_409_naming_it(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker
) -> None:
    shop.generate(5)
    _connect(call, acme)
    first = _start(call, acme)
    second = call("sync_shopify", principal=acme, body={"mode": "bulk"})
    assert second["status"] == 409
    assert second["body"]["error"]["code"] == "shopify_sync_in_progress"
    assert second["body"]["error"]["details"] == [{"field": "jobId", "message": first["id"]}]
    assert first["id"] in second["body"]["error"]["message"]
    worker.run()
    assert _job(call, acme, first["id"])["status"] == "succeeded"
    assert _start(call, acme)["id"] != first["id"]  # free again once it finished


def test_a_job_whose_worker_stopped_for_good_is_taken_over(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker
) -> None:
    shop.generate(3)
    _connect(call, acme)
    stuck = _start(call, acme)  # its chunks never run
    assert call("sync_shopify", principal=acme, body={})["status"] == 409
    lock = sync_store.ShopifySyncLock.key(ACME)
    boto3.client("dynamodb").update_item(  # as if its last checkpoint were LOCK_MINUTES old
        TableName=TABLE_NAME,
        Key={name: {"S": value} for name, value in lock.items()},
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": {"S": "2020-01-01T00:00:00.000Z"}},
    )
    fresh = _start(call, acme)
    gone = _job(call, acme, stuck["id"])
    assert (gone["status"], gone["error"]) == ("failed", "The sync stopped making progress")
    worker.run()  # the stuck job's records find it failed and do nothing; the new one runs
    assert _job(call, acme, fresh["id"])["counts"]["created"] == 3
    assert _job(call, acme, stuck["id"])["status"] == "failed"


def test_bad_input_and_unknown_jobs_are_refused(call: Invoke, acme: dict[str, str], shop: ShopifyStandin) -> None:
    assert call("sync_shopify", principal=acme, body={})["status"] == 404  # not set up
    _connect(call, acme)
    refused = call("sync_shopify", principal=acme, body={"mode": "everything"})
    assert refused["status"] == 400
    assert refused["body"]["error"]["details"][0]["field"] == "mode"
    missing = call("get_shopify_sync", principal=acme, path_params={"jobId": "shsync_01JD0000000000000000000000"})
    assert missing["status"] == 404
    assert call("get_shopify_sync", principal=acme, path_params={"jobId": "nope"})["status"] == 404


def test_a_shop_that_refuses_the_token_fails_the_job(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker
) -> None:
    shop.valid_tokens = {"shpat_another"}
    _connect(call, acme)
    done = _synced(call, acme, worker)
    assert done["status"] == "failed"
    assert "401" in done["error"]
    assert _start(call, acme)["status"] == "running"  # the lock was released


def test_a_dev_dashboard_app_syncs_with_the_token_its_client_credentials_are_granted(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker
) -> None:
    shop.generate(4)
    shop.valid_tokens = set()  # only tokens the grant hands out
    shop.clients = {"client0123456789": SETTINGS["webhookSecret"]}
    setup = {key: value for key, value in SETTINGS.items() if key != "accessToken"} | {"clientId": "client0123456789"}
    assert call("configure_shopify", principal=acme, body=setup)["status"] == 200
    done = _synced(call, acme, worker)
    assert (done["status"], done["counts"]["created"]) == ("succeeded", 4)
    shop.clients = {"client0123456789": "another secret"}  # the secret rotated in Shopify only
    shop.valid_tokens = set()
    connection._GRANTED.clear()  # a new process: no token kept
    refused = _synced(call, acme, worker)
    assert refused["status"] == "failed"
    assert "401" in refused["error"]


def test_the_daily_reconciliation_starts_an_incremental_sync_per_enabled_tenant(
    call: Invoke, acme: dict[str, str], shop: ShopifyStandin, worker: Worker
) -> None:
    shop.generate(12)
    _connect(call, acme)
    first = _synced(call, acme, worker)
    shop.update_customer("1000002", lastName="Reconciled")
    handler: Callable[..., Any] = load_function("reconcile_shopify").lambda_handler
    event = json.loads((ROOT / "events" / "reconcile_shopify.json").read_text())
    assert handler(event, Context()) == {"started": 1}
    assert handler(event, Context()) == {"started": 0}  # still running: left to it
    worker.run()
    jobs = [request for request in shop.requests if request["operationName"] == "ShopifyCustomers"]
    assert jobs[-1]["variables"]["query"].startswith("updated_at:>'")
    latest = call("get_shopify", principal=acme)["body"]["lastFullSync"]
    assert latest["id"] != first["id"]
    assert (latest["trigger"], latest["mode"], latest["counts"]["updated"]) == ("schedule", "incremental", 1)
