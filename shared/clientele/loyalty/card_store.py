"""Loyalty cards, each found by its code with one GetItem (a till's lookup), and the link items that
list a consumer's cards with one Query.

Keys (tenant prefix `<environment>#<organization>`):
  card   pk=<tenant>#LOYALTYCARD#<code>  sk=CARD
         gsi1pk=<tenant>#LOYALTYPROGRAM#<program id>#CARDS  gsi1sk=<createdAt>#<code>  (a program's cards)
  link   pk=<tenant>#CONSUMER#<id>  sk=CARD#<code>   {code, programId, registeredAt}
"""

from __future__ import annotations

from typing import Any

from clientele.consumers.store import ConsumerRecord, InConsumerPartition
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import listed
from clientele.core.tenancy import Tenant
from clientele.loyalty.models import LoyaltyCard


class LoyaltyCardRecord(Entity):
    kind = "LoyaltyCard"

    @staticmethod
    def key(tenant: Tenant, code: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#LOYALTYCARD#{code}", "sk": "CARD"}

    @staticmethod
    def program_partition(tenant: Tenant, program_id: str) -> str:
        return f"{tenant.key_prefix}#LOYALTYPROGRAM#{program_id}#CARDS"

    @classmethod
    def to_item(cls, tenant: Tenant, card: LoyaltyCard) -> dict[str, Any]:
        keys = {
            **cls.key(tenant, card.code),
            **listed(cls.program_partition(tenant, card.program_id), card.created_at, card.code),
        }
        return cls.item(keys, card.model_dump(mode="python", by_alias=True))

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> LoyaltyCard:
        return dynamo.with_nulls(LoyaltyCard, cls.fields(item))


class CardLinkRecord(InConsumerPartition):
    kind = "LoyaltyCardLink"
    PREFIX = "CARD#"


def insert(tenant: Tenant, card: LoyaltyCard) -> dict[str, Any]:
    return dynamo.put(LoyaltyCardRecord.to_item(tenant, card), condition="attribute_not_exists(pk)")


def replace(tenant: Tenant, before: LoyaltyCard, after: LoyaltyCard) -> dict[str, Any]:
    """Stores `after` if the card is still at `before`'s version: two links racing for its last place
    cannot both have it."""
    return dynamo.put(
        LoyaltyCardRecord.to_item(tenant, after),
        condition="attribute_exists(pk) AND version = :version",
        values={":version": before.version},
    )


def link(tenant: Tenant, card: LoyaltyCard, consumer_id: str, registered_at: str) -> list[dict[str, Any]]:
    """The consumer's link item, on condition that the consumer exists."""
    fields = {"code": card.code, "programId": card.program_id, "registeredAt": registered_at}
    return [
        dynamo.put(CardLinkRecord.item(CardLinkRecord.key(tenant, consumer_id, card.code), fields)),
        dynamo.condition_check(ConsumerRecord.key(tenant, consumer_id), "attribute_exists(pk)"),
    ]


def unlink(tenant: Tenant, card: LoyaltyCard, consumer_id: str) -> dict[str, Any]:
    return dynamo.delete(CardLinkRecord.key(tenant, consumer_id, card.code))


def unchanged(tenant: Tenant, card: LoyaltyCard) -> dict[str, Any]:
    """A check that the card is still at the version read: points moved by card are refused (and read
    again) when the card was blocked or unlinked meanwhile."""
    key = LoyaltyCardRecord.key(tenant, card.code)
    return dynamo.condition_check(key, "version = :version", {":version": card.version})


def get(tenant: Tenant, code: str) -> LoyaltyCard | None:
    item = dynamo.get_item(LoyaltyCardRecord.key(tenant, code), consistent=True)
    return LoyaltyCardRecord.from_item(item) if item else None


def get_many(tenant: Tenant, codes: list[str]) -> dict[str, LoyaltyCard]:
    """{code: card} of those that exist: one BatchGetItem."""
    items = dynamo.get_named({code: LoyaltyCardRecord.key(tenant, code) for code in codes}) if codes else {}
    return {code: LoyaltyCardRecord.from_item(item) for code, item in items.items()}
