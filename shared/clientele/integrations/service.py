"""The Klaviyo integration's settings (`/integrations/klaviyo`): the key in Secrets Manager, the rest
in the table, and the request for a resync that the stream then runs (clientele.integrations.sync)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from clientele.core import clock
from clientele.core.errors import KlaviyoNotSetUp, PullInProgress, ResyncInProgress, ValidationFailed
from clientele.core.tenancy import Tenant
from clientele.integrations import store
from clientele.integrations.models import (
    KlaviyoIntegration,
    KlaviyoPull,
    KlaviyoResync,
    KlaviyoSettings,
    PullStatus,
    PullTrigger,
    ResyncStatus,
)

RESYNC_PREFIX = "ksync"
PULL_PREFIX = "kpull"
STALE_PULL = timedelta(minutes=30)  # a running pull that has not moved for this long has given up


def configure(tenant: Tenant, settings: KlaviyoSettings) -> KlaviyoIntegration:
    """Stores the settings; a new key goes to the tenant's secret, never to the table."""
    current = store.get(tenant)
    if settings.api_key is None and (current is None or "keyHint" not in current):
        raise ValidationFailed(details=[{"field": "apiKey", "message": "is required to set up Klaviyo"}])
    hint = None
    if settings.api_key is not None:
        store.store_key(tenant, settings.api_key)
        hint = settings.api_key[-4:]
    lists = settings.import_list_ids
    if lists is None:  # left out: kept
        lists = list((current or {}).get("importListIds") or [])
    store.put_settings(tenant, settings.enabled, settings.list_id, lists, hint, clock.now())
    return integration(tenant)


def integration(tenant: Tenant) -> KlaviyoIntegration:
    item = store.get(tenant)
    if item is None or "keyHint" not in item:
        raise KlaviyoNotSetUp()
    return _from_item(item, store.get_pull(tenant))


def _from_item(item: dict[str, Any], pull: dict[str, Any] | None = None) -> KlaviyoIntegration:
    resync = item.get("resync")
    return KlaviyoIntegration(
        enabled=bool(item["enabled"]),
        list_id=item.get("listId"),
        import_list_ids=list(item.get("importListIds") or []),
        api_key=f"••••{item['keyHint']}",
        updated_at=item["updatedAt"],
        resync=KlaviyoResync.model_validate(resync) if resync else None,
        last_pull=KlaviyoPull.model_validate(pull) if pull else None,
    )


def request_resync(tenant: Tenant) -> KlaviyoResync:
    """Queues a backfill of every consumer; one at a time per tenant."""
    setup = integration(tenant)
    if not setup.enabled:
        raise ValidationFailed(details=[{"field": "enabled", "message": "Klaviyo sync is off: enable it first"}])
    resync = KlaviyoResync(id=clock.new_id(RESYNC_PREFIX), status=ResyncStatus.PENDING, requested_at=clock.now())
    if not store.request_resync(tenant, resync):
        raise ResyncInProgress()
    return resync


def request_pull(tenant: Tenant, trigger: PullTrigger = PullTrigger.API) -> KlaviyoPull:
    """Starts a pull of the import lists' profiles (run chunk by chunk from the stream, see
    clientele.integrations.pull); one at a time per tenant."""
    item = store.get(tenant)
    if item is None or "keyHint" not in item:
        raise KlaviyoNotSetUp()
    if not item.get("enabled"):
        raise ValidationFailed(details=[{"field": "enabled", "message": "Klaviyo sync is off: enable it first"}])
    lists = [str(list_id) for list_id in item.get("importListIds") or []]
    if not lists:
        raise ValidationFailed(details=[{"field": "importListIds", "message": "no lists to pull: set importListIds"}])
    now = clock.now()
    pull = KlaviyoPull(
        id=clock.new_id(PULL_PREFIX), status=PullStatus.RUNNING, trigger=trigger, list_ids=lists, requested_at=now
    )
    stored = {
        **pull.model_dump(mode="json", by_alias=True, exclude_none=True),
        "checkpoint": {"chunk": 0, "list": 0},
        "heartbeatAt": now,
    }
    stale = clock.format_instant(clock.parse(now) - STALE_PULL)
    if not store.start_pull(tenant, stored, stale):
        raise PullInProgress()
    return pull


def pull_due(now: str) -> int:
    """The scheduled pull: starts one for every tenant whose sync is on with import lists (one Query
    of the index built for it); a tenant whose last pull still runs is left to it."""
    started = 0
    for tenant in store.tenants_to_pull(now):
        try:
            request_pull(tenant, PullTrigger.SCHEDULE)
        except (PullInProgress, ValidationFailed, KlaviyoNotSetUp):
            continue
        started += 1
    return started
