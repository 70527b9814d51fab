"""Every change the local store makes to moto (clientele_local/moto_patches.py) answers as moto does.

The same operations, over HTTP against the local stack's moto server, once patched as the integration
tests are (journal on), once with FAST_ANSWERS on top as `make run` and the bench are, and once with
moto exactly as released: the answers must match. The operations go through every patched path: each
DynamoDB read and write (conditions parsed once, Queries by partition, transactions committed and
cancelled, items untracked), the stream read in process as the pollers read it, S3 puts, copies, deletes and multipart
uploads, and the server's entry. And another moto than the one the patches were written for is
refused before anything is patched.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import moto
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.table import Table

from clientele_local import journal, moto_patches
from clientele_local.moto_patches import ClienteleLocalError
from clientele_local.resources import Moto
from clientele_local.template import ACCOUNT_ID, REGION
from tests.conftest import ROOT
from tests.integration.conftest import EXPORTS_BUCKET, TABLE_NAME, reset

# Parts of an answer that differ between any two runs (ids, clocks, positions in a stream).
_VOLATILE = {
    "ResponseMetadata",
    "eventID",
    "SequenceNumber",
    "SizeBytes",  # of the record, sequence number included
    "ApproximateCreationDateTime",
    "ShardIterator",
    "NextShardIterator",
    "StartingSequenceNumber",
    "UploadId",
}


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clean(member) for key, member in value.items() if key not in _VOLATILE}
    if isinstance(value, list):
        return [_clean(member) for member in value]
    if isinstance(value, datetime.datetime):
        return "<time>"
    if hasattr(value, "read"):  # an S3 body
        return value.read()
    return value


def _item(name: str, **extra: Any) -> dict[str, Any]:
    return {"pk": {"S": f"T#{name}"}, "sk": {"S": "C"}, "name": {"S": name}, **extra}


def _key(name: str) -> dict[str, Any]:
    return {"pk": {"S": f"T#{name}"}, "sk": {"S": "C"}}


def _listed(n: int) -> dict[str, Any]:
    return _item(f"m{n:02}", gsi1pk={"S": "L"}, gsi1sk={"S": f"{(n * 7) % 30:02}#{n:02}"}, sEmail={"S": "ab"[n % 2]})


def _scenario(server: Moto, pollers_read: bool) -> list[Any]:
    """Every answer of a run of patched paths; the stream is read as the local stack's pollers read it
    (pollers_read: moto_patches.StreamReader, in this process), or with moto's own GetRecords."""
    ddb, s3, streams = server.client("dynamodb"), server.client("s3"), server.client("dynamodbstreams")
    answers: list[Any] = []
    arn = ddb.describe_table(TableName=TABLE_NAME)["Table"]["LatestStreamArn"]
    reader = moto_patches.StreamReader(ACCOUNT_ID, REGION, arn, limit=10) if pollers_read else None

    def answer(call: Any, **params: Any) -> Any:
        try:
            got = _clean(call(**params))
        except ClientError as error:
            got = {
                "error": error.response["Error"]["Code"],
                **_clean({k: v for k, v in error.response.items() if k != "Error"}),
            }
        answers.append(got)
        return got

    # Writes, alone: plain, conditional (one expression, several values: parsed once), in place.
    answer(ddb.put_item, TableName=TABLE_NAME, Item=_item("a", v={"N": "1"}), ReturnValues="ALL_OLD")
    answer(ddb.put_item, TableName=TABLE_NAME, Item=_item("a", v={"N": "1"}, x={"S": "x"}), ReturnValues="ALL_OLD")
    answer(
        ddb.put_item,
        TableName=TABLE_NAME,
        Item=_item("a"),
        ConditionExpression="attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    for expected in ("1", "1", "2"):
        answer(
            ddb.update_item,
            TableName=TABLE_NAME,
            Key=_key("a"),
            UpdateExpression="SET v = v + :one",
            ConditionExpression="v = :expected",
            ExpressionAttributeValues={":one": {"N": "1"}, ":expected": {"N": expected}},
            ReturnValues="ALL_NEW",
        )
    answer(
        ddb.update_item,
        TableName=TABLE_NAME,
        Key=_key("new"),
        UpdateExpression="SET w = :w",
        ExpressionAttributeValues={":w": {"B": b"\x01"}},
        ReturnValues="ALL_NEW",
    )
    answer(ddb.delete_item, TableName=TABLE_NAME, Key=_key("new"), ReturnValues="ALL_OLD")
    answer(ddb.delete_item, TableName=TABLE_NAME, Key=_key("nobody"), ReturnValues="ALL_OLD")
    answer(ddb.batch_write_item, RequestItems={TABLE_NAME: [{"PutRequest": {"Item": _listed(n)}} for n in range(25)]})
    answer(
        ddb.batch_write_item,
        RequestItems={TABLE_NAME: [{"DeleteRequest": {"Key": _key("m03")}}, {"PutRequest": {"Item": _item("b")}}]},
    )
    # Transactions: committed, cancelled (reasons, and every item as it was), refused outright.
    answer(
        ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": TABLE_NAME, "Item": _item("t"), "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": TABLE_NAME, "Key": _key("a"), "UpdateExpression": "REMOVE x"}},
            {"Delete": {"TableName": TABLE_NAME, "Key": _key("m04")}},
            {
                "ConditionCheck": {
                    "TableName": TABLE_NAME,
                    "Key": _key("b"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
    )
    answer(
        ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": TABLE_NAME, "Item": {**_listed(5), "gsi1sk": {"S": "00#first"}}}},
            {"Delete": {"TableName": TABLE_NAME, "Key": _key("m06")}},
            {"Put": {"TableName": TABLE_NAME, "Item": _item("never")}},
            {
                "Put": {
                    "TableName": TABLE_NAME,
                    "Item": _item("t"),
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ],
    )
    answer(ddb.transact_write_items, TransactItems=[{"Delete": {"TableName": TABLE_NAME, "Key": _key("a")}}] * 2)

    # Reads: single, batched, transactional; Queries of the table and an index, both ways, in pages,
    # by range and behind a filter; the whole table (in key order: a Scan promises no other).
    answer(ddb.get_item, TableName=TABLE_NAME, Key=_key("a"))
    answer(ddb.get_item, TableName=TABLE_NAME, Key=_key("never"))
    answer(ddb.batch_get_item, RequestItems={TABLE_NAME: {"Keys": [_key("a"), _key("t"), _key("m06")]}})
    answer(
        ddb.transact_get_items, TransactItems=[{"Get": {"TableName": TABLE_NAME, "Key": _key(k)}} for k in ("a", "m04")]
    )
    listing = {
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :l",
        "ExpressionAttributeValues": {":l": {"S": "L"}},
    }
    for extra in (
        {},
        {"ScanIndexForward": False},
        {"Limit": 7},
        {"Limit": 4, "ScanIndexForward": False},
        {
            "FilterExpression": "sEmail = :e",
            "ExpressionAttributeValues": {":l": {"S": "L"}, ":e": {"S": "a"}},
            "Limit": 5,
        },
        {
            "KeyConditionExpression": "gsi1pk = :l AND gsi1sk BETWEEN :a AND :b",
            "ExpressionAttributeValues": {":l": {"S": "L"}, ":a": {"S": "05"}, ":b": {"S": "20~"}},
            "Limit": 3,
        },
        {
            "KeyConditionExpression": "gsi1pk = :l AND begins_with(gsi1sk, :p)",
            "ExpressionAttributeValues": {":l": {"S": "L"}, ":p": {"S": "1"}},
        },
    ):
        params = {**listing, **extra}
        while True:
            page = answer(ddb.query, TableName=TABLE_NAME, **params)
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    answer(
        ddb.query,
        TableName=TABLE_NAME,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "T#a"}},
    )
    scanned = [item for page in ddb.get_paginator("scan").paginate(TableName=TABLE_NAME) for item in page["Items"]]
    answers.append(sorted(scanned, key=lambda item: (item["pk"]["S"], item["sk"]["S"])))

    # The stream: every record of the writes above, in order (the rolled-back transaction's none).
    records = []
    if reader is not None:
        while got := reader.read():
            records += _clean(got)
    else:
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while (page := streams.get_records(ShardIterator=iterator, Limit=10))["Records"]:
                records += _clean(page["Records"])
                iterator = page["NextShardIterator"]
    assert len(records) > 20, "the writes above are on the stream"
    answers.append(records)

    # S3: put, read, copy (metadata kept or replaced), delete one or many, a multipart upload.
    csv = {"ContentType": "text/csv", "ContentDisposition": 'attachment; filename="a.csv"', "Metadata": {"job": "j1"}}
    answer(s3.put_object, Bucket=EXPORTS_BUCKET, Key="exports/a.csv", Body=b"id\n1\n", **csv)
    answer(s3.head_object, Bucket=EXPORTS_BUCKET, Key="exports/a.csv")
    answer(
        s3.copy_object,
        Bucket=EXPORTS_BUCKET,
        Key="exports/b.csv",
        CopySource={"Bucket": EXPORTS_BUCKET, "Key": "exports/a.csv"},
    )
    answer(
        s3.copy_object,
        Bucket=EXPORTS_BUCKET,
        Key="exports/c.txt",
        CopySource={"Bucket": EXPORTS_BUCKET, "Key": "exports/a.csv"},
        MetadataDirective="REPLACE",
        ContentType="text/plain",
        Metadata={"job": "j2"},
    )
    for key in ("tmp/x", "tmp/y"):
        answer(s3.put_object, Bucket=EXPORTS_BUCKET, Key=key, Body=key.encode())
    answer(s3.delete_object, Bucket=EXPORTS_BUCKET, Key="tmp/x")
    answer(s3.delete_objects, Bucket=EXPORTS_BUCKET, Delete={"Objects": [{"Key": "tmp/y"}, {"Key": "tmp/none"}]})
    upload = answer(s3.create_multipart_upload, Bucket=EXPORTS_BUCKET, Key="exports/m.csv", ContentType="text/csv")
    upload_id = s3.list_multipart_uploads(Bucket=EXPORTS_BUCKET)["Uploads"][0]["UploadId"]
    part = answer(
        s3.upload_part, Bucket=EXPORTS_BUCKET, Key=upload["Key"], UploadId=upload_id, PartNumber=1, Body=b"m\n"
    )
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    answer(
        s3.complete_multipart_upload,
        Bucket=EXPORTS_BUCKET,
        Key=upload["Key"],
        UploadId=upload_id,
        MultipartUpload=parts,
    )
    for key in ("exports/a.csv", "exports/b.csv", "exports/c.txt", "exports/m.csv", "tmp/x"):
        answer(s3.get_object, Bucket=EXPORTS_BUCKET, Key=key)
    answer(s3.list_objects_v2, Bucket=EXPORTS_BUCKET)
    return answers


def test_every_patched_path_answers_as_moto_does(served: Moto, tmp_path: Path) -> None:
    log = journal.Journal(tmp_path / "journal")
    log.open()
    journal.activate(log)
    patched = _scenario(served, pollers_read=True)
    journal.activate(None)
    log.close()
    assert len(list((tmp_path / "journal").glob("*.jsonl"))) == 1  # the journal was on all along

    reset(served)
    moto_patches.apply(moto_patches.FAST_ANSWERS)
    try:
        fast = _scenario(served, pollers_read=True)
    finally:
        moto_patches.restore(moto_patches.FAST_ANSWERS)

    reset(served)
    with moto_patches.unpatched():
        assert not moto_patches.applied()
        assert not hasattr(Table.put_item, "__wrapped__")  # moto's own, not a wrapper of it
        own = _scenario(served, pollers_read=False)

    assert len(own) > 60
    for number, (ours, theirs) in enumerate(zip(patched, own, strict=True)):
        assert ours == theirs, f"answer {number}"
    for number, (ours, theirs) in enumerate(zip(fast, own, strict=True)):
        assert ours == theirs, f"answer {number} (FAST_ANSWERS)"


def test_unpatched_gives_moto_back_and_takes_it_again() -> None:
    patched = {(patch.owner, patch.name): getattr(patch.owner, patch.name) for patch in moto_patches.STORE}
    with moto_patches.unpatched():
        for (owner, name), ours in patched.items():
            assert getattr(owner, name) is not ours
    assert moto_patches.applied() == list(moto_patches.STORE)


def test_another_moto_is_refused_before_anything_is_patched(monkeypatch: pytest.MonkeyPatch) -> None:
    with moto_patches.unpatched(), monkeypatch.context() as other:
        other.setattr(moto, "__version__", "5.3.0")
        with pytest.raises(ClienteleLocalError) as refused:
            moto_patches.apply()
        assert not moto_patches.applied()
        server = Moto()
        with pytest.raises(ClienteleLocalError):
            server.start()
        assert server.server is None  # refused before the server started
    message = str(refused.value)
    assert "moto 5.3.0 is installed" in message
    assert "written for moto 5.2.5" in message
    for patch in (*moto_patches.STORE, *moto_patches.FAST_ANSWERS):
        assert patch.target in message  # each patch to re-check, by name
    assert "Table.query" in message
    assert "partitions.py" in message


def test_the_patches_are_for_the_pinned_moto() -> None:
    pinned = re.search(r"^moto==(\S+)$", (ROOT / "requirements-dev.txt").read_text(), re.M)
    assert pinned is not None
    assert moto_patches.MOTO_VERSION == pinned[1] == moto.__version__
