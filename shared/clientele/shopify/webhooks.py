"""Shopify's webhook deliveries coming in: verify, store, answer (the work is done from the stream).

Shopify signs each delivery with the app's webhook secret: `X-Shopify-Hmac-Sha256` is the base64
HMAC-SHA256 of the raw body, compared here in constant time. The delivery names no Clientele key, so
the URL's connection id (`shc_…`) names the tenant. Shopify waits 5 seconds for an answer and retries
a delivery that did not get a 2xx for 48 hours: the answer comes as soon as the receipt is stored
(webhook_store.put_receipt, which also drops a duplicate by its event id), and
process_shopify_webhook does the work from the receipt's stream record (shopify/topics.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import UTC
from typing import Literal

from clientele.core import clock
from clientele.core.errors import ShopifyConnectionNotFound, ValidationFailed, WebhookSignatureInvalid
from clientele.core.models import Resource
from clientele.shopify import connection, webhook_store

HMAC_HEADER = "x-shopify-hmac-sha256"
TOPIC_HEADER = "x-shopify-topic"
EVENT_ID_HEADER = "x-shopify-event-id"
WEBHOOK_ID_HEADER = "x-shopify-webhook-id"
TRIGGERED_AT_HEADER = "x-shopify-triggered-at"
SHOP_HEADER = "x-shopify-shop-domain"
API_VERSION_HEADER = "x-shopify-api-version"

Received = Literal["stored", "duplicate"]
# Shopify's payloads may be bigger than the API's 1 MB for a request body: up to this much is taken (a
# Lambda's synchronous event holds 6 MB, and API Gateway hands binary bodies over in base64, 4/3 larger).
MAX_BODY_BYTES = 4 * 1024 * 1024
EVENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")  # Shopify's are UUIDs; the id goes into keys


class WebhookReceived(Resource):
    """The answer to a delivery: received (stored, or a duplicate of one stored before)."""

    received: bool = True
    duplicate: bool  # true: this event was received before; nothing was done again


def signature(secret: str, body: bytes) -> str:
    """The `X-Shopify-Hmac-Sha256` value Shopify sends for `body` signed with `secret`."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verified(secret: str, body: bytes, header: str | None) -> bool:
    """The header is the body's HMAC with the secret (constant-time; a missing header is not)."""
    if not header or not secret:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


def numeric_id(value: object) -> str:
    """A Shopify id as the number it ends with: `gid://shopify/Customer/207119551` -> `207119551`."""
    return str(value).strip().rsplit("/", 1)[-1]


def raw_body(body: str | None, is_base64_encoded: bool) -> bytes:
    """The bytes Shopify sent, as API Gateway handed them over (base64 when they were not text)."""
    if body is None:
        return b""
    if is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error:
            raise ValidationFailed(details=[{"field": "body", "message": "is not valid base64"}]) from None
    return body.encode()


def lowered(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {name.lower(): value for name, value in (headers or {}).items()}


def receive(connection_id: str, headers: Mapping[str, str] | None, body: bytes) -> Received:
    """Verifies the delivery and stores its receipt: "stored", or "duplicate" for an event id stored
    before (nothing happens twice). An unknown connection id is ShopifyConnectionNotFound; a bad or
    missing signature WebhookSignatureInvalid, counted as a failure in the connection's webhook
    health; either way nothing is stored."""
    tenant = connection.tenant_for(connection_id)
    if tenant is None:
        raise ShopifyConnectionNotFound()
    named = lowered(headers)
    now = clock.now()
    if not verified(connection.webhook_secret(tenant), body, named.get(HMAC_HEADER)):
        reason = "invalid HMAC signature" if named.get(HMAC_HEADER) else "no X-Shopify-Hmac-Sha256 header"
        connection.record_webhook(tenant, ok=False, at=now, reason=reason)
        raise WebhookSignatureInvalid()
    problem = _malformed(named, body)
    if problem is not None:
        connection.record_webhook(tenant, ok=False, at=now, reason=problem["message"])
        raise ValidationFailed(details=[problem])
    event_id = named.get(EVENT_ID_HEADER) or named[WEBHOOK_ID_HEADER]
    fields = {
        "topic": named[TOPIC_HEADER].strip(),
        "webhookId": named.get(WEBHOOK_ID_HEADER),
        "triggeredAt": _instant(named.get(TRIGGERED_AT_HEADER)),
        "shopDomain": named.get(SHOP_HEADER),
        "apiVersion": named.get(API_VERSION_HEADER),
    }
    stored = webhook_store.put_receipt(tenant, event_id, fields, body)
    connection.record_webhook(tenant, ok=True, at=now, reason=None)
    return "stored" if stored else "duplicate"


def _malformed(headers: dict[str, str], body: bytes) -> dict[str, str] | None:
    """What makes a signed delivery unusable: no topic, no event id, a body that is not a JSON object."""
    if not headers.get(TOPIC_HEADER, "").strip():
        return {"field": "X-Shopify-Topic", "message": "is required"}
    event_id = headers.get(EVENT_ID_HEADER) or headers.get(WEBHOOK_ID_HEADER) or ""
    if not EVENT_ID.match(event_id):
        message = "X-Shopify-Event-Id or X-Shopify-Webhook-Id is required: 1-100 letters, digits, '.', '_', ':' or '-'"
        return {"field": "X-Shopify-Event-Id", "message": message}
    try:
        payload = json.loads(body)
    except ValueError:
        return {"field": "body", "message": "must be a JSON object"}
    if not isinstance(payload, dict):
        return {"field": "body", "message": "must be a JSON object"}
    return None


def _instant(value: str | None) -> str | None:
    """An ISO 8601 instant in the store's form, or None for none or one that does not parse."""
    if not value:
        return None
    try:
        moment = clock.parse(value.strip())
    except ValueError:
        return None
    return clock.format_instant(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
