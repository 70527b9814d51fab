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
from clientele.core.store.entity import Entity
from clientele.core.tenancy import Tenant


class TimelineEventRecord(Entity):
    kind = "Event"
    PREFIX = "EVENT#"

    @staticmethod
    def partition(tenant: Tenant, consumer_id: str) -> str:
        return ConsumerRecord.key(tenant, consumer_id)["pk"]

    @classmethod
    def key(cls, tenant: Tenant, consumer_id: str, event: TimelineEvent) -> dict[str, str]:
        return {
            "pk": cls.partition(tenant, consumer_id),
            "sk": f"{cls.PREFIX}{instant_key(event.occurred_at)}#{event.id}",
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> TimelineEvent:
        return dynamo.with_nulls(TimelineEvent, cls.fields(item))


def event_put(tenant: Tenant, consumer_id: str, event: TimelineEvent) -> dict[str, Any]:
    keys = TimelineEventRecord.key(tenant, consumer_id, event)
    return dynamo.put(TimelineEventRecord.item(keys, event.model_dump(mode="python", by_alias=True)))
