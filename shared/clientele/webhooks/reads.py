"""What the webhook GET routes read: endpoints, the stored events, and an endpoint's attempts."""

from __future__ import annotations

from typing import Any

from clientele.core.errors import ValidationFailed, WebhookEndpointNotFound
from clientele.core.paging import PageRequest, paged
from clientele.core.store import dynamo
from clientele.core.tenancy import Tenant
from clientele.webhooks import store
from clientele.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint


def endpoint_model(fields: dict[str, Any]) -> WebhookEndpoint:
    """The endpoint as the API shows it (its version and secret's name are not shown)."""
    shown = {name: value for name, value in fields.items() if name not in ("version",)}
    shown.setdefault("description", None)
    return WebhookEndpoint.model_validate(shown)


def get_endpoint(tenant: Tenant, endpoint_id: str) -> WebhookEndpoint:
    fields = store.get_endpoint(tenant, endpoint_id)
    if fields is None:
        raise WebhookEndpointNotFound()
    return endpoint_model(fields)


def list_endpoints(tenant: Tenant, page: PageRequest) -> dict[str, Any]:
    def render(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [endpoint_model(store.endpoint_fields(item)).to_api() for item in items]

    return paged(tenant, store.endpoint_source(tenant), {"list": "webhook-endpoints"}, page, render)


def event_type(value: str | None) -> EventType | None:
    if value is None:
        return None
    try:
        return EventType(value)
    except ValueError:
        allowed = ", ".join(event.value for event in EventType)
        raise ValidationFailed(details=[{"field": "type", "message": f"must be one of {allowed}"}]) from None


def list_events(tenant: Tenant, type_: str | None, page: PageRequest) -> dict[str, Any]:
    """The tenant's events of the last 30 days, newest first; one type's with `type`."""
    chosen = event_type(type_)

    def render(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [store.event_of(item) for item in items]

    signature = {"list": "events", "type": None if chosen is None else str(chosen)}
    return paged(tenant, store.events_source(tenant, None if chosen is None else str(chosen)), signature, page, render)


def list_deliveries(tenant: Tenant, endpoint_id: str, page: PageRequest) -> dict[str, Any]:
    """Every attempt to deliver to the endpoint (30 days), newest first."""

    def render(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [dynamo.with_nulls(WebhookDelivery, store.attempt_fields(item)).to_api() for item in items]

    def owner() -> WebhookEndpoint:
        return get_endpoint(tenant, endpoint_id)

    signature = {"list": "webhook-deliveries", "endpoint": endpoint_id}
    return paged(tenant, store.attempts_source(tenant, endpoint_id), signature, page, render, owner)
