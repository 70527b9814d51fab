"""CSV imports (seed 000 "CSV Import"): presigned upload, S3 event, checkpointed chunks, report."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from clientele.consumers import store as consumer_store
from clientele.core.tenancy import Environment, Tenant
from clientele.jobs import imports
from clientele_local.inprocess import Context, load_function
from tests.conftest import ROOT
from tests.integration.conftest import EXPORTS_BUCKET, Invoke, stream_delivery

Deliver = Callable[[], int]
_ACME = Tenant(organization="acme", environment=Environment.SANDBOX)


@pytest.fixture
def run_import(table: str) -> Deliver:
    """Delivers the stream's import checkpoints to the chunk runner until none is left."""
    deliver = stream_delivery(table, "run_import", "RunImportFunction", "Checkpoints")

    def until_done() -> int:
        total = 0
        while delivered := deliver():
            total += delivered
        return total

    return until_done


def _upload(job: dict[str, Any], content: bytes) -> dict[str, Any]:
    """PUTs the file to the presigned URL as a client would; returns the S3 event it causes."""
    answer = requests.put(job["uploadUrl"], data=content, timeout=10)
    assert answer.status_code == 200, answer.text
    key = urlparse(job["uploadUrl"]).path.removeprefix("/").removeprefix(f"{EXPORTS_BUCKET}/")
    head = boto3.client("s3").head_object(Bucket=EXPORTS_BUCKET, Key=key)
    record = json.loads((ROOT / "events" / "start_import.json").read_text())
    record["Records"][0]["s3"]["object"].update(key=key, size=head["ContentLength"], eTag=head["ETag"].strip('"'))
    return dict(record)


def _start(event: dict[str, Any]) -> dict[str, int]:
    return dict(load_function("start_import").lambda_handler(event, Context()))


def _import(
    call: Invoke, principal: dict[str, str], run_import: Deliver, content: bytes, on_duplicate: str = "skip"
) -> dict[str, Any]:
    created = call("create_import", principal=principal, body={"onDuplicate": on_duplicate})
    assert created["status"] == 201, created
    job = created["body"]
    assert (job["status"], job["onDuplicate"]) == ("awaiting_upload", on_duplicate)
    assert job["id"].startswith("imp_")
    assert job["uploadUrl"]
    assert _start(_upload(job, content)) == {"started": 1}
    run_import()
    return dict(call("get_import", principal=principal, path_params={"id": job["id"]})["body"])


def _report(job: dict[str, Any]) -> list[list[str]]:
    key = urlparse(job["reportUrl"]).path.removeprefix("/").removeprefix(f"{EXPORTS_BUCKET}/")
    body = boto3.client("s3").get_object(Bucket=EXPORTS_BUCKET, Key=key)["Body"].read().decode("utf-8")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def _by_email(call: Invoke, principal: dict[str, str], email: str) -> dict[str, Any]:
    found = call("search_consumers", principal=principal, query={"email": email})["body"]["data"]
    assert len(found) == 1, found
    return dict(found[0])


FILE = (
    "\ufeffE-mail,Full Name,Phone,Tags,metadata.Shoe,Status,Favourite colour\r\n"
    "ana@example.com,Ana Silva,+14155550101,vip; early,42,active,blue\r\n"
    "ben@example.com,Ben,,a|b,,INACTIVE,\r\n"
    ",,,,,,\r\n"
    "not-an-email,Nobody,,,,,\r\n"
    "ANA@example.com,Ana Again,,,,,\r\n"
    '"cy@example.com","Cy ""The Guy"" Young",,,"line one\nline two",,\r\n'
    "dee@example.com,Dee,,,,retired,\r\n"
    ",No Identity,,,,,\r\n"
    "old@example.com,Old Timer Renamed,,,,,\r\n"
)


def test_an_import_creates_validates_and_reports_every_row(
    call: Invoke, acme: dict[str, str], run_import: Deliver
) -> None:
    call("create_consumer", principal=acme, body={"email": "old@example.com", "fullName": "Old Timer"})
    job = _import(call, acme, run_import, FILE.encode())
    assert job["status"] == "succeeded", job
    assert job["ignoredColumns"] == ["Favourite colour"]
    assert (job["totalRows"], job["processedRows"]) == (8, 8)  # the blank row is neither
    assert (job["created"], job["updated"], job["skipped"], job["failed"]) == (3, 0, 2, 3)
    assert job["errors"] == [
        {"row": 5, "field": "email", "message": job["errors"][0]["message"]},
        {"row": 8, "field": "status", "message": job["errors"][1]["message"]},
        {"row": 9, "field": "body", "message": "a consumer needs at least one of email, phone or externalId"},
    ]
    assert job["completedAt"] >= job["createdAt"]
    ana = _by_email(call, acme, "ana@example.com")
    assert (ana["fullName"], ana["phone"], ana["tags"], ana["metadata"]) == (
        "Ana Silva",
        "+14155550101",
        ["vip", "early"],
        {"Shoe": "42"},
    )
    assert ana["source"] == "import"
    ben = _by_email(call, acme, "ben@example.com")
    assert (ben["status"], ben["tags"]) == ("inactive", ["a", "b"])
    cy = _by_email(call, acme, "cy@example.com")
    assert cy["fullName"] == 'Cy "The Guy" Young'  # quoted cells, quotes and line breaks inside them
    assert _by_email(call, acme, "old@example.com")["fullName"] == "Old Timer"  # skipped: unchanged
    report = _report(job)
    assert report[0][:3] == ["Row", "Errors", "E-mail"]
    assert [row[0] for row in report[1:]] == ["5", "8", "9"]
    assert report[2][2:] == ["dee@example.com", "Dee", "", "", "", "retired", ""]


def test_on_duplicate_update_changes_the_existing_consumer_and_error_reports_it(
    call: Invoke, acme: dict[str, str], run_import: Deliver
) -> None:
    existing = call(
        "create_consumer",
        principal=acme,
        body={"email": "ana@example.com", "fullName": "Ana", "metadata": {"vip": True}, "tags": ["x"]},
    )["body"]
    content = b"email,name,metadata.shoe,tags\nana@example.com,Ana Silva,42,\nana@example.com,,,late\n"
    job = _import(call, acme, run_import, content, on_duplicate="update")
    assert (job["created"], job["updated"], job["skipped"], job["failed"]) == (0, 2, 0, 0)
    ana = _by_email(call, acme, "ana@example.com")
    assert ana["id"] == existing["id"]
    assert (ana["fullName"], ana["metadata"], ana["tags"]) == ("Ana Silva", {"vip": True, "shoe": "42"}, ["late"])
    assert ana["source"] == "api"
    assert ana["version"] == 3

    errors = _import(call, acme, run_import, b"email\nana@example.com\nnew@example.com\n", on_duplicate="error")
    assert (errors["created"], errors["failed"]) == (1, 1)
    assert errors["errors"] == [{"row": 2, "field": "email", "message": "A consumer with this email already exists"}]
    assert _report(errors)[1][:2] == ["2", "email: A consumer with this email already exists"]

    # Row 3 repeats row 2, so it is written in a later round than row 4; errors still come in file order.
    ordered = _import(
        call, acme, run_import, b"email\nzed@example.com\nzed@example.com\nnot-an-email\n", on_duplicate="error"
    )
    assert [error["row"] for error in ordered["errors"]] == [3, 4]
    assert [row[0] for row in _report(ordered)[1:]] == ["3", "4"]


def test_a_crashed_chunk_resumes_from_its_checkpoint_without_duplicates(
    call: Invoke, acme: dict[str, str], table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK_ROWS", 4)
    rows = [f"person{number}@example.com,Person {number}" for number in range(10)]
    content = ("email,fullName\n" + "\n".join([*rows[:5], "bad", *rows[5:]]) + "\n").encode()
    job = call("create_import", principal=acme, body={"onDuplicate": "error"})["body"]
    _start(_upload(job, content))
    deliver = stream_delivery(table, "run_import", "RunImportFunction", "Checkpoints")
    assert deliver() == 1  # chunk 0: rows 2-5
    original = consumer_store.commit_all
    crashes = {"left": 1}

    def dies_after_writing(writes: list[consumer_store.Write]) -> None:
        original(writes)  # the rows are stored ...
        if crashes["left"]:
            crashes["left"] -= 1
            raise ConnectionError("the function died before its checkpoint")  # ... the checkpoint is not

    monkeypatch.setattr(consumer_store, "commit_all", dies_after_writing)
    with pytest.raises(BatchProcessingError):
        deliver()  # chunk 1 fails: the stream delivers the same record again
    halfway = call("get_import", principal=acme, path_params={"id": job["id"]})["body"]
    assert (halfway["status"], halfway["processedRows"], halfway["created"]) == ("processing", 4, 4)
    tenant_consumers = call("list_consumers", principal=acme, query={"first": "100"})["body"]["data"]
    assert len(tenant_consumers) == 7  # chunk 1's three good rows are in, uncounted
    record = load_function("run_import")
    event = json.loads((ROOT / "events" / "run_import.json").read_text())
    image = event["Records"][0]["dynamodb"]["NewImage"]
    image["pk"]["S"] = f"sandbox#acme#IMPORT#{job['id']}"
    image["id"]["S"] = job["id"]
    image["checkpoint"]["M"]["chunk"]["N"] = "1"
    assert record.lambda_handler(event, Context()) == {"batchItemFailures": []}  # the retry
    while deliver():
        pass
    done = call("get_import", principal=acme, path_params={"id": job["id"]})["body"]
    assert (done["status"], done["totalRows"], done["processedRows"]) == ("succeeded", 11, 11)
    assert (done["created"], done["failed"], done["skipped"], done["updated"]) == (10, 1, 0, 0)  # none a duplicate
    assert [error["row"] for error in done["errors"]] == [7]
    everyone = call("list_consumers", principal=acme, query={"first": "100"})["body"]["data"]
    assert sorted(consumer["email"] for consumer in everyone) == sorted(row.split(",")[0] for row in rows)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,colour\nAna,blue\n", "The header needs an email, phone or externalId column"),
        (b"", "The file is empty"),
        (b"email\nana@example.com\n\xff\xfe broken\n", "Row 3 is not UTF-8 text: save the file as CSV UTF-8"),
        (b"email,Email\na@example.com,b@example.com\n", "More than one column gives email"),
    ],
)
def test_a_file_that_cannot_be_read_fails_the_import_and_writes_nothing(
    call: Invoke, acme: dict[str, str], run_import: Deliver, content: bytes, message: str
) -> None:
    job = _import(call, acme, run_import, content)
    assert (job["status"], job["error"], job["created"]) == ("failed", message, 0)
    assert call("list_consumers", principal=acme)["body"]["data"] == []


def test_uploads_are_started_once_and_imports_are_the_tenants_own(
    call: Invoke, acme: dict[str, str], run_import: Deliver
) -> None:
    job = call("create_import", principal=acme, body={})["body"]
    assert job["onDuplicate"] == "skip"
    event = _upload(job, b"email\nana@example.com\n")
    assert _start(event) == {"started": 1}
    assert _start(event) == {"started": 0}  # S3 delivered the event twice
    run_import()
    assert call("get_import", principal=acme, path_params={"id": job["id"]})["body"]["created"] == 1
    assert call("get_import", principal=acme, path_params={"id": "imp_nope"})["status"] == 404
    other = call("get_import", principal=acme | {"organization": "other"}, path_params={"id": job["id"]})
    assert other["status"] == 404
    assert call("create_import", principal=acme, body={"onDuplicate": "merge"})["status"] == 400


def test_rows_without_a_unique_value_are_not_created_twice_by_a_retried_chunk(
    call: Invoke, acme: dict[str, str], table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = b"phone,name\n+14155550101,A\n+14155550102,B\n+14155550103,C\n"
    job = call("create_import", principal=acme, body={})["body"]
    _start(_upload(job, content))
    original = consumer_store.commit_all
    crashes = {"left": 1}

    def dies_after_writing(writes: list[consumer_store.Write]) -> None:
        original(writes)
        if crashes["left"]:
            crashes["left"] -= 1
            raise ConnectionError("the function died before its checkpoint")

    monkeypatch.setattr(consumer_store, "commit_all", dies_after_writing)
    deliver = stream_delivery(table, "run_import", "RunImportFunction", "Checkpoints")
    with pytest.raises(BatchProcessingError):
        deliver()
    assert imports.run_chunk(_ACME, job["id"], 0) == 3  # the stream's retry of the same record
    done = call("get_import", principal=acme, path_params={"id": job["id"]})["body"]
    assert (done["status"], done["created"], done["failed"]) == ("succeeded", 3, 0)
    assert len(call("list_consumers", principal=acme)["body"]["data"]) == 3


def test_a_bom_before_a_quoted_header_and_file_order_of_updates(
    call: Invoke, acme: dict[str, str], run_import: Deliver
) -> None:
    call("create_consumer", principal=acme, body={"email": "a@example.com", "externalId": "E1"})
    content = '\ufeff"Email","External ID","Name"\r\n,E1,v1\r\na@example.com,,v2\r\na@example.com,,v3\r\n'
    job = _import(call, acme, run_import, content.encode(), on_duplicate="update")
    assert job["ignoredColumns"] == []  # the quoted first header is read without the BOM
    assert (job["updated"], job["failed"]) == (3, 0)
    assert _by_email(call, acme, "a@example.com")["fullName"] == "v3"  # as if row by row


def test_a_file_with_lone_carriage_returns_fails_with_a_clear_error(
    call: Invoke, acme: dict[str, str], run_import: Deliver
) -> None:
    job = _import(call, acme, run_import, b'email,name\r"a@example.com","A\rB"\rb@example.com,B\r')
    assert job["status"] == "failed"
    assert job["error"].startswith("Row 1 cannot be read as CSV")
    assert call("list_consumers", principal=acme)["body"]["data"] == []


def _consent_log(call: Invoke, principal: dict[str, str], consumer_id: str) -> list[dict[str, Any]]:
    answer = call("consumer_consent_log", principal=principal, path_params={"id": consumer_id})
    assert answer["status"] == 200, answer
    return list(answer["body"]["data"])


def test_consent_columns_are_stored_backdated_and_logged_with_the_import_as_actor(
    call: Invoke, acme: dict[str, str], run_import: Deliver
) -> None:
    content = (
        b"email,phone,Email Consent,email_consented_at,emailConsentWording,smsConsent,smsConsentedAt\n"
        b"ana@example.com,+14155550101,Subscribed,2021-03-01T09:30:00+02:00,newsletter-v2,unsubscribed,2022-01-05\n"
        b"ben@example.com,,never_subscribed,,,,\n"
    )
    job = _import(call, acme, run_import, content)
    assert (job["created"], job["failed"]) == (2, 0), job
    ana = _by_email(call, acme, "ana@example.com")
    email, sms = ana["consent"]["email"], ana["consent"]["sms"]
    assert (email["state"], email["consentedAt"], email["method"], email["wordingVersion"]) == (
        "subscribed",
        "2021-03-01T07:30:00.000Z",  # the file's own time, in UTC
        "import",
        "newsletter-v2",
    )
    assert (sms["state"], sms["consentedAt"], sms["method"]) == ("unsubscribed", "2022-01-05T00:00:00.000Z", "import")
    log = _consent_log(call, acme, ana["id"])
    assert sorted((change["channel"], change["state"], change["actor"]) for change in log) == [
        ("email", "subscribed", job["id"]),
        ("sms", "unsubscribed", job["id"]),
    ]
    timeline = call("consumer_timeline", principal=acme, path_params={"id": ana["id"]})["body"]["data"]
    assert sorted(event["details"]["channel"] for event in timeline if event["type"] == "consent_changed") == [
        "email",
        "sms",
    ]
    ben = _by_email(call, acme, "ben@example.com")  # never_subscribed is what it already was: nothing logged
    assert ben["consent"]["email"]["state"] == "never_subscribed"
    assert _consent_log(call, acme, ben["id"]) == []


def test_bad_consent_cells_fail_their_row_by_column_and_write_nothing(
    call: Invoke, acme: dict[str, str], run_import: Deliver
) -> None:
    content = (
        b"email,emailConsent,emailConsentedAt,smsConsentedAt\n"
        b"a@example.com,maybe,,\n"
        b"b@example.com,subscribed,2999-01-01T00:00:00Z,\n"
        b"c@example.com,subscribed,yesterday,\n"
        b"d@example.com,,,2020-01-01\n"
        b"not-an-email,subscribed,,\n"
        b"e@example.com,subscribed,,\n"
    )
    job = _import(call, acme, run_import, content)
    assert (job["created"], job["failed"]) == (1, 5), job
    assert [(error["row"], error["field"]) for error in job["errors"]] == [
        (2, "emailConsent"),
        (3, "emailConsentedAt"),
        (4, "emailConsentedAt"),
        (5, "smsConsent"),
        (6, "email"),
    ]
    assert job["errors"][0]["message"] == "must be one of subscribed, unsubscribed, never_subscribed"
    assert "no later than now" in job["errors"][1]["message"]
    assert job["errors"][3]["message"] == "is needed beside smsConsentedAt or smsConsentWording"
    found = call("list_consumers", principal=acme)["body"]["data"]
    assert [consumer["email"] for consumer in found] == ["e@example.com"]
    assert found[0]["consent"]["email"]["method"] == "import"


def test_an_import_does_not_undo_a_later_record_or_rewrite_a_state_already_held(
    call: Invoke, acme: dict[str, str], run_import: Deliver
) -> None:
    ana = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]
    given = {"channel": "email", "state": "unsubscribed", "method": "form"}
    assert call("set_consent", principal=acme, path_params={"id": ana["id"]}, body=given)["status"] == 200

    older = b"email,emailConsent,emailConsentedAt\nana@example.com,subscribed,2020-06-01T00:00:00Z\n"
    _import(call, acme, run_import, older, on_duplicate="update")
    same = b"email,emailConsent\nana@example.com,unsubscribed\n"
    _import(call, acme, run_import, same, on_duplicate="update")
    kept = _by_email(call, acme, "ana@example.com")["consent"]["email"]
    assert (kept["state"], kept["method"]) == ("unsubscribed", "form")
    assert len(_consent_log(call, acme, ana["id"])) == 1

    newer = b"email,emailConsent\nana@example.com,subscribed\n"
    job = _import(call, acme, run_import, newer, on_duplicate="update")
    now = _by_email(call, acme, "ana@example.com")["consent"]["email"]
    assert (now["state"], now["method"]) == ("subscribed", "import")
    assert next(change["actor"] for change in _consent_log(call, acme, ana["id"])) == job["id"]  # newest first


def test_an_imports_creates_and_updates_are_in_the_change_history_by_the_import(
    call: Invoke, acme: dict[str, str], run_import: Deliver
) -> None:
    ana = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]
    job = _import(call, acme, run_import, b"email,name\nana@example.com,Ana Silva\nben@example.com,Ben\n", "update")
    [update, _] = call("consumer_changes", principal=acme, path_params={"id": ana["id"]})["body"]["data"]
    assert update["actor"] == {"type": "import", "id": job["id"]}
    assert update["changes"] == [{"field": "fullName", "before": None, "after": "Ana Silva"}]
    ben = _by_email(call, acme, "ben@example.com")
    [created] = call("consumer_changes", principal=acme, path_params={"id": ben["id"]})["body"]["data"]
    assert (created["version"], created["actor"]["type"], created["requestId"]) == (1, "import", None)
