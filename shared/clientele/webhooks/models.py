"""Outbound webhooks on the wire: endpoints, events and delivery attempts."""

from enum import StrEnum
from typing import Any

from clientele.core.models import Resource, Timestamp


class EventType(StrEnum):
    CONSUMER_CREATED = "consumer.created"
    CONSUMER_UPDATED = "consumer.updated"  # with previousAttributes: the changed fields' values before
    CONSUMER_DELETED = "consumer.deleted"
    CONSUMER_ERASED = "consumer.erased"  # no personal data: the id and when
    CONSUMER_MERGED = "consumer.merged"  # the id was merged into `mergedInto`, which holds all of it now
    ORDER_CREATED = "order.created"
    ORDER_REFUNDED = "order.refunded"
    LOYALTY_POINTS_CHANGED = "loyalty.points_changed"
    IMPORT_FINISHED = "import.finished"
    EXPORT_FINISHED = "export.finished"


API_VERSION = "v1"


class WebhookEndpoint(Resource):
    id: str
    url: str
    events: list[EventType]
    description: str | None
    enabled: bool
    disabled_reason: str | None = None  # why Clientele disabled it (410 Gone, 5 days of failures)
    disabled_at: Timestamp | None = None
    failing_since: Timestamp | None = None  # the first failed delivery since the last success
    secret_rotated_at: Timestamp | None = None
    created_at: Timestamp
    updated_at: Timestamp


class WebhookEndpointWithSecret(WebhookEndpoint):
    """The endpoint as created or rotated: `secret` (`whsec_…`) is shown this once, never again."""

    secret: str | None  # shown this once; null when an Idempotency-Key retry answers again
    previous_secret_expires_at: Timestamp | None = None  # after a rotation: the old secret still signs until then


class WebhookEvent(Resource):
    """What is delivered: the body of each webhook request, and a row of `GET /events`."""

    id: str  # evt_…: the `webhook-id` header, the same on every retry
    type: EventType
    created_at: Timestamp
    api_version: str
    data: dict[str, Any]  # the object as the API shows it
    previous_attributes: dict[str, Any] | None = None  # consumer.updated: the changed fields' previous values


class WebhookDelivery(Resource):
    """One attempt to deliver an event to an endpoint."""

    id: str
    event_id: str
    event_type: EventType
    attempt: int  # 1 for the first try of this delivery
    succeeded: bool
    status_code: int | None  # null when no answer came (timeout, refused connection, unsafe address)
    duration_ms: int
    error: str | None
    attempted_at: Timestamp
    next_attempt_at: Timestamp | None  # when it is tried again; null when it is not
    replay: bool = False


class ReplayAccepted(Resource):
    endpoint_id: str
    since: Timestamp
    until: Timestamp
