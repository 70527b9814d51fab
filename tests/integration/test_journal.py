"""The local store's journal (clientele_local/journal.py), on the local stack's own moto server: every
write request it answers is on disk first (one record, one fsync), and a replay after a crash gives
back exactly the items and objects that were there; a torn or corrupt record never stops a start."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from clientele_local import journal
from clientele_local.resources import Moto
from clientele_local.template import ACCOUNT_ID, REGION
from tests.integration.conftest import EXPORTS_BUCKET, TABLE_NAME, reset


def _item(name: str, **extra: Any) -> dict[str, Any]:
    return {"pk": {"S": f"T#{name}"}, "sk": {"S": "C"}, "name": {"S": name}, **extra}


def _key(name: str) -> dict[str, Any]:
    return {"pk": {"S": f"T#{name}"}, "sk": {"S": "C"}}


def _state(server: Moto) -> dict[str, Any]:
    """Every item of the table and every object of the bucket (bytes, content type, metadata)."""
    ddb, s3 = server.client("dynamodb"), server.client("s3")
    items = [item for page in ddb.get_paginator("scan").paginate(TableName=TABLE_NAME) for item in page["Items"]]
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=EXPORTS_BUCKET):
        for listed in page.get("Contents", []):
            got = s3.get_object(Bucket=EXPORTS_BUCKET, Key=listed["Key"])
            objects[listed["Key"]] = (
                got["Body"].read(),
                got["ContentType"],
                got.get("ContentDisposition"),
                got["Metadata"],
            )
    return {"items": sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=repr)), "objects": objects}


def _every_kind_of_write(server: Moto) -> int:
    """The writes the service makes, and some refused ones; returns how many requests changed something."""
    ddb, s3 = server.client("dynamodb"), server.client("s3")
    changed = 0

    def write(call: Any, **params: Any) -> None:
        nonlocal changed
        call(**params)
        changed += 1

    write(ddb.put_item, TableName=TABLE_NAME, Item=_item("a", n={"N": "1"}, png={"B": b"\x00\xff bytes"}))
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        ddb.put_item(TableName=TABLE_NAME, Item=_item("a"), ConditionExpression="attribute_not_exists(pk)")
    write(
        ddb.update_item,
        TableName=TABLE_NAME,
        Key=_key("a"),
        UpdateExpression="SET n = n + :one, tags = :tags",
        ExpressionAttributeValues={":one": {"N": "1"}, ":tags": {"L": [{"S": "x"}, {"M": {"k": {"BOOL": True}}}]}},
    )
    write(
        ddb.update_item,
        TableName=TABLE_NAME,
        Key=_key("b"),
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "new"}},
    )
    write(ddb.put_item, TableName=TABLE_NAME, Item=_item("gone"))
    write(ddb.delete_item, TableName=TABLE_NAME, Key=_key("gone"))
    batch = [
        {"PutRequest": {"Item": _item(f"batch{n}", gsi1pk={"S": "L"}, gsi1sk={"S": f"{n:03}"})}} for n in range(24)
    ]
    write(ddb.batch_write_item, RequestItems={TABLE_NAME: [*batch, {"DeleteRequest": {"Key": _key("b")}}]})
    write(
        ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": TABLE_NAME, "Item": _item("t"), "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": TABLE_NAME, "Key": _key("a"), "UpdateExpression": "REMOVE png"}},
            {"Delete": {"TableName": TABLE_NAME, "Key": _key("batch0")}},
            {
                "ConditionCheck": {
                    "TableName": TABLE_NAME,
                    "Key": _key("batch1"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
    )
    with pytest.raises(ClientError, match="TransactionCanceled"):  # cancelled: nothing to journal
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE_NAME, "Item": _item("never")}},
                {"Delete": {"TableName": TABLE_NAME, "Key": _key("batch2")}},
                {
                    "Put": {
                        "TableName": TABLE_NAME,
                        "Item": _item("a"),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    csv = {"ContentType": "text/csv", "ContentDisposition": 'attachment; filename="a.csv"', "Metadata": {"job": "j1"}}
    write(s3.put_object, Bucket=EXPORTS_BUCKET, Key="exports/a.csv", Body=b"id,email\n1,a@example.com\n", **csv)
    write(
        s3.copy_object,
        Bucket=EXPORTS_BUCKET,
        Key="exports/b.csv",
        CopySource={"Bucket": EXPORTS_BUCKET, "Key": "exports/a.csv"},
    )
    write(
        s3.copy_object,
        Bucket=EXPORTS_BUCKET,
        Key="exports/c.txt",
        CopySource={"Bucket": EXPORTS_BUCKET, "Key": "exports/a.csv"},
        MetadataDirective="REPLACE",
        ContentType="text/plain",
        Metadata={"job": "j2", "rows": "1"},
    )
    for key in ("tmp/x", "tmp/y", "tmp/z"):
        write(s3.put_object, Bucket=EXPORTS_BUCKET, Key=key, Body=key.encode())
    write(s3.delete_object, Bucket=EXPORTS_BUCKET, Key="tmp/x")
    write(s3.delete_objects, Bucket=EXPORTS_BUCKET, Delete={"Objects": [{"Key": "tmp/y"}, {"Key": "tmp/z"}]})
    upload = s3.create_multipart_upload(
        Bucket=EXPORTS_BUCKET, Key="exports/big.csv", ContentType="text/csv", Metadata={"job": "j3"}
    )
    parts = []
    for number, body in enumerate((b"a" * 5 * 1024 * 1024, b"tail\n"), start=1):
        part = s3.upload_part(
            Bucket=EXPORTS_BUCKET, Key="exports/big.csv", UploadId=upload["UploadId"], PartNumber=number, Body=body
        )
        parts.append({"PartNumber": number, "ETag": part["ETag"]})
    write(
        s3.complete_multipart_upload,
        Bucket=EXPORTS_BUCKET,
        Key="exports/big.csv",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": parts},
    )
    return changed


def _records(folder: Path) -> list[bytes]:
    return [line for path in sorted(folder.glob("*.jsonl")) for line in path.read_bytes().splitlines()]


def test_a_replay_after_a_crash_gives_back_every_item_and_object(
    served: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "journal"
    log = journal.Journal(folder)
    log.open()
    journal.activate(log)
    fsyncs: list[int] = []
    sync = journal._sync
    monkeypatch.setattr(journal, "_sync", lambda fd: (fsyncs.append(fd), sync(fd)))

    changed = _every_kind_of_write(served)
    before = _state(served)
    # On disk as each answer came back: one record and one fsync per request that changed something
    # (a 25-item batch included), none for the refused put and the cancelled transaction.
    assert len(_records(folder)) == changed
    assert len(fsyncs) == changed
    assert len(before["items"]) == 25
    assert {"exports/a.csv", "exports/big.csv"} <= set(before["objects"])

    journal.activate(None)  # the crash: no snapshot taken, moto's memory gone
    reset(served)
    assert _state(served) == {"items": [], "objects": {}}
    replayed = journal.Journal(folder).replay(journal.into_moto(ACCOUNT_ID, REGION))
    assert replayed.records == changed
    assert _state(served) == before
    log.close()


def _three_puts(served: Moto, folder: Path) -> Path:
    log = journal.Journal(folder)
    log.open()
    journal.activate(log)
    for name in ("first", "second", "third"):
        served.client("dynamodb").put_item(TableName=TABLE_NAME, Item=_item(name))
    journal.activate(None)
    log.close()
    (segment,) = folder.glob("*.jsonl")
    return segment


def _names(served: Moto) -> list[str]:
    return sorted(item["name"]["S"] for item in _state(served)["items"])


def test_a_torn_last_record_is_skipped_with_a_warning(
    served: Moto, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    segment = _three_puts(served, tmp_path / "journal")
    lines = segment.read_bytes().splitlines(keepends=True)
    segment.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # the crash cut the last write
    reset(served)
    with caplog.at_level(logging.WARNING, logger="clientele_local"):
        replayed = journal.Journal(tmp_path / "journal").replay(journal.into_moto(ACCOUNT_ID, REGION))
    assert replayed.records == 2
    assert _names(served) == ["first", "second"]
    assert "ends with a torn record (line 3), skipped" in caplog.text


def test_a_corrupt_record_in_the_middle_is_skipped_and_its_file_kept_aside(
    served: Moto, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "journal"
    segment = _three_puts(served, folder)
    data = segment.read_bytes()
    middle = data.index(b"second")
    corrupted = data[:middle] + b"SECOND" + data[middle + 6 :]  # what a disk fault would do
    segment.write_bytes(corrupted)
    reset(served)
    log = journal.Journal(folder)
    with caplog.at_level(logging.WARNING, logger="clientele_local"):
        replayed = log.replay(journal.into_moto(ACCOUNT_ID, REGION))
    # The later records are whole after-images: still right, so they are applied.
    assert replayed.records == 2
    assert _names(served) == ["first", "third"]
    assert "line 2 is corrupt" in caplog.text
    log.remove(replayed.segments)
    assert not list(folder.glob("*.jsonl"))
    (kept,) = folder.glob("*.corrupt")
    assert kept.read_bytes() == corrupted


def test_a_write_that_cannot_reach_the_journal_is_not_acknowledged(served: Moto, tmp_path: Path) -> None:
    log = journal.Journal(tmp_path / "journal")
    log.open()
    journal.activate(log)
    log.close()  # the journal can no longer take the write
    ddb = served._session.client(  # type: ignore[union-attr]
        "dynamodb", endpoint_url=served.url, config=Config(retries={"total_max_attempts": 1})
    )
    with pytest.raises(ClientError) as refused:
        ddb.put_item(TableName=TABLE_NAME, Item=_item("unsaved"))
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
