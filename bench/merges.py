"""Merge time for a source with 1,000 orders (issue 18), through the real merge (its dry run, its
start, then every step as the stream would run them) on moto in this process, beside its raw floor:
the same moves as bare boto3 calls on the same table (the orders' consumer changed in transactions of
25, the source's partition items Put and Deleted in transactions of 50 pairs), timed in the same run.

The source has ORDERS orders placed on it (each with its timeline event and, with a loyalty program
earning points, a points lot and transaction), one balance adjustment and an audience; the survivor
a few of its own. Requests and write units are metered as bench/run.py's (bench/dynamo_meter.py).

`python -m bench.merges` prints the section and adds it to bench/results.json under "merges";
`make bench` runs it in a process of its own.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ORDERS = int(os.environ.get("BENCH_MERGE_ORDERS", "1000"))

from clientele_local.inprocess import OFFLINE_ENV, Context, api_event, load_function  # noqa: E402

os.environ.update(
    OFFLINE_ENV, POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING", TABLE_NAME="clientele-bench"
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench import results  # noqa: E402
from bench.dynamo_meter import Index, Meter  # noqa: E402
from clientele.access import keys  # noqa: E402
from clientele.consumers.store import ConsumerRecord  # noqa: E402
from clientele.core import aws, settings  # noqa: E402
from clientele.core.tenancy import Environment, Tenant  # noqa: E402
from clientele.merges import service  # noqa: E402
from clientele.orders.store import OrderRecord  # noqa: E402
from clientele_local import moto_patches  # noqa: E402
from clientele_local.resources import table_request  # noqa: E402
from clientele_local.template import Template  # noqa: E402


def _answer(function: str, context: dict[str, str], expect: int, **request: Any) -> dict[str, Any]:
    response = load_function(function).lambda_handler(api_event(function, principal=context, **request), Context())
    assert response["statusCode"] == expect, (function, response["body"][:400])
    return dict(json.loads(response["body"]))


def _profile(context: dict[str, str], orders: int, audience: str) -> str:
    """A consumer with `orders` orders, a balance adjustment and an audience; its id."""
    consumer = _answer("create_consumer", context, 201, body={"email": f"{uuid.uuid4().hex[:10]}@example.com"})
    for _ in range(orders):
        body = {"consumerId": consumer["id"], "amount": "12.50", "currency": "EUR", "externalId": uuid.uuid4().hex}
        _answer("create_order", context, 201, body=body)
    credit = {"amount": "5.00", "currency": "EUR", "reason": "bench"}
    _answer("adjust_balance", context, 201, path_params={"id": consumer["id"]}, body=credit)
    _answer("add_audience_members", context, 200, path_params={"id": audience}, body={"consumerIds": [consumer["id"]]})
    return str(consumer["id"])


def _raw_move(raw: Any, table: str, tenant: Tenant, source: str, survivor: str) -> int:
    """The floor: the source's orders handed to the survivor and its partition items moved, bare."""
    target_orders = OrderRecord.consumer_orders_partition(tenant, survivor)
    orders = raw.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": OrderRecord.consumer_orders_partition(tenant, source)}},
    )
    found = list(orders["Items"])
    while "LastEvaluatedKey" in orders:
        orders = raw.query(
            TableName=table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": OrderRecord.consumer_orders_partition(tenant, source)}},
            ExclusiveStartKey=orders["LastEvaluatedKey"],
        )
        found += orders["Items"]
    updates = [
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": item["pk"], "sk": item["sk"]},
                "UpdateExpression": "SET consumerId = :to, gsi1pk = :pk",
                "ExpressionAttributeValues": {":to": {"S": survivor}, ":pk": {"S": target_orders}},
            }
        }
        for item in found
    ]
    for start in range(0, len(updates), 25):
        raw.transact_write_items(TransactItems=updates[start : start + 25])
    partition = ConsumerRecord.key(tenant, source)["pk"]
    target = ConsumerRecord.key(tenant, survivor)["pk"]
    items: list[dict[str, Any]] = []
    page = raw.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": partition}}
    )
    items += page["Items"]
    while "LastEvaluatedKey" in page:
        page = raw.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
            ExclusiveStartKey=page["LastEvaluatedKey"],
        )
        items += page["Items"]
    moved = [item for item in items if item["sk"]["S"].split("#")[0] in ("EVENT", "POINTS", "BALANCE")]
    pairs = [
        [
            {"Put": {"TableName": table, "Item": {**item, "pk": {"S": target}}}},
            {"Delete": {"TableName": table, "Key": {"pk": item["pk"], "sk": item["sk"]}}},
        ]
        for item in moved
    ]
    for start in range(0, len(pairs), 50):
        raw.transact_write_items(TransactItems=[op for pair in pairs[start : start + 50] for op in pair])
    return len(found) + len(moved)


def rows() -> list[dict[str, Any]]:
    moto_patches.apply()
    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        table = os.environ["TABLE_NAME"]
        properties = template.resolve(template.properties("Table"))
        boto3.client("dynamodb").create_table(**table_request(properties, table))
        settings.reset()
        aws.reset()
        raw = boto3.client("dynamodb")
        principal = keys.authenticate(keys.create_key("bench-merge", Environment.SANDBOX).secret)
        context, tenant = principal.as_context(), principal.tenant
        earning = {"pointsPerUnit": 1, "start": {"type": "immediate"}}
        _answer("create_loyalty_program", context, 201, body={"name": "Bench", "timezone": "UTC", "earning": earning})
        audience = _answer("create_audience", context, 201, body={"name": "Bench"})["id"]
        pairs = [(_profile(context, 5, audience), _profile(context, ORDERS, audience)) for _ in range(3)]
        (metered_survivor, metered_source), (survivor, source), (floor_survivor, floor_source) = pairs

        def merge(survivor: str, source: str) -> tuple[float, int]:
            """Seconds from the request to succeeded, and the steps it took."""
            started = time.perf_counter()
            job = _answer("merge_consumers", context, 202, path_params={"id": survivor}, body={"sourceIds": [source]})
            steps = 1
            while service.run_step(tenant, job["id"], steps - 1) not in (None, "succeeded", "failed"):
                steps += 1
            seconds = time.perf_counter() - started
            assert _answer("get_merge", context, 200, path_params={"id": job["id"]})["status"] == "succeeded"
            kept = _answer("get_consumer", context, 200, path_params={"id": survivor})
            assert kept["totalOrders"] == ORDERS + 5, kept["totalOrders"]
            return seconds, steps

        def dry_run(survivor: str, source: str) -> dict[str, Any]:
            body = {"sourceIds": [source], "dryRun": True}
            return _answer("merge_consumers", context, 200, path_params={"id": survivor}, body=body)

        # Metered on one pair (the meter reads each written item back to size it), timed on another.
        meter = Meter(
            indexes={
                index["IndexName"]: Index.from_definition(index) for index in properties["GlobalSecondaryIndexes"]
            },
            peek=lambda key: raw.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item"),
        )
        meter.attach(aws.dynamodb())
        preview = dry_run(metered_survivor, metered_source)
        dry_requests = sum(meter.requests.values())
        meter.reset()
        merge(metered_survivor, metered_source)
        meter.detach(aws.dynamodb())
        started = time.perf_counter()
        dry_run(survivor, source)
        dry_seconds = time.perf_counter() - started
        merged, steps = merge(survivor, source)

        started = time.perf_counter()
        items = _raw_move(raw, table, tenant, floor_source, floor_survivor)
        floor = time.perf_counter() - started
    moves = preview["moves"]
    return [
        {
            "operation": f"merge a source with {ORDERS} orders",
            "orders": moves["orders"],
            "itemsMoved": moves["orders"]
            + moves["timelineEvents"]
            + moves["pointsTransactions"]
            + moves["balanceAdjustments"],
            "steps": steps,
            "seconds": round(merged, 2),
            "dynamodbRequests": sum(meter.requests.values()),
            "wcu": round(meter.write_units),
            "rawFloorSeconds": round(floor, 2),
            "rawFloorItems": items,
            "ratioToRaw": round(merged / floor, 2),
            "dryRunSeconds": round(dry_seconds, 2),
            "dryRunRequests": dry_requests,
        }
    ]


def main() -> None:
    measured = rows()
    header = f"{'merge (issue 18)':<34} {'items':>6} {'steps':>6} {'seconds':>8} {'requests':>9} {'WCU':>7}"
    header += f" {'raw s':>7} {'x raw':>6}"
    print(f"\n{header}\n{'-' * len(header)}")
    for row in measured:
        print(
            f"{row['operation']:<34} {row['itemsMoved']:>6} {row['steps']:>6} {row['seconds']:>8.2f} "
            f"{row['dynamodbRequests']:>9} {row['wcu']:>7} {row['rawFloorSeconds']:>7.2f} {row['ratioToRaw']:>6.2f}"
        )
        print(f"  dry run: {row['dryRunSeconds']:.2f} s, {row['dryRunRequests']} requests (writes nothing)")
    print("(start to succeeded, every step run in turn as the stream would; raw: the same orders and partition")
    print(" items moved by bare transactions on the same table, in the same run; in-process on moto)")
    results.record("merges", measured)


if __name__ == "__main__":
    main()
