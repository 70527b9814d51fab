"""GET /consumers/stats and the stream counters behind it (functions/count_consumers): the figures
equal a count of the consumers as they are, after any replay of the stream's batches."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from clientele.consumers import stats, stats_store
from clientele.core.errors import StoreBusy
from clientele.core.store import dynamo
from clientele.core.tenancy import Environment, Tenant
from clientele_local.inprocess import Context, load_function
from tests.integration.conftest import Invoke, principal_for, stream_records

ACME = Tenant("acme", Environment.SANDBOX)


@pytest.fixture
def changes(table: str) -> Callable[[], list[dict[str, Any]]]:
    """The stream's new consumer records, as the counting function's FilterCriteria pass them."""
    return stream_records(table, "CountConsumersFunction", "Changes")


def deliver(records: list[dict[str, Any]]) -> dict[str, Any]:
    return dict(load_function("count_consumers").lambda_handler({"Records": records}, Context()))


def truth(call: Invoke, principal: dict[str, str]) -> dict[str, Any]:
    """The figures counted from the consumers themselves (every page of the list)."""
    consumers, after = [], None
    while True:
        query = {"first": "100", **({"after": after} if after else {})}
        page = call("list_consumers", principal=principal, query=query)["body"]
        consumers += page["data"]
        after = page["pageInfo"]["endCursor"]
        if not after:
            break
    tiers = Counter(consumer["loyalty"]["tier"] for consumer in consumers if consumer["loyalty"].get("tier"))
    return {
        "total": len(consumers),
        "byStatus": {status: sum(c["status"] == status for c in consumers) for status in ("active", "inactive")},
        "byMembership": {kind: sum(c["membership"] == kind for c in consumers) for kind in ("member", "guest")},
        "byVerified": {
            "verified": sum(c["verified"] for c in consumers),
            "unverified": sum(not c["verified"] for c in consumers),
        },
        "byTier": dict(sorted(tiers.items())),
        "createdToday": sum(c["createdAt"][:10] == date.today().isoformat() for c in consumers),
    }


def figures(call: Invoke, principal: dict[str, str], **query: str) -> dict[str, Any]:
    answer = call("consumer_stats", principal=principal, query=query)
    assert answer["status"] == 200, answer
    body = dict(answer["body"])
    body["createdToday"] = body.pop("created")[-1]["count"]
    body.pop("interval")
    return body


def populate(call: Invoke, principal: dict[str, str], count: int) -> list[str]:
    """Consumers of every kind, then changes that move some between buckets and a deletion."""
    ids = []
    for number in range(count):
        body = {
            "email": f"person{number}@example.com",
            "status": "inactive" if number % 3 == 0 else "active",
            "membership": "member" if number % 2 else "guest",
            "verified": number % 4 == 0,
        }
        created = call("create_consumer", principal=principal, body=body)
        assert created["status"] == 201, created
        ids.append(created["body"]["id"])
    for consumer_id in ids[:3]:
        changed = call(
            "update_consumer", principal=principal, path_params={"id": consumer_id}, body={"status": "active"}
        )
        assert changed["status"] == 200, changed
    renamed = call("update_consumer", principal=principal, path_params={"id": ids[4]}, body={"fullName": "New Name"})
    assert renamed["status"] == 200, renamed
    assert call("delete_consumer", principal=principal, path_params={"id": ids[5]})["status"] == 200
    return ids


def test_the_figures_equal_the_consumers_after_creates_changes_and_a_delete(
    call: Invoke, acme: dict[str, str], changes: Callable[[], list[dict[str, Any]]]
) -> None:
    populate(call, acme, 12)
    assert deliver(changes()) == {"batchItemFailures": []}
    assert figures(call, acme) == truth(call, acme)
    assert figures(call, acme)["total"] == 11


def test_a_stream_replayed_in_any_grouping_counts_each_change_once(
    call: Invoke, acme: dict[str, str], changes: Callable[[], list[dict[str, Any]]]
) -> None:
    """Lambda redelivers a batch after a failure, and BisectBatchOnFunctionError splits it: the same
    records come again, alone or in other groups, in order. None of them may count twice."""
    populate(call, acme, 12)
    records = changes()
    assert len(records) >= 12 + 4 + 1  # creates, the changes and the delete (the rename is a record too)
    assert deliver(records) == {"batchItemFailures": []}
    expected = truth(call, acme)
    assert figures(call, acme) == expected
    shuffled = random.Random(7)
    for _ in range(3):
        cut = sorted(shuffled.sample(range(1, len(records)), 3))
        for start, end in zip([0, *cut], [*cut, len(records)], strict=True):
            assert deliver(records[start:end]) == {"batchItemFailures": []}
        assert deliver(records[::-1]) == {"batchItemFailures": []}  # even out of order
        assert figures(call, acme) == expected


def test_records_the_store_refuses_are_reported_and_count_once_when_delivered_again(
    call: Invoke, acme: dict[str, str], changes: Callable[[], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One batch, two tenants: the first tenant's transaction is refused (a busy store), the second's
    goes through. Lambda resumes at the first failed record, so the second tenant's records come
    again; they must not count twice."""
    globex = principal_for("globex")
    populate(call, acme, 6)
    populate(call, globex, 6)
    records = changes()
    real = dynamo.transact
    refused = {"left": 1}

    def busy_once(operations: list[dict[str, Any]]) -> None:
        if refused["left"]:
            refused["left"] -= 1
            raise StoreBusy()
        real(operations)

    monkeypatch.setattr(dynamo, "transact", busy_once)
    failed = {failure["itemIdentifier"] for failure in deliver(records)["batchItemFailures"]}
    acme_records = [record for record in records if "#acme#" in record["dynamodb"]["Keys"]["pk"]["S"]]
    assert failed, "the refused records must be reported for redelivery"
    assert failed <= {record["dynamodb"]["SequenceNumber"] for record in acme_records}  # (a rename moves nothing)
    first = next(index for index, record in enumerate(records) if record["dynamodb"]["SequenceNumber"] in failed)
    assert deliver(records[first:]) == {"batchItemFailures": []}  # globex's records among them, again
    assert figures(call, acme) == truth(call, acme)
    assert figures(call, globex) == truth(call, globex)


def test_tenants_and_environments_are_counted_apart(
    call: Invoke, acme: dict[str, str], changes: Callable[[], list[dict[str, Any]]]
) -> None:
    live = principal_for("acme", "live")
    other = principal_for("globex")
    populate(call, acme, 8)
    populate(call, live, 7)
    populate(call, other, 6)
    assert deliver(changes()) == {"batchItemFailures": []}
    assert [figures(call, p)["total"] for p in (acme, live, other)] == [7, 6, 5]
    for principal in (acme, live, other):
        assert figures(call, principal) == truth(call, principal)


def test_tiers_are_counted_from_the_primary_program(
    call: Invoke, acme: dict[str, str], changes: Callable[[], list[dict[str, Any]]]
) -> None:
    program = {"name": "Club", "tiers": [{"name": "Silver", "minPoints": 0}, {"name": "Gold", "minPoints": 100}]}
    created = call("create_loyalty_program", principal=acme, body=program)
    assert created["status"] == 201, created
    ids = populate(call, acme, 6)
    points = {"programId": created["body"]["id"], "points": 150, "reason": "welcome"}
    added = call("add_points", principal=acme, path_params={"id": ids[1]}, body=points)
    assert added["status"] == 201, added
    assert deliver(changes()) == {"batchItemFailures": []}
    seen = figures(call, acme)
    assert seen == truth(call, acme)
    assert seen["byTier"].get("Gold") == 1


def test_new_consumers_are_bucketed_by_day_and_by_iso_week(table: str) -> None:
    """The per-day counters read back as days or as weeks starting on Monday, oldest first, with
    empty periods as 0; days outside the range are not read."""
    days = {"2026-11-01": 4, "2026-11-02": 1, "2026-11-08": 2, "2026-11-09": 3, "2026-10-01": 9}
    assert stats_store.add(ACME, ["e1"], {}, days)
    today = date(2026, 11, 10)  # a Tuesday
    weekly = stats.overview(ACME, stats.StatsInterval.WEEK, 3, today).to_api()
    assert weekly["created"] == [
        {"start": "2026-10-26", "count": 4},  # Sunday 1 Nov ends the week of Monday 26 Oct
        {"start": "2026-11-02", "count": 1 + 2},  # Monday 2 to Sunday 8
        {"start": "2026-11-09", "count": 3},  # the current week, so far
    ]
    daily = stats.overview(ACME, stats.StatsInterval.DAY, 3, today).to_api()
    assert daily["created"] == [
        {"start": "2026-11-08", "count": 2},
        {"start": "2026-11-09", "count": 3},
        {"start": "2026-11-10", "count": 0},
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"periods": "0"}, "periods"), ({"periods": "105"}, "periods"), ({"interval": "month"}, "interval")],
)
def test_bad_parameters_are_a_400_naming_the_field(
    call: Invoke, acme: dict[str, str], query: dict[str, str], field: str
) -> None:
    answer = call("consumer_stats", principal=acme, query=query)
    assert answer["status"] == 400
    assert answer["body"]["error"]["code"] == "validation_failed"
    assert field in {detail["field"] for detail in answer["body"]["error"]["details"]}


def test_a_read_only_key_reads_the_figures(call: Invoke, table: str) -> None:
    reader = principal_for("acme", read_only=True)
    answer = call("consumer_stats", principal=reader, query={"interval": "day", "periods": "7"})
    assert answer["status"] == 200
    assert answer["body"]["total"] == 0
    assert len(answer["body"]["created"]) == 7


def test_a_batch_larger_than_one_transaction_and_a_record_twice_count_once(
    call: Invoke, acme: dict[str, str], changes: Callable[[], list[dict[str, Any]]]
) -> None:
    rows = [{"email": f"bulk{number}@example.com"} for number in range(stats.PER_TRANSACTION + 15)]
    assert call("batch_create_consumers", principal=acme, body=rows)["status"] == 201
    records = changes()
    assert len(records) == len(rows)
    assert deliver(records + records[:3]) == {"batchItemFailures": []}
    assert figures(call, acme) == truth(call, acme)
    assert figures(call, acme)["total"] == len(rows)
