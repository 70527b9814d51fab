"""Webhook endpoints: create (with a signing secret shown once), change, delete, rotate the secret,
and ask for a replay of stored events. Reads are in reads.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from clientele.core import clock
from clientele.core.errors import Conflict, ValidationFailed, WebhookEndpointLimit, WebhookEndpointNotFound
from clientele.core.tenancy import Tenant
from clientele.webhooks import queue_store, signing, store, targets
from clientele.webhooks.models import ReplayAccepted, WebhookEndpoint, WebhookEndpointWithSecret
from clientele.webhooks.reads import endpoint_model, get_endpoint
from clientele.webhooks.requests import ReplayRequest, WebhookEndpointCreate, WebhookEndpointUpdate

ENDPOINT_PREFIX = "whep"
REPLAY_WINDOW = timedelta(seconds=store.RETENTION_SECONDS)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(details=[{"field": field, "message": message}])


def checked_url(url: str) -> str:
    """The URL, if webhooks may go there (400 on the `url` field otherwise)."""
    try:
        targets.target(url)
    except targets.UnsafeTarget as unsafe:
        raise _invalid("url", str(unsafe)) from None
    return url


def create_endpoint(tenant: Tenant, request: WebhookEndpointCreate) -> WebhookEndpointWithSecret:
    """The endpoint and its secret: the secret goes to Secrets Manager, and is answered this once."""
    checked_url(request.url)
    now = clock.now()
    fields: dict[str, Any] = {
        "id": clock.new_id(ENDPOINT_PREFIX),
        "url": request.url,
        "events": [str(event) for event in request.events],
        "description": request.description,
        "enabled": request.enabled,
        "createdAt": now,
        "updatedAt": now,
        "version": 1,
    }
    secret = signing.new_secret()
    store.create_secret(tenant, fields["id"], signing.first_keys(secret))
    try:
        store.insert_endpoint(tenant, fields)
    except store.TooManyEndpoints:
        store.delete_secret(tenant, fields["id"])
        raise WebhookEndpointLimit() from None
    except Exception:
        store.delete_secret(tenant, fields["id"])
        raise
    return WebhookEndpointWithSecret(**endpoint_model(fields).model_dump(), secret=secret)


def update_endpoint(tenant: Tenant, endpoint_id: str, request: WebhookEndpointUpdate) -> WebhookEndpoint:
    """Changes the fields present; `enabled: true` also clears why Clientele had disabled it."""
    given = request.model_fields_set
    for name in ("url", "events", "enabled"):
        if name in given and getattr(request, name) is None:
            raise _invalid(name, "cannot be null")
    changes: dict[str, Any] = {}
    if "url" in given and request.url is not None:
        changes["url"] = checked_url(request.url)
    if "events" in given and request.events is not None:
        changes["events"] = [str(event) for event in request.events]
    if "description" in given:
        changes["description"] = request.description
    if "enabled" in given and request.enabled is not None:
        changes["enabled"] = request.enabled
        if request.enabled:
            changes.update({"disabledReason": None, "disabledAt": None, "failingSince": None})
    changes["updatedAt"] = clock.now()
    try:
        fields = store.change_endpoint(tenant, endpoint_id, changes)
    except store.EndpointMissing:
        raise WebhookEndpointNotFound() from None
    return endpoint_model(fields)


def delete_endpoint(tenant: Tenant, endpoint_id: str) -> WebhookEndpoint:
    """Gone at once, with its secret; deliveries on their way to it are dropped."""
    endpoint = get_endpoint(tenant, endpoint_id)
    try:
        store.delete_endpoint(tenant, endpoint_id)
    except store.EndpointMissing:
        raise WebhookEndpointNotFound() from None
    store.delete_secret(tenant, endpoint_id)
    return endpoint


def rotate_secret(tenant: Tenant, endpoint_id: str) -> WebhookEndpointWithSecret:
    """A new secret, answered once; the old one also signs for the next 24 hours. The endpoint's
    version is the guard: of two rotations at once, the second is a 409 (retry) rather than a
    secret that never signs."""
    fields = store.get_endpoint(tenant, endpoint_id)
    keys = store.read_secret(tenant, endpoint_id)
    if fields is None or keys is None:
        raise WebhookEndpointNotFound()
    moment = datetime.now(UTC)
    now = clock.format_instant(moment)
    changes = {"secretRotatedAt": now, "updatedAt": now, "version": int(fields["version"]) + 1}
    try:
        changed = store.change_endpoint(tenant, endpoint_id, changes, version=int(fields["version"]))
    except store.EndpointMissing:
        if store.get_endpoint(tenant, endpoint_id) is None:
            raise WebhookEndpointNotFound() from None
        raise Conflict() from None
    secret = signing.new_secret()
    rotated = signing.rotated_keys(keys, secret, moment)
    store.put_secret(tenant, endpoint_id, rotated)
    return WebhookEndpointWithSecret(
        **endpoint_model(changed).model_dump(), secret=secret, previous_secret_expires_at=rotated["previousUntil"]
    )


def request_replay(tenant: Tenant, endpoint_id: str, request: ReplayRequest) -> ReplayAccepted:
    """Queues the replay: the delivery function reads the stored events since `since` (at most 30
    days back) that the endpoint subscribes to, and delivers each again, in the background."""
    endpoint = get_endpoint(tenant, endpoint_id)
    try:
        since = clock.parse(request.since)
    except ValueError:
        raise _invalid("since", "must be an ISO 8601 instant such as 2024-11-01T10:00:00.000Z") from None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    moment = datetime.now(UTC)
    if since > moment:
        raise _invalid("since", "must not be in the future")
    if since < moment - REPLAY_WINDOW:
        raise _invalid("since", "events are kept 30 days: give an instant within them")
    if not endpoint.enabled:
        raise _invalid("enabled", "the endpoint is disabled: enable it (PUT enabled: true) before a replay")
    accepted = ReplayAccepted(
        endpoint_id=endpoint_id, since=clock.format_instant(since), until=clock.format_instant(moment)
    )
    queue_store.send([replay_message(tenant, endpoint_id, accepted.since, accepted.until, accepted.since)])
    return accepted


def replay_message(tenant: Tenant, endpoint_id: str, since: str, until: str, after: str) -> dict[str, Any]:
    return {
        "kind": "replay",
        "organization": tenant.organization,
        "environment": str(tenant.environment),
        "endpointId": endpoint_id,
        "since": since,
        "until": until,
        "after": after,
    }
