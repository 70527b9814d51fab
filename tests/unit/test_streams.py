"""The one stream-handler factory: each record goes through the work alone, a failing one is reported
for retry (ReportBatchItemFailures) while the rest of the batch goes through, and counts become metrics."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.core import streams
from clientele_local.inprocess import Context
from tests.conftest import ROOT


def _batch(*ids: str) -> dict[str, Any]:
    """The sample stream event of cleanup_audience with one record per id (its old image's id)."""
    sample = json.loads((ROOT / "events" / "cleanup_audience.json").read_text())
    records = []
    for number, record_id in enumerate(ids):
        record = copy.deepcopy(sample["Records"][0])
        record["eventID"] = str(number)
        record["dynamodb"]["SequenceNumber"] = str(100 + number)
        record["dynamodb"]["OldImage"]["id"] = {"S": record_id}
        records.append(record)
    return {"Records": records}


def test_a_failing_record_is_reported_alone_and_the_rest_go_through(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    published: list[tuple[str, float]] = []
    monkeypatch.setattr(streams.metrics, "add_metric", lambda name, unit, value: published.append((name, value)))

    def work(record: DynamoDBRecord) -> streams.Counts:
        image = streams.old_image(record)
        if image["id"] == "bad":
            raise RuntimeError("this one fails")
        seen.append(image["id"])
        return {"Cleaned": 2}

    answer = streams.handler(work)(_batch("a", "bad", "c"), Context())
    assert seen == ["a", "c"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "101"}]}
    assert published == [("Cleaned", 2), ("Cleaned", 2)]


def test_images_give_before_and_after() -> None:
    (record,) = [DynamoDBRecord(raw) for raw in _batch("x")["Records"]]
    before, after = streams.images(record)
    assert after is None
    assert before is not None
    assert before["id"] == "x"
