"""The full sync's worker (seed 004 "Sync Customers"): one chunk per invocation, driven by the stream.

Each change of a running job's checkpoint is a MODIFY on the table's stream, which runs the next
chunk (functions/run_shopify_sync), as the CSV import does:

    start      customersCount decides the method for `auto` (bulk above BULK_ABOVE customers);
               `bulk` starts bulkOperationRunQuery; the paginated method starts at no cursor
    bulk_wait  polls the operation (up to POLL_SECONDS an invocation) until COMPLETED
    bulk_read  CHUNK_CUSTOMERS customers (with their children) from the JSONL's byte offset
    pages      a page of PAGE_SIZE from the cursor: customers(sortKey: UPDATED_AT,
               query: "updated_at:>'<since>'") for an incremental run

Every customer goes through `customers.apply`, APPLY_THREADS at a time, after one BatchGetItem of a
slice's claims and email holders (customer_store.look_up); the chunk's counts and the
next checkpoint are written in one conditional update (sync_store.advance), so a chunk is counted
once. A bulk chunk still applying after CHUNK_SECONDS stops between slices and checkpoints at the
first byte of the first customer it left, so no invocation nears the function's timeout.

Resuming: a worker that dies mid-chunk leaves the checkpoint where the chunk began, and the stream
runs the chunk again. Before applying anything, an attempt notes `tried_at` on the checkpoint; a
later attempt at the same chunk is a retry, and a customer that `apply` now finds unchanged is
counted by what the earlier attempt did to it: created if its consumer (source shopify) was created
since `tried_at`, updated if it was changed since, else unchanged. So the counts stay exact and
nothing is applied twice (apply links by Shopify id).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from clientele.consumers.enums import Source
from clientele.core import actor, clock
from clientele.core.errors import ClienteleError, Conflict, StoreBusy
from clientele.core.tenancy import Tenant
from clientele.shopify import bulk, connection, customer_store, customers
from clientele.shopify import sync_store as store
from clientele.shopify.client import Client, ShopifyFailed
from clientele.shopify.sync_models import ShopifySync, ShopifySyncMethod, ShopifySyncMode, ShopifySyncStatus
from clientele.shopify.sync_store import BULK_READ, BULK_WAIT, PAGES, START, Checkpoint

logger = Logger(child=True)

BULK_ABOVE = 2_500  # `auto`: a shop with more customers than this syncs by a bulk operation
PAGE_SIZE = 100  # customers a page (cost 2 + 100 x the customer's cost)
CHUNK_CUSTOMERS = 500  # customers of the bulk JSONL an invocation applies
APPLY_THREADS = 8
TRANSIENT_TRIES = 4  # tries of one customer whose write lost a race or found the store busy
CHUNK_SECONDS = 120.0  # a bulk chunk stops applying after this long (the function has 300 s) and checkpoints
POLL_SECONDS = 20.0  # an invocation polls a bulk operation this long, then checkpoints and is run again
POLL_INTERVAL = 1.0
MAX_ERRORS_SHOWN = 20
PERMANENT = frozenset({401, 402, 403, 404, 423})  # answers a retry cannot change

CUSTOMERS = (
    """query ShopifyCustomers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    nodes {"""
    + bulk.CUSTOMER_FIELDS
    + f"""
      addressesV2(first: 5) {{ nodes {{ {bulk.ADDRESS_FIELDS} }} }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
)
COUNT = "query ShopifyCustomersCount { customersCount { count precision } }"


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def client(tenant: Tenant) -> Client:
    setup = connection.connection(tenant)
    return Client(setup.shop_domain, connection.access_token(tenant))


def search_query(since: str | None) -> str | None:
    """Shopify's search syntax for customers updated after `since` (to the second, as it stores them)."""
    if since is None:
        return None
    moment = clock.parse(since).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"updated_at:>'{moment}'"


class Tally:
    def __init__(self) -> None:
        self.created = self.updated = self.unchanged = self.failed = 0
        self.errors: list[str] = []

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def run_chunk(tenant: Tenant, job_id: str, chunk: int) -> int | None:
    """Runs chunk number `chunk` of the job and closes it; returns the customers it applied (None:
    not this chunk's turn, as for a stream record delivered again after the chunk was closed)."""
    item = store.get_item(tenant, job_id)
    checkpoint = store.checkpoint_of(item) if item else None
    if item is None or checkpoint is None or checkpoint.chunk != chunk:
        return None
    job = store.ShopifySyncRecord.from_item(item)
    if job.status is not ShopifySyncStatus.RUNNING:
        return None
    retry = checkpoint.tried_at is not None
    if not retry:
        checkpoint = checkpoint._replace(tried_at=clock.now())
        if not store.mark_tried(tenant, job_id, checkpoint, str(checkpoint.tried_at)):
            return None
    try:
        shop = client(tenant)
        if checkpoint.phase == START:
            return _start(tenant, job, checkpoint, shop)
        if checkpoint.phase == BULK_WAIT:
            return _wait(tenant, job, checkpoint, shop)
        return _apply_chunk(tenant, job, checkpoint, shop, retry)
    except (ShopifyFailed, connection.ShopifyTokenRefused) as failed:
        code = getattr(failed, "code", None)
        if failed.status in PERMANENT or code not in (None, "THROTTLED"):
            _fail(tenant, job, checkpoint, str(failed))
            return 0
        raise  # a fault that may pass (5xx, throttled past the budget): the stream retries the chunk
    except ClienteleError as error:
        if error.status == 404:  # the connection was removed meanwhile
            _fail(tenant, job, checkpoint, error.message)
            return 0
        raise


def _start(tenant: Tenant, job: ShopifySync, checkpoint: Checkpoint, shop: Client) -> int:
    total = int((shop.query(COUNT, operation="ShopifyCustomersCount", cost=1).get("customersCount") or {})["count"])
    method = ShopifySyncMethod.PAGINATED
    if job.mode is ShopifySyncMode.BULK or (job.mode is ShopifySyncMode.AUTO and total > BULK_ABOVE):
        method = ShopifySyncMethod.BULK
    fields: dict[str, Any] = {"method": str(method)}
    if job.since is None:
        fields["progress"] = {"processed": 0, "total": total}
    if method is ShopifySyncMethod.BULK:
        after = Checkpoint(chunk=checkpoint.chunk + 1, phase=BULK_WAIT, bulk_id=bulk.start(shop))
    else:
        after = Checkpoint(chunk=checkpoint.chunk + 1, phase=PAGES)
    store.advance(tenant, job.id, checkpoint, after, fields)
    return 0


def _wait(tenant: Tenant, job: ShopifySync, checkpoint: Checkpoint, shop: Client) -> int:
    assert checkpoint.bulk_id is not None
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        operation = bulk.poll(shop, checkpoint.bulk_id)
        if operation.status == bulk.DONE:
            if not operation.url:  # no customers at all: Shopify gives no file
                _finish(tenant, job, checkpoint, Tally(), processed=0)
                return 0
            after = Checkpoint(chunk=checkpoint.chunk + 1, phase=BULK_READ, bulk_id=operation.id, url=operation.url)
            store.advance(tenant, job.id, checkpoint, after, {})
            return 0
        if operation.status in bulk.FAILED:
            _fail(
                tenant, job, checkpoint, f"Shopify's bulk operation ended {operation.status} ({operation.error_code})"
            )
            return 0
        if time.monotonic() >= deadline:
            # Still running: a new checkpoint (the same phase) runs this again from the stream.
            store.advance(
                tenant, job.id, checkpoint, checkpoint._replace(chunk=checkpoint.chunk + 1, tried_at=None), {}
            )
            return 0
        _sleep(POLL_INTERVAL)


def _apply_chunk(tenant: Tenant, job: ShopifySync, checkpoint: Checkpoint, shop: Client, retry: bool) -> int:
    if checkpoint.phase == BULK_READ:
        assert checkpoint.url is not None
        read = bulk.read(shop, checkpoint.url, checkpoint.offset, CHUNK_CUSTOMERS)
        if read.orphans:
            logger.warning("Bulk children without their parent in the chunk", extra={"orphans": read.orphans})
        tally, applied = _apply(
            tenant, read.customers, checkpoint.tried_at if retry else None, time.monotonic() + CHUNK_SECONDS
        )
        offset, lines = read.offset, read.lines
        if applied < len(read.customers):  # out of time: the next chunk starts at the first customer left
            offset, lines = read.starts[applied]
        after = checkpoint._replace(
            chunk=checkpoint.chunk + 1, offset=offset, line=checkpoint.line + lines, tried_at=None
        )
        _close(
            tenant, job, checkpoint, after, tally, applied, finished=read.finished and applied == len(read.customers)
        )
        return applied
    else:
        variables = {"first": PAGE_SIZE, "query": search_query(job.since)}
        pages = shop.pages(
            CUSTOMERS, variables, operation="ShopifyCustomers", connection="customers", after=checkpoint.cursor
        )
        nodes, cursor = next(pages)
        after = checkpoint._replace(chunk=checkpoint.chunk + 1, cursor=cursor, tried_at=None)
        tally, applied = _apply(tenant, nodes, checkpoint.tried_at if retry else None, None)
        _close(tenant, job, checkpoint, after, tally, applied, finished=cursor is None)
        return applied


def _close(
    tenant: Tenant,
    job: ShopifySync,
    checkpoint: Checkpoint,
    after: Checkpoint,
    tally: Tally,
    applied: int,
    *,
    finished: bool,
) -> None:
    processed = job.progress.processed + applied
    if finished:
        _finish(tenant, job, checkpoint, tally, processed=processed)
    else:
        store.advance(tenant, job.id, checkpoint, after, _counted(job, tally, processed))


def node_with_children(node: dict[str, Any]) -> dict[str, Any]:
    """A customer without a default address takes the first of its addresses (its children)."""
    addresses = (node.get("addressesV2") or {}).get("nodes") or []
    if node.get("defaultAddress") is None and addresses:
        first = {key: value for key, value in addresses[0].items() if key != "id"}
        return {**node, "defaultAddress": first}
    return node


def _apply(
    tenant: Tenant, nodes: list[dict[str, Any]], retry_since: str | None, deadline: float | None
) -> tuple[Tally, int]:
    """Applies the customers, APPLY_THREADS at a time (each is a transaction: waiting on the store,
    not the CPU), a slice at a time in order until `deadline` (time.monotonic; at least one slice);
    returns the counts and how many were applied (a prefix of `nodes`). A slice's claims and email
    holders are read by one BatchGetItem before its customers apply."""
    tally = Tally()
    step = APPLY_THREADS * 2
    with ThreadPoolExecutor(max_workers=APPLY_THREADS) as pool:
        for start in range(0, len(nodes), step):
            if deadline is not None and start and time.monotonic() > deadline:
                return tally, start
            parsed = [_parsed(node) for node in nodes[start : start + step]]
            valid = [customer for customer in parsed if isinstance(customer, customers.ShopifyCustomer)]
            seen = customer_store.look_up(tenant, [(customer.shopify_id, customer.email) for customer in valid])
            for outcome, error in pool.map(partial(_apply_one, tenant, seen=seen, retry_since=retry_since), parsed):
                tally.add(outcome)
                if error is not None and len(tally.errors) < MAX_ERRORS_SHOWN:
                    tally.errors.append(error)
    return tally, len(nodes)


def _parsed(node: dict[str, Any]) -> customers.ShopifyCustomer | str:
    """The customer of a node, or why it is not one."""
    try:
        return customers.ShopifyCustomer.from_graphql(node_with_children(node))
    except (ValidationError, ValueError) as error:
        return f"{str(node.get('id', '?')).rsplit('/', 1)[-1]}: {_why(error)}"


SHOPIFY = actor.Actor(actor.ActorType.SHOPIFY)


def _apply_one(
    tenant: Tenant,
    customer: customers.ShopifyCustomer | str,
    seen: dict[str, customer_store.Seen],
    retry_since: str | None,
) -> tuple[str, str | None]:
    """One customer's outcome, and why it failed when it did (a string: it could not be read). A
    write that lost a race or found the store busy is tried again (TRANSIENT_TRIES times, then
    raised: the stream retries the chunk); an attempt that committed before its error is counted by
    what it did, as a retried chunk is."""
    if isinstance(customer, str):
        return "failed", customer
    since = retry_since
    for attempt in range(TRANSIENT_TRIES):
        started = clock.now()
        try:
            with actor.acting(SHOPIFY):  # a thread of the pool: the actor is set in it
                outcome = str(
                    customers.apply(tenant, customer, seen.get(customer.shopify_id) if attempt == 0 else None)
                )
            break
        except (Conflict, StoreBusy):
            if attempt == TRANSIENT_TRIES - 1:
                raise
            since = since or started
            time.sleep(0.05 * 2**attempt)
        except (ValidationError, ClienteleError, ValueError) as error:
            return "failed", f"{customer.shopify_id}: {_why(error)}"
    if outcome == "stale":
        outcome = "unchanged"  # Clientele holds a newer copy (a webhook overtook the sync)
    if since is not None and outcome == "unchanged":
        outcome = _earlier_outcome(tenant, customer.shopify_id, since)
    return outcome, None


def _earlier_outcome(tenant: Tenant, shopify_id: str, since: str) -> str:
    """What an earlier attempt at this chunk did to the customer's consumer (see the module)."""
    consumer = customers.consumer_for(tenant, shopify_id)
    if consumer is None:
        return "unchanged"
    if consumer.source == Source.SHOPIFY and consumer.created_at >= since:
        return "created"
    if consumer.updated_at >= since:
        return "updated"
    return "unchanged"


def _why(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    if isinstance(error, ClienteleError):
        return error.message + (f" ({error.details[0].get('message')})" if error.details else "")
    return str(error)[:200]


def _counted(job: ShopifySync, tally: Tally, processed: int) -> dict[str, Any]:
    counts = job.counts
    return {
        "counts": {
            "created": counts.created + tally.created,
            "updated": counts.updated + tally.updated,
            "unchanged": counts.unchanged + tally.unchanged,
            "failed": counts.failed + tally.failed,
        },
        "progress": {"processed": processed, "total": job.progress.total},
        "errors": [*job.errors, *tally.errors][:MAX_ERRORS_SHOWN],
    }


def _finish(tenant: Tenant, job: ShopifySync, checkpoint: Checkpoint, tally: Tally, *, processed: int) -> None:
    fields = {
        **_counted(job, tally, processed),
        "status": str(ShopifySyncStatus.SUCCEEDED),
        "finishedAt": clock.now(),
        "startedAt": job.started_at,
    }
    if store.advance(tenant, job.id, checkpoint, None, fields):
        _record(tenant, job.id)


def _fail(tenant: Tenant, job: ShopifySync, checkpoint: Checkpoint, why: str) -> None:
    logger.warning("Shopify sync failed", extra={"jobId": job.id, "error": why})
    fields = {
        "status": str(ShopifySyncStatus.FAILED),
        "error": why,
        "finishedAt": clock.now(),
        "startedAt": job.started_at,
    }
    if store.advance(tenant, job.id, checkpoint, None, fields):
        _record(tenant, job.id)


def _record(tenant: Tenant, job_id: str) -> None:
    """The finished job as the connection's last full sync (GET /integrations/shopify shows it)."""
    item = store.get_item(tenant, job_id)
    if item is not None:
        connection.record_full_sync(tenant, store.ShopifySyncRecord.from_item(item).to_api())
