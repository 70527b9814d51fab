"""Blocking a consumer (seed 004's Block customer) and unblocking it. A blocked consumer earns and
redeems no points (loyalty.service.participation); its orders still record."""

from __future__ import annotations

from clientele.consumers import store, timeline
from clientele.consumers.models import Consumer, TimelineEventType
from clientele.consumers.service import get_consumer, replace_write, retrying
from clientele.core import clock
from clientele.core.tenancy import Tenant


def block(tenant: Tenant, consumer_id: str, reason: str | None) -> Consumer:
    """Blocks the consumer; blocking a blocked one changes nothing (its first reason stays)."""
    return _set(tenant, consumer_id, blocked=True, reason=reason)


def unblock(tenant: Tenant, consumer_id: str) -> Consumer:
    """Unblocks the consumer; unblocking one that is not blocked changes nothing."""
    return _set(tenant, consumer_id, blocked=False, reason=None)


def _set(tenant: Tenant, consumer_id: str, *, blocked: bool, reason: str | None) -> Consumer:
    def attempt() -> Consumer:
        consumer = get_consumer(tenant, consumer_id)
        if consumer.blocked == blocked:
            return consumer
        now = clock.now()
        after = consumer.model_copy(
            update={
                "blocked": blocked,
                "blocked_at": now if blocked else None,
                "blocked_reason": reason,
                "updated_at": now,
                "version": consumer.version + 1,
            }
        )
        write = replace_write(tenant, consumer, after)
        details = {"reason": reason} if reason else {}
        kind = TimelineEventType.BLOCKED if blocked else TimelineEventType.UNBLOCKED
        write.add(timeline.put(tenant, consumer.id, timeline.event(kind, now, details)), store.ConsumerChanged)
        store.commit(write)
        return after

    return retrying(attempt)
