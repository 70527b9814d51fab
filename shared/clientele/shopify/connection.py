"""The Shopify connection of a tenant (`/integrations/shopify`): one shop, its Admin API token and
webhook secret in Secrets Manager, and the connection id that names the tenant in the URL Shopify
delivers webhooks to (store: clientele.shopify.connection_store).

The seam the webhooks and the full sync build on:
  configure(tenant, settings, base_url=...)  -> ShopifyConnection   (PUT)
  connection(tenant)                         -> ShopifyConnection   (GET; ShopifyNotSetUp)
  tenant_for(connection_id)                  -> Tenant | None       (one GetItem)
  access_token(tenant), webhook_secret(tenant) -> str               (Secrets Manager; ShopifyNotSetUp;
      with a clientId, a token from Shopify's client credentials grant, renewed: ShopifyTokenRefused)
  record_webhook(tenant, ok=, at=, reason=)  (webhook health)
  record_full_sync(tenant, job_summary)      (the last full sync)
  enabled_tenants()                          -> Iterator[Tenant]    (one gsi1 Query, for reconciliation)
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from clientele.core import clock
from clientele.core import settings as core_settings
from clientele.core.errors import ShopifyNotSetUp, ValidationFailed
from clientele.core.store import dynamo
from clientele.core.tenancy import Tenant
from clientele.shopify import connection_store as store
from clientele.shopify.models import ShopifyConnection, WebhookHealth
from clientele.shopify.sync_models import ShopifySync

if TYPE_CHECKING:  # the body is built by the route that takes it (shopify/requests.py)
    from clientele.shopify.requests import ShopifySettings

CONNECTION_PREFIX = "shc"
WEBHOOK_PATH = "/api/v1/integrations/shopify/webhooks/{connection_id}"
ATTEMPTS = 5  # a first PUT racing another first PUT reads again and keeps the winner's id


def new_connection_id() -> str:
    """`shc_` and 192 random bits: the only thing a webhook URL carries, so it must not be guessable."""
    return f"{CONNECTION_PREFIX}_{secrets.token_urlsafe(24)}"


def webhook_path(connection_id: str) -> str:
    return WEBHOOK_PATH.format(connection_id=connection_id)


def base_url_of(request_context: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    """The API's base URL as the caller reached it: API Gateway's own domain serves the stage under
    `/<stage>`; a custom domain (and the local stack) at the root."""
    domain = str(request_context.get("domainName") or headers.get("host") or headers.get("Host") or "")
    if not domain:
        return ""
    lowered = {name.lower(): value for name, value in headers.items()}
    scheme = "http" if (lowered.get("x-forwarded-proto") or "https").lower() == "http" else "https"
    stage = str(request_context.get("stage") or "")
    if domain.endswith(".amazonaws.com") and stage:
        return f"https://{domain}/{stage}"
    return f"{scheme}://{domain}"


def _credentials(settings: ShopifySettings, stored: dict[str, str]) -> dict[str, str]:
    """The secret's new values: the webhook secret, and either the access token (an app made in the
    Shopify admin) or the client id (a Dev Dashboard app, whose token Clientele asks for). What is
    left out is kept from the stored secret, which is `{}` for another shop."""
    if settings.access_token is not None and settings.client_id is not None:
        message = "give accessToken (an app made in the Shopify admin) or clientId (a Dev Dashboard app), not both"
        raise ValidationFailed(details=[{"field": "clientId", "message": message}])
    secret = settings.webhook_secret or stored.get("webhookSecret")
    if settings.access_token is not None:
        access = {"accessToken": settings.access_token}
    elif settings.client_id is not None:
        access = {"clientId": settings.client_id}
    else:
        access = {name: stored[name] for name in ("accessToken", "clientId") if stored.get(name)}
    missing = []
    if not access:
        missing.append({"field": "accessToken", "message": "is required to connect a shop (or clientId)"})
    if not secret:
        missing.append({"field": "webhookSecret", "message": "is required to connect a shop"})
    if missing or secret is None:
        raise ValidationFailed(details=missing)
    return {**access, "webhookSecret": secret}


def configure(tenant: Tenant, settings: ShopifySettings, *, base_url: str | None = None) -> ShopifyConnection:
    """Stores the settings (token and secret to the tenant's secret, never to the table). The
    connection id is made on the first PUT and kept after; `base_url` (the API's, as the caller
    reached it) makes webhookUrl; None keeps the one stored."""
    for _ in range(ATTEMPTS):
        current = store.get(tenant)
        same_shop = current is not None and current.get("shopDomain") == settings.shop_domain
        stored = store.read_secret(tenant) if same_shop else {}
        values = _credentials(settings, stored)
        if values != stored:
            store.store_secret(tenant, values)
        first = current is None or "connectionId" not in current
        connection_id = new_connection_id() if first else str(current["connectionId"])  # type: ignore[index]
        if base_url is None:
            url = str((current or {}).get("webhookUrl") or webhook_path(connection_id))
        else:
            url = base_url.rstrip("/") + webhook_path(connection_id)
        token = values.get("accessToken")
        fields = {
            "shopDomain": settings.shop_domain,
            "enabled": settings.enabled,
            "tokenHint": token[-4:] if token else None,  # None: removed
            "clientId": values.get("clientId"),
            "secretHint": values["webhookSecret"][-4:],
            "webhookUrl": url,
            "updatedAt": clock.now(),
        }
        try:
            store.put_settings(tenant, fields, connection_id, first=first)
        except dynamo.TransactionCancelled:
            continue  # another PUT made the id first: read it and keep it
        return connection(tenant)
    raise ShopifyNotSetUp()  # pragma: no cover - five PUTs in a row overtaken


def connection(tenant: Tenant) -> ShopifyConnection:
    item = store.get(tenant)
    if item is None or "connectionId" not in item:
        raise ShopifyNotSetUp()
    return _from_item(item)


def _from_item(item: dict[str, Any]) -> ShopifyConnection:
    return ShopifyConnection(
        shop_domain=item["shopDomain"],
        enabled=bool(item["enabled"]),
        access_token=f"••••{item['tokenHint']}" if item.get("tokenHint") else None,
        client_id=item.get("clientId"),
        webhook_secret=f"••••{item['secretHint']}",
        connection_id=item["connectionId"],
        webhook_url=item["webhookUrl"],
        updated_at=item["updatedAt"],
        webhooks=WebhookHealth(
            received=int(item.get("webhooksReceived", 0)),
            failures=int(item.get("webhookFailures", 0)),
            last_received_at=item.get("lastReceivedAt"),
            last_failure_at=item.get("lastFailureAt"),
            last_failure=item.get("lastFailure"),
        ),
        last_full_sync=ShopifySync.model_validate(json.loads(item["lastFullSync"]))
        if item.get("lastFullSync")
        else None,
    )


def tenant_for(connection_id: str) -> Tenant | None:
    """The tenant a webhook URL's connection id names; None for an id nobody holds (or not ours)."""
    if not connection_id.startswith(f"{CONNECTION_PREFIX}_") or len(connection_id) > 100:
        return None
    return store.tenant_for(connection_id)


_SECRETS: dict[tuple[Tenant, str], dict[str, str]] = {}  # (tenant, settings updatedAt) -> the secret's values
_GRANTED: dict[tuple[Tenant, str], tuple[str, float]] = {}  # the same -> (a granted token, when to renew it)
TOKEN_TIMEOUT = 10.0  # seconds for Shopify's token endpoint
RENEW_BEFORE = 300.0  # seconds before a granted token expires


class ShopifyTokenRefused(Exception):
    """Shopify gave no access token for the connection's client id and secret (`status`: its answer)."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status


def _values(tenant: Tenant) -> tuple[dict[str, Any], dict[str, str]]:
    """(the settings item, the secret's values). One consistent GetItem of the settings every time (a
    new token applies at once); the secret is read from Secrets Manager once per process for as long
    as the settings stay the same."""
    item = store.get(tenant)
    if item is None or "connectionId" not in item:
        raise ShopifyNotSetUp()
    cache_key = (tenant, str(item["updatedAt"]))
    if cache_key not in _SECRETS:
        _SECRETS[cache_key] = store.read_secret(tenant)
    return item, _SECRETS[cache_key]


def _secret(tenant: Tenant, name: str) -> str:
    value = _values(tenant)[1].get(name)
    if not value:
        raise ShopifyNotSetUp()
    return value


def access_token(tenant: Tenant) -> str:
    """The Admin API access token: the one stored, or, for a Dev Dashboard app (a client id), one
    Shopify grants for the client id and secret, kept until RENEW_BEFORE its expiry."""
    item, values = _values(tenant)
    if values.get("accessToken"):
        return values["accessToken"]
    if not values.get("clientId") or not values.get("webhookSecret"):
        raise ShopifyNotSetUp()
    cache_key = (tenant, str(item["updatedAt"]))
    granted = _GRANTED.get(cache_key)
    if granted is None or time.monotonic() >= granted[1]:
        token, lifetime = _grant(str(item["shopDomain"]), values["clientId"], values["webhookSecret"])
        granted = _GRANTED[cache_key] = (token, time.monotonic() + max(lifetime - RENEW_BEFORE, 0.0))
    return granted[0]


def _grant(shop_domain: str, client_id: str, client_secret: str) -> tuple[str, float]:
    """Shopify's client credentials grant: (access token, seconds it lives)."""
    import urllib.error  # on first use: only the functions that call Shopify need them
    import urllib.parse
    import urllib.request

    base = core_settings.current().shopify_base_url or f"https://{shop_domain}"
    body = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (https, or the stand-in's URL from the settings)
        f"{base}/admin/oauth/access_token",
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TOKEN_TIMEOUT) as answer:  # noqa: S310
            granted = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        raise ShopifyTokenRefused(error.code, f"Shopify refused the client credentials ({error.code})") from None
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise ShopifyTokenRefused(None, f"Shopify's token endpoint failed ({type(error).__name__})") from None
    token = granted.get("access_token") if isinstance(granted, dict) else None
    if not token:
        raise ShopifyTokenRefused(None, "Shopify's token answer held no access_token")
    return str(token), float(granted.get("expires_in") or 3600)


def webhook_secret(tenant: Tenant) -> str:
    return _secret(tenant, "webhookSecret")


def record_webhook(tenant: Tenant, *, ok: bool, at: str, reason: str | None = None) -> None:
    """Counts a delivery for the webhook health GET shows (nothing when the tenant has no connection)."""
    store.record_webhook(tenant, ok=ok, at=at, reason=reason)


def record_full_sync(tenant: Tenant, job_summary: dict[str, Any]) -> None:
    """Keeps the summary of a finished full sync, which GET shows as lastFullSync."""
    store.record_full_sync(tenant, job_summary)


def enabled_tenants() -> Iterator[Tenant]:
    return store.enabled_tenants()
