"""The local store's partitioned Query (clientele_local/partitions.py) answers exactly as moto's own
walk of the whole table does: for the table and its indexes, both directions, pages, ranges and
filters, after writes, and after a transaction that was rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.table import Table

from bench import population, store
from clientele.consumers.store import ConsumerRecord
from clientele.core.tenancy import Environment, Tenant
from clientele_local import partitions
from tests.integration.conftest import TABLE_NAME

TENANT = Tenant(organization="small0", environment=Environment.SANDBOX)
LIST = ConsumerRecord.list_key(TENANT)
CONSUMERS = 80


@pytest.fixture
def raw(table: str) -> Iterator[Any]:
    store.fast_responses()  # moto's own serializer would be most of the time spent here
    store.load(
        TABLE_NAME,
        "us-east-1",
        (item for c in population.consumers(CONSUMERS, seed=1) for item in population.items(TENANT, c)),
    )
    yield boto3.client("dynamodb")
    store.restore()


def _pages(raw: Any, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a Query, as the service pages it (LastEvaluatedKey into ExclusiveStartKey)."""
    pages = []
    while True:
        answer = raw.query(TableName=TABLE_NAME, **params)
        pages.append(answer["Items"])
        if "LastEvaluatedKey" not in answer:
            return pages
        params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _queries(raw: Any) -> list[dict[str, Any]]:
    """Queries of each shape the service makes: an index's partition, forward and backward, in pages
    of several sizes, within a range, by each comparison, behind a filter; the table's partition by prefix."""
    everything = _pages(
        raw, IndexName="gsi1", KeyConditionExpression="gsi1pk = :h", ExpressionAttributeValues={":h": {"S": LIST}}
    )[0]
    low, high = everything[20]["gsi1sk"]["S"], everything[60]["gsi1sk"]["S"]
    consumer = everything[50]["pk"]["S"]
    queries: list[dict[str, Any]] = []
    for index in ("gsi1", "byEmail", "byTotalOrderValue"):
        key = {
            "IndexName": index,
            "KeyConditionExpression": "gsi1pk = :h",
            "ExpressionAttributeValues": {":h": {"S": LIST}},
        }
        for limit in (1000, 30, 11):
            queries += [{**key, "Limit": limit}, {**key, "Limit": limit, "ScanIndexForward": False}]
    between = {":h": {"S": LIST}, ":a": {"S": low}, ":b": {"S": high}}
    queries += [
        {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :h AND gsi1sk BETWEEN :a AND :b",
            "ExpressionAttributeValues": between,
            "Limit": limit,
            "ScanIndexForward": forward,
        }
        for limit in (9, 100)
        for forward in (True, False)
    ]
    queries += [
        {
            "IndexName": "gsi1",
            "KeyConditionExpression": f"gsi1pk = :h AND gsi1sk {comparison} :a",
            "ExpressionAttributeValues": {":h": {"S": LIST}, ":a": {"S": bound}},
            "Limit": limit,
            "ScanIndexForward": forward,
        }
        for comparison in ("=", "<", "<=", ">", ">=")
        for bound in (low, low[:-1], "~")  # a key held, a value between keys, one after every key
        for limit in (7, 100)
        for forward in (True, False)
    ]
    queries.append(
        {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :h",
            "FilterExpression": "begins_with(sEmail, :e)",
            "ExpressionAttributeValues": {":h": {"S": LIST}, ":e": {"S": "a"}},
            "Limit": 25,
        }
    )
    queries += [
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": consumer}}},
        {
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
            "ExpressionAttributeValues": {":p": {"S": consumer}, ":s": {"S": "C"}},
            "Limit": 1,
        },
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "nobody"}}},
    ]
    return queries


def _answers(raw: Any, queries: list[dict[str, Any]]) -> list[list[list[dict[str, Any]]]]:
    return [_pages(raw, **query) for query in queries]


def _as_moto_answers(raw: Any, queries: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as patched:
        patched.setattr(Table, "query", partitions._ORIGINAL_QUERY)
        return _answers(raw, queries)


def test_queries_answer_as_moto_walking_the_whole_table(raw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    queries = _queries(raw)
    answers = _answers(raw, queries)
    assert answers == _as_moto_answers(raw, queries, monkeypatch)
    assert [len(page) for page in answers[0]] == [CONSUMERS]  # gsi1, all in one page
    assert [len(page) for page in answers[2]] == [30, 30, 20]  # gsi1 in pages of 30: every consumer once


def test_writes_move_items_within_the_kept_partitions(raw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    queries = _queries(raw)
    _answers(raw, queries)  # the groupings exist before the writes, so the writes must move items in them
    listed = _pages(
        raw, IndexName="gsi1", KeyConditionExpression="gsi1pk = :h", ExpressionAttributeValues={":h": {"S": LIST}}
    )[0]
    moved, deleted, updated = listed[5], listed[6], listed[7]

    def key(item: dict[str, Any]) -> dict[str, Any]:
        return {"pk": item["pk"], "sk": item["sk"]}

    raw.put_item(TableName=TABLE_NAME, Item={**moved, "gsi1sk": {"S": "0000"}, "sValue": {"S": "~"}})
    raw.delete_item(TableName=TABLE_NAME, Key=key(deleted))
    raw.update_item(
        TableName=TABLE_NAME,
        Key=key(updated),
        UpdateExpression="SET gsi1sk = :z REMOVE sEmail",
        ExpressionAttributeValues={":z": {"S": "zzzz"}},
    )
    raw.put_item(TableName=TABLE_NAME, Item={**moved, "pk": {"S": "C#new"}, "gsi1sk": {"S": "5555"}})
    after = _answers(raw, queries)
    assert after == _as_moto_answers(raw, queries, monkeypatch)
    first = _pages(
        raw,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :h",
        ExpressionAttributeValues={":h": {"S": LIST}},
        Limit=1,
    )[0]
    assert first[0]["gsi1sk"]["S"] == "0000"


def test_a_rolled_back_transaction_leaves_the_partitions_as_they_were(
    raw: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = _queries(raw)
    before = _answers(raw, queries)
    listed = before[0][0]
    changed, taken = listed[3], listed[4]
    transaction = [
        {"Put": {"TableName": TABLE_NAME, "Item": {**changed, "gsi1sk": {"S": "0000"}}}},
        {"Put": {"TableName": TABLE_NAME, "Item": {**changed, "pk": {"S": "C#rolled-back"}}}},
        {"Delete": {"TableName": TABLE_NAME, "Key": {"pk": listed[9]["pk"], "sk": listed[9]["sk"]}}},
        {"Put": {"TableName": TABLE_NAME, "Item": taken, "ConditionExpression": "attribute_not_exists(pk)"}},
    ]
    with pytest.raises(ClientError, match="TransactionCanceled"):
        raw.transact_write_items(TransactItems=transaction)
    assert _answers(raw, queries) == before
    assert before == _as_moto_answers(raw, queries, monkeypatch)


def test_an_unknown_index_is_refused_as_moto_refuses_it(raw: Any) -> None:
    with pytest.raises(ClientError, match="Invalid index: byNothing"):
        raw.query(
            TableName=TABLE_NAME,
            IndexName="byNothing",
            KeyConditionExpression="gsi1pk = :h",
            ExpressionAttributeValues={":h": {"S": LIST}},
        )
