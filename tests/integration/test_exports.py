"""The points transaction log export (seed 003): job, stream-driven file in S3, download URL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from clientele.core import clock
from clientele.core.store import files
from clientele.core.tenancy import Environment, Tenant
from clientele.jobs import export_reads, export_store, exports
from tests.integration.conftest import EXPORTS_BUCKET, Invoke, principal_for, stream_delivery


def _setup(call: Invoke, principal: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    program = call("create_loyalty_program", principal=principal, body={"name": "Rewards"})["body"]
    consumer = call("create_consumer", principal=principal, body={"email": "ana@example.com"})["body"]
    path = {"id": consumer["id"]}
    for points, reason in ((100, "welcome"), (40, '=HYPERLINK("http://evil")')):
        body = {"programId": program["id"], "points": points, "reason": reason}
        assert call("add_points", principal=principal, path_params=path, body=body)["status"] == 201
    spent = {"programId": program["id"], "points": 30, "reason": "voucher"}
    assert call("deduct_points", principal=principal, path_params=path, body=spent)["status"] == 201
    return program, consumer


def _file(job: dict[str, Any]) -> list[list[str]]:
    url = urlparse(job["downloadUrl"])
    key = url.path.removeprefix("/").removeprefix(f"{EXPORTS_BUCKET}/")  # virtual-hosted or path style
    assert EXPORTS_BUCKET in url.netloc + url.path
    body = boto3.client("s3").get_object(Bucket=EXPORTS_BUCKET, Key=key)["Body"].read().decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_the_transaction_log_exports_as_a_csv_in_s3(
    call: Invoke, acme: dict[str, str], run_export: Callable[[], int]
) -> None:
    _program, consumer = _setup(call, acme)
    body = {"after": "2000-01-01T00:00:00Z", "dateFormat": "dd/mm/yyyy"}
    queued = call("export_points_transactions", principal=acme, path_params={"id": consumer["id"]}, body=body)
    assert queued["status"] == 202, queued
    job = queued["body"]
    assert (job["status"], job["kind"], job["format"]) == ("pending", "points_transactions", "csv")
    assert job["downloadUrl"] is None
    assert run_export() == 1
    done = call("get_export", principal=acme, path_params={"id": job["id"]})["body"]
    assert (done["status"], done["rowCount"], done["error"]) == ("succeeded", 3, None)
    assert done["completedAt"] >= done["createdAt"]
    assert parse_qs(urlparse(done["downloadUrl"]).query)["X-Amz-Expires"] == ["900"]
    rows = _file(done)
    assert rows[0] == exports.POINTS_HEADER
    assert [(row[1], row[2], row[3], row[6]) for row in rows[1:]] == [
        ("100", "main", "welcome", "manual"),
        ("40", "main", '\'=HYPERLINK("http://evil")', "manual"),  # neutralised: no formula runs
        ("-30", "main", "voucher", "manual"),
    ]
    assert all(len(row[0]) == 19 and row[0][2] == "/" for row in rows[1:])  # dd/mm/yyyy hh:mm:ss, UTC
    listed = call("list_exports", principal=acme)["body"]["data"]
    assert [entry["id"] for entry in listed] == [job["id"]]
    assert run_export() == 0  # its status moves are on the stream too, but only INSERTs pass the filter


def test_a_retried_export_writes_one_complete_file(
    call: Invoke, acme: dict[str, str], run_export: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _program, consumer = _setup(call, acme)
    body = {"after": "2000-01-01T00:00:00Z"}
    job = call("export_points_transactions", principal=acme, path_params={"id": consumer["id"]}, body=body)["body"]
    part_size = files.PART_SIZE
    monkeypatch.setattr(files, "PART_SIZE", 10)  # every row its own part ...
    monkeypatch.setattr(exports, "CHUNK", 1)  # ... handed over one at a time
    original = files.Upload.write
    calls = {"n": 0}

    def dies_mid_file(self: files.Upload, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("network gone mid-file")
        original(self, data)

    monkeypatch.setattr(files.Upload, "write", dies_mid_file)
    handler = stream_delivery("clientele-test", "run_export", "RunExportFunction", "Jobs")
    with pytest.raises(BatchProcessingError):  # the invocation fails: Lambda delivers the record again
        handler()
    again = call("get_export", principal=acme, path_params={"id": job["id"]})["body"]
    assert again["status"] == "pending"  # not finished: a client waiting for the job keeps waiting
    assert again["error"] == "The file could not be written (ConnectionError); the export is retried automatically"
    s3 = boto3.client("s3")
    assert s3.list_objects_v2(Bucket=EXPORTS_BUCKET).get("KeyCount", 0) == 0  # nothing half-written is visible
    assert not s3.list_multipart_uploads(Bucket=EXPORTS_BUCKET).get("Uploads")  # and its parts were dropped
    monkeypatch.setattr(files.Upload, "write", original)
    monkeypatch.setattr(files, "PART_SIZE", part_size)
    # Lambda delivers the record again: the export runs from the start and completes.
    tenant = Tenant(organization="acme", environment=Environment.SANDBOX)
    stored = export_reads.get_export(tenant, job["id"])
    assert exports.run_export(tenant, stored) == 3
    done = call("get_export", principal=acme, path_params={"id": job["id"]})["body"]
    assert (done["status"], done["rowCount"], done["error"]) == ("succeeded", 3, None)
    assert len(_file(done)) == 4
    assert s3.list_objects_v2(Bucket=EXPORTS_BUCKET)["KeyCount"] == 1
    assert exports.run_export(tenant, stored) is None  # a late duplicate changes nothing


def test_an_export_fails_once_its_last_run_has_failed(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _program, consumer = _setup(call, acme)
    body = {"after": "2000-01-01T00:00:00Z"}
    job = call("export_points_transactions", principal=acme, path_params={"id": consumer["id"]}, body=body)["body"]
    tenant = Tenant(organization="acme", environment=Environment.SANDBOX)
    stored = export_reads.get_export(tenant, job["id"])

    def unreachable(self: files.Upload, data: bytes) -> None:
        raise ConnectionError("network gone")

    monkeypatch.setattr(files.Upload, "write", unreachable)
    assert export_store.start(tenant, job["id"], clock.now()) == 1  # a run whose worker was killed: it counts too
    seen = []
    for _run in range(2, exports.RUNS + 1):
        with pytest.raises(ConnectionError):
            exports.run_export(tenant, stored)
        seen.append(call("get_export", principal=acme, path_params={"id": job["id"]})["body"])
    assert [answer["status"] for answer in seen] == ["pending"] * (exports.RUNS - 2) + ["failed"]
    assert seen[-1]["error"] == f"The file could not be written (ConnectionError) in {exports.RUNS} attempts"
    assert seen[-1]["downloadUrl"] is None


def test_a_job_whose_last_run_was_stopped_from_outside_is_failed_not_running_forever(
    call: Invoke, acme: dict[str, str]
) -> None:
    """A killed or timed-out run writes no end; unless the stream runs the job again (which marks it
    running anew), nothing would. Once its run is older than a run can last, the job reads failed."""
    _program, consumer = _setup(call, acme)
    body = {"after": "2000-01-01T00:00:00Z"}
    tenant = Tenant(organization="acme", environment=Environment.SANDBOX)
    stopped, alive = (
        call("export_points_transactions", principal=acme, path_params={"id": consumer["id"]}, body=body)["body"]
        for _ in range(2)
    )
    long_ago = clock.format_instant(datetime.now(UTC) - export_reads.RUN_LIMIT - timedelta(seconds=1))
    assert export_store.start(tenant, stopped["id"], long_ago) == 1
    assert export_store.start(tenant, alive["id"], clock.now()) == 1
    seen = call("get_export", principal=acme, path_params={"id": stopped["id"]})["body"]
    assert (seen["status"], seen["error"], seen["startedAt"]) == ("failed", export_reads.STOPPED, long_ago)
    assert seen["downloadUrl"] is None
    running = call("get_export", principal=acme, path_params={"id": alive["id"]})["body"]
    assert (running["status"], running["error"]) == ("running", None)
    listed = {job["id"]: job["status"] for job in call("list_exports", principal=acme)["body"]["data"]}
    assert listed == {stopped["id"]: "failed", alive["id"]: "running"}
    # Had the stream run it again after all, that run marks it running anew, and can finish it.
    assert exports.run_export(tenant, export_reads.get_export(tenant, stopped["id"])) == 3
    assert call("get_export", principal=acme, path_params={"id": stopped["id"]})["body"]["status"] == "succeeded"


def test_export_requests_are_checked(call: Invoke, acme: dict[str, str]) -> None:
    _program, consumer = _setup(call, acme)
    path = {"id": consumer["id"]}
    assert call("export_points_transactions", principal=acme, path_params=path, body={})["status"] == 400
    backwards = {"after": "2024-02-01T00:00:00Z", "before": "2024-01-01T00:00:00Z"}
    assert call("export_points_transactions", principal=acme, path_params=path, body=backwards)["status"] == 400
    bad_format = {"after": "2024-02-01T00:00:00Z", "dateFormat": "yy"}
    assert call("export_points_transactions", principal=acme, path_params=path, body=bad_format)["status"] == 400
    unknown = call(
        "export_points_transactions",
        principal=acme,
        path_params={"id": "cons_01HXYZ12345678901234567890"},
        body={"after": "2024-01-01T00:00:00Z"},
    )
    assert unknown["status"] == 404
    assert call("get_export", principal=acme, path_params={"id": "exp_nope"})["status"] == 404
    assert call("list_exports", principal=principal_for("other"))["body"]["data"] == []
