"""A small client of Shopify's GraphQL Admin API (pinned version API_VERSION), standard library only.

- Pacing: every answer carries `extensions.cost` (requestedQueryCost, actualQueryCost and
  throttleStatus {maximumAvailable, currentlyAvailable, restoreRate}). The client keeps the last
  throttle status with the moment it was read, estimates what the leaky bucket holds now, and
  before a query whose cost (as last requested by the same operation, else the caller's estimate)
  exceeds that, sleeps until the bucket has refilled enough.
- Backoff: a `THROTTLED` error (HTTP 200 with errors[].extensions.code) is waited out by the
  throttle status it carries; 429 waits what `Retry-After` says; 5xx and connection errors back
  off exponentially with jitter. All of it within MAX_ATTEMPTS and WAIT_BUDGET, then ShopifyFailed.
- Paging: `pages()` follows `pageInfo {hasNextPage endCursor}`.
- Bulk results: `lines()` streams a JSONL file line by line from a byte offset (an HTTP Range
  request), never holding the file.

SHOPIFY_BASE_URL (settings) points every shop at one server instead of https://<shopDomain>: the
local stack and the tests use the stand-in (local/clientele_local/shopify_standin.py).
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from typing import Any, NamedTuple

from clientele.core import clock, settings

API_VERSION = "2025-10"
MAX_ATTEMPTS = 8
MAX_WAIT = 20.0  # seconds: the longest single wait
WAIT_BUDGET = 60.0  # seconds of waiting in all for one call, then it fails (the job's chunk is retried)
BASE_BACKOFF = 0.5
TIMEOUT = 30.0  # seconds for one HTTP exchange
DEFAULT_COST = 10  # a query's assumed cost until Shopify has told its requestedQueryCost
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
READ_BYTES = 64 * 1024

type Json = dict[str, Any]


class ShopifyFailed(Exception):
    """Shopify refused the call, or kept failing it after every retry. `status` is the HTTP status
    (None for a connection error), `code` the GraphQL error code when there was one."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class Throttle(NamedTuple):
    """The shop's leaky bucket as one answer described it, and when (time.monotonic)."""

    maximum: float
    available: float
    restore_rate: float
    at: float

    def available_at(self, moment: float) -> float:
        return min(self.maximum, self.available + self.restore_rate * max(0.0, moment - self.at))

    def wait_for(self, cost: float, moment: float) -> float:
        """Seconds until the bucket holds `cost` (0 if it does now); a cost above the bucket's size
        waits for a full bucket (Shopify refuses such a query as MAX_COST_EXCEEDED anyway)."""
        missing = min(cost, self.maximum) - self.available_at(moment)
        if missing <= 0 or self.restore_rate <= 0:
            return 0.0
        return missing / self.restore_rate


def endpoint(shop_domain: str) -> str:
    base = settings.current().shopify_base_url or f"https://{shop_domain}"
    return f"{base}/admin/api/{API_VERSION}/graphql.json"


class Client:
    """One shop's GraphQL Admin API. `sleep` and `monotonic` are injectable for tests."""

    def __init__(
        self,
        shop_domain: str,
        access_token: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = endpoint(shop_domain)
        self.access_token = access_token
        self.sleep, self.monotonic = sleep, monotonic
        self.throttle: Throttle | None = None
        self.costs: dict[str, float] = {}  # operation name -> its last requestedQueryCost
        self.waited = 0.0  # seconds slept in all (pacing and backoff): the job shows throttling this way
        self.calls = 0

    # ------------------------------------------------------------ one query

    def query(self, document: str, variables: Json | None = None, *, operation: str, cost: float | None = None) -> Json:
        """The `data` of one GraphQL operation (named `operation` in `document`), paced and retried."""
        body = json.dumps({"query": document, "variables": variables or {}, "operationName": operation}).encode()
        waited = 0.0
        for attempt in range(MAX_ATTEMPTS):
            waited += self._pace(self.costs.get(operation, cost or DEFAULT_COST), waited)
            try:
                status, headers, answer = self._post(body)
            except OSError as error:  # refused, reset, timed out
                wait = self._backoff(attempt)
                if attempt == MAX_ATTEMPTS - 1 or waited + wait > WAIT_BUDGET:
                    raise ShopifyFailed(f"Shopify could not be reached ({type(error).__name__})") from None
                self._wait(wait)
                waited += wait
                continue
            if status in RETRIED_STATUSES:
                asked = clock.retry_after(headers.get("Retry-After")) if status == 429 else None
                wait = asked if asked is not None else self._backoff(attempt)
                if attempt == MAX_ATTEMPTS - 1 or wait > MAX_WAIT or waited + wait > WAIT_BUDGET:
                    raise ShopifyFailed(f"Shopify answered {status}", status=status)
                self._wait(wait)
                waited += wait
                continue
            if status != 200:
                raise ShopifyFailed(f"Shopify answered {status}: {_error_text(answer)}", status=status)
            self._read_cost(operation, answer)
            errors = answer.get("errors") or []
            if any(_code(error) == "THROTTLED" for error in errors):
                wait = self._throttled_wait(operation, attempt)
                if attempt == MAX_ATTEMPTS - 1 or waited + wait > WAIT_BUDGET:
                    raise ShopifyFailed("Shopify kept throttling the query", status=200, code="THROTTLED")
                self._wait(wait)
                waited += wait
                continue
            if errors:
                raise ShopifyFailed(
                    f"Shopify refused the query: {_error_text(answer)}", status=200, code=_code(errors[0])
                )
            return dict(answer.get("data") or {})
        raise AssertionError("unreachable")

    def _post(self, body: bytes) -> tuple[int, Any, Json]:
        request = urllib.request.Request(  # noqa: S310 (https://<shop>, or the stand-in)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-Shopify-Access-Token": self.access_token,
            },
        )
        self.calls += 1
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (https, or the stand-in)
                return response.status, response.headers, _json(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, _json(error.read())

    # ------------------------------------------------------------ pacing

    def _read_cost(self, operation: str, answer: Json) -> None:
        cost = (answer.get("extensions") or {}).get("cost") or {}
        if "requestedQueryCost" in cost:
            self.costs[operation] = float(cost["requestedQueryCost"])
        status = cost.get("throttleStatus")
        if status:
            self.throttle = Throttle(
                maximum=float(status["maximumAvailable"]),
                available=float(status["currentlyAvailable"]),
                restore_rate=float(status["restoreRate"]),
                at=self.monotonic(),
            )

    def _pace(self, cost: float, waited: float) -> float:
        """Sleeps until the bucket (as last seen) holds `cost`; returns the seconds slept."""
        if self.throttle is None:
            return 0.0
        wait = self.throttle.wait_for(cost, self.monotonic())
        if wait <= 0:
            return 0.0
        if wait > MAX_WAIT or waited + wait > WAIT_BUDGET:
            raise ShopifyFailed(f"Shopify's rate limit leaves no room for a query of cost {cost:g}", code="THROTTLED")
        self._wait(wait)
        return wait

    def _throttled_wait(self, operation: str, attempt: int) -> float:
        cost = self.costs.get(operation, DEFAULT_COST)
        if self.throttle is None:
            return self._backoff(attempt)
        return max(self.throttle.wait_for(cost, self.monotonic()), 0.05)

    def _backoff(self, attempt: int) -> float:
        return random.uniform(BASE_BACKOFF * 2**attempt / 2, BASE_BACKOFF * 2**attempt)  # noqa: S311 (jitter)

    def _wait(self, seconds: float) -> None:
        self.waited += seconds
        self.sleep(seconds)

    # ------------------------------------------------------------ paging

    def pages(
        self, document: str, variables: Json, *, operation: str, connection: str, after: str | None = None
    ) -> Iterator[tuple[list[Json], str | None]]:
        """Each page's nodes of `data[connection]` with the cursor after it (None after the last
        page), following `pageInfo {hasNextPage endCursor}` from `after`."""
        while True:
            data = self.query(document, {**variables, "after": after}, operation=operation)
            page = data.get(connection) or {}
            info = page.get("pageInfo") or {}
            nodes = list(page.get("nodes") or [edge["node"] for edge in page.get("edges") or []])
            after = info.get("endCursor") if info.get("hasNextPage") else None
            yield nodes, after
            if after is None:
                return

    # ------------------------------------------------------------ bulk results

    def lines(self, url: str, offset: int = 0) -> Generator[tuple[bytes, int]]:
        """The lines of the JSONL file at `url` from byte `offset`, each with the offset just after
        it, read in blocks as a stream (a Range request; a server that ignores Range is skipped
        forward). Retried like a query, from where it stopped, on 5xx and connection errors."""
        attempt = 0
        while True:
            try:
                for line, end in self._lines_once(url, offset):
                    offset = end
                    attempt = 0
                    yield line, end
                return
            except (OSError, ShopifyFailed) as error:
                status = error.status if isinstance(error, ShopifyFailed) else None
                if isinstance(error, ShopifyFailed) and status not in RETRIED_STATUSES:
                    raise
                attempt += 1
                if attempt >= MAX_ATTEMPTS:
                    raise ShopifyFailed("The bulk operation's file could not be read", status=status) from None
                self._wait(self._backoff(attempt))

    def _lines_once(self, url: str, offset: int) -> Iterator[tuple[bytes, int]]:
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (Shopify's storage URL)
        try:
            response = urllib.request.urlopen(request, timeout=TIMEOUT)  # noqa: S310 (Shopify's storage URL)
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 416:  # nothing after `offset`: the file ended exactly there
                return
            raise ShopifyFailed(f"The bulk file answered {error.code}", status=error.code) from None
        with response:
            skip = offset if offset and response.status != 206 else 0
            position, pending = offset, b""
            while True:
                block = response.read(READ_BYTES)
                if not block:
                    break
                if skip:
                    dropped = min(skip, len(block))
                    block, skip = block[dropped:], skip - dropped
                    if not block:
                        continue
                pending += block
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    position += len(line) + 1
                    if line.strip():
                        yield line, position
            if pending.strip():
                yield pending, position + len(pending)


def _json(raw: bytes) -> Json:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _code(error: Any) -> str | None:
    return ((error or {}).get("extensions") or {}).get("code") if isinstance(error, dict) else None


def _error_text(answer: Json) -> str:
    errors = answer.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message", "error"))[:200]
    if isinstance(errors, str):
        return errors[:200]
    return "error"


def gid_number(gid: str) -> str:
    """A GID such as gid://shopify/Customer/207119551 as its number (a number stays as it is)."""
    return gid.rsplit("/", 1)[-1]
