"""The bench's moto patches (bench/store.py) answer Queries exactly as moto itself does: the bench's
figures are only worth something if its reads return the right rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from bench import population, store
from clientele.data.consumers import ConsumerRecord
from clientele.tenancy import Environment, Tenant
from tests.integration.conftest import TABLE_NAME

TENANT = Tenant(organization="small0", environment=Environment.SANDBOX)
Key = tuple[str, str, str]


@pytest.fixture
def loaded(table: str) -> Iterator[Any]:
    store.partitioned_queries()
    store.fast_responses()
    store.load(
        TABLE_NAME,
        "us-east-1",
        (item for c in population.consumers(300, seed=1) for item in population.items(TENANT, c)),
    )
    yield boto3.client("dynamodb")
    store.restore()


def _walk(raw: Any, forward: bool, limit: int, between: tuple[str, str] | None = None) -> list[Key]:
    condition = "gsi1pk = :h" + (" AND gsi1sk BETWEEN :a AND :b" if between else "")
    values = {":h": {"S": ConsumerRecord.list_key(TENANT)}}
    if between:
        values |= {":a": {"S": between[0]}, ":b": {"S": between[1]}}
    params: dict[str, Any] = {
        "TableName": TABLE_NAME,
        "IndexName": "gsi1",
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": forward,
        "Limit": limit,
    }
    found: list[Key] = []
    while True:
        answer = raw.query(**params)
        found += [(item["gsi1sk"]["S"], item["pk"]["S"], item["sk"]["S"]) for item in answer["Items"]]
        if "LastEvaluatedKey" not in answer:
            return found
        params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def test_pages_in_both_directions_and_ranges_hold_every_row_once(loaded: Any) -> None:
    everything = _walk(loaded, True, 1000)
    assert everything == sorted(everything)
    assert len(everything) == 300
    for limit in (1, 7, 100):
        assert _walk(loaded, True, limit) == everything
        assert _walk(loaded, False, limit) == everything[::-1]
    low, high = everything[100][0], everything[200][0]
    inside = [key for key in everything if low <= key[0] <= high]
    assert _walk(loaded, True, 9, (low, high)) == inside
    assert _walk(loaded, False, 9, (low, high)) == inside[::-1]


def test_writes_move_items_in_the_kept_partitions(loaded: Any) -> None:
    everything = _walk(loaded, True, 1000)
    moved, deleted, updated = everything[5], everything[6], everything[7]

    def key(row: Key) -> dict[str, Any]:
        return {"pk": {"S": row[1]}, "sk": {"S": row[2]}}

    item = loaded.get_item(TableName=TABLE_NAME, Key=key(moved))["Item"]
    loaded.put_item(TableName=TABLE_NAME, Item={**item, "gsi1sk": {"S": "0000"}})
    loaded.delete_item(TableName=TABLE_NAME, Key=key(deleted))
    loaded.update_item(
        TableName=TABLE_NAME,
        Key=key(updated),
        UpdateExpression="SET gsi1sk = :z",
        ExpressionAttributeValues={":z": {"S": "zzzz"}},
    )
    expected = sorted(
        [("0000", *moved[1:]), ("zzzz", *updated[1:])] + [k for k in everything if k not in (moved, deleted, updated)]
    )
    assert _walk(loaded, True, 13) == expected
