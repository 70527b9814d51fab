"""A consumer's timeline: orders, refunds, points, balance, status and membership changes, audiences.

Events are written by the change they record, in its own transaction (consumers/activity.py), and read
newest first with one Query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clientele.consumers import activity, changes
from clientele.consumers import store as consumer_store
from clientele.consumers.enums import Membership
from clientele.consumers.models import Consumer, TimelineEvent, TimelineEventType
from clientele.core import clock
from clientele.core.paging import PageRequest, invalid, paged
from clientele.core.store.pages import every_item, prefixed
from clientele.core.tenancy import Tenant

ID_PREFIX = "evt"

# Profile fields whose changes the timeline records: {field: event type}.
_PROFILE_CHANGES = {
    "status": TimelineEventType.STATUS_CHANGED,
    "membership": TimelineEventType.MEMBERSHIP_CHANGED,
    "verified": TimelineEventType.VERIFIED_CHANGED,
}


def event(type: TimelineEventType, occurred_at: str, details: dict[str, Any]) -> TimelineEvent:
    return TimelineEvent(id=clock.new_id(ID_PREFIX), type=type, occurred_at=occurred_at, details=details)


def put(tenant: Tenant, consumer_id: str, recorded: TimelineEvent) -> dict[str, Any]:
    """The write that records the event; goes into the transaction of the change itself."""
    return activity.event_put(tenant, consumer_id, recorded)


def profile_events(before: Consumer, after: Consumer) -> list[TimelineEvent]:
    """Events for the status, membership and verified changes between two versions of a consumer."""
    return [
        event(type, after.updated_at, {"from": getattr(before, name), "to": getattr(after, name)})
        for name, type in _PROFILE_CHANGES.items()
        if getattr(before, name) != getattr(after, name)
    ]


def joined_at(tenant: Tenant, consumer_id: str) -> str | None:
    """When the consumer last became a member, as its timeline recorded it (None: it never changed
    to member, so it was created one). Reads the timeline newest first, to that event."""
    source = prefixed(
        activity.TimelineEventRecord.partition(tenant, consumer_id), activity.TimelineEventRecord.PREFIX, forward=False
    )
    for item in every_item(source):
        recorded = activity.TimelineEventRecord.from_item(item)
        if recorded.type is TimelineEventType.MEMBERSHIP_CHANGED and recorded.details.get("to") == Membership.MEMBER:
            return recorded.occurred_at
    return None


def consumer_timeline(tenant: Tenant, consumer_id: str, page: PageRequest) -> dict[str, Any]:
    """The consumer's events, newest first."""
    return history(
        tenant,
        consumer_id,
        activity.TimelineEventRecord.PREFIX,
        page,
        lambda item: activity.TimelineEventRecord.from_item(item).to_api(),
    )


def profile_changes(tenant: Tenant, consumer_id: str, page: PageRequest, field: str | None) -> dict[str, Any]:
    """GET /consumers/{id}/changes: the profile's field-level changes, newest first; with `field`, only
    the writes that changed it (a filter on the partition's own Query)."""
    if field is not None and field not in changes.FIELD_NAMES:
        raise invalid("field", f"must be one of {', '.join(sorted(changes.FIELD_NAMES))}")
    record = consumer_store.ChangeRecord

    def to_api(item: dict[str, Any]) -> dict[str, Any]:
        return changes.from_fields(record.fields(item)).to_api()

    only = {"expression": "contains(fieldNames, :field)", "values": {":field": field}} if field else None
    return history(tenant, consumer_id, record.PREFIX, page, to_api, only=only)


def history(
    tenant: Tenant,
    consumer_id: str,
    prefix: str,
    page: PageRequest,
    to_api: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    only: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A page of the records under `prefix` in the consumer's partition, newest first; 404 for an
    unknown consumer. `only`: a filter on them ({"expression", "values"})."""
    source = prefixed(activity.TimelineEventRecord.partition(tenant, consumer_id), prefix, forward=False)
    if only is not None:
        source = source._replace(filter_expression=only["expression"], filter_values=only["values"])
    return paged(
        tenant,
        source,
        {"history": [consumer_id, prefix, only]},
        page,
        lambda items: [to_api(item) for item in items],
        owner=lambda: consumer_store.existing(tenant, consumer_id),
    )
