"""Bulk imports and exports over HTTP against the local stack: an export holds what the list shows, a
10,000-row import counts and reports every row, a crashed import resumes without duplicates, and
the CLI drives both.

The two large imports run on a stack of their own (`bulk_stack`, started for this module and thrown
away without saving its state): one of them kills a worker process, and neither leaves 10,000 consumers
in the session's stack for the tests that come after. With parallel workers (`make e2e`: --dist
loadgroup) the module's tests all run on one of them, so that stack starts once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests

from clientele_local.testing import RunningStack, running_stack
from tests.conftest import ROOT
from tests.e2e.conftest import MintKey, run_cli, wait_for
from tests.e2e.test_api import auth

BOM = "\ufeff"
PAGE = 100  # the list's largest page
TERMINAL = ("succeeded", "failed")
pytestmark = pytest.mark.xdist_group("bulk")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula
EMAIL_NO_AT = "not a valid email address: An email address must have an @-sign."
EMAIL_NO_DOMAIN = "not a valid email address: There must be something after the @-sign."
PHONE_NO_CODE = "not a valid phone number: use E.164 (e.g. +14155552671) or start with + and the country code"
BAD_STATUS = "Input should be 'active' or 'inactive'"
NO_IDENTITY = "a consumer needs at least one of email, phone or externalId"
TWO_OWNERS = "email and externalId belong to two different consumers"

Json = dict[str, Any]


# ---------------------------------------------------------------- HTTP helpers


def api(stack: RunningStack, key: str, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{stack.base_url}/api/v1{path}", headers=auth(key), timeout=120, **kwargs)


def body(response: requests.Response, status: int) -> Any:
    """The answer's JSON (money as exact Decimals) after checking its status."""
    assert response.status_code == status, response.text
    return response.json(parse_float=Decimal)


def query_of(filters: Json) -> dict[str, str]:
    """An export's filters as the list's query parameters."""
    return {name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in filters.items()}


def list_all(stack: RunningStack, key: str, params: dict[str, str], first: int = PAGE) -> list[Json]:
    """Every consumer `GET /consumers` shows for `params`, following `endCursor` page after page."""
    rows: list[Json] = []
    cursor: str | None = None
    while True:
        page = body(api(stack, key, "GET", "/consumers", params={**params, "first": str(first), "after": cursor}), 200)
        rows += page["data"]
        cursor = page["pageInfo"]["endCursor"]
        if cursor is None:
            return rows


def by_email(stack: RunningStack, key: str, email: str) -> list[Json]:
    """`GET /consumers/search?email=`: exact and case-insensitive, it sees every write at once."""
    return list(body(api(stack, key, "GET", "/consumers/search", params={"email": email}), 200)["data"])


def the_one(stack: RunningStack, key: str, email: str) -> Json:
    found = by_email(stack, key, email)
    assert len(found) == 1, (email, found)
    return found[0]


def follow(stack: RunningStack, key: str, path: str, timeout: float, interval: float = 0.5) -> list[Json]:
    """Polls GET `path` (an export or import job) until it is succeeded or failed: every answer, the
    last one terminal."""
    deadline = time.monotonic() + timeout
    answers: list[Json] = []
    while not answers or answers[-1]["status"] not in TERMINAL:
        assert time.monotonic() < deadline, f"{path} not done after {timeout} s: {answers[-1]}"
        if answers:
            time.sleep(interval)
        answers.append(body(api(stack, key, "GET", path), 200))
    return answers


def download(url: str) -> bytes:
    """A presigned GET of the stack's storage (no API key: the URL carries its own signature)."""
    answer = requests.get(url, timeout=120)
    assert answer.status_code == 200, answer.text
    return answer.content


def csv_rows(content: bytes) -> list[list[str]]:
    """A CSV the service wrote: UTF-8 with a BOM, which spreadsheets need to read accents."""
    assert content.startswith(BOM.encode()), content[:20]
    return list(csv.reader(io.StringIO(content.decode("utf-8").removeprefix(BOM), newline="")))


def safe(text: str | None) -> str:
    """A free-text cell as the service writes it: one a spreadsheet would run as a formula gets a '."""
    value = text or ""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def start_import(stack: RunningStack, key: str, content: bytes, on_duplicate: str) -> str:
    """POST /imports, then PUT the file to its presigned uploadUrl; the upload starts the import."""
    job = body(api(stack, key, "POST", "/imports", json={"onDuplicate": on_duplicate}), 201)
    assert (job["status"], job["onDuplicate"], job["totalRows"]) == ("awaiting_upload", on_duplicate, None)
    put = requests.put(job["uploadUrl"], data=content, headers={"Content-Type": "text/csv"}, timeout=120)
    assert put.status_code == 200, put.text
    return str(job["id"])


def mint(stack: RunningStack, org: str) -> str:
    result = run_cli(stack.state_dir, "keys", "create", "--org", org, "--env", "sandbox")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@contextmanager
def killed_worker(stack: RunningStack, function: str) -> Iterator[None]:
    """Kills the stream function's worker process mid-invocation, as a crashed Lambda execution
    environment; after the block (which waits for the job to end) checks that the pool saw the
    invocation die, started a new worker, and the stream delivered the record again."""
    workers = stack.worker_pids(function)
    assert len(workers) == 1, workers  # one stream source, one invocation at a time: one worker
    lines_before = len(stack.output)
    os.kill(workers[-1], signal.SIGKILL)
    yield
    after_kill = stack.output[lines_before:]
    died = f"[local] {function}: 1 record(s) failed (Runtime.ExitError"
    assert any(line.startswith(died) for line in after_kill), "\n".join(after_kill)
    assert len(stack.worker_pids(function)) > len(workers), f"no new {function} worker"


@pytest.fixture(scope="module")
def bulk_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack of its own for the large imports (see the module's docstring), like the session's."""
    with running_stack(
        state_dir=tmp_path_factory.mktemp("clientele-bulk-state"),
        cwd=ROOT,
        demo_key=False,
        extra_args=["--no-auth-cache", "--no-persist"],
    ) as running:
        yield running


# ---------------------------------------------------------------- 1. exports hold what the list shows

NAMES = ["Ann Smith", "Lee Park", None, "Zoë Ångström", "=2+3 Trick", "Bob Smithers", "Lee Park", "carla jones"]
ALL_FIELDS = ["phone", "tags", "loyalty", "metadata", "address", "orders"]
MONEY = ("Total Order Value", "Average Order Value")


def person(n: int) -> Json:
    """Consumer n of the export tests: names with ties, blanks and a formula; every filter's values."""
    new: Json = {"fullName": NAMES[n % len(NAMES)]} if NAMES[n % len(NAMES)] else {}
    if n % 9 == 7:
        new["externalId"] = f"crm-{n}"  # no email: blank cells, and last when sorting by email
    else:
        formula = "=" if n == 4 else ""  # a valid address, and a formula to a spreadsheet
        new["email"] = f"{formula}p{n:02d}.{['kim', 'abe', 'zed'][n % 3]}@exports.example"
    new |= {
        "status": "inactive" if n % 3 == 1 else "active",
        "membership": "member" if n % 4 == 0 else "guest",
        "verified": n % 5 == 2,
        "tags": [["vip"], [], ["-neg", "x"]][n % 3],
    }
    if n % 2 == 0:
        new["phone"] = f"+1 415 555 {2600 + n}"
    if n % 2 == 1:
        new["metadata"] = {"n": n, "plan": "gold", "city": "Zürich"}
    if n % 5 == 0:
        new["address"] = {"street": "1 Main St", "city": "+Lisbon" if n == 10 else "Porto", "country": "PT"}
    return new


def expected_csv_row(consumer: Json, fields: list[str]) -> list[Any]:
    """The export's row for a consumer as the list returned it (money, counts and metadata typed)."""
    row: list[Any] = [
        consumer["id"],
        safe(consumer["email"]),
        safe(consumer["fullName"]),
        consumer["status"],
        consumer["createdAt"],
        consumer["source"],
    ]
    if "phone" in fields:
        row.append(consumer["phone"] or "")
    if "tags" in fields:
        row.append(safe("; ".join(consumer["tags"])))
    if "loyalty" in fields:
        row += [consumer["loyalty"]["points"], safe(consumer["loyalty"]["tier"])]
    if "metadata" in fields:
        row.append(consumer["metadata"])
    if "address" in fields:
        address = consumer["address"] or {}
        row += [safe(address.get(part)) for part in ("street", "city", "region", "postalCode", "country")]
    if "orders" in fields:
        row += [
            consumer["totalOrders"],
            consumer["totalOrderValue"],
            consumer["averageOrderValue"],
            consumer["lastOrderAt"] or "",
        ]
    return row


def typed(header: list[str], row: list[str]) -> list[Any]:
    """A CSV row with its numbers and metadata parsed, to compare with the API's JSON."""
    out: list[Any] = []
    for title, cell in zip(header, row, strict=True):
        if title in MONEY:
            out.append(Decimal(cell))
        elif title in ("Points", "Total Orders"):
            out.append(int(cell))
        elif title == "Metadata":
            out.append(json.loads(cell) if cell else None)
        else:
            out.append(cell)
    return out


def header_of(fields: list[str]) -> list[str]:
    optional = {
        "phone": ["Phone"],
        "tags": ["Tags"],
        "loyalty": ["Points", "Tier"],
        "metadata": ["Metadata"],
        "address": ["Street", "City", "Region", "Postal Code", "Country"],
        "orders": ["Total Orders", "Total Order Value", "Average Order Value", "Last Order At"],
    }
    return [
        "Consumer ID",
        "Email",
        "Full Name",
        "Status",
        "Created At",
        "Source",
        *(t for f in ALL_FIELDS if f in fields for t in optional[f]),
    ]


def instant(text: str) -> datetime:
    """An API instant as Excel holds it: the UTC wall time, without a zone."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def test_exports_hold_the_rows_the_list_shows(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("bulk-exports")
    early = body(api(stack, key, "POST", "/consumers/batch", json=[person(n) for n in range(20)]), 201)
    later = body(api(stack, key, "POST", "/consumers/batch", json=[person(n) for n in range(20, 36)]), 201)
    everyone = early + later
    newest_created = max(consumer["createdAt"] for consumer in everyone)
    # Orders move totalOrderValue, lastOrderAt and lastActivityAt; two totals tie (then: by id).
    for n, (index, amount) in enumerate([(21, "30.00"), (25, "12.50"), (28, "99.99"), (33, "12.50")]):
        order = {
            "consumerId": later[index - 20]["id"],
            "externalId": f"order-{n}",
            "amount": amount,
            "currency": "USD",
            "items": [{"sku": f"sku-{n}", "name": "Thing", "quantity": 1, "unitPrice": amount}],
        }
        body(api(stack, key, "POST", "/orders", json=order), 201)
    after_creation = (instant(newest_created) + timedelta(milliseconds=1)).isoformat(timespec="milliseconds") + "Z"

    # search follows writes through the stream: wait until every "smith" (Smith, Smithers) is indexed.
    smiths = {c["id"] for c in everyone if c["fullName"] and "smith" in c["fullName"].lower()}
    assert wait_for(lambda: {c["id"] for c in list_all(stack, key, {"search": "smith"})} == smiths, 120)

    cases: list[tuple[str, list[str], Json]] = [
        ("csv", ALL_FIELDS, {}),
        ("csv", ["tags"], {"status": "active", "sortBy": "fullName", "sortDir": "asc"}),
        ("csv", [], {"membership": "member", "sortBy": "email", "sortDir": "desc"}),
        ("csv", ["phone"], {"verified": True, "sortBy": "createdAt", "sortDir": "asc"}),
        ("csv", ["metadata"], {"search": "smith"}),
        ("csv", ["orders"], {"createdAfter": later[0]["createdAt"], "sortBy": "totalOrderValue", "sortDir": "desc"}),
        ("csv", ["orders"], {"lastActivityAfter": after_creation, "sortBy": "lastOrderAt", "sortDir": "asc"}),
        ("xlsx", ["phone", "tags", "loyalty", "orders"], {"createdBefore": later[0]["createdAt"], "sortBy": "email"}),
    ]
    queued = [
        body(api(stack, key, "POST", "/exports", json={"format": fmt, "fields": fields, "filters": filters}), 202)
        for fmt, fields, filters in cases
    ]
    for (fmt, fields, filters), job in zip(cases, queued, strict=True):
        assert (job["status"], job["kind"], job["format"]) == ("pending", "consumers", fmt)
        done = follow(stack, key, f"/exports/{job['id']}", timeout=300)[-1]
        assert done["status"] == "succeeded", done
        listed = list_all(stack, key, query_of(filters), first=7)  # several pages of the list
        assert listed, f"{filters} selects nobody: the case proves nothing"
        assert done["rowCount"] == done["processedRows"] == len(listed)
        content = download(done["downloadUrl"])
        if fmt == "csv":
            rows = csv_rows(content)
            assert rows[0] == header_of(fields)
            assert [typed(rows[0], row) for row in rows[1:]] == [expected_csv_row(c, fields) for c in listed], filters
        else:
            assert_xlsx(content, fields, listed)

    # What the cases were built to show: the name sort has blanks and ties, the order sort ties too.
    by_name = [c["fullName"] for c in list_all(stack, key, {"status": "active", "sortBy": "fullName"})]
    assert None in by_name
    assert by_name.count("Lee Park") >= 2
    assert [c["totalOrderValue"] for c in list_all(stack, key, {}) if c["totalOrders"]].count(Decimal("12.5")) == 2
    assert len(smiths) >= 4


def assert_xlsx(content: bytes, fields: list[str], listed: list[Json]) -> None:
    """The workbook opens, its header is bold text, and each row holds the list's consumer, typed:
    numbers are numbers, instants are dates (UTC), an empty value is an empty cell."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == header_of(fields)
    assert all(cell.font.b for cell in sheet[1])
    assert len(rows) == len(listed) + 1
    for row, consumer in zip(rows[1:], listed, strict=True):
        expected = expected_csv_row(consumer, fields)
        for title, got, want in zip(rows[0], row, expected, strict=True):
            if title in ("Created At", "Last Order At") and want:
                assert isinstance(got, datetime), (title, got)
                assert abs(got - instant(want)) < timedelta(milliseconds=1), (title, got, want)
            elif title in MONEY:
                assert isinstance(got, int | float)
                assert Decimal(str(got)) == want, (title, got, want)
            else:
                assert got == (want if want != "" else None), (consumer["id"], title, got, want)


# ---------------------------------------------------------------- 4. the CLI


def test_the_cli_imports_a_file_and_exports_the_list(stack: RunningStack, mint_key: MintKey, tmp_path: Path) -> None:
    key = mint_key("bulk-cli")
    before = [
        {"email": "old1@cli.example", "fullName": "Old One"},
        {"email": "old2@cli.example", "fullName": "Old Two", "status": "inactive"},
        {"externalId": "crm-3", "fullName": "Old Three"},
    ]
    body(api(stack, key, "POST", "/consumers/batch", json=before), 201)
    source = tmp_path / "people.csv"
    source.write_text(
        "email,full_name,status\r\n"
        "new1@cli.example,New One,\r\n"
        "bad-email,Bad Row,\r\n"
        "OLD1@cli.example,Old One Again,\r\n"
        "new2@cli.example,New Two,inactive\r\n",
        encoding="utf-8",
    )
    common = ["--key", key, "--base-url", stack.base_url, "--poll-interval", "0.2"]

    imported = run_cli(stack.state_dir, "import", str(source), *common)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    summary = re.search(r"^Import (imp_\w+) succeeded: 4 rows: (.*)\.$", imported.stdout, re.MULTILINE)
    assert summary is not None, imported.stdout
    assert summary[2] == "2 created, 0 updated, 1 skipped, 1 failed"
    assert f"  row 3, email: {EMAIL_NO_AT}" in imported.stdout.splitlines()
    report = tmp_path / "people.csv.errors.csv"
    assert f"Every failed row, with its error: {report}" in imported.stdout
    assert csv_rows(report.read_bytes()) == [
        ["Row", "Errors", "email", "full_name", "status"],
        ["3", f"email: {EMAIL_NO_AT}", "bad-email", "Bad Row", ""],
    ]
    assert the_one(stack, key, "new1@cli.example")["source"] == "import"
    assert the_one(stack, key, "old1@cli.example")["fullName"] == "Old One"  # skipped: left as it was

    out = tmp_path / "out.csv"
    exported = run_cli(stack.state_dir, "export", "--format", "csv", "--status", "active", "-o", str(out), *common)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    active = list_all(stack, key, {"status": "active"})
    assert sorted(c["fullName"] for c in active) == ["New One", "Old One", "Old Three"]
    assert re.search(rf"^Export exp_\w+ succeeded: 3 rows written to {re.escape(str(out))} \(", exported.stdout, re.M)
    rows = csv_rows(out.read_bytes())
    assert rows[0] == header_of([])
    assert [typed(rows[0], row) for row in rows[1:]] == [expected_csv_row(c, []) for c in active]


# ---------------------------------------------------------------- 3. a killed import resumes


def test_a_killed_import_resumes_without_duplicates(bulk_stack: RunningStack) -> None:
    stack, key = bulk_stack, mint(bulk_stack, "bulk-resume")
    body(api(stack, key, "POST", "/consumers/batch", json=[{"email": f"pre{i}@resume.example"} for i in range(5)]), 201)
    rows = [["email", "externalId", "status"]]
    for n in range(2000):  # two chunks of 1,000 rows (and a last, empty one)
        rows.append([f"r{n}@resume.example", f"r-{n}", ""])
    for i, n in enumerate([100, 1500, 1600, 1700, 1800]):
        rows[n + 1] = [f"PRE{i}@resume.example", "", ""]  # consumers that were there before: skipped
    rows[1150 + 1] = ["r150@resume.example", "", ""]  # an earlier chunk's consumer: skipped
    rows[1250 + 1] = ["r250@resume.example", "", ""]
    rows[1301 + 1] = ["r1300@resume.example", "", ""]  # this chunk's own consumer: skipped
    rows[1400 + 1] = ["not-an-email", "", ""]
    rows[1401 + 1] = ["r1401@resume.example", "r-1401", "bogus"]
    content = "".join(",".join(row) + "\r\n" for row in rows).encode()
    import_id = start_import(stack, key, content, "skip")

    # Once chunk 1 is closed and chunk 2 has written its first consumers, kill the chunk's worker.
    job = follow_until(stack, key, import_id, lambda job: job["processedRows"] == 1000, timeout=600)
    assert wait_for(lambda: by_email(stack, key, "r1000@resume.example"), 300, interval=0.1)
    job = body(api(stack, key, "GET", f"/imports/{import_id}"), 200)
    assert (job["status"], job["processedRows"], job["totalRows"]) == ("processing", 1000, 2000)
    with killed_worker(stack, "RunImportFunction"):
        done = follow(stack, key, f"/imports/{import_id}", timeout=1800)[-1]
    counts = {name: done[name] for name in ("status", "totalRows", "processedRows", "created", "skipped", "failed")}
    assert counts == {
        "status": "succeeded",
        "totalRows": 2000,
        "processedRows": 2000,
        "created": 1990,
        "skipped": 8,
        "failed": 2,
    }
    assert done["updated"] == 0
    assert [(e["row"], e["field"]) for e in done["errors"]] == [(1402, "email"), (1403, "status")]

    consumers = list_all(stack, key, {})
    assert len(consumers) == 5 + 1990
    assert len({c["id"] for c in consumers}) == len(consumers)
    emails = sorted(c["email"] for c in consumers)
    assert len(set(emails)) == len(emails)
    skipped_or_failed = {100, 1150, 1250, 1301, 1400, 1401, 1500, 1600, 1700, 1800}
    assert set(emails) == {f"pre{i}@resume.example" for i in range(5)} | {
        f"r{n}@resume.example" for n in range(2000) if n not in skipped_or_failed
    }
    assert the_one(stack, key, "r1000@resume.example")["externalId"] == "r-1000"


# ---------------------------------------------------------------- 3b. a killed export starts over

EXPORT_ROWS = 6000


def test_a_killed_export_worker_leaves_one_complete_file(bulk_stack: RunningStack) -> None:
    stack, key = bulk_stack, mint(bulk_stack, "bulk-export")
    for start in range(0, EXPORT_ROWS, 100):  # batches well inside the gateway's 29 s on a busy host
        people = [
            {"email": f"x{n}@export.example", "fullName": f"Export {n}", "phone": f"+1415555{n:04d}", "tags": ["t"]}
            for n in range(start, start + 100)
        ]
        body(api(stack, key, "POST", "/consumers/batch", json=people), 201)
    fields = ["phone", "tags", "loyalty", "metadata", "address", "orders"]
    job = body(api(stack, key, "POST", "/exports", json={"format": "csv", "fields": fields}), 202)

    def started() -> Json | None:
        now: Json = body(api(stack, key, "GET", f"/exports/{job['id']}"), 200)
        return None if now["status"] == "pending" else now

    # Kill the worker while the file is being written: nothing may be downloadable until it is whole.
    running = wait_for(started, timeout=300, interval=0.05)
    assert running["status"] == "running", f"the export ended before it could be interrupted: {running}"
    assert running.get("downloadUrl") is None
    with killed_worker(stack, "RunExportFunction"):
        done = follow(stack, key, f"/exports/{job['id']}", timeout=600)[-1]
    worker = "\n".join(line for line in stack.output if "RunExportFunction" in line)
    assert (done["status"], done["rowCount"]) == ("succeeded", EXPORT_ROWS), f"{done}\n{worker}"
    rows = csv_rows(download(done["downloadUrl"]))
    assert rows[0] == header_of(fields)
    assert len(rows) == 1 + EXPORT_ROWS  # one header, every consumer once: the retry started the file over
    assert len({row[0] for row in rows[1:]}) == EXPORT_ROWS
    assert {row[1] for row in rows[1:]} == {f"x{n}@export.example" for n in range(EXPORT_ROWS)}


def follow_until(
    stack: RunningStack, key: str, import_id: str, reached: Callable[[Json], bool], timeout: float
) -> Json:
    deadline = time.monotonic() + timeout
    while True:
        job = body(api(stack, key, "GET", f"/imports/{import_id}"), 200)
        assert job["status"] not in TERMINAL, f"the import ended before it could be interrupted: {job}"
        if reached(job):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


# ---------------------------------------------------------------- 2. a 10,000-row import

ROWS = 10_000
HEADER = ["Email", "Full Name", "Phone", "External ID", "Status", "Tags", "metadata.plan", "Notes"]
PRE = 30  # consumers there before the import
BLANK_AFTER = 4999  # a blank line follows data row 4999: rows are numbered as a spreadsheet shows them
BAD = {60 * k + 7: k for k in range(150)}  # more than the 100 errors the job shows


@dataclass
class Planned:
    """The file and what each row must do, worked out from the import's rules, not from the service."""

    content: bytes = b""
    failures: list[tuple[int, list[tuple[str, str]], list[str]]] = field(default_factory=list)  # row, errors, cells
    created: int = 0
    updated: int = 0


def row_number(n: int) -> int:
    return n + 2 + (1 if n > BLANK_AFTER else 0)  # the header is row 1


def cells_of(n: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Data row n: its cells, and the errors it must fail with (none: a good row)."""
    email, name, phone, external, status, tags, plan, notes = f"u{n}@bulk.example", "", "", "", "", "", "", ""
    errors: list[tuple[str, str]] = []
    if n in BAD:
        k = BAD[n]
        email = f"b{n}@bulk.example"
        match k % 5:
            case 0:
                email, errors = f"not-an-email-{k}", [("email", EMAIL_NO_AT)]
            case 1:
                phone, errors = f"415555{k:04d}", [("phone", PHONE_NO_CODE)]
            case 2:
                name, status, errors = "=1+2", "bogus", [("status", BAD_STATUS)]
            case 3:
                email, name, errors = "", f"Nobody {k}", [("body", NO_IDENTITY)]
            case _:
                email, status, errors = "x@", "weird", [("email", EMAIL_NO_DOMAIN), ("status", BAD_STATUS)]
    elif n in (8, 8000):  # an email and an externalId of two different consumers
        k = 0 if n == 8 else 2
        email, external, errors = f"pre{k}@bulk.example", f"crm-pre-{k + 1}", [("externalId", TWO_OWNERS)]
    elif n % 100 == 50 and n < 100 * PRE:  # a consumer that was there before, by email or by externalId
        k = n // 100
        email, external = (f"PRE{k}@Bulk.Example", "") if k % 2 == 0 else ("", f"crm-pre-{k}")
        name, tags, plan = f"Updated Pre {k}", "new", "platinum"
    elif 10 <= n <= 15:  # the same email again within the chunk: the later row updates
        email, name = f"u{n % 5}@bulk.example", f"Twice {n % 5}" if n < 15 else "Thrice 0"
    elif 9000 <= n < 9020:  # an email of an earlier chunk
        email, name = f"u{400 * (n - 9000) + 3}@bulk.example", f"Again {n - 9000}"
    elif n in (300, 7000):  # one externalId: the later row moves the consumer to a new email
        email, external = ("ext300@bulk.example" if n == 300 else "moved@bulk.example"), "crm-file-1"
    else:
        name = f"Bulk User {n}" if n % 10 == 0 else ""
        status = "inactive" if n % 7 == 0 else ""
        tags = "a;b" if n % 11 == 0 else ""
        plan = "multi\nline" if n == 999 else "gold" if n % 13 == 0 else ""  # 999: a cell over two lines
        notes = f"note {n}" if n % 17 == 0 else ""
    return [email, name, phone, external, status, tags, plan, notes], errors


def plan_import(pre: list[Json]) -> Planned:
    """Rows run in order: a row naming an email (any case) or externalId that a consumer holds updates
    it (onDuplicate update), any other good row creates one."""
    plan = Planned()
    owners: dict[tuple[str, str], str] = {}  # ("email", lower-cased) or ("externalId", as given) -> consumer
    emails: dict[str, str] = {}  # consumer -> its email now
    for consumer in pre:
        owners["email", consumer["email"].lower()] = owners["externalId", consumer["externalId"]] = consumer["id"]
        emails[consumer["id"]] = consumer["email"].lower()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(ROWS):
        cells, errors = cells_of(n)
        writer.writerow(cells)
        if n == BLANK_AFTER:
            text.write("\r\n")
        if errors:
            plan.failures.append((row_number(n), errors, cells))
            continue
        email, external = cells[0].lower(), cells[3]
        identities = [(name, value) for name, value in (("email", email), ("externalId", external)) if value]
        owner = next((owners[identity] for identity in identities if identity in owners), None)
        if owner is None:
            owner = f"row {row_number(n)}"
            plan.created += 1
        else:
            plan.updated += 1
            if email and emails.get(owner) not in (None, email):  # a new email frees the old one
                owners.pop(("email", emails[owner]))
        if email:
            emails[owner] = email
        owners.update(dict.fromkeys(identities, owner))
    plan.content = (BOM + text.getvalue()).encode()
    return plan


def test_a_10000_row_import_counts_and_reports_every_row(bulk_stack: RunningStack) -> None:
    stack, key = bulk_stack, mint(bulk_stack, "bulk-10k")
    before = [
        {
            "email": f"pre{k}@bulk.example",
            "externalId": f"crm-pre-{k}",
            "fullName": f"Pre {k}",
            "tags": ["old"],
            "metadata": {"seed": "yes"},
        }
        for k in range(PRE)
    ]
    pre = body(api(stack, key, "POST", "/consumers/batch", json=before), 201)
    plan = plan_import(pre)
    assert len(plan.failures) == 152
    assert (plan.created, plan.updated) == (ROWS - 152 - 57, 57)  # 30 before + 6 + 20 in the file + 1 moved

    started = time.monotonic()  # the time it takes shows in the assertion below, should it fail
    import_id = start_import(stack, key, plan.content, "update")
    answers = follow(stack, key, f"/imports/{import_id}", timeout=3600, interval=2.0)
    done, progress = answers[-1], [answer["processedRows"] for answer in answers]
    took = time.monotonic() - started

    # Exact counts, progress a chunk at a time.
    assert {
        name: done[name] for name in ("status", "totalRows", "processedRows", "created", "updated", "skipped", "failed")
    } == {
        "status": "succeeded",
        "totalRows": ROWS,
        "processedRows": ROWS,
        "created": plan.created,
        "updated": plan.updated,
        "skipped": 0,
        "failed": 152,
    }, f"after {took:.0f} s"
    assert done["ignoredColumns"] == ["Notes"]
    assert done["completedAt"] is not None
    assert progress == sorted(progress)
    assert all(rows % 1000 == 0 for rows in progress)
    assert any(0 < rows < ROWS for rows in progress), progress

    # The report: every failed row, in order, with its errors and its cells as they were.
    report = csv_rows(download(done["reportUrl"]))
    assert report[0] == ["Row", "Errors", *(safe(title) for title in HEADER)]
    assert report[1:] == [
        [str(row), "; ".join(f"{name}: {message}" for name, message in errors), *(safe(cell) for cell in cells)]
        for row, errors, cells in plan.failures
    ]

    # Spot checks through the exact lookup.
    assert the_one(stack, key, "u0@bulk.example")["fullName"] == "Thrice 0"
    assert the_one(stack, key, "u1@bulk.example")["fullName"] == "Twice 1"
    assert the_one(stack, key, "u3@bulk.example")["fullName"] == "Again 0"  # rows 5, 15 and then 9003
    assert the_one(stack, key, "u403@bulk.example")["fullName"] == "Again 1"
    for k in (0, 1, 29):
        updated = the_one(stack, key, f"pre{k}@bulk.example")
        assert updated["id"] == pre[k]["id"]
        assert (updated["fullName"], updated["tags"], updated["externalId"]) == (
            f"Updated Pre {k}",
            ["new"],
            f"crm-pre-{k}",
        )
        assert updated["metadata"] == {"seed": "yes", "plan": "platinum"}  # metadata keys merge
        assert updated["source"] == "api"
    moved = the_one(stack, key, "moved@bulk.example")
    assert moved["externalId"] == "crm-file-1"
    assert by_email(stack, key, "ext300@bulk.example") == []
    assert by_email(stack, key, "b127@bulk.example") == []  # a failed row writes nothing
    assert the_one(stack, key, "u999@bulk.example")["metadata"] == {"plan": "multi\nline"}
    rich = the_one(stack, key, "u7007@bulk.example")
    assert (rich["status"], rich["tags"], rich["metadata"], rich["fullName"]) == (
        "inactive",
        ["a", "b"],
        {"plan": "gold"},
        None,
    )
    assert rich["source"] == "import"
    assert the_one(stack, key, "u9990@bulk.example")["fullName"] == "Bulk User 9990"  # the last chunk's

    # Nobody twice: the tenant holds the consumers before plus the ones created.
    consumers = list_all(stack, key, {})
    assert len(consumers) == PRE + plan.created
    assert len({c["email"].lower() for c in consumers if c["email"]}) == len(consumers)

    # The job shows the first 100 errors; "first" as the report and a spreadsheet order them: by row.
    expected_errors = [
        {"row": row, "field": name, "message": message} for row, errors, _ in plan.failures for name, message in errors
    ]
    assert done["errors"] == expected_errors[:100]
