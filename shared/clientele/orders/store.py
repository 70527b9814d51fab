"""Orders, the claims that keep an order's externalId unique, and the environment's currency.

Keys (tenant prefix `<environment>#<organization>`):
  order            pk=<tenant>#ORDER#<id>                 sk=ORDER
                   gsi1pk=<tenant>#CONSUMER#<consumerId>#ORDERS   gsi1sk=<placedAt>#<id>  (newest first)
  order claim      pk=<tenant>#ORDEREXTERNALID#<externalId> sk=UNIQUE  -> orderId (a re-sent order is found)
  currency         pk=<tenant>#SETTINGS                   sk=CURRENCY  (fixed by the first money movement)
  balance adjustment  pk=<tenant>#CONSUMER#<consumerId>  sk=BALANCE#<adjustment id>  (ULIDs: time order),
                   in the consumer's partition, written in the transaction that moves the balance
"""

from __future__ import annotations

from typing import Any

from clientele.consumers.store import ConsumerRecord, InConsumerPartition
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import listed
from clientele.core.tenancy import Tenant
from clientele.coupons.store import CouponRecord
from clientele.orders.models import BalanceAdjustment, Order
from clientele.referrals.store import ReferralCodeRecord


class OrderRecord(Entity):
    kind = "Order"

    @staticmethod
    def key(tenant: Tenant, order_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#ORDER#{order_id}", "sk": "ORDER"}

    @staticmethod
    def consumer_orders_partition(tenant: Tenant, consumer_id: str) -> str:
        """The gsi1 partition holding one consumer's orders, ordered by placedAt."""
        return f"{tenant.key_prefix}#CONSUMER#{consumer_id}#ORDERS"

    @classmethod
    def to_item(cls, tenant: Tenant, order: Order) -> dict[str, Any]:
        keys = {
            **cls.key(tenant, order.id),
            **listed(cls.consumer_orders_partition(tenant, order.consumer_id), order.placed_at, order.id),
        }
        return cls.item(keys, order.model_dump(mode="python", by_alias=True))

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Order:
        return dynamo.with_nulls(Order, cls.fields(item))


class OrderClaim(Entity):
    """Keeps an order's externalId unique in its tenant: a re-sent order finds the first one."""

    kind = "OrderClaim"

    @staticmethod
    def key(tenant: Tenant, external_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#ORDEREXTERNALID#{external_id}", "sk": "UNIQUE"}


class Currency(Entity):
    """The environment's currency, fixed by its first money movement."""

    kind = "Currency"

    @staticmethod
    def key(tenant: Tenant) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#SETTINGS", "sk": "CURRENCY"}


class BalanceAdjustmentRecord(InConsumerPartition):
    kind = "BalanceAdjustment"
    PREFIX = "BALANCE#"

    @classmethod
    def to_item(cls, tenant: Tenant, adjustment: BalanceAdjustment) -> dict[str, Any]:
        keys = cls.key(tenant, adjustment.consumer_id, adjustment.id)
        return cls.item(keys, adjustment.model_dump(mode="python", by_alias=True))

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> BalanceAdjustment:
        return dynamo.with_nulls(BalanceAdjustment, cls.fields(item))


def insert(tenant: Tenant, order: Order) -> list[dict[str, Any]]:
    """The operations that store a new order and claim its externalId (the claim fails if taken)."""
    operations = [dynamo.put(OrderRecord.to_item(tenant, order), condition="attribute_not_exists(pk)")]
    if order.external_id is not None:
        claim = OrderClaim.item(OrderClaim.key(tenant, order.external_id), {"orderId": order.id})
        operations.append(dynamo.put(claim, condition="attribute_not_exists(pk)"))
    return operations


def replace(tenant: Tenant, before: Order, after: Order) -> dict[str, Any]:
    """Stores `after` if the order is still at `before`'s version."""
    return dynamo.put(
        OrderRecord.to_item(tenant, after),
        condition="attribute_exists(pk) AND version = :version",
        values={":version": before.version},
    )


def fix_currency(tenant: Tenant, currency: str) -> dict[str, Any]:
    """Sets the environment's currency; fails if another request set one first."""
    item = Currency.item(Currency.key(tenant), {"currency": currency})
    return dynamo.put(item, condition="attribute_not_exists(pk)")


def get(tenant: Tenant, order_id: str) -> Order | None:
    item = dynamo.get_item(OrderRecord.key(tenant, order_id), consistent=True)
    return OrderRecord.from_item(item) if item else None


def adjustment_put(tenant: Tenant, adjustment: BalanceAdjustment) -> dict[str, Any]:
    return dynamo.put(BalanceAdjustmentRecord.to_item(tenant, adjustment))


def read_before_order(
    tenant: Tenant,
    *,
    external_id: str | None,
    consumer_keys: dict[str, dict[str, str]],
    coupon_code: str | None,
    referral_code: str | None,
) -> dict[str, dict[str, Any]]:
    """What placing an order must know, in one BatchGetItem: the environment's `currency`, the `order`
    claim of its externalId (if taken), the named consumer's items (`consumer_keys`, by name), the
    `coupon` it redeems and the `referralCode` it carries."""
    keys = {"currency": Currency.key(tenant), **consumer_keys}
    if external_id is not None:
        keys["order"] = OrderClaim.key(tenant, external_id)
    if coupon_code is not None:
        keys["coupon"] = CouponRecord.key(tenant, coupon_code)
    if referral_code is not None:
        keys["referralCode"] = ReferralCodeRecord.key(tenant, referral_code)
    return dynamo.get_named(keys)


def claimed_order_id(tenant: Tenant, external_id: str) -> str | None:
    claim = dynamo.get_item(OrderClaim.key(tenant, external_id), consistent=True)
    return str(claim["orderId"]) if claim else None


def newest(tenant: Tenant, consumer_id: str, count: int) -> list[Order]:
    """The consumer's `count` newest orders: one Query of gsi1."""
    items = dynamo.query(
        index="gsi1",
        key_condition="gsi1pk = :pk",
        values={":pk": OrderRecord.consumer_orders_partition(tenant, consumer_id)},
        forward=False,
        limit=count,
    )
    return [OrderRecord.from_item(item) for item in items[:count]]


def consumer_and_currency(tenant: Tenant, consumer_id: str) -> dict[str, dict[str, Any]]:
    """The consumer's item (`consumer`) and the environment's `currency`, in one BatchGetItem."""
    return dynamo.get_named({"consumer": ConsumerRecord.key(tenant, consumer_id), "currency": Currency.key(tenant)})
