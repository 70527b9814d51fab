"""Referral codes and the referrals they record: creating and listing codes, the rules a code's use
follows, and the writes that record a referred person (once per person, by the create or order
that carries the code, in its own transaction)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientele.consumers import store as consumer_store
from clientele.consumers import timeline
from clientele.consumers.models import TimelineEventType
from clientele.core import clock, codes
from clientele.core.errors import ConsumerNotFound, ReferralCodeNotUsable, ReferralCodeTaken, ValidationFailed
from clientele.core.paging import PageRequest, paged
from clientele.core.store.pages import newest_first
from clientele.core.tenancy import Tenant
from clientele.referrals import store
from clientele.referrals.models import Referral, ReferralCode, ReferralCodeStatus

if TYPE_CHECKING:  # the body is built by the route that takes it
    from clientele.referrals.requests import ReferralCodeCreate

FIELD = "referralCode"  # what orders and creates call the code they carry


def create_code(tenant: Tenant, advocate_id: str, request: ReferralCodeCreate) -> ReferralCode:
    advocate = consumer_store.existing(tenant, advocate_id)
    now = clock.now()
    expires_at = codes.expiry(request.expires_at, now)

    def make(code: str) -> ReferralCode:
        return ReferralCode(
            code=code,
            advocate_id=advocate.id,
            expires_at=expires_at,
            usage_limit=request.usage_limit,
            usage_count=0,
            status=ReferralCodeStatus.ACTIVE,
            created_at=now,
            updated_at=now,
        )

    def insert(code: ReferralCode) -> None:
        taken = lambda: ReferralCodeTaken(details=[{"field": "code", "message": "is taken"}])  # noqa: E731
        advocate_key = consumer_store.ConsumerRecord.key(tenant, advocate.id)
        operations = store.insert_code(tenant, code, advocate_key)
        consumer_store.commit(consumer_store.Write(operations, [taken, ConsumerNotFound]))

    return codes.stored_under_a_free_code(request.code, make, insert, ReferralCodeTaken)


def referral_codes(tenant: Tenant, advocate_id: str, page: PageRequest) -> dict[str, Any]:
    """The advocate's codes, newest first, each with its status now."""
    now = clock.now()
    return paged(
        tenant,
        newest_first(store.ReferralCodeRecord.advocate_partition(tenant, advocate_id)),
        {"referralCodes": advocate_id},
        page,
        lambda items: [store.ReferralCodeRecord.from_item(item, now).to_api() for item in items],
        owner=lambda: consumer_store.existing(tenant, advocate_id),
    )


def referrals(tenant: Tenant, advocate_id: str, page: PageRequest) -> dict[str, Any]:
    """The people the advocate referred, newest first: the code, the referred consumer, the order."""
    return paged(
        tenant,
        newest_first(store.ReferralRecord.advocate_partition(tenant, advocate_id)),
        {"referrals": advocate_id},
        page,
        lambda items: [store.ReferralRecord.from_item(item).to_api() for item in items],
        owner=lambda: consumer_store.existing(tenant, advocate_id),
    )


def usable(code: ReferralCode | None, referred_id: str) -> ReferralCode:
    """The code a consumer may be referred with, or the reason it may not."""
    if code is None:
        raise ValidationFailed(details=[{"field": FIELD, "message": "no referral code is this code"}])
    if code.advocate_id == referred_id:
        raise ValidationFailed(details=[{"field": FIELD, "message": "a consumer cannot refer themself"}])
    if code.status is ReferralCodeStatus.USED_UP:
        message = f"is used up: used {code.usage_count} of {code.usage_limit} times"
        raise ReferralCodeNotUsable(details=[{"field": FIELD, "message": message}])
    if code.status is ReferralCodeStatus.EXPIRED:
        raise ReferralCodeNotUsable(details=[{"field": FIELD, "message": f"expired at {code.expires_at}"}])
    return code


def referral_write(
    tenant: Tenant, code: ReferralCode, referred_id: str, order_id: str | None, now: str
) -> consumer_store.Write:
    """The writes that record `referred_id` as referred with `code`, for the transaction of the create
    or order that carried it: the referral (its key claims the person: a second fails), one use of
    the code, and an event on each side's timeline. A failed condition means something read has
    changed: the caller reads again."""
    referral = Referral(
        code=code.code, advocate_id=code.advocate_id, referred_id=referred_id, order_id=order_id, created_at=now
    )
    # The events name the code, not the other person: erasing one of them leaves nothing of it on the
    # other's timeline (the referral itself, which names both, goes with either).
    details = {"code": code.code, "orderId": order_id}
    write = consumer_store.Write()
    for operation in store.refer(tenant, code, referral):
        write.add(operation, consumer_store.ConsumerChanged)
    for consumer_id, kind in (
        (referred_id, TimelineEventType.REFERRED),
        (code.advocate_id, TimelineEventType.REFERRAL_RECORDED),
    ):
        event = timeline.event(kind, now, details)
        write.add(timeline.put(tenant, consumer_id, event), consumer_store.ConsumerChanged)
    return write
