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
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ITERATIONS = int(os.environ.get("BENCH_ITERATIONS", "100"))
BIG, SMALL, SMALL_TENANTS = (int(n) for n in os.environ.get("BENCH_TENANTS", "100000,10000,9").split(","))

from clientele_local.inprocess import OFFLINE_ENV, Context, api_event, load_function, sample_event  # noqa: E402

os.environ.update(
    OFFLINE_ENV, POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING", TABLE_NAME="clientele-bench"
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench import coldstart, console, journal, population, shopify_webhooks, store  # noqa: E402
from bench.bulk import bulk_rows  # noqa: E402
from bench.dynamo_meter import Index, Meter  # noqa: E402
from bench.profile import profile_rows  # noqa: E402
from bench.results import RESULTS  # noqa: E402
from clientele.access import keys  # noqa: E402
from clientele.consumers import search_index  # noqa: E402
from clientele.consumers.enums import SortBy  # noqa: E402
from clientele.consumers.store import ConsumerRecord  # noqa: E402
from clientele.core import aws, settings  # noqa: E402
from clientele.core.store.dynamo import serialize  # noqa: E402
from clientele.core.tenancy import Environment, Principal  # noqa: E402
from clientele_local import moto_patches  # noqa: E402
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


def main() -> None:
    moto_patches.apply()
    store.fast_responses()
    rows: list[dict[str, Any]] = []
    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        boto3.client("dynamodb").create_table(
            **table_request(template.resolve(template.properties("Table")), os.environ["TABLE_NAME"])
        )
        secret = boto3.client("secretsmanager").create_secret(Name="cursor", SecretString="bench-cursor-key")
        os.environ["CURSOR_SECRET_ARN"] = secret["ARN"]
        settings.reset()
        aws.reset()
        table_properties = template.resolve(template.properties("Table"))
        raw = boto3.client("dynamodb")  # its own session: the meter does not count the floor's calls
        meter = Meter(
            indexes={
                index["IndexName"]: Index.from_definition(index)
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

        def create_seed_example(index: int) -> None:
            seed_body: dict[str, Any] = {"email": f"john{index}.{uuid.uuid4().hex[:6]}@example.com"}
            seed_body |= {"fullName": "John Doe", "metadata": {"source": "import", "tier": "vip"}}
            event = api_event("create_consumer", principal=context, body=seed_body)
            assert create_fn.lambda_handler(event, Context())["statusCode"] == 201

        operations = [
            ("POST /consumers (seed 001 example body)", create_seed_example, raw_create, 0),
            ("POST /consumers (+phone, externalId, tags)", create, raw_create, 0),
            ("POST /consumers + Idempotency-Key", create_idempotent, raw_create, 0),
            ("POST /consumers replayed key", replay, raw_get, 0),
            ("GET /consumers/{id}", get, raw_get, 1),
            ("GET /consumers/{id} unknown", get_missing, raw_get, 0),
            ("PUT /consumers/{id} (one field)", update, raw_update, 1),
            ("DELETE /consumers/{id}", delete, raw_delete, 1),
            ("authorizer (per uncached key)", authorize, raw_get, 1),
        ]
        rows += [timed_row(meter, *operation) for operation in operations]
        rows += write_side_rows(meter, context, principal)
        rows += profile_rows(raw, principal, ITERATIONS, lambda *operation: timed_row(meter, *operation))
        reads = read_rows(meter, raw)
        bulk = bulk_rows(meter, raw, {"10k": "small0", "100k": "big"})
    report(rows, reads, bulk, coldstart.rows())
    journal.run()  # the local store's journal: creates/s with and without it
    shopify_webhooks.run()  # Shopify webhook handling time per event (receive, then the stream's work)
    console.run()  # the console's first page of a 100k tenant on a local stack, in Chromium


def timed_row(
    meter: Meter, name: str, operation: Callable[[int], Any], floor_operation: Callable[[int], Any], returned: int
) -> dict[str, Any]:
    """One operation's row: metered DynamoDB use per call, and its rate beside its raw floor's."""
    operation(-1)  # warm up outside the meter
    meter.reset()
    rate, floor = timed_pair(operation, floor_operation)
    return {
        "operation": name,
        **_figures(meter, ITERATIONS, returned * ITERATIONS),
        "opsPerSecond": round(rate, 1),
        "rawFloorOpsPerSecond": round(floor, 1),
        "ratioToRaw": round(floor / rate, 2),
    }


def _figures(meter: Meter, calls: int, returned: int) -> dict[str, Any]:
    return {
        "dynamodbRequestsPerOp": round(sum(meter.requests.values()) / calls, 2),
        "requests": {op: round(count / calls, 2) for op, count in sorted(meter.requests.items())},
        "wcuPerOp": round(meter.write_units / calls, 2),
        "rcuPerOp": round(meter.read_units / calls, 2),
        "itemsReadPerOp": round(meter.items_read / calls, 2),
        "itemsReturnedPerOp": round(returned / calls, 2),
        "readAmplification": round(meter.items_read / returned, 2) if returned else None,
    }


def write_side_rows(meter: Meter, context: dict[str, str], principal: Principal) -> list[dict[str, Any]]:
    """A batch of 500, and what the stream's search indexer writes per consumer created or renamed."""
    batch_fn = load_function("batch_create_consumers")
    meter.reset()
    body = [
        {
            "email": f"batch{n}.{uuid.uuid4().hex[:6]}@example.com",
            "fullName": f"Batch Person {n}",
            "phone": "+14155552671",
        }
        for n in range(500)
    ]
    response = batch_fn.lambda_handler(api_event("batch_create_consumers", principal=context, body=body), Context())
    assert response["statusCode"] == 201, response["body"][:500]
    rows = [{"operation": "POST /consumers/batch (500)", **_figures(meter, 1, 0)}]
    consumers = [ConsumerRecord.from_item(item) for item in _stored(principal, json.loads(response["body"]))]
    meter.reset()
    for consumer in consumers[:100]:
        search_index.sync(principal.tenant, None, consumer)
    rows.append({"operation": "stream: search entries of a new consumer", **_figures(meter, 100, 0)})
    meter.reset()
    for consumer in consumers[:100]:
        search_index.sync(principal.tenant, consumer, consumer.model_copy(update={"full_name": "Other Name"}))
    rows.append({"operation": "stream: search entries after a rename", **_figures(meter, 100, 0)})
    return rows


def _stored(principal: Principal, created: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from clientele.core.store import dynamo

    keys_ = [ConsumerRecord.key(principal.tenant, consumer["id"]) for consumer in created]
    return dynamo.batch_get(keys_)


def read_rows(meter: Meter, raw: Any) -> list[dict[str, Any]]:
    """Every list, sort, filter, search and exact lookup on a 100k tenant and a 10k one beside it."""
    tenants = {"big": BIG, **{f"small{n}": SMALL for n in range(SMALL_TENANTS)}}
    samples: dict[str, dict[str, str]] = {}  # per tenant: a consumer's email, phone and externalId
    started = time.perf_counter()
    loaded = 0
    for number, (organization, count) in enumerate(tenants.items()):
        tenant = Principal.from_context(
            {"organization": organization, "environment": "sandbox", "scope": "write", "keyId": "key_bench"}
        ).tenant

        def generated(tenant: Any = tenant, count: int = count, number: int = number) -> Any:
            sample = samples.setdefault(tenant.organization, {})
            for consumer in population.consumers(count, seed=number):
                if not sample and consumer.email and consumer.phone and consumer.external_id:
                    sample.update(email=consumer.email, phone=consumer.phone, externalId=consumer.external_id)
                yield from population.items(tenant, consumer)

        loaded += store.load(os.environ["TABLE_NAME"], os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), generated())
    store.settle()
    print(f"Loaded {loaded:,} items for {sum(tenants.values()):,} consumers in {time.perf_counter() - started:.0f} s\n")

    list_fn, search_fn = load_function("list_consumers"), load_function("search_consumers")
    now = population.NOW
    filters = {
        "createdAfter (90 days)": {"createdAfter": (now - timedelta(days=90)).isoformat()},
        "createdBefore (2.5 years ago)": {"createdBefore": (now - timedelta(days=912)).isoformat()},
        "status=inactive": {"status": "inactive"},
        "membership=member": {"membership": "member"},
        "tier=gold": {"tier": "gold"},
        "lastActivityAfter (30 days)": {"lastActivityAfter": (now - timedelta(days=30)).isoformat()},
        "lastActivityBefore (2 years ago)": {"lastActivityBefore": (now - timedelta(days=730)).isoformat()},
    }
    cases: list[tuple[str, str, str, dict[str, str]]] = [("list", "default list", "list_consumers", {})]
    for sort_by in SortBy:
        for sort_dir in ("asc", "desc"):
            cases.append(
                ("sort", f"sortBy={sort_by} {sort_dir}", "list_consumers", {"sortBy": sort_by, "sortDir": sort_dir})
            )
    for name, query in filters.items():
        cases.append(("filter", name, "list_consumers", query))
    for name, query in filters.items():
        for sort_by in SortBy:
            if sort_by != "createdAt":
                cases.append(
                    ("filter+sort", f"{name} + sortBy={sort_by}", "list_consumers", {**query, "sortBy": sort_by})
                )
    for term in ("ma", "mar", "marti"):
        cases.append(("search", f"search={term}", "list_consumers", {"search": term}))
    for field_name in ("email", "phone", "externalId"):
        cases.append(("exact", f"/search {field_name}", "search_consumers", {field_name: "{" + field_name + "}"}))

    functions = {"list_consumers": list_fn, "search_consumers": search_fn}
    rows = []
    for kind, name, function, query in cases:
        row: dict[str, Any] = {"kind": kind, "operation": name}
        for size_name, organization in (("100k", "big"), ("10k", "small0")):
            context = {"organization": organization, "environment": "sandbox", "scope": "write", "keyId": "key_bench"}
            concrete = {key: value.format(**samples[organization]) for key, value in query.items()}
            meter.reset()
            returned = pages = 0
            cursor = None
            for _ in range(2):  # the first page and the next one
                params = {**concrete, **({"after": cursor} if cursor else {})}
                response = functions[function].lambda_handler(
                    api_event(function, principal=context, query=params), Context()
                )
                assert response["statusCode"] == 200, (name, response["body"][:300])
                body = json.loads(response["body"])
                returned += len(body["data"])
                pages += 1
                cursor = body["pageInfo"]["endCursor"]
                if cursor is None:
                    break
            row[size_name] = {**_figures(meter, pages, returned), "pages": pages}
        big, small = row["100k"], row["10k"]
        row["rcuRatio100kTo10k"] = round(big["rcuPerOp"] / small["rcuPerOp"], 2) if small["rcuPerOp"] else None
        rows.append(row)
    return rows


COLUMNS = [  # (heading, width, row key, format)
    ("operation", -44, "operation", "s"),
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


READ_COLUMNS = [  # (heading, width, figure key, format) of the 100k tenant, then the ratio
    ("req/page", 8, "dynamodbRequestsPerOp", ".2f"),
    ("RCU/page", 8, "rcuPerOp", ".2f"),
    ("read", 7, "itemsReadPerOp", ".1f"),
    ("returned", 8, "itemsReturnedPerOp", ".1f"),
    ("read amp", 8, "readAmplification", ".2f"),
]


BULK_COLUMNS = [  # (heading, width, row key, format)
    ("bulk work", -30, "operation", "s"),
    ("rows", 7, "rows", "d"),
    ("seconds", 7, "seconds", ".1f"),
    ("rows/s", 7, "rowsPerSecond", "d"),
    ("raw/s", 7, "rawRowsPerSecond", "d"),
    ("of raw", 6, "ratioToRaw", ".2f"),
    ("peak MiB", 8, "peakMemoryMiB", ".1f"),
    ("raw peak", 8, "rawPeakMemoryMiB", ".1f"),
    ("ddb req", 7, "dynamodbRequests", "d"),
    ("WCU/row", 7, "wcuPerRow", ".2f"),
]


def report(
    rows: list[dict[str, Any]], reads: list[dict[str, Any]], bulk: list[dict[str, Any]], cold: list[dict[str, Any]]
) -> None:
    header = " ".join(_cell(heading, width, "s") for heading, width, _, _ in COLUMNS)
    print(f"Clientele bench: {ITERATIONS} calls per operation, in-process handlers on moto\n")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(" ".join(_cell(row.get(key), width, spec) for _, width, key, spec in COLUMNS))
    header = (
        _cell("read (100k-consumer tenant, per page)", -48, "s")
        + " "
        + " ".join(_cell(heading, width, "s") for heading, width, _, _ in READ_COLUMNS)
    )
    header += " " + _cell("10k amp", 8, "s") + " " + _cell("100k/10k", 8, "s")
    print(f"\n{header}\n{'-' * len(header)}")
    for row in reads:
        cells = [_cell(row["operation"], -48, "s")]
        cells += [_cell(row["100k"][key], width, spec) for _, width, key, spec in READ_COLUMNS]
        cells += [_cell(row["10k"]["readAmplification"], 8, ".2f"), _cell(row["rcuRatio100kTo10k"], 8, ".2f")]
        print(" ".join(cells))
    header = " ".join(_cell(heading, width, "s") for heading, width, _, _ in BULK_COLUMNS)
    print(f"\n{header}\n{'-' * len(header)}")
    for row in bulk:
        figures = {**row, "rawRowsPerSecond": row.get("rawRowsPerSecond", row.get("rawConsumersPerSecond"))}
        print(" ".join(_cell(figures.get(key), width, spec) for _, width, key, spec in BULK_COLUMNS))
    print(
        "(of raw: rows/s as a share of the raw floor's, a bare Query of the same rows; for the import, consumers "
        "stored per second as a share of bare BatchWriteItems of the same items. Peak MiB: what the export "
        "allocates, S3 aside; raw peak: the bare Query's, moto answering it in this process.)"
    )
    coldstart.report(cold)
    summary = {
        "iterations": ITERATIONS,
        "tenants": {"big": BIG, "small": SMALL, "smallTenants": SMALL_TENANTS},
        "operations": rows,
        "reads": reads,
        "bulk": bulk,
        "coldStart": cold,
    }
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nWrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
