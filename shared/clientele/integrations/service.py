"""The Klaviyo integration's settings (`/integrations/klaviyo`): the key in Secrets Manager, the rest
in the table, and the request for a resync that the stream then runs (clientele.integrations.sync)."""

from __future__ import annotations

from typing import Any

from clientele.core import clock
from clientele.core.errors import KlaviyoNotSetUp, ResyncInProgress, ValidationFailed
from clientele.core.tenancy import Tenant
from clientele.integrations import store
from clientele.integrations.models import KlaviyoIntegration, KlaviyoResync, KlaviyoSettings, ResyncStatus

RESYNC_PREFIX = "ksync"


def configure(tenant: Tenant, settings: KlaviyoSettings) -> KlaviyoIntegration:
    """Stores the settings; a new key goes to the tenant's secret, never to the table."""
    current = store.get(tenant)
    if settings.api_key is None and (current is None or "keyHint" not in current):
        raise ValidationFailed(details=[{"field": "apiKey", "message": "is required to set up Klaviyo"}])
    hint = None
    if settings.api_key is not None:
        store.store_key(tenant, settings.api_key)
        hint = settings.api_key[-4:]
    store.put_settings(tenant, settings.enabled, settings.list_id, hint, clock.now())
    return integration(tenant)


def integration(tenant: Tenant) -> KlaviyoIntegration:
    item = store.get(tenant)
    if item is None or "keyHint" not in item:
        raise KlaviyoNotSetUp()
    return _from_item(item)


def _from_item(item: dict[str, Any]) -> KlaviyoIntegration:
    resync = item.get("resync")
    return KlaviyoIntegration(
        enabled=bool(item["enabled"]),
        list_id=item.get("listId"),
        api_key=f"••••{item['keyHint']}",
        updated_at=item["updatedAt"],
        resync=KlaviyoResync.model_validate(resync) if resync else None,
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
