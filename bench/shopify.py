"""A full Shopify sync in the bench: N customers (BENCH_SHOPIFY_CUSTOMERS, default 100,000) from the
Shopify stand-in, through the real code (clientele.shopify.sync_jobs.start_sync, then
clientele.shopify.sync.run_chunk chunk by chunk, as the stream drives it: the bulk operation, its
JSONL read as a stream, every customer through customers.apply), beside the raw write floor on the
same store: bare BatchWriteItems of the items that many new consumers store (each with its
uniqueness claims, as bench/bulk.py's import floor). The ratio is the sync's customers per second
over the floor's consumers per second.

    .venv/bin/python -m bench.shopify            (BENCH_SHOPIFY_CUSTOMERS=5000 for a quicker figure)

`make bench` runs it after bench/run.py, in its own process: a slice's BatchGetItem and a transaction
a customer against moto in this process (100,000 customers: 135 a second, 8 at a time, ratio 0.25 to
the floor's 548), so 100,000 customers take about 12 minutes on their own.
"""

from __future__ import annotations

import os
import time
from typing import Any

from clientele_local.inprocess import OFFLINE_ENV

os.environ.update(
    OFFLINE_ENV, POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING", TABLE_NAME="clientele-bench"
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3
from moto import mock_aws

from bench import store
from bench.bulk import _raw_batch_writes
from bench.run import ROOT
from clientele.consumers import store as consumer_store
from clientele.consumers.enums import Source
from clientele.consumers.requests import ConsumerCreate
from clientele.consumers.service import new_consumer
from clientele.core import aws, settings
from clientele.core.tenancy import Environment, Tenant
from clientele.shopify import connection, sync, sync_jobs
from clientele.shopify.requests import ShopifySettings
from clientele.shopify.sync_models import ShopifySyncMode, ShopifySyncRequest
from clientele_local import moto_patches
from clientele_local.resources import table_request
from clientele_local.shopify_standin import ShopifyStandin
from clientele_local.template import Template

CUSTOMERS = int(os.environ.get("BENCH_SHOPIFY_CUSTOMERS", "100000"))


def _floor_items(tenant: Tenant, customers: int) -> list[dict[str, Any]]:
    """The items `customers` new consumers store (each with its uniqueness claims), as the floor writes them."""
    items = []
    for number in range(customers):
        request = ConsumerCreate(
            email=f"raw{number}@example.com", first_name=f"First{number}", last_name=f"Last{number}", tags=["vip"]
        )
        write = consumer_store.insert_write(tenant, new_consumer(request, "2026-11-01T00:00:00.000Z", Source.SHOPIFY))
        items += [operation["Put"]["Item"] for operation in write.operations if "Put" in operation]
    return items


def _full_sync(tenant: Tenant) -> dict[str, Any]:
    job = sync_jobs.start_sync(tenant, ShopifySyncRequest(mode=ShopifySyncMode.BULK))
    chunk = 0
    while sync.run_chunk(tenant, job.id, chunk) is not None:
        chunk += 1
    return sync_jobs.get_sync(tenant, job.id).to_api()


def shopify_rows(raw: Any, customers: int = CUSTOMERS) -> list[dict[str, Any]]:
    """One row: the full sync's customers per second beside the raw floor's, and its ratio."""
    tenant = Tenant(organization="bench-shopify", environment=Environment.SANDBOX)
    sync.POLL_INTERVAL = 0.05
    with ShopifyStandin(customers=customers) as shop:
        os.environ["SHOPIFY_BASE_URL"] = shop.base_url
        settings.reset()
        connection.configure(
            tenant,
            ShopifySettings(
                shop_domain="bench.myshopify.com",
                access_token="shpat_bench0123456789abcdef0123456789",  # noqa: S106 (the stand-in's, not a secret)
                webhook_secret="whsec_bench0123456789abcdef012345",  # noqa: S106
                enabled=True,
            ),
            base_url="https://bench.example.com",
        )
        store.settle()
        start = time.perf_counter()
        job = _full_sync(tenant)
        seconds = time.perf_counter() - start
        reads = shop.bulk_reads
    assert job["status"] == "succeeded", job
    assert job["counts"]["created"] == customers, job["counts"]
    floor_tenant = Tenant(organization="bench-shopify-raw", environment=Environment.SANDBOX)
    items = _floor_items(floor_tenant, customers)
    start = time.perf_counter()
    _raw_batch_writes(raw, items)
    raw_seconds = time.perf_counter() - start
    rate, floor = customers / seconds, customers / raw_seconds
    return [
        {
            "operation": f"Shopify full sync, {customers:,} customers (bulk JSONL)",
            "rows": customers,
            "seconds": round(seconds, 1),
            "rowsPerSecond": round(rate),
            "rawRowsPerSecond": round(floor),
            "ratioToRaw": round(rate / floor, 3),
            "chunks": reads,
        }
    ]


def main() -> None:
    moto_patches.apply()
    store.fast_responses()
    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        boto3.client("dynamodb").create_table(
            **table_request(template.resolve(template.properties("Table")), os.environ["TABLE_NAME"])
        )
        settings.reset()
        aws.reset()
        raw = boto3.client("dynamodb")
        for row in shopify_rows(raw):
            print("  ".join(f"{name}={value}" for name, value in row.items()))


if __name__ == "__main__":
    main()
