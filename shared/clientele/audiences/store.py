"""Audiences and their members.

Keys (tenant prefix `<environment>#<organization>`):
  audience      pk=<tenant>#AUDIENCE#<id>  sk=AUDIENCE
                gsi1pk=<tenant>#AUDIENCES  gsi1sk=<createdAt>#<id>            (the tenant's audiences)
  member        pk=<tenant>#AUDIENCE#<id>  sk=MEMBER#<consumer createdAt>#<consumer id>
                a copy of the consumer's fields, written in every transaction that writes the consumer

A member is a whole copy of its consumer, so a page of an audience is one Query that returns the
consumers themselves, in the list's default order (createdAt), filters applied on the copy. The
consumer item keeps `audienceIds`, so each of its writes knows which copies to rewrite; a consumer
is in at most MAX_AUDIENCES_PER_CONSUMER audiences to keep that bounded.
"""

from __future__ import annotations

from typing import Any

from clientele.audiences.models import Audience
from clientele.consumers.models import Consumer
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import listed
from clientele.core.tenancy import Tenant

MAX_AUDIENCES_PER_CONSUMER = 25


class AudienceRecord(Entity):
    kind = "Audience"  # template.yaml's cleanup stream filter names this kind

    @staticmethod
    def key(tenant: Tenant, audience_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#AUDIENCE#{audience_id}", "sk": "AUDIENCE"}

    @staticmethod
    def list_key(tenant: Tenant) -> str:
        return f"{tenant.key_prefix}#AUDIENCES"

    @classmethod
    def to_item(cls, tenant: Tenant, audience: Audience) -> dict[str, Any]:
        fields = audience.model_dump(mode="python", by_alias=True)
        fields.pop("memberCount")  # kept by ADD in the members' own transactions, never overwritten
        keys = {
            **cls.key(tenant, audience.id),
            **listed(cls.list_key(tenant), audience.created_at, audience.id),
        }
        return cls.item(keys, fields)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Audience:
        fields = cls.fields(item)
        fields.setdefault("memberCount", 0)
        return dynamo.with_nulls(Audience, fields)


class AudienceMember(Entity):
    """A whole copy of a member consumer in its audience's partition (see the module's docstring)."""

    kind = "AudienceMember"
    PREFIX = "MEMBER#"

    @staticmethod
    def partition(tenant: Tenant, audience_id: str) -> str:
        return AudienceRecord.key(tenant, audience_id)["pk"]

    @classmethod
    def key(cls, tenant: Tenant, audience_id: str, consumer: Consumer) -> dict[str, str]:
        return {"pk": cls.partition(tenant, audience_id), "sk": f"{cls.PREFIX}{consumer.created_at}#{consumer.id}"}


def member_put(tenant: Tenant, audience_id: str, consumer_fields: dict[str, Any], consumer: Consumer) -> dict[str, Any]:
    """Stores the member copy: `consumer_fields` are the consumer's stored fields without its index keys."""
    return dynamo.put(AudienceMember.item(AudienceMember.key(tenant, audience_id, consumer), consumer_fields))


def member_delete(tenant: Tenant, audience_id: str, consumer: Consumer) -> dict[str, Any]:
    return dynamo.delete(AudienceMember.key(tenant, audience_id, consumer))


def count_change(tenant: Tenant, audience_id: str, change: int) -> dict[str, Any]:
    """Moves the member count, on condition that the audience still exists."""
    return dynamo.update(
        AudienceRecord.key(tenant, audience_id),
        expression="ADD memberCount :change",
        values={":change": change},
        condition="attribute_exists(pk)",
    )


def insert(tenant: Tenant, audience: Audience) -> dict[str, Any]:
    return dynamo.put(AudienceRecord.to_item(tenant, audience), condition="attribute_not_exists(pk)")


def replace(tenant: Tenant, before: Audience, after: Audience) -> dict[str, Any]:
    """Stores `after`'s fields if the audience is still at `before`'s version. An update, not a put:
    the member count moves by ADD beside it and must not be overwritten."""
    fields = after.model_dump(mode="python", by_alias=True, exclude={"id", "member_count", "created_at"})
    return dynamo.set_fields(
        AudienceRecord.key(tenant, after.id),
        fields,
        condition="attribute_exists(pk) AND #version = :expected",
        values={":expected": before.version},
    )


def delete(tenant: Tenant, audience: Audience) -> dict[str, Any]:
    return dynamo.delete(
        AudienceRecord.key(tenant, audience.id),
        condition="attribute_exists(pk) AND version = :version",
        values={":version": audience.version},
    )


def get(tenant: Tenant, audience_id: str) -> Audience | None:
    item = dynamo.get_item(AudienceRecord.key(tenant, audience_id), consistent=True)
    return AudienceRecord.from_item(item) if item else None


def get_many(tenant: Tenant, audience_ids: list[str], *, consistent: bool = False) -> dict[str, Audience]:
    keys = [AudienceRecord.key(tenant, audience_id) for audience_id in dict.fromkeys(audience_ids)]
    items = dynamo.batch_get(keys, consistent=consistent)
    return {audience.id: audience for audience in map(AudienceRecord.from_item, items)}


def create(tenant: Tenant, audience: Audience) -> None:
    dynamo.transact([insert(tenant, audience)])


def some_members(tenant: Tenant, audience_id: str, count: int) -> list[dict[str, Any]]:
    """Up to `count` member copies of the audience (items, keys included), oldest consumer first."""
    return dynamo.query(
        key_condition="pk = :pk AND begins_with(sk, :member)",
        values={":pk": AudienceMember.partition(tenant, audience_id), ":member": AudienceMember.PREFIX},
        limit=count,
    )


def drop_members(members: list[dict[str, Any]]) -> None:
    dynamo.batch_write(puts=[], deletes=[{"pk": member["pk"], "sk": member["sk"]} for member in members])
