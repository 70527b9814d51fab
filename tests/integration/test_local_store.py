"""The local stack's own DynamoDB (moto, patched in clientele_local/atomic.py) holds only what is
stored: the copies a read hands out live no longer than the request."""

from __future__ import annotations

import gc

import boto3
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
