"""A stand-in for the slice of Shopify's GraphQL Admin API (2025-10) that the full sync uses
(standard library only).

    with ShopifyStandin(customers=500) as shop:
        client = Client("kefi.myshopify.com", "shpat_test")   # with SHOPIFY_BASE_URL=shop.base_url
        ...
        shop.update_customer("1000007", first_name="Ada")

    POST /admin/api/2025-10/graphql.json        the operations below, recognised by operationName
    GET  /bulk/<operation id>.jsonl              a finished bulk operation's JSONL (Range requests honoured)
    POST /admin/oauth/access_token               the client credentials grant (a Dev Dashboard app's token)

Operations (the selection sets are not parsed: each answers the fields the sync asks for):

    query ShopifyCustomersCount               customersCount {count precision}          cost 1
    query ShopifyCustomers($first, $after, $query)
          customers(first, after, sortKey: UPDATED_AT, query: "updated_at:>'…'")      cost 2 + first x NODE_COST
          {nodes {id firstName lastName defaultEmailAddress{emailAddress}
                  defaultPhoneNumber{phoneNumber} defaultAddress{…} tags state updatedAt
                  addressesV2(first: 5){nodes{…}}} pageInfo {hasNextPage endCursor}}
    mutation ShopifyBulkCustomers($query)     bulkOperationRunQuery {bulkOperation {id status} userErrors}   cost 10
    query ShopifyBulkOperation($id)           node(id) {... on BulkOperation {id status errorCode objectCount
                                              rootObjectCount url}}                                       cost 1

Rate limits as Shopify's: a leaky bucket per shop (maximumAvailable, restoreRate per second). A
query whose requested cost exceeds what is available is answered `THROTTLED` (HTTP 200, an error
with extensions.code THROTTLED); otherwise the requested cost is taken and the difference to the
actual cost refunded. Every answer carries extensions.cost {requestedQueryCost, actualQueryCost,
throttleStatus}. Tests can also inject THROTTLED answers, HTTP faults (429 with Retry-After, 5xx)
and slow bulk operations.

The bulk JSONL has one line per customer and one per address after it (children carry
`__parentId`), written to a temporary file when the operation completes (a snapshot of the store
then), served from a URL. Customers are generated deterministically from their number.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

type Json = dict[str, Any]

API_PATH = "/admin/api/2025-10/graphql.json"
GRANT_PATH = "/admin/oauth/access_token"  # the client credentials grant of a Dev Dashboard app
NODE_COST = 2  # a customer with its nested objects, in the stand-in's cost model
MAX_PAGE = 250
FIRST_ID = 1_000_000
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_FIRST_NAMES = ("Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kemal", "Lea")
_LAST_NAMES = ("Okafor", "Schmidt", "Rossi", "Novak", "Kaya", "Silva", "Dubois", "Larsen", "Ito", "Moreau")
_CITIES = (("Berlin", "BE", "DE"), ("Lisbon", "11", "PT"), ("Lyon", "ARA", "FR"), ("Austin", "TX", "US"))
_QUERY_UPDATED = re.compile(r"updated_at:(>=|>)\s*'?([0-9T:.\-+Z]+)'?")


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generated(number: int) -> Json:
    """Customer number `number` (0-based) of a generated shop, the same on every run."""
    city, region, country = _CITIES[number % len(_CITIES)]
    first, last = _FIRST_NAMES[number % len(_FIRST_NAMES)], _LAST_NAMES[(number // 7) % len(_LAST_NAMES)]
    address = {
        "address1": f"{number % 200 + 1} Market Street",
        "address2": None,
        "city": city,
        "provinceCode": region,
        "countryCodeV2": country,
        "zip": f"{10000 + number % 89999}",
    }
    second = {**address, "address1": f"{number % 50 + 1} Harbour Road"}
    return {
        "id": str(FIRST_ID + number),
        "firstName": first,
        "lastName": last,
        "email": f"customer{number}@example.com",
        "phone": f"+1555{number:07d}" if number % 3 else None,
        "defaultAddress": address if number % 5 else None,
        "addresses": [address, second] if number % 5 else ([second] if number % 2 else []),
        "tags": ["vip"] if number % 10 == 0 else [],
        "state": "ENABLED" if number % 4 else "DISABLED",
        "updatedAt": _instant(EPOCH + timedelta(seconds=number)),
    }


@dataclass
class Bulk:
    id: str
    status: str = "RUNNING"
    polls_left: int = 1  # answers RUNNING this many times before it completes
    path: str | None = None
    object_count: int = 0
    root_count: int = 0


@dataclass
class _Fault:
    status: int
    retry_after: float | None


@dataclass
class _State:
    customers: dict[str, Json] = field(default_factory=dict)
    available: float = 0.0
    at: float = 0.0
    bulks: dict[str, Bulk] = field(default_factory=dict)
    faults: deque[_Fault] = field(default_factory=deque)
    throttles: int = 0
    requests: list[Json] = field(default_factory=list)  # every GraphQL request: operationName, variables
    throttled: int = 0  # THROTTLED answers given (injected or by the bucket)
    bulk_reads: int = 0


class ShopifyStandin:
    """One in-memory shop answering on 127.0.0.1 from a background thread; state behind one lock."""

    def __init__(
        self,
        customers: int = 0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        maximum_available: float = 2000.0,
        restore_rate: float = 100.0,
        bulk_polls: int = 1,
        valid_tokens: set[str] | None = None,
    ) -> None:
        self.maximum_available, self.restore_rate = maximum_available, restore_rate
        self.bulk_polls = bulk_polls
        self.valid_tokens = valid_tokens  # None: any non-empty token
        self.clients: dict[str, str] | None = None  # client id -> secret for the token grant; None: any
        self._address = (host, port)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._dir = tempfile.TemporaryDirectory(prefix="shopify-standin-")
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._state = _State(available=maximum_available, at=time.monotonic())
        self.generate(customers)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        self._server = _Server(self._address, self)
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=serve, name="shopify-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None
        self._dir.cleanup()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("ShopifyStandin is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ------------------------------------------------------------ test controls

    def generate(self, count: int, start: int = 0) -> None:
        """Adds generated customers number start … start+count-1."""
        with self._lock:
            for number in range(start, start + count):
                customer = generated(number)
                self._state.customers[customer["id"]] = customer

    def add_customer(self, **fields: Any) -> Json:
        """A new customer (next free id), updated now unless `updatedAt` says otherwise; fields in the
        stand-in's shape (see generated())."""
        with self._lock:
            number = max((int(key) for key in self._state.customers), default=FIRST_ID - 1) + 1 - FIRST_ID
            customer = {**generated(number), "updatedAt": _now(), **fields, "id": str(FIRST_ID + number)}
            self._state.customers[customer["id"]] = customer
            return dict(customer)

    def update_customer(self, customer_id: str, **fields: Any) -> Json:
        """Changes a customer's fields and moves its updatedAt to now."""
        with self._lock:
            customer = self._state.customers[customer_id]
            customer.update(fields, updatedAt=_now())
            return dict(customer)

    def throttle(self, count: int = 1) -> None:
        """Answers the next `count` GraphQL requests THROTTLED (with the real bucket's status)."""
        with self._lock:
            self._state.throttles += count

    def fail(self, count: int = 1, status: int = 503, retry_after: float | None = None) -> None:
        """Answers the next `count` requests (GraphQL or file) with HTTP `status`."""
        with self._lock:
            self._state.faults.extend([_Fault(status, retry_after)] * count)

    def drain(self, available: float = 0.0) -> None:
        """Empties the bucket to `available` now (as if other apps had used it)."""
        with self._lock:
            self._state.available, self._state.at = available, time.monotonic()

    @property
    def customers(self) -> dict[str, Json]:
        with self._lock:
            return {key: dict(value) for key, value in self._state.customers.items()}

    @property
    def requests(self) -> list[Json]:
        with self._lock:
            return list(self._state.requests)

    @property
    def throttled(self) -> int:
        with self._lock:
            return self._state.throttled

    @property
    def bulk_reads(self) -> int:
        with self._lock:
            return self._state.bulk_reads

    def operations(self, name: str) -> int:
        return sum(1 for request in self.requests if request["operationName"] == name)

    # ------------------------------------------------------------ answering

    def grant(self, raw: bytes) -> tuple[int, Json]:
        """The client credentials grant: an access token for a client id and secret (any pair, or
        those in `clients` when set), which the GraphQL endpoint then accepts."""
        form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if form.get("grant_type") != "client_credentials" or not client_id or not secret:
            return 400, {"error": "invalid_request"}
        if self.clients is not None and self.clients.get(client_id) != secret:
            return 401, {"error": "invalid_client"}
        token = f"shpat_standin_{client_id}"
        with self._lock:
            if self.valid_tokens is not None:
                self.valid_tokens.add(token)
        return 200, {"access_token": token, "scope": "read_customers,read_orders", "expires_in": 86399}

    def graphql(self, token: str | None, body: Json) -> tuple[int, Json, dict[str, str]]:
        with self._lock:
            fault = self._state.faults.popleft() if self._state.faults else None
            if fault is not None:
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
                return fault.status, {"errors": f"Injected {fault.status}"}, headers
            if not token or (self.valid_tokens is not None and token not in self.valid_tokens):
                message = "[API] Invalid API key or access token (unrecognized login or wrong password)"
                return 401, {"errors": message}, {}
            operation = str(body.get("operationName") or "")
            variables = body.get("variables") or {}
            self._state.requests.append({"operationName": operation, "variables": dict(variables)})
            handler = _OPERATIONS.get(operation)
            if handler is None:
                error = {"message": f"Unknown operation {operation!r}", "extensions": {"code": "UNKNOWN_OPERATION"}}
                return 200, {"errors": [error]}, {}
            requested = _COSTS[operation](variables)
            self._refill()
            if self._state.throttles or requested > self._state.available:
                self._state.throttles = max(0, self._state.throttles - 1)
                self._state.throttled += 1
                error = {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
                return 200, {"errors": [error], "extensions": self._cost(requested, 0)}, {}
            self._state.available -= requested
            try:
                data, actual = handler(self, variables)
            except ValueError as invalid:
                self._state.available += requested
                error = {"message": str(invalid), "extensions": {"code": "BAD_REQUEST"}}
                return 200, {"errors": [error], "extensions": self._cost(requested, 0)}, {}
            self._state.available += max(0.0, requested - actual)
            return 200, {"data": data, "extensions": self._cost(requested, actual)}, {}

    def _refill(self) -> None:
        now = time.monotonic()
        state = self._state
        state.available = min(self.maximum_available, state.available + (now - state.at) * self.restore_rate)
        state.at = now

    def _cost(self, requested: float, actual: float) -> Json:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": self.maximum_available,
                    "currentlyAvailable": round(self._state.available, 3),
                    "restoreRate": self.restore_rate,
                },
            }
        }

    # the operations (called with the lock held)

    def _count(self, variables: Json) -> tuple[Json, float]:
        return {"customersCount": {"count": len(self._state.customers), "precision": "EXACT"}}, 1

    def _page(self, variables: Json) -> tuple[Json, float]:
        first = int(variables.get("first") or 0)
        if not 1 <= first <= MAX_PAGE:
            raise ValueError(f"first must be between 1 and {MAX_PAGE}")
        after = _cursor_key(variables["after"]) if variables.get("after") else None
        since = _since(str(variables.get("query") or ""))
        chosen = sorted(
            (customer for customer in self._state.customers.values() if since is None or since(customer["updatedAt"])),
            key=_order,
        )
        if after is not None:
            chosen = [customer for customer in chosen if _order(customer) > after]
        page = chosen[:first]
        nodes = [node(customer) for customer in page]
        info = {
            "hasNextPage": len(chosen) > first,
            "endCursor": _cursor(page[-1]) if page else None,
        }
        return {"customers": {"nodes": nodes, "pageInfo": info}}, 2 + len(nodes) * NODE_COST

    def _run_bulk(self, variables: Json) -> tuple[Json, float]:
        query = str(variables.get("query") or "")
        if "customers" not in query:
            raise ValueError("The stand-in runs bulk queries over customers only")
        running = [bulk for bulk in self._state.bulks.values() if bulk.status in ("CREATED", "RUNNING")]
        if running:
            message = "A bulk query operation for this app and shop is already in progress: " + running[0].id
            return {
                "bulkOperationRunQuery": {"bulkOperation": None, "userErrors": [{"field": None, "message": message}]}
            }, 10
        bulk = Bulk(id=f"gid://shopify/BulkOperation/{next(self._ids)}", polls_left=self.bulk_polls)
        self._state.bulks[bulk.id] = bulk
        answer = {"bulkOperation": {"id": bulk.id, "status": "CREATED"}, "userErrors": []}
        return {"bulkOperationRunQuery": answer}, 10

    def _poll(self, variables: Json) -> tuple[Json, float]:
        bulk = self._state.bulks.get(str(variables.get("id")))
        if bulk is None:
            return {"node": None}, 1
        if bulk.status == "RUNNING":
            if bulk.polls_left > 0:
                bulk.polls_left -= 1
            else:
                self._complete(bulk)
        url = f"{self.base_url}/bulk/{bulk.id.rsplit('/', 1)[-1]}.jsonl" if bulk.status == "COMPLETED" else None
        node = {
            "id": bulk.id,
            "status": bulk.status,
            "errorCode": None,
            "objectCount": str(bulk.object_count),
            "rootObjectCount": str(bulk.root_count),
            "url": url,
        }
        return {"node": node}, 1

    def _complete(self, bulk: Bulk) -> None:
        path = os.path.join(self._dir.name, f"{bulk.id.rsplit('/', 1)[-1]}.jsonl")
        objects = roots = 0
        with open(path, "w", encoding="utf-8") as file:
            for customer in sorted(self._state.customers.values(), key=lambda c: int(c["id"])):
                parent = node(customer)
                addresses = parent.pop("addressesV2")["nodes"]
                file.write(json.dumps(parent, separators=(",", ":")) + "\n")
                roots += 1
                for address in addresses:
                    file.write(json.dumps({**address, "__parentId": parent["id"]}, separators=(",", ":")) + "\n")
                objects += 1 + len(addresses)
        bulk.path, bulk.status, bulk.object_count, bulk.root_count = path, "COMPLETED", objects, roots

    def bulk_file(self, name: str) -> str | None:
        with self._lock:
            fault = self._state.faults.popleft() if self._state.faults else None
            if fault is not None:
                raise _FileFault(fault.status)
            self._state.bulk_reads += 1
            for bulk in self._state.bulks.values():
                if bulk.path and os.path.basename(bulk.path) == name:
                    return bulk.path
        return None


class _FileFault(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _now() -> str:
    return _instant(datetime.now(UTC))


def _order(customer: Json) -> tuple[str, int]:
    return (customer["updatedAt"], int(customer["id"]))


def _cursor(customer: Json) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(_order(customer))).encode()).decode()


def _cursor_key(cursor: str) -> tuple[str, int]:
    try:
        updated_at, number = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise ValueError("Invalid cursor") from None
    return (str(updated_at), int(number))


def _since(query: str) -> Any:
    """The `updated_at:>'…'` (or >=) filter of a search query, as a predicate on updatedAt."""
    found = _QUERY_UPDATED.search(query)
    if not found:
        return None
    operator, value = found.groups()
    bound = datetime.fromisoformat(value.replace("Z", "+00:00"))

    def after(updated_at: str) -> bool:
        moment = datetime.fromisoformat(updated_at.replace("Z", "+00:00"))
        return moment > bound if operator == ">" else moment >= bound

    return after


def _address(address: Json | None) -> Json | None:
    if address is None:
        return None
    return {key: address.get(key) for key in ("address1", "address2", "city", "provinceCode", "countryCodeV2", "zip")}


def node(customer: Json) -> Json:
    """The customer as the GraphQL Customer object the sync selects."""
    gid = f"gid://shopify/Customer/{customer['id']}"
    addresses = [
        {"id": f"gid://shopify/MailingAddress/{customer['id']}{index}", **(_address(address) or {})}
        for index, address in enumerate(customer.get("addresses") or [])
    ]
    return {
        "id": gid,
        "firstName": customer.get("firstName"),
        "lastName": customer.get("lastName"),
        "defaultEmailAddress": {"emailAddress": customer["email"]} if customer.get("email") else None,
        "defaultPhoneNumber": {"phoneNumber": customer["phone"]} if customer.get("phone") else None,
        "defaultAddress": _address(customer.get("defaultAddress")),
        "tags": list(customer.get("tags") or []),
        "state": customer.get("state", "ENABLED"),
        "updatedAt": customer["updatedAt"],
        "addressesV2": {"nodes": addresses},
    }


_OPERATIONS = {
    "ShopifyCustomersCount": ShopifyStandin._count,
    "ShopifyCustomers": ShopifyStandin._page,
    "ShopifyBulkCustomers": ShopifyStandin._run_bulk,
    "ShopifyBulkOperation": ShopifyStandin._poll,
}
_COSTS = {
    "ShopifyCustomersCount": lambda variables: 1,
    "ShopifyCustomers": lambda variables: 2 + int(variables.get("first") or 0) * NODE_COST,
    "ShopifyBulkCustomers": lambda variables: 10,
    "ShopifyBulkOperation": lambda variables: 1,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], standin: ShopifyStandin) -> None:
        self.standin = standin
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a reader that stopped mid-file (a chunk ends before the file does)
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.split("?")[0] == GRANT_PATH:
            status, answer = self.server.standin.grant(raw)
            self._send(status, answer, {})
            return
        if self.path.split("?")[0] != API_PATH:
            self._send(404, {"errors": "Not Found"}, {})
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, {"errors": {"query": "Required parameter missing or invalid"}}, {})
            return
        status, answer, headers = self.server.standin.graphql(self.headers.get("X-Shopify-Access-Token"), body)
        self._send(status, answer, headers)

    def do_GET(self) -> None:
        match = re.fullmatch(r"/bulk/([0-9]+\.jsonl)", self.path)
        try:
            path = self.server.standin.bulk_file(match.group(1)) if match else None
        except _FileFault as fault:
            self._send(fault.status, {"errors": "Injected fault"}, {})
            return
        if path is None:
            self._send(404, {"errors": "Not Found"}, {})
            return
        size = os.path.getsize(path)
        start = 0
        ranged = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if ranged:
            start = int(ranged.group(1))
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        self.send_response(206 if ranged else 200)
        self.send_header("Content-Type", "application/jsonl")
        self.send_header("Content-Length", str(size - start))
        if ranged:
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.end_headers()
        with open(path, "rb") as file:
            file.seek(start)
            while block := file.read(64 * 1024):
                self.wfile.write(block)

    def _send(self, status: int, answer: Json, headers: dict[str, str]) -> None:
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
