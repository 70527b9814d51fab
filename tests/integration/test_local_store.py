"""The local stack's own DynamoDB (moto, patched in clientele_local/atomic.py) holds only what is
stored: the copies a read hands out live no longer than the request, a cancelled transaction
leaves every item as it was, and a condition parsed once still decides every write."""

from __future__ import annotations

import gc
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models.dynamo_type import Item

from tests.integration.conftest import TABLE_NAME


def _live_items() -> int:
    gc.collect()
    return sum(1 for thing in gc.get_objects() if type(thing) is Item)


def test_reads_leave_no_item_behind(table: str) -> None:
    raw = boto3.client("dynamodb")
    for number in range(50):
        item = {"pk": {"S": f"T#{number}"}, "sk": {"S": "C"}, "gsi1pk": {"S": "T#ALL"}, "gsi1sk": {"S": f"{number:03}"}}
        raw.put_item(TableName=TABLE_NAME, Item=item)
    stored = _live_items()
    for _ in range(5):
        answer = raw.query(
            TableName=TABLE_NAME,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :h",
            ExpressionAttributeValues={":h": {"S": "T#ALL"}},
        )
        assert answer["Count"] == 50
        raw.get_item(TableName=TABLE_NAME, Key={"pk": {"S": "T#7"}, "sk": {"S": "C"}})
    # moto alone kept every copy it made (its instance tracker): 5 x 51 more, read after read.
    assert _live_items() == stored
    assert not Item.instances_tracked  # type: ignore[attr-defined]


def test_a_cancelled_transaction_puts_back_every_item_it_changed(table: str) -> None:
    raw = boto3.client("dynamodb")
    before = {"pk": {"S": "T#kept"}, "sk": {"S": "C"}, "name": {"S": "before"}}
    raw.put_item(TableName=TABLE_NAME, Item=before)
    raw.put_item(TableName=TABLE_NAME, Item={"pk": {"S": "T#taken"}, "sk": {"S": "C"}})
    puts = [{"Put": {"TableName": TABLE_NAME, "Item": {"pk": {"S": f"T#new{n}"}, "sk": {"S": "C"}}}} for n in range(60)]
    change = {"Put": {"TableName": TABLE_NAME, "Item": {**before, "name": {"S": "changed"}}}}
    delete = {"Delete": {"TableName": TABLE_NAME, "Key": {"pk": before["pk"], "sk": before["sk"]}}}
    taken = {"pk": {"S": "T#taken"}, "sk": {"S": "C"}}
    refused = {"Put": {"TableName": TABLE_NAME, "Item": taken, "ConditionExpression": "attribute_not_exists(pk)"}}
    for transaction in ([change, *puts, refused], [*puts[:30], delete, refused]):
        with pytest.raises(ClientError, match="TransactionCanceled"):
            raw.transact_write_items(TransactItems=transaction)
    assert raw.get_item(TableName=TABLE_NAME, Key={"pk": before["pk"], "sk": before["sk"]})["Item"] == before
    for put in puts:
        assert "Item" not in raw.get_item(TableName=TABLE_NAME, Key=put["Put"]["Item"])


def test_a_condition_is_parsed_once_and_still_decides_every_write(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = boto3.client("dynamodb")
    lex = ConditionExpressionParser._lex_condition_expression
    lexed: list[str] = []

    def counting(parser: ConditionExpressionParser) -> Any:
        lexed.append(parser.condition_expression)
        return lex(parser)

    monkeypatch.setattr(ConditionExpressionParser, "_lex_condition_expression", counting)
    fresh = "attribute_not_exists(pk) AND attribute_not_exists(fresh)"
    for number in range(5):
        item = {"pk": {"S": f"T#once{number}"}, "sk": {"S": "C"}, "v": {"N": "1"}}
        write = {"Put": {"TableName": TABLE_NAME, "Item": item, "ConditionExpression": fresh}}
        raw.transact_write_items(TransactItems=[write])
    assert lexed == [fresh]  # moto alone lexed it 3 times per write: 15

    def bump(expected: str) -> None:
        raw.update_item(
            TableName=TABLE_NAME,
            Key={"pk": {"S": "T#once0"}, "sk": {"S": "C"}},
            UpdateExpression="SET v = v + :one",
            ConditionExpression="v = :expected AND attribute_not_exists(fresh)",
            ExpressionAttributeValues={":one": {"N": "1"}, ":expected": {"N": expected}},
        )

    bump("1")
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        bump("1")  # the same expression and values, now false
    bump("2")  # other values: another tree
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        raw.put_item(TableName=TABLE_NAME, Item={"pk": {"S": "T#once3"}, "sk": {"S": "C"}}, ConditionExpression=fresh)
    stored = raw.get_item(TableName=TABLE_NAME, Key={"pk": {"S": "T#once0"}, "sk": {"S": "C"}})["Item"]
    assert stored["v"] == {"N": "3"}
