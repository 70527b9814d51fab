"""`clientele`: manage API keys of a Clientele stack; import and export consumers through its API.

keys: against the stack `make run` serves, run it from the project root (it reads
.clientele/stack.json, or CLIENTELE_STATE_DIR). Against a deployed stack: set CLIENTELE_TABLE (the
stack's TableName output) and the usual AWS credentials and region.

import, export: HTTP calls with an API key (--key or CLIENTELE_API_KEY), no AWS credentials. The API
is --base-url, else CLIENTELE_BASE_URL, else the local stack's (.clientele/stack.json), else
http://127.0.0.1:3000. Exit status: 0 the job succeeded (an import even with failed rows, which it
prints), 1 the job failed, 2 a usage or API error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from clientele.consumers.enums import Membership, SortBy, SortDir, Status
from clientele.core.errors import ClienteleError
from clientele.core.tenancy import Environment
from clientele_client.sdk import DEFAULT_BASE_URL, ApiError, Clientele, Job, ProgressCallback

SHOWN_ROW_ERRORS = 20  # of the import's first row errors, printed; the report holds every failed row
EXPORT_FIELDS = ("phone", "tags", "loyalty", "metadata", "address", "orders", "membership")
EXPORT_FILTERS = (
    "status",
    "membership",
    "tier",
    "verified",
    "audience_id",
    "search",
    "created_after",
    "created_before",
    "last_activity_after",
    "last_activity_before",
    "sort_by",
    "sort_dir",
)


class TargetError(RuntimeError):
    pass


class UsageError(ValueError):
    pass


def _state_dir() -> Path:
    return Path(os.environ.get("CLIENTELE_STATE_DIR", ".clientele"))


def _use_local_stack() -> str:
    state_dir = _state_dir()
    stack_file = state_dir / "stack.json"
    if not stack_file.exists():
        raise TargetError(
            f"No running local stack found ({stack_file} is missing): start one with `make run` "
            "from the project root, or set CLIENTELE_TABLE to act on a deployed stack."
        )
    stack = json.loads(stack_file.read_text())
    port = os.environ.get("PORT")
    if port and str(stack["port"]) != port:
        raise TargetError(f"The local stack in {state_dir} serves port {stack['port']}, not PORT={port}.")
    os.environ.update(
        TABLE_NAME=stack["tableName"],
        AWS_ENDPOINT_URL=stack["awsEndpointUrl"],
        AWS_DEFAULT_REGION=stack.get("region", "us-east-1"),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fixed dummy credentials
    )
    return f"local stack on {stack['baseUrl']}"


def _choose_target() -> str:
    table = os.environ.get("CLIENTELE_TABLE")
    if table:
        os.environ["TABLE_NAME"] = table
        return f"table {table}"
    return _use_local_stack()


def _create(args: argparse.Namespace) -> None:
    from clientele.access.keys import create_key

    new = create_key(args.org, args.env, read_only=args.read_only)
    kind = "read-only" if args.read_only else "secret"
    print(f"Created {kind} key {new.key_id} for organization {args.org} ({args.env}).")
    print("Store it now: it is shown only once.")
    print(new.secret)


def _list(args: argparse.Namespace) -> None:
    from clientele.access.keys import list_keys

    records = list_keys(args.org)
    if not records:
        print(f"No keys for organization {args.org}.")
        return
    print(f"{'KEY ID':32} {'ENV':8} {'SCOPE':6} {'KEY':20} {'CREATED':25} REVOKED")
    for record in records:
        print(
            f"{record.key_id:32} {record.environment:8} {record.scope:6} {record.hint:20} "
            f"{record.created_at:25} {record.revoked_at or '-'}"
        )


def _reindex(args: argparse.Namespace) -> None:
    from clientele.consumers.service import reindex
    from clientele.core.tenancy import Tenant, valid_organization

    for environment in Environment:
        read, rewritten = reindex(Tenant(valid_organization(args.org), environment))
        print(f"{environment}: read {read} consumers; stored {rewritten} again with what they lacked.")


def _revoke(args: argparse.Namespace) -> None:
    from clientele.access.keys import revoke_key

    record = revoke_key(args.key_id)
    print(f"Revoked {record.key_id} ({record.hint}) of organization {record.organization} at {record.revoked_at}.")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="clientele", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    groups = root.add_subparsers(dest="group", required=True)
    keys = groups.add_parser("keys", help="create, list and revoke API keys").add_subparsers(
        dest="action", required=True
    )

    create = keys.add_parser("create", help="create a key; it is printed once, as the last line")
    create.add_argument("--org", required=True, help="organization id")
    create.add_argument("--env", required=True, choices=[str(env) for env in Environment])
    create.add_argument("--read-only", action="store_true", help="an rk_ key that can only read")
    create.set_defaults(run=_create)

    listing = keys.add_parser("list", help="list an organization's keys (never the secrets)")
    listing.add_argument("--org", required=True, help="organization id")
    listing.set_defaults(run=_list)

    revoke = keys.add_parser("revoke", help="revoke a key by its id (key_…)")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_revoke)

    reindex = groups.add_parser(
        "reindex",
        help="after an upgrade that adds a consumer index: store every consumer whose index keys are missing again",
        description="Reads every consumer of the organization, in both environments (one Query at a time),\n"
        "and stores again those whose index keys differ from what this version derives, or that lack a\n"
        "field it derives (memberSince). Run it for each organization once, after deploying a version\n"
        "that adds a consumer index or field. It also puts every consumer's match keys (duplicate\n"
        "suggestions). Safe to run twice or while the API is in use: each write is conditional on the\n"
        "consumer's version, which it keeps.",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    reindex.add_argument("--org", required=True, help="organization id")
    reindex.set_defaults(run=_reindex)

    imports = groups.add_parser(
        "import",
        help="import consumers from a CSV file through the API",
        description="Uploads FILE to a new import job, follows it, prints its counts and first row errors;\n"
        "every failed row goes to FILE.errors.csv.",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    imports.add_argument("file", metavar="FILE", type=Path, help="the CSV file")
    imports.add_argument(
        "--on-duplicate",
        choices=["skip", "update", "error"],
        default="skip",
        help="a row naming an existing consumer is skipped (default), updates it, or is a row error",
    )
    imports.add_argument("--no-wait", action="store_true", help="stop once the file is uploaded; print the job id")
    _api_options(imports)
    imports.set_defaults(run=_import)

    export = groups.add_parser(
        "export",
        help="export consumers to a CSV or XLSX file through the API",
        description="Queues an export job, follows it and downloads its file to -o FILE.",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    export.add_argument("--format", required=True, choices=["csv", "xlsx"])
    export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE", help="where to save the file")
    export.add_argument(
        "--fields",
        type=_names,
        action="extend",
        metavar="NAMES",
        help=f"optional column groups, comma separated: {','.join(EXPORT_FIELDS)}",
    )
    export.add_argument("--status", choices=[str(status) for status in Status])
    export.add_argument("--membership", choices=[str(membership) for membership in Membership])
    export.add_argument("--tier", help="loyalty tier name")
    export.add_argument("--verified", action=argparse.BooleanOptionalAction, help="verified consumers only (or not)")
    export.add_argument("--audience-id", help="members of this audience only")
    export.add_argument("--search", help="free text, as the consumer list's search")
    for moment in ("created", "last-activity"):
        for side in ("after", "before"):
            export.add_argument(f"--{moment}-{side}", metavar="ISO8601")
    export.add_argument("--sort-by", choices=[str(sort) for sort in SortBy])
    export.add_argument("--sort-dir", choices=[str(direction) for direction in SortDir])
    export.add_argument(
        "--consumer-id",
        dest="consumer_ids",
        nargs="+",
        action="extend",
        metavar="ID",
        help="export just these consumers (at most 500); repeatable",
    )
    _api_options(export)
    export.set_defaults(run=_export)
    return root


def _api_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--key", help="API key (default: $CLIENTELE_API_KEY, which keeps it out of `ps`)")
    command.add_argument(
        "--base-url",
        help="the API (default: $CLIENTELE_BASE_URL, else the local stack's, else " + DEFAULT_BASE_URL + ")",
    )
    command.add_argument(
        "--poll-interval", type=_seconds, default=1.0, metavar="SECONDS", help="between job polls (default 1)"
    )


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value <= 60:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 60")
    return value


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.group in ("keys", "reindex"):
        return _run_keys(args)
    return _run_bulk(args)


def _run_keys(args: argparse.Namespace) -> int:
    """Key and reindex commands use the table directly: only they need a table target (and AWS credentials)."""
    try:
        target = _choose_target()
        from clientele.core import aws

        aws.reset()
        print(f"Using {target}.", file=sys.stderr)
        args.run(args)
    except (TargetError, ValueError, ClienteleError) as error:
        message = error.message if isinstance(error, ClienteleError) else str(error)
        print(f"clientele: {message}", file=sys.stderr)
        return 2
    return 0


def _run_bulk(args: argparse.Namespace) -> int:
    try:
        return int(args.run(args))
    except ApiError as error:
        where = f", request {error.request_id}" if error.request_id else ""
        print(f"clientele: {error.message} ({error.status} {error.code}{where})", file=sys.stderr)
        for detail in error.details:
            field = detail.get("field")
            print(f"  {field}: {detail.get('message')}" if field else f"  {detail.get('message')}", file=sys.stderr)
    except urllib.error.URLError as error:
        print(f"clientele: connection failed: {error.reason}", file=sys.stderr)
    except (OSError, ValueError) as error:  # a file that cannot be read or written, a usage error
        print(f"clientele: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nclientele: interrupted (a job already created goes on on the server)", file=sys.stderr)
        return 130
    return 2


# ---------------------------------------------------------------- import and export


def _client(args: argparse.Namespace) -> Clientele:
    key = args.key or os.environ.get("CLIENTELE_API_KEY")
    if not key:
        raise UsageError(
            "an API key is needed: pass --key or set CLIENTELE_API_KEY (`clientele keys create` makes one)"
        )
    base_url, source = _base_url(args.base_url)
    _note(f"Using the API at {base_url} ({source}).")
    return Clientele(key, base_url)


def _base_url(given: str | None) -> tuple[str, str]:
    """The API's URL and where it came from: the flag, the environment, the local stack, the default."""
    if given:
        return given, "--base-url"
    if os.environ.get("CLIENTELE_BASE_URL"):
        return os.environ["CLIENTELE_BASE_URL"], "CLIENTELE_BASE_URL"
    stack_file = _state_dir() / "stack.json"
    try:
        stack = json.loads(stack_file.read_text())
    except (OSError, ValueError):
        stack = None
    if isinstance(stack, dict) and isinstance(stack.get("baseUrl"), str) and stack["baseUrl"]:
        return stack["baseUrl"], f"local stack, {stack_file}"
    return DEFAULT_BASE_URL, "default"


def _import(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    size = path.stat().st_size
    client = _client(args)
    job = client.imports.create(on_duplicate=args.on_duplicate)
    _note(f"Import {job['id']} created (on duplicate: {args.on_duplicate}); uploading {path}, {_bytes(size)}.")
    with _progress("Uploading", "bytes") as update:
        client.imports.upload(job["uploadUrl"], path, progress=update)
    if args.no_wait:
        _note(f"Uploaded. The import goes on on the server: GET /api/v1/imports/{job['id']} follows it.")
        print(job["id"])
        return 0
    with _progress("Processing", "rows") as update:
        job = client.imports.wait(
            job["id"],
            interval=args.poll_interval,
            on_poll=lambda polled: update(_count(polled.get("processedRows")), polled.get("totalRows")),
        )
    return _import_outcome(client, job, path)


def _import_outcome(client: Clientele, job: Job, path: Path) -> int:
    counts = {name: _count(job.get(name)) for name in ("created", "updated", "skipped", "failed")}
    total = job.get("totalRows")
    rows = total if total is not None else _count(job.get("processedRows"))
    summary = ", ".join(f"{count} {name}" for name, count in counts.items())
    print(f"Import {job['id']} {job['status']}: {rows} rows: {summary}.")
    errors = job.get("errors") or []
    if errors:
        shown = errors[:SHOWN_ROW_ERRORS]
        print(f"Row errors (the first {len(shown)} of {max(counts['failed'], len(errors))}):")
        for error in shown:
            print(f"  {_row_error(error)}")
    if job.get("reportUrl"):
        report = path.with_name(f"{path.name}.errors.csv")
        with _progress("Downloading the failed rows", "bytes") as update:
            client.download(job["reportUrl"], report, progress=update)
        print(f"Every failed row, with its error: {report}")
    elif counts["failed"]:
        _note("The import has no report of its failed rows.")
    if job["status"] != "succeeded":
        reason = job.get("error")
        print(f"clientele: import {job['id']} failed" + (f": {reason}" if reason else ""), file=sys.stderr)
        return 1
    return 0


def _row_error(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    where = f"row {error.get('row', '?')}" + (f", {error['field']}" if error.get("field") else "")
    return f"{where}: {error.get('message', '')}"


def _export(args: argparse.Namespace) -> int:
    output: Path = args.output
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent}: no such directory")
    client = _client(args)
    fields = list(dict.fromkeys(args.fields)) if args.fields is not None else None
    job = client.exports.create(
        format=args.format,
        fields=fields,
        filters={name: getattr(args, name) for name in EXPORT_FILTERS},
        consumer_ids=args.consumer_ids,
    )
    _note(f"Export {job['id']} queued ({args.format}).")
    with _progress("Exporting", "rows") as update:
        job = client.exports.wait(job["id"], interval=args.poll_interval, on_poll=lambda polled: update(*_rows(polled)))
    if job["status"] != "succeeded":
        print(f"clientele: export {job['id']} failed: {job.get('error') or 'no reason given'}", file=sys.stderr)
        return 1
    if not job.get("downloadUrl"):
        raise UsageError(f"export {job['id']} succeeded but the API gave no downloadUrl")
    with _progress(f"Downloading {output.name}", "bytes") as update:
        size = client.download(job["downloadUrl"], output, progress=update)
    print(f"Export {job['id']} succeeded: {_rows(job)[0]} rows written to {output} ({_bytes(size)}).")
    return 0


def _rows(job: Job) -> tuple[int, int | None]:
    """(rows so far, rows in all if known) of an export job."""
    if job.get("status") == "succeeded" and job.get("rowCount") is not None:
        return _count(job["rowCount"]), _count(job["rowCount"])
    total = job.get("rowCount")
    return _count(job.get("processedRows")), None if total is None else _count(total)


def _count(value: Any) -> int:
    return int(value or 0)


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _bytes(size: float) -> str:
    """Decimal units, as rich's bars show them."""
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- progress bars, on stderr


@contextmanager
def _progress(description: str, unit: str) -> Iterator[ProgressCallback]:
    """A bar fed `(done, total or None)`: rich's when it is installed (it is not part of the Lambda
    layer, so it is imported here, lazily), else a plain text one."""
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TransferSpeedColumn,
        )
    except ImportError:
        bar = _TextBar(description, unit, sys.stderr)
        try:
            yield bar.update
        finally:
            bar.close()
        return
    amounts = (DownloadColumn(), TransferSpeedColumn()) if unit == "bytes" else (MofNCompleteColumn(), TextColumn(unit))
    columns = (TextColumn("{task.description}"), BarColumn(), *amounts, TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        yield update


class _TextBar:
    """`Uploading [#######.......]  50% 1.2 MB/2.4 MB`: redrawn in place on a terminal (at most 10
    times a second), else a line every few seconds, and the final state on close."""

    WIDTH = 30

    def __init__(self, description: str, unit: str, stream: TextIO) -> None:
        self.description, self.unit, self.stream = description, unit, stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.every = 0.1 if self.tty else 5.0
        self.done = 0
        self.total: int | None = None
        self.drawn_at: float | None = None
        self.width = 0

    def update(self, done: int, total: int | None) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if self.drawn_at is None or now - self.drawn_at >= self.every:
            self.drawn_at = now
            self._draw(final=False)

    def close(self) -> None:
        self._draw(final=True)

    def _draw(self, final: bool) -> None:
        line = self.line()
        if self.tty:
            self.stream.write("\r" + line.ljust(self.width) + ("\n" if final else ""))
            self.width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def line(self) -> str:
        amount: Callable[[int], str] = _bytes if self.unit == "bytes" else "{:,}".format
        if self.total is None:
            return f"{self.description} {amount(self.done)} {'' if self.unit == 'bytes' else self.unit}".rstrip()
        fraction = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = round(fraction * self.WIDTH)
        rows = "" if self.unit == "bytes" else f" {self.unit}"
        return (
            f"{self.description} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%} "
            f"{amount(self.done)}/{amount(self.total)}{rows}"
        )


if __name__ == "__main__":
    sys.exit(main())
