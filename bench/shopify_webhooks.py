"""Shopify webhook handling time per event (issue 17): what Shopify waits for (receive: verify the
HMAC, store the receipt, answer; its budget is 5 s) and the work the stream does after (process), per
topic, through the real handlers on moto in this process.

Each event is a new delivery signed by the stand-in's sender: customers/create of a new customer,
customers/update of a known one, orders/paid of a new order (with a loyalty program earning points),
and a duplicate (answered from the receipt's conditional put, nothing processed).

`python -m bench.shopify_webhooks` prints the section and adds it to bench/results.json under
"shopifyWebhooks"; `make bench` runs it in a process of its own (bench/run.py).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("BENCH_SHOPIFY_WEBHOOKS", "200"))  # per topic

from clientele_local.inprocess import OFFLINE_ENV, Context, api_event, load_function  # noqa: E402

os.environ.update(
    OFFLINE_ENV, POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING", TABLE_NAME="clientele-bench"
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench import results  # noqa: E402
from clientele.access import keys  # noqa: E402
from clientele.core import aws, settings  # noqa: E402
from clientele.core.tenancy import Environment  # noqa: E402
from clientele_local import moto_patches  # noqa: E402
from clientele_local import shopify_sender as payloads  # noqa: E402
from clientele_local.resources import table_request  # noqa: E402
from clientele_local.shopify_sender import Delivery, ShopifySender  # noqa: E402
from clientele_local.template import Template  # noqa: E402

BUCKET = "clientele-bench-files"
SECRET = "whsec_bench_0123456789abcdef012345"  # noqa: S105 (the bench shop's own, on moto)
T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def _answer(function: str, context: dict[str, str] | None, expect: int, **request: Any) -> dict[str, Any]:
    response = load_function(function).lambda_handler(api_event(function, principal=context, **request), Context())
    assert response["statusCode"] == expect, (function, response["body"][:400])
    return dict(json.loads(response["body"]))


class Pipeline:
    """The receive handler, and the stream's new receipts handed to the process handler."""

    def __init__(self, connection_id: str) -> None:
        self.connection_id = connection_id
        self.receive = load_function("receive_shopify_webhook")
        self.process = load_function("process_shopify_webhook")
        client = boto3.client("dynamodbstreams")
        arn = boto3.client("dynamodb").describe_table(TableName=os.environ["TABLE_NAME"])["Table"]["LatestStreamArn"]
        shards = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        self.streams = client
        self.iterators = [
            client.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST")[
                "ShardIterator"
            ]
            for shard in shards
        ]

    def post(self, delivery: Delivery) -> dict[str, Any]:
        event = api_event(
            "receive_shopify_webhook",
            principal=None,
            raw_body=delivery.body.decode(),
            headers=delivery.headers,
            path_params={"connectionId": self.connection_id},
        )
        answer = self.receive.lambda_handler(event, Context())
        assert answer["statusCode"] == 200, answer["body"][:400]
        return dict(json.loads(answer["body"]))

    def receipts(self) -> list[dict[str, Any]]:
        """The new INSERTs of receipts (the template's filter for ProcessShopifyWebhookFunction)."""
        found = []
        for number, iterator in enumerate(self.iterators):
            response = self.streams.get_records(ShardIterator=iterator)
            self.iterators[number] = response["NextShardIterator"]
            for record in response["Records"]:
                image = record["dynamodb"].get("NewImage") or {}
                if record["eventName"] == "INSERT" and image.get("entity", {}).get("S") == "ShopifyWebhook":
                    found.append(json.loads(json.dumps(record, default=str)))
        return found

    def work(self, records: list[dict[str, Any]]) -> None:
        answer = self.process.lambda_handler({"Records": records}, Context())
        assert answer == {"batchItemFailures": []}, answer


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "medianMs": round(statistics.median(ordered) * 1000, 2),
        "p95Ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
    }


def rows() -> list[dict[str, Any]]:
    moto_patches.apply()
    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        boto3.client("dynamodb").create_table(
            **table_request(template.resolve(template.properties("Table")), os.environ["TABLE_NAME"])
        )
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        os.environ["EXPORTS_BUCKET"] = BUCKET
        settings.reset()
        aws.reset()
        context = keys.authenticate(keys.create_key("bench-shopify", Environment.SANDBOX).secret).as_context()
        connected = _answer(
            "configure_shopify",
            context,
            200,
            body={
                "shopDomain": "kefi.myshopify.com",
                "accessToken": "shpat_bench_0123456789abcdef0123",
                "webhookSecret": SECRET,
                "enabled": True,
            },
        )
        earning = {"pointsPerUnit": 1, "start": {"type": "immediate"}}
        _answer("create_loyalty_program", context, 201, body={"name": "Bench", "timezone": "UTC", "earning": earning})
        sender = ShopifySender(connected["webhookUrl"], SECRET)
        pipeline = Pipeline(connected["connectionId"])

        def customer(number: int, minutes: int = 0) -> dict[str, Any]:
            return payloads.customer(
                10_000 + number, f"c{number}@example.com", updated_at=T0 + timedelta(minutes=minutes)
            )

        topics: list[tuple[str, Callable[[int], Delivery]]] = [
            ("customers/create (new customer)", lambda n: sender.delivery("customers/create", customer(n))),
            ("customers/update (known customer)", lambda n: sender.delivery("customers/update", customer(n, 5))),
            (
                "orders/paid (new order, earns points)",
                lambda n: sender.delivery(
                    "orders/paid", payloads.order(900_000 + n, customer(n), [("TEE-1", "Tee", 2, "25.00")])
                ),
            ),
        ]
        measured = []
        last: Delivery | None = None
        for name, build in topics:
            receive, process = [], []
            for number in range(EVENTS):
                delivery = build(number)
                started = time.perf_counter()
                assert pipeline.post(delivery)["duplicate"] is False
                receive.append(time.perf_counter() - started)
                records = pipeline.receipts()
                started = time.perf_counter()
                pipeline.work(records)
                process.append(time.perf_counter() - started)
                last = delivery
            measured.append({"operation": name, "receive": _ms(receive), "process": _ms(process)})
        assert last is not None
        duplicates = []
        for _ in range(EVENTS):
            started = time.perf_counter()
            assert pipeline.post(sender.retry(last))["duplicate"] is True
            duplicates.append(time.perf_counter() - started)
        assert pipeline.receipts() == []
        measured.append({"operation": "a duplicate (any topic)", "receive": _ms(duplicates), "process": None})
    return measured


def main() -> None:
    measured = rows()
    header = (
        f"{f'shopify webhooks: ms per event ({EVENTS} each)':<46} {'receive':>8} {'p95':>7} {'process':>8} {'p95':>7}"
    )
    print(f"\n{header}\n{'-' * len(header)}")
    for row in measured:
        process = row["process"]
        after = f"{process['medianMs']:>8.2f} {process['p95Ms']:>7.2f}" if process else f"{'-':>8} {'-':>7}"
        print(f"{row['operation']:<46} {row['receive']['medianMs']:>8.2f} {row['receive']['p95Ms']:>7.2f} {after}")
    print("(median and 95th percentile; receive: what Shopify waits for, within its 5 s; process: the stream's")
    print(" work after the answer; in-process handlers on moto)")
    results.record("shopifyWebhooks", measured)


def run() -> None:
    """The section, in a process of its own (bench/run.py)."""
    subprocess.run([sys.executable, "-m", "bench.shopify_webhooks"], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
