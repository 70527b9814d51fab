"""Signing secrets and signatures, in the Standard Webhooks scheme through its own library.

A secret is `whsec_` + base64 of 32 random bytes. After a rotation the previous secret keeps signing
beside the new one for OVERLAP (both signatures in `webhook-signature`, space-separated), so a
receiver can switch its secret at any moment within that day.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook

from clientele.core import clock

SECRET_BYTES = 32
OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def first_keys(secret: str) -> dict[str, Any]:
    """What the endpoint's Secrets Manager secret holds when it is created."""
    return {"current": secret}


def rotated_keys(keys: dict[str, Any], secret: str, now: datetime) -> dict[str, Any]:
    """The new secret signs from now on; the one it replaces also signs until now + OVERLAP."""
    return {"current": secret, "previous": keys["current"], "previousUntil": clock.format_instant(now + OVERLAP)}


def signing_secrets(keys: dict[str, Any], now: datetime) -> list[str]:
    found = [str(keys["current"])]
    until = keys.get("previousUntil")
    if keys.get("previous") and until and clock.parse(str(until)) > now:
        found.append(str(keys["previous"]))
    return found


def headers(keys: dict[str, Any], message_id: str, body: bytes, now: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers of one request."""
    moment = now or datetime.now(UTC)
    signatures = [Webhook(secret).sign(message_id, moment, body) for secret in signing_secrets(keys, moment)]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
