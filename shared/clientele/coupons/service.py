"""Issuing coupons to one recipient, listing them, and the rules an order's redemption follows.

A redemption is written by the order that makes it, in the order's own transaction, on condition
that the coupon's redemption count is still the one read (coupons/store.redeem): of orders racing
for a coupon's last use, one gets it and the others read again and are refused.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from clientele.consumers import store as consumer_store
from clientele.consumers import timeline
from clientele.consumers.models import TimelineEventType
from clientele.core import clock, codes
from clientele.core.errors import ConsumerNotFound, CouponCodeTaken, CouponNotRedeemable, ValidationFailed
from clientele.core.models import minor_units
from clientele.core.paging import PageRequest, paged
from clientele.core.store.pages import newest_first
from clientele.core.tenancy import Tenant
from clientele.coupons import store
from clientele.coupons.models import Coupon, CouponStatus, CouponType

if TYPE_CHECKING:  # the body is built by the route that takes it
    from clientele.coupons.requests import CouponCreate


def issue(tenant: Tenant, consumer_id: str, request: CouponCreate) -> Coupon:
    consumer_store.existing(tenant, consumer_id)
    now = clock.now()
    expires_at = codes.expiry(request.expires_at, now)

    def make(code: str) -> Coupon:
        return Coupon(
            code=code,
            consumer_id=consumer_id,
            type=request.type,
            value=request.value,
            expires_at=expires_at,
            usage_limit=request.usage_limit,
            redemption_count=0,
            redemptions=[],
            status=CouponStatus.ACTIVE,
            created_at=now,
            updated_at=now,
        )

    def insert(coupon: Coupon) -> None:
        details = {"code": coupon.code, "type": coupon.type, "value": coupon.value, "usageLimit": coupon.usage_limit}
        event = timeline.event(TimelineEventType.COUPON_ISSUED, now, details)
        write = consumer_store.Write(
            store.insert(tenant, coupon),
            [lambda: CouponCodeTaken(details=[{"field": "code", "message": "is taken"}]), ConsumerNotFound],
        )
        write.add(timeline.put(tenant, consumer_id, event), ConsumerNotFound)
        consumer_store.commit(write)

    return codes.stored_under_a_free_code(request.code, make, insert, CouponCodeTaken)


def coupons(tenant: Tenant, consumer_id: str, page: PageRequest) -> dict[str, Any]:
    """The consumer's coupons, newest first, each with its status now."""
    now = clock.now()
    return paged(
        tenant,
        newest_first(store.CouponRecord.recipient_partition(tenant, consumer_id)),
        {"coupons": consumer_id},
        page,
        lambda items: [store.CouponRecord.from_item(item, now).to_api() for item in items],
        owner=lambda: consumer_store.existing(tenant, consumer_id),
    )


def redeemable(coupon: Coupon | None, consumer_id: str) -> Coupon:
    """The coupon an order of `consumer_id` may redeem, or the reason it may not."""
    if coupon is None:
        raise ValidationFailed(details=[{"field": "couponCode", "message": "no coupon has this code"}])
    if coupon.consumer_id != consumer_id:
        message = "the coupon was issued to another consumer"
        raise ValidationFailed(details=[{"field": "couponCode", "message": message}])
    if coupon.status is CouponStatus.REDEEMED:
        message = f"is used up: redeemed {coupon.redemption_count} of {coupon.usage_limit} times"
        raise CouponNotRedeemable(details=[{"field": "couponCode", "message": message}])
    if coupon.status is CouponStatus.EXPIRED:
        raise CouponNotRedeemable(details=[{"field": "couponCode", "message": f"expired at {coupon.expires_at}"}])
    return coupon


def discount_of(coupon: Coupon, amount: Decimal, currency: str) -> Decimal:
    """What the coupon takes off an order of `amount`: a percentage of it, or its fixed value (at most
    the amount), in the currency's units."""
    unit = Decimal(1).scaleb(-minor_units(currency))
    off = amount * coupon.value / 100 if coupon.type is CouponType.PERCENT else min(coupon.value, amount)
    return off.quantize(unit, rounding=ROUND_HALF_EVEN)
