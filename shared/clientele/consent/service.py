"""Changing a consumer's consent: the profile's state and the log's record in one transaction."""

from __future__ import annotations

from typing import Any

from clientele.consent import store
from clientele.consent.models import ConsentChange
from clientele.consent.requests import ConsentUpdate, SuppressionUpdate
from clientele.consumers import store as consumer_store
from clientele.consumers import timeline
from clientele.consumers.enums import ConsentChannel, ConsentMethod
from clientele.consumers.models import ChannelConsent, Consumer, Suppression, TimelineEventType
from clientele.consumers.service import get_consumer, replace_write, retrying
from clientele.core import clock
from clientele.core.tenancy import Tenant

ID_PREFIX = "cnst"


def set_consent(tenant: Tenant, consumer_id: str, update: ConsentUpdate, *, console: bool, actor: str) -> Consumer:
    """PUT /consumers/{id}/consent: the channel's new state, given now by the body's method, else the
    path's own (`console`: the console's twin of the route, else the API). Saying again what the
    channel already says (state, method, wording and IP) changes nothing and logs nothing."""

    path_method = ConsentMethod.CONSOLE if console else ConsentMethod.API

    def attempt() -> Consumer:
        consumer = get_consumer(tenant, consumer_id)
        given = ChannelConsent(
            state=update.state,
            method=ConsentMethod(update.method) if update.method else path_method,
            wording_version=update.wording_version,
            source_ip=update.source_ip,
        )
        after, write = changed(tenant, consumer, update.channel, given, actor=actor)
        if write is not None:
            consumer_store.commit(write)
        return after

    return retrying(attempt)


def set_suppression(tenant: Tenant, consumer_id: str, update: SuppressionUpdate) -> Consumer:
    """PUT /consumers/{id}/suppression: suppresses the channel's address for the reason, or lifts it;
    the channel's consent is left as it is. The same reason again changes nothing."""

    def attempt() -> Consumer:
        consumer = get_consumer(tenant, consumer_id)
        current: Suppression | None = getattr(consumer.suppressions, update.channel)
        if (current.reason if current else None) == update.reason:
            return consumer
        now = clock.now()
        given = Suppression(reason=update.reason, suppressed_at=now) if update.reason else None
        after = consumer.model_copy(
            update={
                "suppressions": consumer.suppressions.model_copy(update={str(update.channel): given}),
                "updated_at": now,
                "version": consumer.version + 1,
            }
        )
        consumer_store.commit(replace_write(tenant, consumer, after))
        return after

    return retrying(attempt)


def changed(
    tenant: Tenant,
    consumer: Consumer,
    channel: ConsentChannel,
    given: ChannelConsent,
    *,
    actor: str,
    consented_at: str | None = None,
) -> tuple[Consumer, consumer_store.Write | None]:
    """The consumer with `given` as the channel's consent, and the write that stores it with its log
    record and timeline event (None when it says what the channel already says). `consented_at`: an
    earlier time the person agreed, which only an import may give; else now."""
    stated = recorded(tenant, consumer, channel, given, actor=actor, consented_at=consented_at)
    if stated is None:
        return consumer, None
    after, puts = stated
    after = after.model_copy(update={"version": consumer.version + 1})
    write = replace_write(tenant, consumer, after)
    for put in puts:
        write.add(put, consumer_store.ConsumerChanged)
    return after, write


def recorded(
    tenant: Tenant,
    consumer: Consumer,
    channel: ConsentChannel,
    given: ChannelConsent,
    *,
    actor: str,
    consented_at: str | None = None,
) -> tuple[Consumer, list[dict[str, Any]]] | None:
    """The consumer (same version) with `given` as the channel's consent, and the puts of its log
    record and timeline event, which go into the transaction that stores the consumer (a new one's
    insert, or a replace). None when it says what the channel already says."""
    current: ChannelConsent = getattr(consumer.consent, channel)
    same = ("state", "method", "wording_version", "source_ip")
    if all(getattr(current, name) == getattr(given, name) for name in same):
        return None
    now = clock.now()
    stated = given.model_copy(update={"consented_at": consented_at or now, "updated_at": now})
    after = consumer.model_copy(
        update={"consent": consumer.consent.model_copy(update={str(channel): stated}), "updated_at": now}
    )
    change = ConsentChange(
        id=clock.new_id(ID_PREFIX),
        channel=channel,
        state=stated.state,
        previous_state=current.state,
        consented_at=stated.consented_at,
        method=stated.method or ConsentMethod.API,
        wording_version=stated.wording_version,
        source_ip=stated.source_ip,
        actor=actor,
        recorded_at=now,
    )
    details = {
        "channel": str(channel),
        "from": str(current.state),
        "to": str(stated.state),
        "method": str(change.method),
    }
    event = timeline.event(TimelineEventType.CONSENT_CHANGED, now, details)
    return after, [store.log_put(tenant, consumer.id, change), timeline.put(tenant, consumer.id, event)]
