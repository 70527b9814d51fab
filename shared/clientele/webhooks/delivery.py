"""The delivery function's work: one queue message at a time.

`deliver` messages sign the stored event with the endpoint's secret(s) (Standard Webhooks) and POST
it (10 s timeout, no redirects, the address checked again). Every attempt is recorded. A 2xx is
delivered; a 410 Gone disables the endpoint at once; any other outcome is retried with exponential
backoff and jitter for up to 3 days after the first attempt, by sending the message again with a
delay. SQS delays a message at most 15 minutes, so a later retry carries `notBefore` and is sent on
again, 15 minutes at a time, until it is due. An endpoint whose deliveries have failed without a
success for 5 days is disabled, with the reason.

`replay` messages read the stored events since an instant, a page at a time, and queue a delivery of
each the endpoint subscribes to, then a message for the next page.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from clientele.core import clock
from clientele.core.tenancy import Environment, Tenant
from clientele.webhooks import queue_store, signing, store, targets

FIRST_RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 12 * 3600.0
JITTER = 0.25  # each delay is its exponential value, ± a quarter
RETRY_WINDOW = timedelta(days=3)  # no attempt is scheduled later than this after the first
DISABLE_AFTER = timedelta(days=5)  # failing without a success for this long disables the endpoint
GONE = 410
REPLAY_PAGE = 200  # events a replay message reads before it queues the next page
SECRET_CACHE_SECONDS = 60.0
ATTEMPT_PREFIX = "whatt"

_secrets: dict[tuple[Tenant, str], tuple[float, dict[str, Any]]] = {}


def now() -> datetime:
    """The time (tests move it)."""
    return datetime.now(UTC)


def retry_delay(attempt: int, draw: float) -> float:
    """Seconds before attempt `attempt` + 1, after attempt `attempt` failed: 30 s doubling to at most
    12 h, each ± 25 % (`draw` in [0, 1))."""
    base = min(FIRST_RETRY_SECONDS * 2 ** (attempt - 1), MAX_RETRY_SECONDS)
    return base * (1 - JITTER + 2 * JITTER * draw)


def _keys(tenant: Tenant, endpoint_id: str) -> dict[str, Any] | None:
    """The endpoint's signing keys, read from Secrets Manager at most once a minute per process."""
    cached = _secrets.get((tenant, endpoint_id))
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    keys = store.read_secret(tenant, endpoint_id)
    if keys is not None:
        _secrets[(tenant, endpoint_id)] = (time.monotonic() + SECRET_CACHE_SECONDS, keys)
    return keys


def deliver_message(tenant: Tenant, endpoint_id: str, event: dict[str, Any], *, replay: bool = False) -> dict[str, Any]:
    """The queue message of an event's first delivery attempt to an endpoint (keys, not the event)."""
    return {
        "kind": "deliver",
        "organization": tenant.organization,
        "environment": str(tenant.environment),
        "endpointId": endpoint_id,
        "eventId": event["id"],
        "eventType": event["type"],
        "eventCreatedAt": event["createdAt"],
        "attempt": 1,
        "replay": replay,
    }


def handle(message: dict[str, Any]) -> str:
    """Does one message's work; returns what became of it (for metrics and tests). Raises only when
    the store or the queue fail, so that SQS hands the message over again."""
    tenant = Tenant(organization=str(message["organization"]), environment=Environment(str(message["environment"])))
    if message.get("kind") == "replay":
        return replay(tenant, message)
    return deliver(tenant, message)


def deliver(tenant: Tenant, message: dict[str, Any]) -> str:
    moment = now()
    not_before = message.get("notBefore")
    if not_before is not None and float(not_before) > moment.timestamp() + 1:
        queue_store.send([message], delay_seconds=int(float(not_before) - moment.timestamp()) + 1)
        return "waiting"
    endpoint_id = str(message["endpointId"])
    endpoint = store.get_endpoint(tenant, endpoint_id)
    if endpoint is None or not endpoint.get("enabled") or message["eventType"] not in (endpoint.get("events") or []):
        return "dropped"
    event = store.get_event(tenant, str(message["eventType"]), str(message["eventCreatedAt"]), str(message["eventId"]))
    keys = _keys(tenant, endpoint_id)
    if event is None or keys is None:
        return "dropped"  # expired (30 days), or the endpoint was deleted meanwhile
    body = json.dumps(event, separators=(",", ":")).encode()
    answer = targets.post(str(endpoint["url"]), body, signing.headers(keys, str(event["id"]), body, moment))
    attempt = int(message.get("attempt", 1))
    first = clock.parse(str(message.get("firstAttemptAt") or clock.format_instant(moment)))
    record: dict[str, Any] = {
        "id": clock.new_id(ATTEMPT_PREFIX),
        "eventId": event["id"],
        "eventType": event["type"],
        "attempt": attempt,
        "succeeded": answer.error is None,
        "statusCode": answer.status,
        "durationMs": answer.duration_ms,
        "error": answer.error,
        "attemptedAt": clock.format_instant(moment),
        "nextAttemptAt": None,
        "replay": bool(message.get("replay")),
    }
    expiration = int(moment.timestamp()) + store.RETENTION_SECONDS
    if answer.error is None:
        store.put_attempt(tenant, endpoint_id, record, expiration)
        if endpoint.get("failingSince"):
            store.mark_succeeded(tenant, endpoint_id)
        return "delivered"
    if answer.status == GONE:
        store.put_attempt(tenant, endpoint_id, record, expiration)
        store.disable(tenant, endpoint_id, "The endpoint answered 410 Gone", record["attemptedAt"])
        return "gone"
    failing_since = store.mark_failing(tenant, endpoint_id, record["attemptedAt"])
    if failing_since is not None and moment - clock.parse(failing_since) >= DISABLE_AFTER:
        store.put_attempt(tenant, endpoint_id, record, expiration)
        reason = f"Deliveries failed for 5 days without a success (since {failing_since})"
        store.disable(tenant, endpoint_id, reason, record["attemptedAt"])
        return "disabled"
    due = moment + timedelta(seconds=retry_delay(attempt, random.random()))  # noqa: S311 - jitter, not a secret
    if due - first > RETRY_WINDOW:
        store.put_attempt(tenant, endpoint_id, record, expiration)
        return "abandoned"
    record["nextAttemptAt"] = clock.format_instant(due)
    store.put_attempt(tenant, endpoint_id, record, expiration)
    retry = {
        **message,
        "attempt": attempt + 1,
        "firstAttemptAt": clock.format_instant(first),
        "notBefore": due.timestamp(),
    }
    queue_store.send([retry], delay_seconds=int((due - moment).total_seconds()))
    return "retrying"


def replay(tenant: Tenant, message: dict[str, Any]) -> str:
    endpoint_id = str(message["endpointId"])
    endpoint = store.get_endpoint(tenant, endpoint_id)
    if endpoint is None or not endpoint.get("enabled"):
        return "dropped"
    subscribed = set(endpoint.get("events") or [])
    page = store.events_after(tenant, str(message["after"]), str(message["until"]), REPLAY_PAGE)
    deliveries = [
        deliver_message(tenant, endpoint_id, event, replay=True) for _, event in page if event["type"] in subscribed
    ]
    queue_store.send(deliveries)
    if len(page) == REPLAY_PAGE:
        queue_store.send([{**message, "after": page[-1][0]}])
    return "replayed"
