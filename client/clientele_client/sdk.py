"""A Python client for the Clientele API.

    from clientele_client.sdk import Clientele

    client = Clientele(secret_key="sk_test_…", base_url="http://127.0.0.1:3000")
    consumer = client.consumers.create(email="john@example.com", full_name="John Doe")
    client.consumers.update(consumer.id, metadata={"tier": "vip"})
    order = client.orders.create(email="john@example.com", amount="49.90", currency="EUR", external_id="shop-1")
    client.orders.refund(order.id, amount="10.00")
    page = client.consumers.list(first=20, search="john")  # by the matching word; sort_by= sorts the matches
    for consumer in client.consumers.iterate(sort_by="email", status="active"):  # every page
        ...

Merging duplicates (the job is a plain dict; an old id still reaches the survivor):

    job = client.consumers.merge(survivor.id, [duplicate.id])  # dry_run=True: the preview, nothing written
    client.merges.wait(job["id"])
    assert client.consumers.get(duplicate.id).id == survivor.id

Bulk jobs (import and export answers are plain dicts, the API's JSON):

    job = client.imports.create(on_duplicate="update")
    client.imports.upload(job["uploadUrl"], "people.csv", progress=lambda done, total: ...)
    job = client.imports.wait(job["id"])  # until succeeded or failed
    job = client.exports.wait(client.exports.create(format="csv", filters={"status": "active"})["id"])
    client.download(job["downloadUrl"], "consumers.csv")

Fields are given in Python style (`full_name`) or as the API spells them (`fullName`); `None`
clears a field on update. Every error is an `ApiError` carrying the API's status, code and message.
An id of a consumer merged into another is followed: `client.consumers.get(old_id)` answers the
survivor (the API says `consumer_merged` with `mergedInto`, and the client asks again).
Standard library only, so it runs anywhere the `clientele` package does.
"""

from __future__ import annotations

import builtins
import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic.alias_generators import to_camel

from clientele.audiences.models import Audience, MembersChanged
from clientele.consumers.models import Consumer, TimelineEvent
from clientele.consumers.stats import ConsumerStats
from clientele.core.models import Page
from clientele.orders.models import BalanceAdjustment, Order

DEFAULT_BASE_URL = "http://127.0.0.1:3000"
RETRYABLE_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
TERMINAL_STATUSES = frozenset({"succeeded", "failed"})  # of import and export jobs
TRANSFER_CHUNK = 64 * 1024  # bytes read, sent or written at a time by uploads and downloads

Job = dict[str, Any]  # an import or export job as the API answers it (camelCase keys)
ProgressCallback = Callable[[int, int | None], None]  # (bytes done so far, total bytes or None when unknown)
# The list pages as the API answers them (the layer's models modules do not parametrize Page, which
# builds Page's validator: a cold start that lists nothing would pay for it).
AudiencePage = Page[Audience]
ConsumerPage = Page[Consumer]
TimelinePage = Page[TimelineEvent]
BalanceAdjustmentPage = Page[BalanceAdjustment]
OrderPage = Page[Order]


class ApiError(Exception):
    """An error answer of the API: `status` (HTTP), `type`, `code`, `message`, `details`, `request_id`."""

    def __init__(self, status: int, error: Mapping[str, Any]) -> None:
        self.status = status
        self.type = str(error.get("type", "api_error"))
        self.code = str(error.get("code", "unknown"))
        self.message = str(error.get("message", "Request failed"))
        self.details: list[dict[str, Any]] = list(error.get("details") or [])
        self.request_id = error.get("requestId")
        self.merged_into: str | None = error.get("mergedInto")  # consumer_merged: the profile that holds it now
        super().__init__(f"{status} {self.code}: {self.message}")


class Clientele:
    def __init__(
        self, secret_key: str, base_url: str = DEFAULT_BASE_URL, *, timeout: float = 30.0, max_retries: int = 2
    ) -> None:
        self._transport = _Transport(secret_key, base_url.rstrip("/"), timeout, max_retries)
        self.consumers = Consumers(self._transport)
        self.orders = Orders(self._transport)
        self.audiences = Audiences(self._transport)
        self.imports = Imports(self._transport)
        self.exports = Exports(self._transport)
        self.merges = Merges(self._transport)

    def download(self, url: str, path: str | os.PathLike[str], *, progress: ProgressCallback | None = None) -> int:
        """Saves a presigned URL's file (an export, an import's report) to `path`, chunk by chunk;
        returns the bytes written. The file appears complete or not at all."""
        return self._transport.download(url, Path(path), progress)


MAX_MERGE_HOPS = 5  # consumer_merged answers followed in a row
_CONSUMER_PATH = re.compile(r"^/consumers/([^/]+)")


def _followed(path: str, error: ApiError) -> str | None:
    """The path with a merged-away consumer's id replaced by its survivor's; None if the error is not that."""
    match = _CONSUMER_PATH.match(path)
    if error.code != "consumer_merged" or not error.merged_into or match is None:
        return None
    return f"/consumers/{_segment(error.merged_into)}{path[match.end() :]}"


def _wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Python-style names to the API's camelCase; names already in camelCase pass through."""
    return {to_camel(name) if "_" in name else name: value for name, value in fields.items()}


class Consumers:
    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def create(self, *, idempotency_key: str | None = None, **fields: Any) -> Consumer:
        body = self._transport.request("POST", "/consumers", body=_wire(fields), idempotency_key=idempotency_key)
        return Consumer.model_validate(body)

    def get(self, consumer_id: str) -> Consumer:
        return Consumer.model_validate(self._transport.request("GET", f"/consumers/{_segment(consumer_id)}"))

    def update(self, consumer_id: str, **fields: Any) -> Consumer:
        body = self._transport.request("PUT", f"/consumers/{_segment(consumer_id)}", body=_wire(fields))
        return Consumer.model_validate(body)

    def delete(self, consumer_id: str) -> Consumer:
        """Deletes the consumer and returns it as it was."""
        return Consumer.model_validate(self._transport.request("DELETE", f"/consumers/{_segment(consumer_id)}"))

    def list(self, **params: Any) -> ConsumerPage:
        """One page: first/after or last/before, sort_by/sort_dir, search and the filters
        (status, membership, tier, created_after, created_before, last_activity_after/_before)."""
        return ConsumerPage.model_validate(self._transport.request("GET", "/consumers", query=_query(params)))

    def iterate(self, **params: Any) -> Iterator[Consumer]:
        """Every consumer the list would show, page after page (the seed's `while (pageInfo.endCursor)`)."""
        params = {"first": 100, **params}
        while True:
            page = self.list(**params)
            yield from page.data
            if page.page_info.end_cursor is None:
                return
            params["after"] = page.page_info.end_cursor

    def search(self, q: str | None = None, **params: Any) -> ConsumerPage:
        """Exact `email`, `phone` or `external_id` (read-after-write), or the free-text `q`."""
        query = _query({"q": q, **params})
        return ConsumerPage.model_validate(self._transport.request("GET", "/consumers/search", query=query))

    def batch_create(
        self, consumers: builtins.list[Mapping[str, Any]], *, idempotency_key: str | None = None
    ) -> builtins.list[Consumer]:
        body = [_wire(item) for item in consumers]
        answer = self._transport.request("POST", "/consumers/batch", body=body, idempotency_key=idempotency_key)
        return [Consumer.model_validate(item) for item in answer]

    def batch_update(self, updates: builtins.list[Mapping[str, Any]]) -> builtins.list[Consumer]:
        """Each update is `{"id": …, <fields to change>}`."""
        answer = self._transport.request("PUT", "/consumers/batch", body=[_wire(item) for item in updates])
        return [Consumer.model_validate(item) for item in answer]

    def adjust_balance(
        self, consumer_id: str, amount: Decimal | int | str, reason: str, *, currency: str | None = None
    ) -> BalanceAdjustment:
        """Credits (amount > 0) or debits (< 0) the stored balance; it never goes below zero."""
        body = {"amount": amount, "reason": reason, **({"currency": currency} if currency else {})}
        path = f"/consumers/{_segment(consumer_id)}/balance-adjustments"
        return BalanceAdjustment.model_validate(self._transport.request("POST", path, body=body))

    def balance_history(self, consumer_id: str, **params: Any) -> BalanceAdjustmentPage:
        path = f"/consumers/{_segment(consumer_id)}/balance-adjustments"
        return BalanceAdjustmentPage.model_validate(self._transport.request("GET", path, query=_query(params)))

    def timeline(self, consumer_id: str, **params: Any) -> TimelinePage:
        """Orders, refunds, points, balance, status and membership changes, audiences: newest first."""
        path = f"/consumers/{_segment(consumer_id)}/timeline"
        return TimelinePage.model_validate(self._transport.request("GET", path, query=_query(params)))

    def stats(self, interval: str = "week", periods: int = 12) -> ConsumerStats:
        """Totals by status, membership, verification and tier, and consumers created per day or week."""
        query = {"interval": interval, "periods": str(periods)}
        return ConsumerStats.model_validate(self._transport.request("GET", "/consumers/stats", query=query))

    def bulk_status(self, consumer_ids: builtins.list[str], status: str) -> builtins.list[Consumer]:
        """Sets one status on up to 500 consumers, all or none."""
        body = {"consumerIds": consumer_ids, "status": status}
        return [
            Consumer.model_validate(item)
            for item in self._transport.request("POST", "/consumers/bulk-status", body=body)
        ]

    def merge(
        self,
        consumer_id: str,
        source_ids: builtins.list[str],
        *,
        fields: Mapping[str, str] | None = None,
        dry_run: bool = False,
        idempotency_key: str | None = None,
    ) -> Job:
        """Merges `source_ids` into the consumer (it keeps its id): the merge job, or with `dry_run` the
        merged profile field by field, what would move and the blockers (writing nothing)."""
        body: dict[str, Any] = {"sourceIds": source_ids, "dryRun": dry_run}
        if fields is not None:
            body["fields"] = dict(fields)
        path = f"/consumers/{_segment(consumer_id)}/merge"
        return dict(self._transport.request("POST", path, body=body, idempotency_key=idempotency_key))


class Merges:
    """Merge jobs (plain dicts, the API's JSON), started by `client.consumers.merge`."""

    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def get(self, merge_id: str) -> Job:
        return dict(self._transport.request("GET", f"/merges/{_segment(merge_id)}"))

    def wait(self, merge_id: str, *, interval: float = 0.5, timeout: float | None = None) -> Job:
        return wait(lambda: self.get(merge_id), interval=interval, timeout=timeout)


class Audiences:
    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def create(self, name: str, description: str | None = None) -> Audience:
        body = {"name": name, **({"description": description} if description is not None else {})}
        return Audience.model_validate(self._transport.request("POST", "/audiences", body=body))

    def get(self, audience_id: str) -> Audience:
        return Audience.model_validate(self._transport.request("GET", f"/audiences/{_segment(audience_id)}"))

    def update(self, audience_id: str, **fields: Any) -> Audience:
        body = self._transport.request("PUT", f"/audiences/{_segment(audience_id)}", body=_wire(fields))
        return Audience.model_validate(body)

    def delete(self, audience_id: str) -> Audience:
        return Audience.model_validate(self._transport.request("DELETE", f"/audiences/{_segment(audience_id)}"))

    def list(self, **params: Any) -> AudiencePage:
        return AudiencePage.model_validate(self._transport.request("GET", "/audiences", query=_query(params)))

    def add_members(self, audience_id: str, consumer_ids: builtins.list[str]) -> MembersChanged:
        path = f"/audiences/{_segment(audience_id)}/members"
        return MembersChanged.model_validate(self._transport.request("POST", path, body={"consumerIds": consumer_ids}))

    def remove_members(self, audience_id: str, consumer_ids: builtins.list[str]) -> MembersChanged:
        path = f"/audiences/{_segment(audience_id)}/members"
        return MembersChanged.model_validate(
            self._transport.request("DELETE", path, body={"consumerIds": consumer_ids})
        )

    def members(self, audience_id: str, **params: Any) -> ConsumerPage:
        path = f"/audiences/{_segment(audience_id)}/members"
        return ConsumerPage.model_validate(self._transport.request("GET", path, query=_query(params)))


class Orders:
    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def create(self, *, idempotency_key: str | None = None, **fields: Any) -> Order:
        """Names the consumer by consumer_id, email or consumer_external_id; re-sending an order with
        the same external_id returns the first one."""
        body = self._transport.request("POST", "/orders", body=_wire(fields), idempotency_key=idempotency_key)
        return Order.model_validate(body)

    def get(self, order_id: str) -> Order:
        return Order.model_validate(self._transport.request("GET", f"/orders/{_segment(order_id)}"))

    def refund(self, order_id: str, amount: Decimal | int | str | None = None, reason: str | None = None) -> Order:
        """Refunds `amount` of what was paid; without one, all that is left."""
        body = {name: value for name, value in (("amount", amount), ("reason", reason)) if value is not None}
        return Order.model_validate(self._transport.request("POST", f"/orders/{_segment(order_id)}/refunds", body=body))

    def list(self, consumer_id: str, **params: Any) -> OrderPage:
        """One page of the consumer's orders, newest first."""
        path = f"/consumers/{_segment(consumer_id)}/orders"
        return OrderPage.model_validate(self._transport.request("GET", path, query=_query(params)))


class Imports:
    """CSV imports: create a job, PUT the file to its `uploadUrl`, then follow it to succeeded or failed."""

    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def create(self, on_duplicate: str = "skip", *, idempotency_key: str | None = None) -> Job:
        """A job awaiting its file: `uploadUrl` (presigned PUT) and `uploadExpiresAt`. `on_duplicate`
        says what a row naming an existing consumer does: skip, update or error."""
        body = {"onDuplicate": on_duplicate}
        return dict(self._transport.request("POST", "/imports", body=body, idempotency_key=idempotency_key))

    def get(self, import_id: str) -> Job:
        """Status, totalRows, processedRows, the created/updated/skipped/failed counts, the first row
        `errors` and, once finished with failures, a `reportUrl` of every failed row."""
        return dict(self._transport.request("GET", f"/imports/{_segment(import_id)}"))

    def upload(
        self, upload_url: str, source: str | os.PathLike[str] | bytes, *, progress: ProgressCallback | None = None
    ) -> None:
        """PUTs the CSV (a path, read chunk by chunk, or the bytes themselves) to the job's `uploadUrl`."""
        self._transport.upload(upload_url, source, "text/csv", progress)

    def wait(
        self,
        import_id: str,
        *,
        interval: float = 1.0,
        timeout: float | None = None,
        on_poll: Callable[[Job], None] | None = None,
    ) -> Job:
        return wait(lambda: self.get(import_id), interval=interval, timeout=timeout, on_poll=on_poll)


class Exports:
    """Consumer exports (CSV or XLSX) and the organization's export jobs."""

    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def create(
        self,
        format: str = "csv",
        *,
        fields: Iterable[str] | None = None,
        filters: Mapping[str, Any] | None = None,
        consumer_ids: Iterable[str] | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Queues an export. `fields` adds optional column groups (phone, tags, loyalty, metadata,
        address, orders); `filters` are the list's (status, membership, tier, verified, audience_id,
        search, created_after/_before, last_activity_after/_before, sort_by, sort_dir), in either
        spelling, None leaving one out; `consumer_ids` (at most 500) exports just those consumers."""
        body: dict[str, Any] = {"format": format}
        if fields is not None:
            body["fields"] = list(fields)
        wired = {
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in _wire(filters or {}).items()
            if value is not None
        }
        if wired:
            body["filters"] = wired
        if consumer_ids is not None:
            body["consumerIds"] = list(consumer_ids)
        return dict(self._transport.request("POST", "/exports", body=body, idempotency_key=idempotency_key))

    def get(self, export_id: str) -> Job:
        """Status, processedRows while running, rowCount, error; once succeeded a `downloadUrl`
        valid 15 minutes (and its `expiresAt`)."""
        return dict(self._transport.request("GET", f"/exports/{_segment(export_id)}"))

    def list(self, **params: Any) -> dict[str, Any]:
        """One page of export jobs, newest first: `{"data": [...], "pageInfo": {...}}` (first/after, last/before)."""
        return dict(self._transport.request("GET", "/exports", query=_query(params)))

    def wait(
        self,
        export_id: str,
        *,
        interval: float = 1.0,
        timeout: float | None = None,
        on_poll: Callable[[Job], None] | None = None,
    ) -> Job:
        return wait(lambda: self.get(export_id), interval=interval, timeout=timeout, on_poll=on_poll)


def wait(
    fetch: Callable[[], Job],
    *,
    interval: float = 1.0,
    timeout: float | None = None,
    on_poll: Callable[[Job], None] | None = None,
) -> Job:
    """Calls `fetch` (say `lambda: client.exports.get(job_id)`) every `interval` seconds until the job's
    status is terminal (succeeded or failed) and returns it; `on_poll` sees every answer, the last one
    included. Raises TimeoutError after `timeout` seconds (None: waits as long as it takes)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        job = fetch()
        if on_poll is not None:
            on_poll(job)
        if job.get("status") in TERMINAL_STATUSES:
            return job
        if deadline is not None and time.monotonic() + interval > deadline:
            raise TimeoutError(f"job {job.get('id')} is still {job.get('status')} after {timeout} seconds")
        time.sleep(interval)


def _query(params: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters in the API's spelling; datetimes as ISO 8601; None leaves a parameter out."""
    query = {}
    for name, value in _wire(params).items():
        if value is None:
            continue
        query[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return query


def _exact(value: Any) -> str:
    """Decimals travel as strings, so that no amount passes through a float."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class _Transport:
    def __init__(self, secret_key: str, base_url: str, timeout: float, max_retries: int) -> None:
        self.secret_key = secret_key
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries

    def request(self, method: str, path: str, **options: Any) -> Any:
        """The API's answer (`options`: those of `_send`); a consumer merged into another is followed to
        the survivor (a merge of merges too), so an id kept from before the merge still reaches it."""
        for _ in range(MAX_MERGE_HOPS):
            try:
                return self._send(method, path, **options)
            except ApiError as error:
                followed = _followed(path, error)
                if followed is None:
                    raise
                path = followed
        return self._send(method, path, **options)

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        idempotency_key: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.secret_key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, default=_exact).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST":
            # Retrying a POST is safe only under one key: the server then creates at most once.
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        url = f"{self.base_url}/api/v1{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        for attempt in range(self.max_retries + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    return json.loads(response.read() or b"null")
            except urllib.error.HTTPError as http_error:
                error = ApiError(http_error.code, _error_of(http_error))
                if not _worth_retrying(error) or attempt == self.max_retries:
                    raise error from None
            except (urllib.error.URLError, TimeoutError):
                if attempt == self.max_retries:
                    raise
            time.sleep(min(0.25 * 2**attempt, 4.0))
        raise AssertionError("unreachable")

    # Presigned storage URLs carry their own signature: no Authorization header (S3 refuses a second
    # one), no /api/v1 prefix. Their errors become ApiErrors too; transient ones are retried.

    def upload(
        self, url: str, source: str | os.PathLike[str] | bytes, content_type: str, progress: ProgressCallback | None
    ) -> None:
        """PUTs `source` with a Content-Length (S3 takes no chunked uploads), streamed from the file."""
        size = len(source) if isinstance(source, bytes) else os.stat(source).st_size
        headers = {"Content-Type": content_type, "Content-Length": str(size)}
        for attempt in range(self.max_retries + 1):
            # A fresh body every attempt: a generator that was half sent cannot be sent again.
            request = urllib.request.Request(  # noqa: S310 - scheme checked by _storage_url
                _storage_url(url), data=_chunks(source, size, progress), headers=headers, method="PUT"
            )
            if self._storage_attempt(request, attempt, lambda response: response.read()) is not _RETRY:
                return
        raise AssertionError("unreachable")

    def download(self, url: str, path: Path, progress: ProgressCallback | None) -> int:
        partial = path.with_name(f"{path.name}.part")

        def save(response: http.client.HTTPResponse) -> int:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            if progress is not None:
                progress(done, total)
            with partial.open("wb") as out:
                while chunk := response.read(TRANSFER_CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            partial.replace(path)
            return done

        request = urllib.request.Request(_storage_url(url), method="GET")  # noqa: S310 - scheme checked
        try:
            for attempt in range(self.max_retries + 1):
                written = self._storage_attempt(request, attempt, save)
                if written is not _RETRY:
                    return int(written)
        finally:
            partial.unlink(missing_ok=True)
        raise AssertionError("unreachable")

    def _storage_attempt(
        self, request: urllib.request.Request, attempt: int, handle: Callable[[http.client.HTTPResponse], Any]
    ) -> Any:
        """`handle`'s result, or _RETRY after a transient failure (slept already); raises the last one."""
        last = attempt == self.max_retries
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return handle(response)
        except urllib.error.HTTPError as http_error:
            error = ApiError(http_error.code, _storage_error_of(http_error))
            if error.status not in RETRYABLE_STATUSES - {409} or last:
                raise error from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if last:
                raise
        except http.client.HTTPException as broken:  # say the body ended early (IncompleteRead)
            if last:
                raise ConnectionError(f"The storage answer was cut short: {broken!r}") from broken
        time.sleep(min(0.25 * 2**attempt, 4.0))
        return _RETRY


_RETRY = object()


def _storage_url(url: str) -> str:
    """Only web URLs: a URL the API hands back must never open a local file (file:, ftp:)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"Not an http(s) URL: {url[:80]}")
    return url


def _chunks(source: str | os.PathLike[str] | bytes, size: int, progress: ProgressCallback | None) -> Iterator[bytes]:
    """The body, TRANSFER_CHUNK bytes at a time; `progress` hears of each chunk once it is sent."""
    done = 0
    if progress is not None:
        progress(done, size)
    for piece in _pieces(source):
        yield piece
        done += len(piece)
        if progress is not None:
            progress(done, size)


def _pieces(source: str | os.PathLike[str] | bytes) -> Iterator[bytes]:
    if isinstance(source, bytes):
        for at in range(0, len(source), TRANSFER_CHUNK):
            yield source[at : at + TRANSFER_CHUNK]
        return
    with open(source, "rb") as file:  # never the whole file in memory
        while piece := file.read(TRANSFER_CHUNK):
            yield piece


def _storage_error_of(http_error: urllib.error.HTTPError) -> dict[str, Any]:
    """S3 answers errors in XML (`<Code>`, `<Message>`); anything else keeps the HTTP reason."""
    try:
        text = http_error.read(16 * 1024).decode("utf-8", "replace")
    except OSError:
        text = ""
    try:
        return dict(json.loads(text)["error"])
    except (ValueError, KeyError, TypeError):
        pass
    code = re.search(r"<Code>([^<]*)</Code>", text)
    message = re.search(r"<Message>([^<]*)</Message>", text)
    return {
        "type": "storage_error",
        "code": code.group(1) if code else "storage_error",
        "message": message.group(1) if message else (http_error.reason or "Storage request failed"),
    }


def _error_of(http_error: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        return dict(json.loads(http_error.read())["error"])
    except (ValueError, KeyError, TypeError):
        return {"message": http_error.reason or "Request failed"}


def _worth_retrying(error: ApiError) -> bool:
    # 409s are retried only while an identical request is still running; other conflicts are answers.
    if error.status == 409:
        return error.code == "idempotency_in_progress"
    return error.status in RETRYABLE_STATUSES
