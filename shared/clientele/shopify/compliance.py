"""Shopify's mandatory compliance topics, reaching Clientele's own data export and erasure.

- customers/data_request: the customer asked the merchant for their data. The consumer linked to the
  Shopify customer gets the data-subject export (clientele.privacy.data_export, the same document as
  `GET /consumers/{id}/data-export`), written as JSON to the files bucket under
  `shopify-data-requests/<environment>/<organization>/<data request id>.json` for the staff to send on;
  the receipt's outcome names the file. No linked consumer: nothing is held, nothing is written.
- customers/redact: the customer's erasure (clientele.privacy.service.erase, as
  `POST /consumers/{id}/erase`): the profile and everything personal go, orders stay anonymized, an
  audit entry records it (erasedBy `shopify:customers/redact`); the Shopify data item goes with it.
- shop/redact (sent 48 hours after the shop uninstalled the app): the connection is switched off
  (enabled false, as a PUT would), so no later delivery changes anything and the daily reconciliation
  leaves the shop alone. The consumers stay: they are the organization's own profiles, with orders and
  points it keeps after leaving Shopify; a person's erasure is customers/redact's. Receipts expire
  within 7 days (TTL).
"""

from __future__ import annotations

import json
from typing import Any

from clientele.core.tenancy import Tenant
from clientele.privacy.data_export import data_export
from clientele.privacy.service import erase
from clientele.shopify import connection, customer_store, customers, webhook_store
from clientele.shopify.requests import ShopifySettings
from clientele.shopify.webhooks import numeric_id

DATA_REQUEST_PREFIX = "shopify-data-requests"
ERASED_BY = "shopify:customers/redact"


def _consumer_id(tenant: Tenant, payload: dict[str, Any]) -> str | None:
    customer = payload.get("customer")
    if not isinstance(customer, dict) or customer.get("id") in (None, ""):
        return None
    found = customers.consumer_for(tenant, numeric_id(customer["id"]))
    return found.id if found is not None else None


def data_request_key(tenant: Tenant, request_id: str) -> str:
    return f"{DATA_REQUEST_PREFIX}/{tenant.environment}/{tenant.organization}/{request_id}.json"


def data_request(tenant: Tenant, payload: dict[str, Any], event_id: str) -> tuple[str, str | None]:
    """customers/data_request: (outcome, the export file's key)."""
    consumer_id = _consumer_id(tenant, payload)
    if consumer_id is None:
        return "no_consumer", None
    request = payload.get("data_request")
    request_id = str(request.get("id")) if isinstance(request, dict) and request.get("id") else event_id
    document = {
        "shopifyDataRequest": {
            "id": request_id,
            "shopDomain": payload.get("shop_domain"),
            "ordersRequested": payload.get("orders_requested") or [],
        },
        **data_export(tenant, consumer_id),
    }
    key = data_request_key(tenant, "".join(char for char in request_id if char.isalnum() or char in "-_"))
    webhook_store.put_file(key, json.dumps(document, default=str).encode())
    return "exported", key


def redact_customer(tenant: Tenant, payload: dict[str, Any]) -> str:
    """customers/redact: the linked consumer erased."""
    consumer_id = _consumer_id(tenant, payload)
    if consumer_id is None:
        return "no_consumer"
    webhook_store.drop_customer_data(tenant, consumer_id)
    customer_store.forget(tenant, consumer_id)  # the Shopify id no longer names anyone
    erase(tenant, consumer_id, ERASED_BY)
    return "erased"


def redact_shop(tenant: Tenant) -> str:
    """shop/redact: the connection switched off (the stored token and secret are kept, masked)."""
    current = connection.connection(tenant)
    if not current.enabled:
        return "unchanged"
    connection.configure(tenant, ShopifySettings(shop_domain=current.shop_domain, enabled=False))
    return "disconnected"
