"""Consumer exports (seed 000 "Exporting Consumer Data"): the list's rows as CSV or Excel in S3."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import boto3
import openpyxl
import pytest

from clientele.consumers import listing
from clientele.jobs import export_store, exports
from tests.integration.conftest import EXPORTS_BUCKET, Invoke, principal_for

PEOPLE = [
    {"email": "ana@example.com", "fullName": "Ana Silva", "phone": "+14155550101", "tags": ["vip", "=cmd"]},
    {"email": "ben@example.com", "fullName": '=HYPERLINK("http://evil")', "status": "inactive"},
    {"email": "cy@example.com", "firstName": "Cy", "lastName": "Young", "metadata": {"shoe": "42"}},
    {"email": "dee@example.com", "fullName": "Dee Dee", "address": {"city": "+Lisbon", "country": "PT"}},
    {"email": "eve@example.com", "fullName": "Eve", "verified": True},
]


def _people(call: Invoke, principal: dict[str, str]) -> list[dict[str, Any]]:
    created = []
    for person in PEOPLE:
        answer = call("create_consumer", principal=principal, body=person)
        assert answer["status"] == 201, answer
        created.append(answer["body"])
    return created


def _object(job: dict[str, Any]) -> bytes:
    key = urlparse(job["downloadUrl"]).path.removeprefix("/").removeprefix(f"{EXPORTS_BUCKET}/")
    return boto3.client("s3").get_object(Bucket=EXPORTS_BUCKET, Key=key)["Body"].read()


def _csv(job: dict[str, Any]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_object(job).decode("utf-8").removeprefix("\ufeff"))))


def _export(call: Invoke, principal: dict[str, str], run_export: Callable[[], int], body: dict[str, Any]) -> Any:
    queued = call("create_export", principal=principal, body=body)
    assert queued["status"] == 202, queued
    assert (queued["body"]["status"], queued["body"]["kind"]) == ("pending", "consumers")
    assert queued["body"]["id"].startswith("exp_")
    assert run_export() == 1
    done = call("get_export", principal=principal, path_params={"id": queued["body"]["id"]})["body"]
    assert done["status"] == "succeeded", done
    return done


def _listed(call: Invoke, principal: dict[str, str], **query: str) -> list[str]:
    answer = call("list_consumers", principal=principal, query=query)
    assert answer["status"] == 200, answer
    return [consumer["id"] for consumer in answer["body"]["data"]]


def test_a_csv_export_holds_the_lists_rows_with_the_chosen_columns(
    call: Invoke, acme: dict[str, str], run_export: Callable[[], int]
) -> None:
    people = _people(call, acme)
    call("create_consumer", principal=principal_for("other"), body={"email": "zed@example.com"})
    done = _export(call, acme, run_export, {"format": "csv", "fields": ["tags", "phone", "address", "metadata"]})
    rows = _csv(done)
    assert rows[0] == [
        *("Consumer ID", "Email", "Full Name", "Status", "Created At", "Source", "Phone", "Tags"),
        *("Metadata", "Street", "City", "Region", "Postal Code", "Country"),
    ]
    assert [row[0] for row in rows[1:]] == _listed(call, acme)  # newest first, like the list; acme's only
    assert done["rowCount"] == done["processedRows"] == len(PEOPLE)
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["ana@example.com"][6:8] == ["+14155550101", "vip; =cmd"]  # E.164 written as it is
    assert by_email["ben@example.com"][2] == '\'=HYPERLINK("http://evil")'  # neutralised: no formula runs
    assert by_email["ben@example.com"][3] == "inactive"
    assert by_email["cy@example.com"][2] == "Cy Young"
    assert by_email["cy@example.com"][8] == '{"shoe": "42"}'
    assert by_email["dee@example.com"][10] == "'+Lisbon"
    assert by_email["dee@example.com"][13] == "PT"
    created = {person["id"]: person["createdAt"] for person in people}
    assert all(row[4] == created[row[0]] for row in rows[1:])  # UTC instants, as the API writes them
    assert {row[5] for row in rows[1:]} == {"api"}  # the path they came in through


@pytest.mark.parametrize(
    "filters",
    [
        {"status": "active"},
        {"verified": True},
        {"source": "api", "status": "active"},
        {"source": "import"},  # none came in that way
        {"search": "dee"},
        {"sortBy": "email", "sortDir": "asc"},
        {"sortBy": "fullName", "sortDir": "desc", "status": "active"},
        {"search": "example", "sortBy": "email", "sortDir": "asc"},  # a search in another order
    ],
)
def test_filters_and_sorts_select_what_the_list_selects(
    call: Invoke, acme: dict[str, str], run_export: Callable[[], int], filters: dict[str, Any], index_search: Any
) -> None:
    _people(call, acme)
    index_search()
    done = _export(call, acme, run_export, {"filters": filters})
    query = {name: str(value).lower() if isinstance(value, bool) else value for name, value in filters.items()}
    assert [row[0] for row in _csv(done)[1:]] == _listed(call, acme, **query)
    assert done["parameters"]["filters"] == filters


def test_the_membership_columns_say_who_joined_when(
    call: Invoke, acme: dict[str, str], run_export: Callable[[], int]
) -> None:
    member = call("create_consumer", principal=acme, body={"email": "m@example.com", "membership": "member"})["body"]
    guest = call("create_consumer", principal=acme, body={"email": "g@example.com", "verified": True})["body"]
    done = _export(call, acme, run_export, {"format": "csv", "fields": ["membership"]})
    rows = _csv(done)
    assert rows[0][6:] == ["Membership", "Member Since", "Verified"]
    by_id = {row[0]: row[6:] for row in rows[1:]}
    assert by_id[member["id"]] == ["member", member["memberSince"], "false"]
    assert by_id[guest["id"]] == ["guest", "", "true"]


def test_an_xlsx_export_opens_with_typed_cells(
    call: Invoke, acme: dict[str, str], run_export: Callable[[], int], tmp_path: Any
) -> None:
    people = _people(call, acme)
    picked = [people[3]["id"], people[0]["id"]]
    done = _export(call, acme, run_export, {"format": "xlsx", "fields": ["loyalty", "orders"], "consumerIds": picked})
    assert done["format"] == "xlsx"
    assert done["downloadUrl"]
    path = tmp_path / "export.xlsx"
    path.write_bytes(_object(done))
    sheet = openpyxl.load_workbook(path, read_only=True).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        *("Consumer ID", "Email", "Full Name", "Status", "Created At", "Source", "Points", "Tier"),
        *("Total Orders", "Total Order Value", "Average Order Value", "Last Order At"),
    ]
    assert [row[0] for row in rows[1:]] == picked  # the picked ones, in the order given
    assert isinstance(rows[1][4], datetime)
    assert rows[1][4].isoformat()[:19] == people[3]["createdAt"][:19]
    assert rows[1][6:10] == [0, None, 0, 0]  # numbers are numbers; no tier is an empty cell


def test_a_bad_export_request_is_refused_and_queues_nothing(
    call: Invoke, acme: dict[str, str], index_search: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    people = _people(call, acme)
    index_search()
    monkeypatch.setattr(listing, "MAX_SORTED_MATCHES", 2)

    def refused(body: dict[str, Any], status: int = 400) -> list[dict[str, Any]]:
        answer = call("create_export", principal=acme, body=body)
        assert answer["status"] == status, answer
        return list(answer["body"]["error"]["details"])

    assert refused({"consumerIds": [people[0]["id"], "cons_01HXYZ12345678901234567890"]}) == [
        {"field": "consumerIds.1", "message": "Consumer not found"}
    ]
    assert refused({"filters": {"search": "a"}})[0]["field"] == "filters.search"
    assert refused({"filters": {"search": "example", "sortBy": "email"}})[0]["field"] == "filters.search"  # 5 > 2
    assert refused({"filters": {"status": "active"}, "consumerIds": [people[0]["id"]]})
    assert refused({"format": "pdf"})
    assert refused({"fields": ["ssn"]})
    assert refused({"consumerIds": [people[0]["id"]] * 501})
    refused({"filters": {"audienceId": "aud_01HXYZ12345678901234567890"}}, 404)
    assert call("list_exports", principal=acme)["body"]["data"] == []


def test_a_long_export_reports_its_progress(
    call: Invoke, acme: dict[str, str], run_export: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _people(call, acme)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    original = export_store.progress

    def progress(tenant: Any, export_id: str, rows: int) -> None:
        original(tenant, export_id, rows)
        seen.append(export_store.get(tenant, export_id).processed_rows)  # type: ignore[union-attr]

    monkeypatch.setattr(export_store, "progress", progress)
    done = _export(call, acme, run_export, {})
    assert seen == [2, 4]
    assert done["processedRows"] == done["rowCount"] == 5
