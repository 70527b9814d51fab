"""The consent log: one item a change, in the consumer's own partition (so the data-subject export
reads it with the profile's Query and an erasure takes it with the partition), newest last by key.

  pk=<tenant>#CONSUMER#<consumer id>   sk=CONSENT#<recorded at>#<change id>
"""

from __future__ import annotations

from typing import Any

from clientele.consent.models import ConsentChange
from clientele.consumers.store import InConsumerPartition, instant_key
from clientele.core.store import dynamo
from clientele.core.tenancy import Tenant


class ConsentRecord(InConsumerPartition):
    kind = "ConsentChange"
    PREFIX = "CONSENT#"

    @classmethod
    def item_id(cls, change: ConsentChange) -> str:
        return f"{instant_key(change.recorded_at)}#{change.id}"

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ConsentChange:
        return dynamo.with_nulls(ConsentChange, cls.fields(item))


def log_put(tenant: Tenant, consumer_id: str, change: ConsentChange) -> dict[str, Any]:
    """The write that appends the change to the log; goes into the consumer's transaction."""
    key = ConsentRecord.key(tenant, consumer_id, ConsentRecord.item_id(change))
    return dynamo.put(ConsentRecord.item(key, change.model_dump(mode="python", by_alias=True)))
