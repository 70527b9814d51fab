"""Coupons, each looked up by its code with one GetItem; a consumer's coupons with one Query.

Keys (tenant prefix `<environment>#<organization>`):
  coupon    pk=<tenant>#COUPON#<code>  sk=COUPON
            gsi1pk=<tenant>#CONSUMER#<recipient id>#COUPONS  gsi1sk=<createdAt>#<code>  (the recipient's)
"""

from __future__ import annotations

from typing import Any

from clientele.consumers.store import ConsumerRecord
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import listed
from clientele.core.tenancy import Tenant
from clientele.coupons.models import Coupon, CouponStatus


class CouponRecord(Entity):
    kind = "Coupon"

    @staticmethod
    def key(tenant: Tenant, code: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#COUPON#{code}", "sk": "COUPON"}

    @staticmethod
    def recipient_partition(tenant: Tenant, consumer_id: str) -> str:
        """The gsi1 partition holding one consumer's coupons, newest last."""
        return f"{tenant.key_prefix}#CONSUMER#{consumer_id}#COUPONS"

    @classmethod
    def to_item(cls, tenant: Tenant, coupon: Coupon) -> dict[str, Any]:
        keys = {
            **cls.key(tenant, coupon.code),
            **listed(cls.recipient_partition(tenant, coupon.consumer_id), coupon.created_at, coupon.code),
        }
        # The status is the answer's (it moves with the clock); an absent expiresAt is what the
        # redemption's condition tests.
        fields = coupon.model_dump(mode="python", by_alias=True, exclude={"status"}, exclude_none=True)
        return cls.item(keys, fields)

    @classmethod
    def from_item(cls, item: dict[str, Any], now: str) -> Coupon:
        fields = cls.fields(item)
        return dynamo.with_nulls(Coupon, {**fields, "status": status_of(fields, now)})


def status_of(fields: dict[str, Any], now: str) -> CouponStatus:
    if int(fields["redemptionCount"]) >= int(fields["usageLimit"]):
        return CouponStatus.REDEEMED
    if fields.get("expiresAt") and fields["expiresAt"] <= now:
        return CouponStatus.EXPIRED
    return CouponStatus.ACTIVE


def insert(tenant: Tenant, coupon: Coupon) -> list[dict[str, Any]]:
    """The coupon, on condition that its code is free and its recipient exists."""
    recipient = dynamo.condition_check(ConsumerRecord.key(tenant, coupon.consumer_id), "attribute_exists(pk)")
    return [dynamo.put(CouponRecord.to_item(tenant, coupon), condition="attribute_not_exists(pk)"), recipient]


def redeem(tenant: Tenant, coupon: Coupon, order_id: str, now: str) -> dict[str, Any]:
    """One redemption by the recipient's order, on condition that the coupon is still where it was
    read: two orders racing for its last use cannot both have it."""
    return dynamo.update(
        CouponRecord.key(tenant, coupon.code),
        expression=(
            "SET redemptionCount = redemptionCount + :one, redemptions = list_append(redemptions, :use), "
            "updatedAt = :now"
        ),
        values={
            ":one": 1,
            ":use": [{"orderId": order_id, "redeemedAt": now}],
            ":now": now,
            ":count": coupon.redemption_count,
            ":recipient": coupon.consumer_id,
        },
        condition="redemptionCount = :count AND consumerId = :recipient",
    )


def release(tenant: Tenant, coupon: Coupon, order_id: str, now: str) -> dict[str, Any]:
    """Gives back the use an order made (the order was cancelled), on condition that the coupon is
    still where it was read."""
    kept = [use.model_dump(by_alias=True) for use in coupon.redemptions if use.order_id != order_id]
    return dynamo.set_fields(
        CouponRecord.key(tenant, coupon.code),
        {"redemptionCount": len(kept), "redemptions": kept, "updatedAt": now},
        condition="redemptionCount = :count",
        values={":count": coupon.redemption_count},
    )


def get(tenant: Tenant, code: str, now: str) -> Coupon | None:
    item = dynamo.get_item(CouponRecord.key(tenant, code), consistent=True)
    return CouponRecord.from_item(item, now) if item else None
