"""What happened to a consumer (its timeline), kept in the consumer's own partition beside its profile.

  timeline event      pk=<tenant>#CONSUMER#<id>  sk=EVENT#<occurredAt digits>#<event id>   (newest first)

Each is written in the same transaction as the change it records, so the history never disagrees
with the profile. One Query of the prefix reads a page, newest first.
"""

from __future__ import annotations

from typing import Any

from clientele.consumers.models import TimelineEvent
from clientele.consumers.store import ConsumerRecord, instant_key
from clientele.core.store import dynamo
from clientele.core.tenancy import Tenant

EVENT_PREFIX = "EVENT#"


def partition(tenant: Tenant, consumer_id: str) -> str:
    return ConsumerRecord.key(tenant, consumer_id)["pk"]


def event_put(tenant: Tenant, consumer_id: str, event: TimelineEvent) -> dict[str, Any]:
    item = {
        "pk": partition(tenant, consumer_id),
        "sk": f"{EVENT_PREFIX}{instant_key(event.occurred_at)}#{event.id}",
        "entity": "Event",
        **event.model_dump(mode="python", by_alias=True),
    }
    return dynamo.put(item)


def event_from_item(item: dict[str, Any]) -> TimelineEvent:
    return dynamo.with_nulls(TimelineEvent, item)
