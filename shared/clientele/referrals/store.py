"""Referral codes, each looked up by its code with one GetItem, and referrals, one per referred person.

Keys (tenant prefix `<environment>#<organization>`):
  code      pk=<tenant>#REFERRALCODE#<code>  sk=REFERRALCODE
            gsi1pk=<tenant>#CONSUMER#<advocate id>#REFERRALCODES  gsi1sk=<createdAt>#<code>
  referral  pk=<tenant>#REFERRED#<referred id>  sk=REFERRAL   (its key is the once-per-person claim)
            gsi1pk=<tenant>#CONSUMER#<advocate id>#REFERRALS  gsi1sk=<createdAt>#<referred id>
"""

from __future__ import annotations

from typing import Any

from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import listed
from clientele.core.tenancy import Tenant
from clientele.referrals.models import Referral, ReferralCode, ReferralCodeStatus


class ReferralCodeRecord(Entity):
    kind = "ReferralCode"

    @staticmethod
    def key(tenant: Tenant, code: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#REFERRALCODE#{code}", "sk": "REFERRALCODE"}

    @staticmethod
    def advocate_partition(tenant: Tenant, advocate_id: str) -> str:
        return f"{tenant.key_prefix}#CONSUMER#{advocate_id}#REFERRALCODES"

    @classmethod
    def to_item(cls, tenant: Tenant, code: ReferralCode) -> dict[str, Any]:
        keys = {
            **cls.key(tenant, code.code),
            **listed(cls.advocate_partition(tenant, code.advocate_id), code.created_at, code.code),
        }
        return cls.item(keys, code.model_dump(mode="python", by_alias=True, exclude={"status"}, exclude_none=True))

    @classmethod
    def from_item(cls, item: dict[str, Any], now: str) -> ReferralCode:
        fields = cls.fields(item)
        return dynamo.with_nulls(ReferralCode, {**fields, "status": status_of(fields, now)})


def status_of(fields: dict[str, Any], now: str) -> ReferralCodeStatus:
    limit = fields.get("usageLimit")
    if limit is not None and int(fields["usageCount"]) >= int(limit):
        return ReferralCodeStatus.USED_UP
    if fields.get("expiresAt") and fields["expiresAt"] <= now:
        return ReferralCodeStatus.EXPIRED
    return ReferralCodeStatus.ACTIVE


class ReferralRecord(Entity):
    kind = "Referral"  # template.yaml's reward stream filter names this kind

    @staticmethod
    def key(tenant: Tenant, referred_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#REFERRED#{referred_id}", "sk": "REFERRAL"}

    @staticmethod
    def advocate_partition(tenant: Tenant, advocate_id: str) -> str:
        return f"{tenant.key_prefix}#CONSUMER#{advocate_id}#REFERRALS"

    @classmethod
    def to_item(cls, tenant: Tenant, referral: Referral) -> dict[str, Any]:
        keys = {
            **cls.key(tenant, referral.referred_id),
            **listed(cls.advocate_partition(tenant, referral.advocate_id), referral.created_at, referral.referred_id),
        }
        return cls.item(keys, referral.model_dump(mode="python", by_alias=True, exclude_none=True))

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Referral:
        return dynamo.with_nulls(Referral, cls.fields(item))


def insert_code(tenant: Tenant, code: ReferralCode, advocate_key: dict[str, str]) -> list[dict[str, Any]]:
    """The code, on condition that it is free and its advocate exists."""
    return [
        dynamo.put(ReferralCodeRecord.to_item(tenant, code), condition="attribute_not_exists(pk)"),
        dynamo.condition_check(advocate_key, "attribute_exists(pk)"),
    ]


def refer(tenant: Tenant, code: ReferralCode, referral: Referral) -> list[dict[str, Any]]:
    """The referral (failing if the person was referred before) and one use of its code, on condition
    that the code's count is still the one read: racing referrals cannot pass its limit."""
    use = dynamo.update(
        ReferralCodeRecord.key(tenant, code.code),
        expression="SET usageCount = usageCount + :one, updatedAt = :now",
        values={":one": 1, ":now": referral.created_at, ":count": code.usage_count},
        condition="usageCount = :count",
    )
    return [dynamo.put(ReferralRecord.to_item(tenant, referral), condition="attribute_not_exists(pk)"), use]


def rewarded(tenant: Tenant, referral: Referral) -> dict[str, Any]:
    """Marks the referral rewarded, once: the reward's transaction fails if it already was."""
    return dynamo.set_fields(
        ReferralRecord.key(tenant, referral.referred_id),
        {
            "rewardedAt": referral.rewarded_at,
            "advocatePoints": referral.advocate_points,
            "referredPoints": referral.referred_points,
        },
        condition="attribute_exists(pk) AND attribute_not_exists(rewardedAt)",
    )


def get_code(tenant: Tenant, code: str, now: str) -> ReferralCode | None:
    item = dynamo.get_item(ReferralCodeRecord.key(tenant, code), consistent=True)
    return ReferralCodeRecord.from_item(item, now) if item else None


def get_referral(tenant: Tenant, referred_id: str) -> Referral | None:
    item = dynamo.get_item(ReferralRecord.key(tenant, referred_id), consistent=True)
    return ReferralRecord.from_item(item) if item else None
