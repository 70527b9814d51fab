"""The table's stream → webhook events: what changed becomes an event, stored once for 30 days, and one
delivery message per subscribed endpoint of the item's own tenant goes to the webhook queue.

template.yaml's FilterCriteria let through only what can make an event: consumers (created, changed,
removed), orders (created, changed), and imports and exports that have just finished.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any, NamedTuple

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clientele.consumers.store import ConsumerRecord, merged_into
from clientele.core import clock, streams
from clientele.core.store.keys import tenant_of
from clientele.jobs.export_store import ExportRecord
from clientele.jobs.import_store import ImportRecord
from clientele.orders.store import OrderRecord
from clientele.webhooks import queue_store, store
from clientele.webhooks.delivery import deliver_message
from clientele.webhooks.models import API_VERSION, EventType

FINISHED = frozenset({"succeeded", "failed"})
# Fields whose change alone is no consumer.updated: bookkeeping of the record, the Klaviyo sync and merges.
NOT_CHANGES = frozenset(
    {"updatedAt", "version", "syncStatus", "syncedAt", "syncedVersion", "klaviyoProfileId", "syncError"}
    | {"mergingInto", "mergeHeldUntil"}  # a merge's own bookkeeping: consumer.merged says how it ended
)


class NewEvent(NamedTuple):
    type: EventType
    data: dict[str, Any]
    previous_attributes: dict[str, Any] | None = None


def _consumer(image: dict[str, Any]) -> dict[str, Any]:
    return ConsumerRecord.from_item(image).to_api()


def consumer_events(name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[NewEvent]:
    if name == "INSERT" and new is not None:
        return [NewEvent(EventType.CONSUMER_CREATED, _consumer(new))]
    if name == "REMOVE" and old is not None:
        consumer_id = str(old["id"])
        if store.erased(tenant_of(old), consumer_id):  # an erasure: no personal data leaves
            return [NewEvent(EventType.CONSUMER_ERASED, {"id": consumer_id, "object": "consumer"})]
        survivor = merged_into(tenant_of(old), consumer_id)
        if survivor is not None:  # merged away: its tombstone, written in the same transaction, says where
            data = {"id": consumer_id, "object": "consumer", "mergedInto": survivor}
            return [NewEvent(EventType.CONSUMER_MERGED, data)]
        return [NewEvent(EventType.CONSUMER_DELETED, _consumer(old))]
    if name != "MODIFY" or old is None or new is None:
        return []
    before, after = _consumer(old), _consumer(new)
    found = []
    changed = {
        field: before.get(field) for field in after if field not in NOT_CHANGES and before.get(field) != after[field]
    }
    if changed:
        found.append(NewEvent(EventType.CONSUMER_UPDATED, after, changed))
    points_before, points_after = before["loyalty"]["points"], after["loyalty"]["points"]
    if points_before != points_after:
        data = {
            "consumerId": after["id"],
            "points": points_after,
            "previousPoints": points_before,
            "pendingPoints": after["loyalty"].get("pendingPoints"),
            "tier": after["loyalty"].get("tier"),
            "previousTier": before["loyalty"].get("tier"),
        }
        found.append(NewEvent(EventType.LOYALTY_POINTS_CHANGED, data))
    return found


def order_events(name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[NewEvent]:
    if new is None:
        return []
    if name == "INSERT":
        return [NewEvent(EventType.ORDER_CREATED, OrderRecord.from_item(new).to_api())]
    if name == "MODIFY" and old is not None and len(new.get("refunds") or []) > len(old.get("refunds") or []):
        return [NewEvent(EventType.ORDER_REFUNDED, OrderRecord.from_item(new).to_api())]
    return []


def job_events(kind: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[NewEvent]:
    if new is None or new.get("status") not in FINISHED or (old is not None and old.get("status") in FINISHED):
        return []
    if kind == ImportRecord.kind:
        return [NewEvent(EventType.IMPORT_FINISHED, ImportRecord.from_item(new).to_api())]
    return [NewEvent(EventType.EXPORT_FINISHED, ExportRecord.from_item(new).to_api())]


def events_of(name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[NewEvent]:
    kind = (new or old or {}).get("entity")
    if kind == ConsumerRecord.kind:
        return consumer_events(name, old, new)
    if kind == OrderRecord.kind:
        return order_events(name, old, new)
    if kind in (ImportRecord.kind, ExportRecord.kind):
        return job_events(str(kind), old, new)
    return []


def _moment(record: DynamoDBRecord, image: dict[str, Any] | None) -> datetime:
    """When the change happened: the item's own time when it has one (milliseconds), else the
    stream's; both are the same on every delivery of the record."""
    for field in ("updatedAt", "completedAt", "createdAt"):
        if image and image.get(field):
            return clock.parse(str(image[field]))
    assert record.dynamodb is not None
    raw = record.dynamodb.get("ApproximateCreationDateTime")
    try:
        return datetime.fromtimestamp(float(str(raw)), UTC)
    except (TypeError, ValueError):
        return datetime.fromisoformat(str(raw)).replace(tzinfo=UTC) if raw else datetime.now(UTC)


def event_id(record_id: str, event_type: EventType, moment: datetime) -> str:
    """A stable id: the change's time, then a hash of the stream record and the type."""
    randomness = int.from_bytes(hashlib.sha256(f"{record_id}#{event_type}".encode()).digest()[:10])
    return f"evt_{clock.ulid(int(moment.timestamp() * 1000), randomness)}"


def subject_of(event: NewEvent) -> str | None:
    """The consumer whose data the event holds (an erasure removes the event), if any."""
    if event.type is EventType.CONSUMER_ERASED:
        return None
    if event.type.value.startswith("consumer."):
        return str(event.data["id"])
    consumer_id = event.data.get("consumerId")
    return None if consumer_id is None else str(consumer_id)


def publish(record: DynamoDBRecord) -> streams.Counts:
    old, new = streams.images(record)
    assert record.event_name is not None
    found = events_of(record.event_name.name, old, new)
    if not found:
        return None
    image = new if new is not None else old
    assert image is not None
    tenant = tenant_of(image)
    moment = _moment(record, new)
    expiration = int(time.time()) + store.RETENTION_SECONDS
    stored = queued = 0
    endpoints = store.endpoints(tenant)
    for new_event in found:
        event: dict[str, Any] = {
            "id": event_id(str(record.event_id), new_event.type, moment),
            "type": str(new_event.type),
            "createdAt": clock.format_instant(moment),
            "apiVersion": API_VERSION,
            "data": new_event.data,
        }
        if new_event.previous_attributes is not None:
            event["previousAttributes"] = new_event.previous_attributes
        stored += store.put_event(tenant, event, expiration, subject_of(new_event))
        # Sent again on a redelivered record too: the first try may have stopped before sending, and
        # a receiver tells repeats by their webhook-id.
        messages = [
            deliver_message(tenant, str(endpoint["id"]), event)
            for endpoint in endpoints
            if endpoint.get("enabled") and event["type"] in (endpoint.get("events") or [])
        ]
        queue_store.send(messages)
        queued += len(messages)
    forgotten = 0
    for new_event in found:
        if new_event.type is EventType.CONSUMER_ERASED:  # its earlier events go too: no replay, no listing
            forgotten += store.forget_consumer_events(tenant, str(new_event.data["id"]))
    return {"WebhookEvents": stored, "WebhookDeliveriesQueued": queued, "WebhookEventsForgotten": forgotten}
