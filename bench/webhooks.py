"""Outbound webhooks: events made per second from the stream, and events delivered per second to a
receiver on 127.0.0.1, through the real functions (in-process, moto for the table, the queue and
Secrets Manager).

- publish: PublishEventsFunction over the stream records of BENCH_WEBHOOK_EVENTS new consumers,
  handed over in the template's batches (25): each record stored once as an event and one delivery
  message queued per subscribed endpoint;
- deliver: DeliverWebhooksFunction over the queue, 10 messages an invocation as Lambda's poller hands
  them: each reads its endpoint and event, signs (Standard Webhooks), POSTs (a receiver answering
  204 at once), and records the attempt.

`python -m bench.webhooks` prints the section and adds it to bench/results.json under "webhooks"; `make
bench` runs it after bench/run.py, in its own process.
"""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench import results
from clientele_local.inprocess import OFFLINE_ENV, Context, api_event, load_function

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "500"))
PUBLISH_BATCH = 25  # PublishEventsFunction's BatchSize in template.yaml
DELIVER_BATCH = 10  # DeliverWebhooksFunction's
FLOOR_PUTS = 200


class _Receiver:
    def __init__(self) -> None:
        self.count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.count += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def measure(events: int = EVENTS) -> dict[str, Any]:
    os.environ.update(
        OFFLINE_ENV,
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_DEV="false",
        POWERTOOLS_LOG_LEVEL="WARNING",
        TABLE_NAME="clientele-bench-webhooks",
        WEBHOOKS_ALLOW_LOCAL="1",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws

    from clientele.access import keys
    from clientele.core import aws, settings
    from clientele.core.tenancy import Environment
    from clientele_local import moto_patches
    from clientele_local.resources import table_request
    from clientele_local.sqsevents import lambda_record
    from clientele_local.template import Template

    moto_patches.apply()
    receiver = _Receiver()
    with mock_aws():
        settings.reset()
        aws.reset()
        template = Template.load(ROOT / "template.yaml")
        table = os.environ["TABLE_NAME"]
        ddb = boto3.client("dynamodb")
        ddb.create_table(**table_request(template.resolve(template.properties("Table")), table))
        cursor = boto3.client("secretsmanager").create_secret(Name="cursor", SecretString="bench-cursor-key")
        queue = boto3.client("sqs").create_queue(QueueName="bench-webhooks")["QueueUrl"]
        os.environ.update(CURSOR_SECRET_ARN=cursor["ARN"], WEBHOOK_QUEUE_URL=queue)
        settings.reset()
        principal = keys.authenticate(keys.create_key("bench", Environment.SANDBOX).secret).as_context()

        def call(function: str, **request: Any) -> dict[str, Any]:
            answer = load_function(function).lambda_handler(
                api_event(function, principal=principal, **request), Context()
            )
            return dict(answer)

        created = call("create_webhook_endpoint", body={"url": receiver.url, "events": ["consumer.created"]})
        assert created["statusCode"] == 201, created
        streams = boto3.client("dynamodbstreams")
        arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
        creator = load_function("create_consumer")
        for number in range(events):
            event = api_event("create_consumer", principal=principal, body={"email": f"hook{number}@example.com"})
            assert creator.lambda_handler(event, Context())["statusCode"] == 201
        records: list[dict[str, Any]] = []
        while True:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            batch = [json.loads(json.dumps(r, default=str)) for r in answer["Records"]]
            records += [
                r
                for r in batch
                if r["eventName"] == "INSERT" and r["dynamodb"]["NewImage"]["entity"]["S"] == "Consumer"
            ]
            iterator = answer["NextShardIterator"]
            if not batch:
                break
        publisher = load_function("publish_events")
        start = time.perf_counter()
        for first in range(0, len(records), PUBLISH_BATCH):
            publisher.lambda_handler({"Records": records[first : first + PUBLISH_BATCH]}, Context())
        published = time.perf_counter() - start

        sqs = boto3.client("sqs")
        deliverer = load_function("deliver_webhooks")
        handed = 0
        start = time.perf_counter()
        while True:
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=DELIVER_BATCH).get("Messages", [])
            if not messages:
                break
            answer = deliverer.lambda_handler(
                {"Records": [lambda_record(m, "arn:aws:sqs:us-east-1:123456789012:bench") for m in messages]}, Context()
            )
            assert answer == {"batchItemFailures": []}, answer
            sqs.delete_message_batch(
                QueueUrl=queue,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
            )
            handed += len(messages)
        delivered = time.perf_counter() - start
        start = time.perf_counter()  # the floor: bare PutItem calls to the same moto, in the same run
        for number in range(FLOOR_PUTS):
            ddb.put_item(TableName=table, Item={"pk": {"S": f"floor#{number}"}, "sk": {"S": "x"}})
        floor = FLOOR_PUTS / (time.perf_counter() - start)
    receiver.server.shutdown()
    assert receiver.count == handed == len(records), (receiver.count, handed, len(records))
    return {
        "events": len(records),
        "publishedPerSecond": round(len(records) / published, 1),
        "deliveredPerSecond": round(receiver.count / delivered, 1),
        "storeCallsPerSecond": round(floor, 1),
    }


def run() -> dict[str, Any]:
    figures = measure()
    header = "Outbound webhooks (in-process functions, moto, a receiver on 127.0.0.1)"
    print(f"\n{header}\n{'-' * len(header)}")
    print(f"{'events':>8} {'published/s':>12} {'delivered/s':>12} {'raw PutItem/s':>14}")
    print(
        f"{figures['events']:>8} {figures['publishedPerSecond']:>12} {figures['deliveredPerSecond']:>12}"
        f" {figures['storeCallsPerSecond']:>14}"
    )
    print("(published: stream records -> stored events + queued deliveries, 3 store/queue calls each; delivered:")
    print(" queue -> signed POST + the attempt recorded, 3 store calls each, 10 messages an invocation, one")
    print(" endpoint; raw PutItem/s: the same moto's floor in the same run)")
    results.record("webhooks", figures)
    return figures


if __name__ == "__main__":
    run()
