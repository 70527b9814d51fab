"""What happened to a consumer, kept in the consumer's own partition beside its profile.

  timeline event      pk=<tenant>#CONSUMER#<id>  sk=EVENT#<occurredAt digits>#<event id>   (newest first)
  balance adjustment  pk=<tenant>#CONSUMER#<id>  sk=BALANCE#<adjustment id>                  (ULIDs: time order)

Each is written in the same transaction as the change it records, so the history never disagrees
with the profile. One Query of a prefix reads a page of either, newest first.
"""

from __future__ import annotations

from typing import Any

from clientele.data import dynamo
from clientele.data.consumers import ConsumerRecord, instant_key
from clientele.models import BalanceAdjustment, TimelineEvent
from clientele.tenancy import Tenant

EVENT_PREFIX = "EVENT#"
BALANCE_PREFIX = "BALANCE#"


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


def adjustment_put(tenant: Tenant, adjustment: BalanceAdjustment) -> dict[str, Any]:
    item = {
        "pk": partition(tenant, adjustment.consumer_id),
        "sk": f"{BALANCE_PREFIX}{adjustment.id}",
        "entity": "BalanceAdjustment",
        **adjustment.model_dump(mode="python", by_alias=True),
    }
    return dynamo.put(item)


def adjustment_from_item(item: dict[str, Any]) -> BalanceAdjustment:
    return dynamo.with_nulls(BalanceAdjustment, item)
