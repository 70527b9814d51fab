"""`make bench`: what each API operation costs in DynamoDB and how close it runs to the raw store.

Every operation runs through its real Lambda handler (authorizer context, validation, idempotency,
transactions) against moto in this process; the raw floor is the bare boto3 call that stores or
reads the same item, timed in the same run, so the ratio shows the service's own overhead.
Cold start is the import time of each function's module in a fresh interpreter.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
ITERATIONS = int(os.environ.get("BENCH_ITERATIONS", "100"))

from clientele_local.inprocess import OFFLINE_ENV, Context, api_event, load_function, sample_event  # noqa: E402

os.environ.update(
    OFFLINE_ENV, POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING", TABLE_NAME="clientele-bench"
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench.dynamo_meter import Meter  # noqa: E402
from clientele import aws, keys  # noqa: E402
from clientele.data.consumers import ConsumerRecord  # noqa: E402
from clientele.data.dynamo import serialize  # noqa: E402
from clientele.tenancy import Environment  # noqa: E402
from clientele_local.atomic import make_moto_dynamodb_atomic  # noqa: E402
from clientele_local.resources import table_request  # noqa: E402
from clientele_local.template import Template  # noqa: E402


def timed_pair(operation: Callable[[int], Any], floor: Callable[[int], Any]) -> tuple[float, float]:
    """Operations per second of the service operation and of its raw floor, calls interleaved so
    both see the same table (moto's transactions slow down as the table grows)."""
    spent = {"operation": 0.0, "floor": 0.0}
    for index in range(ITERATIONS):
        for name, call in (("operation", operation), ("floor", floor)):
            start = time.perf_counter()
            call(index)
            spent[name] += time.perf_counter() - start
    return ITERATIONS / spent["operation"], ITERATIONS / spent["floor"]


def cold_start(function: str, runs: int = 5) -> float:
    """Median seconds to import a function's app.py in a fresh interpreter (the init phase)."""
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); t = time.perf_counter(); import app; "
        "print(time.perf_counter() - t)"
    )
    samples = []
    for _ in range(runs):
        env = {**os.environ, "TABLE_NAME": "cold-start"}
        output = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", code, str(ROOT / "functions" / function)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        samples.append(float(output.stdout.strip()))
    return statistics.median(samples)


def main() -> None:
    make_moto_dynamodb_atomic()
    rows: list[dict[str, Any]] = []
    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        boto3.client("dynamodb").create_table(
            **table_request(template.resolve(template.properties("Table")), os.environ["TABLE_NAME"])
        )
        aws.reset()
        table_properties = template.resolve(template.properties("Table"))
        raw = boto3.client("dynamodb")  # its own session: the meter does not count the floor's calls
        meter = Meter(
            indexes={
                index["IndexName"]: tuple(key["AttributeName"] for key in index["KeySchema"])
                for index in table_properties.get("GlobalSecondaryIndexes", [])
            },
            peek=lambda key: raw.get_item(TableName=os.environ["TABLE_NAME"], Key=key, ConsistentRead=True).get("Item"),
        )
        meter.attach(aws.dynamodb())

        key = keys.create_key("bench", Environment.SANDBOX)
        principal = keys.authenticate(key.secret)
        context = principal.as_context()
        create_fn, get_fn, update_fn, delete_fn, authorizer_fn = (
            load_function(name)
            for name in ("create_consumer", "get_consumer", "update_consumer", "delete_consumer", "authorizer")
        )

        def body(index: int) -> dict[str, Any]:
            return {
                "email": f"user{index}.{uuid.uuid4().hex[:8]}@example.com",
                "fullName": f"Bench User {index}",
                "phone": "+14155552671",
                "externalId": uuid.uuid4().hex,
                "metadata": {"tier": "vip", "source": "bench"},
                "tags": ["bench"],
            }

        created_ids: list[str] = []

        def create(index: int) -> None:
            response = create_fn.lambda_handler(
                api_event("create_consumer", principal=context, body=body(index)), Context()
            )
            assert response["statusCode"] == 201, response
            created_ids.append(json.loads(response["body"])["id"])

        def create_idempotent(index: int) -> None:
            event = api_event(
                "create_consumer", principal=context, body=body(index), headers={"Idempotency-Key": uuid.uuid4().hex}
            )
            assert create_fn.lambda_handler(event, Context())["statusCode"] == 201

        replay_event = api_event(
            "create_consumer", principal=context, body=body(10**6), headers={"Idempotency-Key": "bench-replay"}
        )

        def replay(_: int) -> None:
            assert create_fn.lambda_handler(copy.deepcopy(replay_event), Context())["statusCode"] == 201

        def get(index: int) -> None:
            event = api_event(
                "get_consumer", principal=context, path_params={"id": created_ids[index % len(created_ids)]}
            )
            assert get_fn.lambda_handler(event, Context())["statusCode"] == 200

        def get_missing(_: int) -> None:
            event = api_event("get_consumer", principal=context, path_params={"id": "cons_01HXYZ12345678901234567890"})
            assert get_fn.lambda_handler(event, Context())["statusCode"] == 404

        def update(index: int) -> None:
            consumer_id = created_ids[index % len(created_ids)]
            event = api_event(
                "update_consumer",
                principal=context,
                body={"fullName": f"Renamed {index}"},
                path_params={"id": consumer_id},
            )
            assert update_fn.lambda_handler(event, Context())["statusCode"] == 200

        def delete(index: int) -> None:
            event = api_event("delete_consumer", principal=context, path_params={"id": created_ids.pop()})
            assert delete_fn.lambda_handler(event, Context())["statusCode"] == 200

        auth_event = copy.deepcopy(sample_event("authorizer"))
        auth_event["headers"] = {"Authorization": f"Bearer {key.secret}"}

        def authorize(_: int) -> None:
            assert authorizer_fn.lambda_handler(copy.deepcopy(auth_event), Context())["principalId"]

        # Raw floors: the least the store must do for each operation, as bare boto3 calls on the
        # same items: one conditional transaction of consumer + email + externalId items, one GetItem.
        table = os.environ["TABLE_NAME"]
        create(-2)
        sample_item = raw.get_item(
            TableName=table, Key=serialize(ConsumerRecord.key(principal.tenant, created_ids[0]))
        )["Item"]

        def raw_create(index: int) -> None:
            unique = uuid.uuid4().hex
            items = [
                {**sample_item, "pk": {"S": f"raw#{unique}"}},
                {"pk": {"S": f"raw#EMAIL#{unique}"}, "sk": {"S": "UNIQUE"}, "consumerId": {"S": unique}},
                {"pk": {"S": f"raw#EXTERNALID#{unique}"}, "sk": {"S": "UNIQUE"}, "consumerId": {"S": unique}},
            ]
            raw.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
                    for item in items
                ]
            )

        def raw_get(index: int) -> None:
            raw.get_item(TableName=table, Key={"pk": sample_item["pk"], "sk": sample_item["sk"]})

        def raw_update(index: int) -> None:
            key = {"pk": sample_item["pk"], "sk": sample_item["sk"]}
            current = raw.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
            raw.put_item(TableName=table, Item={**current, "fullName": {"S": f"Renamed {index}"}})

        def raw_delete(index: int) -> None:
            unique = uuid.uuid4().hex
            raw.get_item(
                TableName=table, Key={"pk": {"S": f"raw#{unique}"}, "sk": sample_item["sk"]}, ConsistentRead=True
            )
            raw.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": table, "Key": {"pk": {"S": f"raw#{kind}{unique}"}, "sk": {"S": sk}}}}
                    for kind, sk in (("", "PROFILE"), ("EMAIL#", "UNIQUE"), ("EXTERNALID#", "UNIQUE"))
                ]
            )

        operations = [
            ("POST /consumers", create, raw_create, 0),
            ("POST /consumers + Idempotency-Key", create_idempotent, raw_create, 0),
            ("POST /consumers replayed key", replay, raw_get, 0),
            ("GET /consumers/{id}", get, raw_get, 1),
            ("GET /consumers/{id} unknown", get_missing, raw_get, 0),
            ("PUT /consumers/{id} (one field)", update, raw_update, 1),
            ("DELETE /consumers/{id}", delete, raw_delete, 1),
            ("authorizer (per uncached key)", authorize, raw_get, 1),
        ]
        for name, operation, floor_operation, returned in operations:
            operation(-1)  # warm up outside the meter
            meter.reset()
            rate, floor = timed_pair(operation, floor_operation)
            calls = ITERATIONS
            rows.append(
                {
                    "operation": name,
                    "dynamodbRequestsPerOp": round(sum(meter.requests.values()) / calls, 2),
                    "requests": {op: round(count / calls, 2) for op, count in sorted(meter.requests.items())},
                    "wcuPerOp": round(meter.write_units / calls, 2),
                    "rcuPerOp": round(meter.read_units / calls, 2),
                    "readAmplification": round(meter.items_read / (calls * returned), 2) if returned else None,
                    "opsPerSecond": round(rate, 1),
                    "rawFloorOpsPerSecond": round(floor, 1),
                    "ratioToRaw": round(floor / rate, 2),
                }
            )
    functions = sorted(path.name for path in (ROOT / "functions").iterdir() if (path / "app.py").is_file())
    cold = {name: round(cold_start(name) * 1000, 1) for name in functions}
    report(rows, cold)


COLUMNS = [  # (heading, width, row key, format)
    ("operation", -36, "operation", "s"),
    ("ddb req/op", 10, "dynamodbRequestsPerOp", ".2f"),
    ("WCU/op", 7, "wcuPerOp", ".2f"),
    ("RCU/op", 7, "rcuPerOp", ".2f"),
    ("read amp", 8, "readAmplification", ".2f"),
    ("ops/s", 8, "opsPerSecond", ".1f"),
    ("raw ops/s", 9, "rawFloorOpsPerSecond", ".1f"),
    ("x raw", 6, "ratioToRaw", ".2f"),
]


def _cell(value: Any, width: int, spec: str) -> str:
    text = "-" if value is None else format(value, spec)
    return text.ljust(-width) if width < 0 else text.rjust(width)


def report(rows: list[dict[str, Any]], cold: dict[str, float]) -> None:
    header = " ".join(_cell(heading, width, "s") for heading, width, _, _ in COLUMNS)
    print(f"Clientele bench: {ITERATIONS} calls per operation, in-process handlers on moto\n")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(" ".join(_cell(row[key], width, spec) for _, width, key, spec in COLUMNS))
    cold_text = ", ".join(f"{name} {ms}" for name, ms in cold.items())
    print(f"\nCold start (median import of app.py in a fresh python3.13, ms): {cold_text}")
    summary = {"iterations": ITERATIONS, "operations": rows, "coldStartMs": cold}
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nWrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
