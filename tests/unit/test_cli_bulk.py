"""`clientele import` and `clientele export` end to end, against a fake API served from a thread.

The fake follows the bulk contract: `POST/GET /api/v1/imports`, `POST/GET /api/v1/exports`, jobs that
move on one step per poll, and presigned storage URLs (plain URLs on the same server) that refuse an
Authorization header, as S3 does. No AWS credentials, no table: the CLI must not look for either.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from clientele_client import cli
from clientele_client.sdk import ApiError, Clientele, wait

KEY = "sk_test_bulk"
ROWS_PER_POLL = 2  # import rows the fake processes per poll
EXPORT_ROWS = 3000
EXPORT_ERROR = "The file could not be written (MemoryError) in 4 attempts"


class FakeApi:
    """The API's state: jobs, what was uploaded, what each URL serves, and every request seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.base = ""
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers
        self.bodies: list[dict[str, Any]] = []  # JSON bodies of API POSTs, in order
        self.imports: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.exports: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}  # presigned GET path -> bytes
        self.statuses: dict[str, list[str]] = {}  # job id -> every status a GET answered
        self.failing_puts = 0  # the next PUTs answer 503 (S3 SlowDown)

    def paths(self, method: str, prefix: str) -> list[str]:
        return [path for seen, path, _ in self.requests if seen == method and path.startswith(prefix)]

    # ---------------------------------------------------------------- imports

    def create_import(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("onDuplicate") not in ("skip", "update", "error"):
            return 400, _error(400, "validation_failed", "Validation failed", "onDuplicate", "skip, update or error")
        job_id = f"imp_{len(self.imports) + 1:04d}"
        job = {
            "id": job_id,
            "status": "awaiting_upload",
            "onDuplicate": body["onDuplicate"],
            "uploadUrl": f"{self.base}/uploads/{job_id}?X-Amz-Signature=fake&X-Amz-Expires=900",
            "uploadExpiresAt": "2030-01-01T00:15:00Z",
            "totalRows": None,
            "processedRows": 0,
            "created": 0,
            "updated": 0,
            "skipped": 0,
            "failed": 0,
            "errors": [],
            "reportUrl": None,
            "createdAt": "2030-01-01T00:00:00Z",
            "completedAt": None,
        }
        self.imports[job_id] = job
        return 201, job

    def poll_import(self, job_id: str) -> dict[str, Any]:
        """Processing moves ROWS_PER_POLL rows a poll; the outcome comes from the uploaded CSV."""
        job = self.imports[job_id]
        if job["status"] == "processing":
            rows = list(csv.DictReader(io.StringIO(self.uploads[job_id].decode())))
            if job["totalRows"] is None:
                job["totalRows"] = len(rows)
            job["processedRows"] = min(job["processedRows"] + ROWS_PER_POLL, len(rows))
            if job["processedRows"] == len(rows):
                self._finish_import(job, rows)
        self.statuses.setdefault(job_id, []).append(job["status"])
        return dict(job)

    def _finish_import(self, job: dict[str, Any], rows: list[dict[str, str]]) -> None:
        if rows and "email" not in rows[0]:
            job.update(
                status="failed",
                totalRows=None,
                errors=[{"row": 1, "field": None, "message": "The header has no email column"}],
            )
            return
        failed: list[tuple[dict[str, str], str]] = []
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            email = row["email"]
            if "@" not in email:
                failed.append((row, "not a valid email address"))
                job["errors"].append({"row": number, "field": "email", "message": "not a valid email address"})
            elif email.startswith("known") and job["onDuplicate"] != "error":
                job["updated" if job["onDuplicate"] == "update" else "skipped"] += 1
            elif email.startswith("known"):
                failed.append((row, "a consumer with this email exists"))
                job["errors"].append({"row": number, "field": "email", "message": "a consumer with this email exists"})
            else:
                job["created"] += 1
        job.update(status="succeeded", failed=len(failed), completedAt="2030-01-01T00:01:00Z")
        if failed:
            report = io.StringIO()
            writer = csv.writer(report, lineterminator="\n")
            writer.writerow([*rows[0].keys(), "error"])
            writer.writerows([*row.values(), message] for row, message in failed)
            self.files[f"/reports/{job['id']}.csv"] = report.getvalue().encode()
            job["reportUrl"] = f"{self.base}/reports/{job['id']}.csv?X-Amz-Signature=fake"

    # ---------------------------------------------------------------- exports

    def create_export(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("format") not in ("csv", "xlsx"):
            return 400, _error(400, "validation_failed", "Validation failed", "format", "csv or xlsx")
        if len(body.get("consumerIds") or []) > 500:
            return 400, _error(400, "validation_failed", "Validation failed", "consumerIds", "at most 500 items")
        job_id = f"exp_{len(self.exports) + 1:04d}"
        job = {
            "id": job_id,
            "kind": "consumers",
            "status": "pending",
            "format": body["format"],
            "rowCount": None,
            "processedRows": 0,
            "error": None,
            "createdAt": "2030-01-01T00:00:00Z",
            "completedAt": None,
            "explode": (body.get("filters") or {}).get("search") == "explode",
        }
        self.exports[job_id] = job
        return 202, _public(job)

    def poll_export(self, job_id: str) -> dict[str, Any]:
        """pending, then running a third of the rows a poll, then succeeded (or failed)."""
        job = self.exports[job_id]
        answer = _public(job)
        self.statuses.setdefault(job_id, []).append(job["status"])
        if job["status"] == "pending":
            job["status"] = "running"
        elif job["status"] == "running" and job["explode"]:
            job.update(status="failed", error=EXPORT_ERROR, completedAt="2030-01-01T00:01:00Z")
        elif job["status"] == "running" and job["processedRows"] < EXPORT_ROWS:
            job["processedRows"] += EXPORT_ROWS // 3
        elif job["status"] == "running":
            path = f"/downloads/{job_id}.{job['format']}"
            self.files[path] = _export_file(job["format"])
            job.update(
                status="succeeded",
                rowCount=EXPORT_ROWS,
                completedAt="2030-01-01T00:01:00Z",
                downloadUrl=f"{self.base}{path}?X-Amz-Signature=fake",
                expiresAt="2030-01-01T00:16:00Z",
            )
        return answer


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in job.items() if name != "explode"}


def _export_file(format: str) -> bytes:
    if format == "xlsx":
        return b"PK\x03\x04" + random.Random(7).randbytes(150_000)  # big enough for several chunks
    lines = ["Email,Full Name,Status,Created At,Phone"]
    lines += [f"c{n}@example.com,Consumer {n},active,2024-01-01T00:00:00Z,+3360000{n:04d}" for n in range(EXPORT_ROWS)]
    return ("\n".join(lines) + "\n").encode()


def _error(status: int, code: str, message: str, field: str | None = None, detail: str | None = None) -> dict[str, Any]:
    details = [{"field": field, "message": detail}] if field else []
    kind = "authentication_error" if status == 401 else "invalid_request_error"
    return {"error": {"type": kind, "code": code, "message": message, "details": details, "requestId": "req_fake"}}


_S3_ERROR = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"


class Handler(BaseHTTPRequestHandler):
    api: FakeApi
    timeout = 5  # a client that sends less than its Content-Length fails fast instead of hanging

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> str:
        path = urllib.parse.urlsplit(self.path).path
        with self.api.lock:
            self.api.requests.append((self.command, path, dict(self.headers.items())))
        return path

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _s3_error(self, status: int, code: str, message: str) -> None:
        data = _S3_ERROR.format(code=code, message=message).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {KEY}":
            return True
        self._json(401, _error(401, "authentication_required", "Invalid API key"))
        return False

    def _presigned(self) -> bool:
        """S3 takes one auth mechanism: a presigned URL with an Authorization header is refused."""
        if "X-Amz-Signature=" not in self.path:
            self._s3_error(403, "AccessDenied", "Access Denied")
            return False
        if self.headers.get("Authorization"):
            self._s3_error(400, "InvalidArgument", "Only one auth mechanism allowed")
            return False
        return True

    def do_POST(self) -> None:
        path = self._record()
        if not self._authorized():
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.api.lock:
            self.api.bodies.append(body)
            if path == "/api/v1/imports":
                self._json(*self.api.create_import(body))
            elif path == "/api/v1/exports":
                self._json(*self.api.create_export(body))
            else:
                self._json(404, _error(404, "route_not_found", "Route not found"))

    def do_GET(self) -> None:
        path = self._record()
        if path.startswith("/api/v1/"):
            if not self._authorized():
                return
            with self.api.lock:
                job_id = path.rsplit("/", 1)[-1]
                if path.startswith("/api/v1/imports/") and job_id in self.api.imports:
                    self._json(200, self.api.poll_import(job_id))
                elif path.startswith("/api/v1/exports/") and job_id in self.api.exports:
                    self._json(200, self.api.poll_export(job_id))
                elif path == "/api/v1/exports":
                    jobs = [_public(job) for job in reversed(self.api.exports.values())]
                    page_info = {"startCursor": None, "endCursor": None, "hasNextPage": False}
                    self._json(200, {"data": jobs, "pageInfo": {**page_info, "hasPreviousPage": False}})
                else:
                    self._json(404, _error(404, "resource_missing", "Not found"))
            return
        if not self._presigned():
            return
        data = self.api.files.get(path)
        if data is None:
            self._s3_error(404, "NoSuchKey", "The specified key does not exist.")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self) -> None:
        path = self._record()
        if not self._presigned():
            return
        if "Content-Length" not in self.headers:
            self._s3_error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
            return
        data = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Type") != "text/csv":
            self._s3_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
            return
        with self.api.lock:
            if self.api.failing_puts:
                self.api.failing_puts -= 1
                self._s3_error(503, "SlowDown", "Please reduce your request rate.")
                return
            job_id = path.rsplit("/", 1)[-1]
            self.api.uploads[job_id] = data
            self.api.imports[job_id]["status"] = "processing"
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def api() -> Iterator[FakeApi]:
    state = FakeApi()
    handler = type("BoundHandler", (Handler,), {"api": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No AWS credentials, no table, no local stack; choosing a table target would be a failure."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "CLIENTELE_")) or name in ("TABLE_NAME", "PORT"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CLIENTELE_STATE_DIR", str(tmp_path / "no-stack"))

    def no_table() -> str:
        raise AssertionError("import and export must not choose a table target")

    monkeypatch.setattr(cli, "_choose_target", no_table)
    monkeypatch.setattr(cli, "_use_local_stack", no_table)
    yield
    assert not [name for name in os.environ if name.startswith("AWS_") or name == "TABLE_NAME"]


def run(api: FakeApi, *args: str) -> int:
    return cli.main([*args, "--key", KEY, "--base-url", api.base, "--poll-interval", "0.01"])


PEOPLE = (
    "email,fullName,phone\n"
    "ada@example.com,Ada Lovelace,+33600000001\n"
    "known@example.com,Known Person,\n"
    "not-an-email,Broken Row,\n"
    "grace@example.com,Grace Hopper,\n"
    "also-broken,Second Broken,+33600000002\n"
)


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    return path


# ---------------------------------------------------------------- import


def test_import_uploads_the_file_follows_the_job_and_saves_the_failed_rows(
    api: FakeApi, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(api, "import", str(people), "--on-duplicate", "update") == 0

    out, err = capsys.readouterr()
    assert api.bodies == [{"onDuplicate": "update"}]
    assert api.uploads["imp_0001"] == people.read_bytes()
    (put,) = [headers for method, _, headers in api.requests if method == "PUT"]
    assert put["Content-Type"] == "text/csv"
    assert put["Content-Length"] == str(people.stat().st_size)
    assert "Authorization" not in put  # a presigned URL carries its own signature
    (post,) = [headers for method, _, headers in api.requests if method == "POST"]
    assert post["Idempotency-Key"]
    # processing over several polls (5 rows, 2 a poll), then succeeded
    assert api.statuses["imp_0001"] == ["processing", "processing", "succeeded"]

    assert "Import imp_0001 succeeded: 5 rows: 2 created, 1 updated, 0 skipped, 2 failed." in out
    assert "Row errors (the first 2 of 2):" in out
    assert "  row 4, email: not a valid email address" in out
    assert "  row 6, email: not a valid email address" in out
    report = people.with_name("people.csv.errors.csv")
    assert report.read_bytes() == api.files["/reports/imp_0001.csv"]
    assert report.read_text().splitlines() == [
        "email,fullName,phone,error",
        "not-an-email,Broken Row,,not a valid email address",
        "also-broken,Second Broken,+33600000002,not a valid email address",
    ]
    assert f"Every failed row, with its error: {report}" in out
    assert not list(people.parent.glob("*.part"))
    assert "Uploading" in err
    assert "Processing" in err


def test_an_import_without_failures_writes_no_report(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clean.csv"
    path.write_text("email\nnew@example.com\nknown@example.com\n")

    assert run(api, "import", str(path)) == 0

    out, _ = capsys.readouterr()
    assert api.bodies == [{"onDuplicate": "skip"}]  # the default
    assert "Import imp_0001 succeeded: 2 rows: 1 created, 0 updated, 1 skipped, 0 failed." in out
    assert "Row errors" not in out
    assert not path.with_name("clean.csv.errors.csv").exists()


def test_duplicates_as_errors_are_failed_rows_and_still_exit_0(
    api: FakeApi, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(api, "import", str(people), "--on-duplicate", "error") == 0

    out, _ = capsys.readouterr()
    assert "5 rows: 2 created, 0 updated, 0 skipped, 3 failed." in out
    assert "  row 3, email: a consumer with this email exists" in out
    assert "known@example.com" in people.with_name("people.csv.errors.csv").read_text()


def test_a_failed_import_exits_1(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "headless.csv"
    path.write_text("mail,name\na@example.com,A\n")

    assert run(api, "import", str(path)) == 1

    out, err = capsys.readouterr()
    assert "Import imp_0001 failed:" in out
    assert "  row 1: The header has no email column" in out
    assert "clientele: import imp_0001 failed" in err
    assert not path.with_name("headless.csv.errors.csv").exists()


def test_no_wait_stops_after_the_upload(api: FakeApi, people: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(api, "import", str(people), "--no-wait") == 0

    out, _ = capsys.readouterr()
    assert out.splitlines()[-1] == "imp_0001"
    assert api.uploads["imp_0001"] == people.read_bytes()
    assert api.paths("GET", "/api/v1/imports") == []  # never polled


def test_a_transient_storage_error_is_retried_with_the_whole_file(
    api: FakeApi, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.failing_puts = 1

    assert run(api, "import", str(people)) == 0

    assert len(api.paths("PUT", "/uploads/")) == 2
    assert api.uploads["imp_0001"] == people.read_bytes()


# ---------------------------------------------------------------- export


def test_export_sends_the_filters_follows_the_job_and_downloads_the_file(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "consumers.csv"
    output.parent.mkdir()
    args = ["export", "--format", "csv", "--fields", "phone,tags", "--fields", "loyalty", "-o", str(output)]
    args += ["--status", "active", "--membership", "member", "--tier", "Gold", "--verified", "--audience-id", "aud_1"]
    args += ["--search", "john", "--created-after", "2024-01-01T00:00:00Z", "--created-before", "2025-01-01T00:00:00Z"]
    args += ["--last-activity-after", "2024-06-01T00:00:00Z", "--last-activity-before", "2024-07-01T00:00:00Z"]
    args += ["--sort-by", "email", "--sort-dir", "asc"]

    assert run(api, *args) == 0

    out, err = capsys.readouterr()
    assert api.bodies == [
        {
            "format": "csv",
            "fields": ["phone", "tags", "loyalty"],
            "filters": {
                "status": "active",
                "membership": "member",
                "tier": "Gold",
                "verified": True,
                "audienceId": "aud_1",
                "search": "john",
                "createdAfter": "2024-01-01T00:00:00Z",
                "createdBefore": "2025-01-01T00:00:00Z",
                "lastActivityAfter": "2024-06-01T00:00:00Z",
                "lastActivityBefore": "2024-07-01T00:00:00Z",
                "sortBy": "email",
                "sortDir": "asc",
            },
        }
    ]
    assert api.statuses["exp_0001"] == ["pending", "running", "running", "running", "running", "succeeded"]
    assert output.read_bytes() == api.files["/downloads/exp_0001.csv"]
    assert f"Export exp_0001 succeeded: {EXPORT_ROWS} rows written to {output}" in out
    assert not list(output.parent.glob("*.part"))
    (download,) = [headers for method, path, headers in api.requests if path.startswith("/downloads/")]
    assert "Authorization" not in download
    assert "Exporting" in err
    assert "Downloading consumers.csv" in err


def test_export_of_picked_consumers_as_xlsx(api: FakeApi, tmp_path: Path) -> None:
    output = tmp_path / "picked.xlsx"

    assert (
        run(api, "export", "--format", "xlsx", "--consumer-id", "c1", "c2", "--consumer-id", "c3", "-o", str(output))
        == 0
    )

    assert api.bodies == [{"format": "xlsx", "consumerIds": ["c1", "c2", "c3"]}]  # no empty filters or fields
    assert output.read_bytes() == api.files["/downloads/exp_0001.xlsx"]


def test_no_verified_is_sent_as_false(api: FakeApi, tmp_path: Path) -> None:
    assert run(api, "export", "--format", "csv", "--no-verified", "-o", str(tmp_path / "x.csv")) == 0

    assert api.bodies == [{"format": "csv", "filters": {"verified": False}}]


def test_a_failed_export_exits_1_and_writes_nothing(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "never.csv"

    assert run(api, "export", "--format", "csv", "--search", "explode", "-o", str(output)) == 1

    _, err = capsys.readouterr()
    assert f"clientele: export exp_0001 failed: {EXPORT_ERROR}" in err
    assert not output.exists()
    assert api.paths("GET", "/downloads/") == []


def test_the_text_bar_when_rich_is_missing(
    api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "rich.progress", None)  # `from rich.progress import …` now fails
    monkeypatch.setitem(sys.modules, "rich.console", None)
    output = tmp_path / "plain.csv"

    assert run(api, "export", "--format", "csv", "-o", str(output)) == 0

    _, err = capsys.readouterr()
    final_rows = f"Exporting [{'#' * 30}] 100% 3,000/3,000 rows"
    assert final_rows in err.splitlines()
    size = len(api.files["/downloads/exp_0001.csv"])
    assert f"Downloading plain.csv [{'#' * 30}] 100% {cli._bytes(size)}/{cli._bytes(size)}" in err.splitlines()
    assert output.read_bytes() == api.files["/downloads/exp_0001.csv"]


# ---------------------------------------------------------------- errors: exit 2


def test_a_wrong_key_prints_the_apis_message(api: FakeApi, people: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(people), "--key", "sk_test_wrong", "--base-url", api.base]) == 2

    _, err = capsys.readouterr()
    assert "clientele: Invalid API key (401 authentication_required, request req_fake)" in err
    assert api.uploads == {}


def test_a_validation_error_prints_its_details(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [f"cons_{n}" for n in range(501)]

    assert run(api, "export", "--format", "csv", "-o", str(tmp_path / "x.csv"), "--consumer-id", *ids) == 2

    _, err = capsys.readouterr()
    assert "clientele: Validation failed (400 validation_failed, request req_fake)" in err
    assert "  consumerIds: at most 500 items" in err
    assert not (tmp_path / "x.csv").exists()


def test_without_a_key_nothing_is_sent(api: FakeApi, people: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(people), "--base-url", api.base]) == 2

    _, err = capsys.readouterr()
    assert "an API key is needed: pass --key or set CLIENTELE_API_KEY" in err
    assert api.requests == []


def test_a_missing_file_creates_no_job(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(api, "import", str(tmp_path / "missing.csv")) == 2

    _, err = capsys.readouterr()
    assert f"clientele: {tmp_path / 'missing.csv'}: no such file" in err
    assert api.requests == []


def test_an_export_into_a_missing_directory_creates_no_job(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(api, "export", "--format", "csv", "-o", str(tmp_path / "nowhere" / "x.csv")) == 2

    _, err = capsys.readouterr()
    assert f"clientele: {tmp_path / 'nowhere'}: no such directory" in err
    assert api.requests == []


def test_an_unreachable_api(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["export", "--format", "csv", "-o", str(tmp_path / "x.csv"), "--key", KEY]

    assert cli.main([*argv, "--base-url", f"http://127.0.0.1:{port}"]) == 2

    _, err = capsys.readouterr()
    assert "clientele: connection failed:" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["export", "--format", "pdf", "-o", "x"], ["export", "--format", "csv"], ["import"]):
        with pytest.raises(SystemExit) as exit:
            cli.main(argv)
        assert exit.value.code == 2, argv


# ---------------------------------------------------------------- where the API is


def test_the_base_url_flag_then_environment_then_local_stack_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("CLIENTELE_STATE_DIR", str(state))
    assert cli._base_url(None) == ("http://127.0.0.1:3000", "default")
    state.mkdir()
    (state / "stack.json").write_text("{not json")
    assert cli._base_url(None) == ("http://127.0.0.1:3000", "default")
    (state / "stack.json").write_text(json.dumps({"baseUrl": "http://127.0.0.1:3999", "port": 3999}))
    assert cli._base_url(None) == ("http://127.0.0.1:3999", f"local stack, {state / 'stack.json'}")
    monkeypatch.setenv("CLIENTELE_BASE_URL", "https://api.example.com")
    assert cli._base_url(None) == ("https://api.example.com", "CLIENTELE_BASE_URL")
    assert cli._base_url("http://flag:1") == ("http://flag:1", "--base-url")


def test_a_clean_process_finds_the_local_stack_and_needs_no_aws(api: FakeApi, people: Path, tmp_path: Path) -> None:
    """A child process with nothing but PATH, HOME, the key and the local stack's state file."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "stack.json").write_text(json.dumps({"baseUrl": api.base}))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "CLIENTELE_API_KEY": KEY}
    env["CLIENTELE_STATE_DIR"] = str(state)
    output = tmp_path / "all.csv"

    def clientele(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "clientele_client.cli", *args, "--poll-interval", "0.01"]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)

    imported = clientele("import", str(people))
    exported = clientele("export", "--format", "csv", "-o", str(output))

    assert imported.returncode == 0, imported.stderr
    assert f"Using the API at {api.base} (local stack" in imported.stderr
    assert "5 rows: 2 created, 0 updated, 1 skipped, 2 failed." in imported.stdout
    assert api.uploads["imp_0001"] == people.read_bytes()
    assert exported.returncode == 0, exported.stderr
    assert output.read_bytes() == api.files["/downloads/exp_0001.csv"]


# ---------------------------------------------------------------- the SDK's bulk helpers


def test_uploads_stream_in_chunks_and_report_progress(api: FakeApi, tmp_path: Path) -> None:
    client = Clientele(KEY, api.base)
    big = tmp_path / "big.csv"
    big.write_bytes(b"email\n" + b"".join(f"p{n}@example.com\n".encode() for n in range(20_000)))
    seen: list[tuple[int, int | None]] = []

    job = client.imports.create(on_duplicate="skip")
    client.imports.upload(job["uploadUrl"], big, progress=lambda done, total: seen.append((done, total)))

    assert api.uploads[job["id"]] == big.read_bytes()
    size = big.stat().st_size
    assert len(seen) > 4  # one call a chunk
    assert seen[0] == (0, size)
    assert seen[-1] == (size, size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)

    job = client.imports.create(on_duplicate="skip")
    client.imports.upload(job["uploadUrl"], b"email\nx@example.com\n")
    assert api.uploads[job["id"]] == b"email\nx@example.com\n"
    finished = client.imports.wait(job["id"], interval=0.01)
    assert (finished["status"], finished["created"]) == ("succeeded", 1)


def test_a_missing_download_is_an_api_error_and_leaves_no_file(api: FakeApi, tmp_path: Path) -> None:
    client = Clientele(KEY, api.base)
    target = tmp_path / "gone.csv"

    with pytest.raises(ApiError) as error:
        client.download(f"{api.base}/downloads/nothing.csv?X-Amz-Signature=fake", target)

    assert (error.value.status, error.value.code) == (404, "NoSuchKey")
    assert error.value.message == "The specified key does not exist."
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="Not an http"):
        client.download("file:///etc/passwd", target)


def test_export_jobs_are_listed_and_waited_for(api: FakeApi) -> None:
    client = Clientele(KEY, api.base)
    first = client.exports.create(format="csv", filters={"status": "active", "tier": None})
    second = client.exports.create(format="xlsx", fields=["orders"], consumer_ids=["c1"])

    page = client.exports.list(first=10)
    assert [job["id"] for job in page["data"]] == [second["id"], first["id"]]
    assert api.bodies[0] == {"format": "csv", "filters": {"status": "active"}}
    assert api.paths("GET", "/api/v1/exports") == ["/api/v1/exports"]
    polled: list[str] = []
    done = client.exports.wait(first["id"], interval=0.01, on_poll=lambda job: polled.append(job["status"]))
    assert done["status"] == "succeeded"
    assert done["downloadUrl"].startswith(api.base)
    assert polled == api.statuses[first["id"]]


def test_wait_gives_up_after_its_timeout() -> None:
    calls: list[int] = []

    def stuck() -> dict[str, Any]:
        calls.append(1)
        return {"id": "exp_1", "status": "running"}

    with pytest.raises(TimeoutError, match="exp_1 is still running"):
        wait(stuck, interval=0.01, timeout=0.05)
    assert 1 < len(calls) < 10
