"""The API's half of a Shopify full sync: the job started (one running per tenant) and read back, and
the daily reconciliation's incremental runs. None of it loads the sync engine (shopify/sync.py: the
GraphQL client, the mapping), so the routes' cold start stays small."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from clientele.core import clock
from clientele.core.errors import ShopifySyncInProgress, ShopifySyncNotFound, ValidationFailed
from clientele.core.tenancy import Tenant
from clientele.shopify import connection
from clientele.shopify import sync_store as store
from clientele.shopify.sync_models import (
    ShopifySync,
    ShopifySyncMode,
    ShopifySyncRequest,
    ShopifySyncStatus,
    ShopifySyncTrigger,
)
from clientele.shopify.sync_store import START, Checkpoint

SYNC_ID_PREFIX = "shsync"
SINCE_MARGIN = timedelta(minutes=1)  # an incremental run reaches back past the last start by this much


def start_sync(
    tenant: Tenant, request: ShopifySyncRequest, trigger: ShopifySyncTrigger = ShopifySyncTrigger.MANUAL
) -> ShopifySync:
    """Creates the running job; its first chunk follows on the stream. An incremental run reads from
    the last finished sync's start (none yet: every customer)."""
    setup = connection.connection(tenant)  # not set up: its 404
    if not setup.enabled:
        raise ValidationFailed(
            details=[{"field": "enabled", "message": "the Shopify integration is off: enable it first"}]
        )
    since = None
    if request.mode is ShopifySyncMode.INCREMENTAL:
        last = store.last_sync(tenant)
        since = str(last["startedAt"]) if last else None
        if since is not None:
            since = clock.format_instant(clock.parse(since) - SINCE_MARGIN)
    job = ShopifySync(
        id=clock.new_id(SYNC_ID_PREFIX),
        status=ShopifySyncStatus.RUNNING,
        mode=request.mode,
        trigger=trigger,
        since=since,
        started_at=clock.now(),
    )
    running = store.insert(tenant, job, Checkpoint(chunk=0, phase=START))
    if running is not None:
        raise ShopifySyncInProgress.of(running)
    connection.record_full_sync(tenant, job.to_api())
    return job


def get_sync(tenant: Tenant, job_id: str) -> ShopifySync:
    item = store.get_item(tenant, job_id) if job_id.startswith(f"{SYNC_ID_PREFIX}_") else None
    if item is None:
        raise ShopifySyncNotFound()
    return store.ShopifySyncRecord.from_item(item)


def reconcile(tenants: Iterator[Tenant] | None = None) -> list[str]:
    """The daily catch-up: an incremental sync for every tenant with Shopify enabled (a tenant whose
    sync is running is left to it). Returns the jobs started."""
    started = []
    for tenant in tenants if tenants is not None else connection.enabled_tenants():
        try:
            job = start_sync(tenant, ShopifySyncRequest(mode=ShopifySyncMode.INCREMENTAL), ShopifySyncTrigger.SCHEDULE)
        except (ShopifySyncInProgress, ValidationFailed):
            continue
        started.append(job.id)
    return started
