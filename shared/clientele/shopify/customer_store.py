"""A Shopify customer's identity in Clientele: the claim that ties one Shopify customer id to one
consumer (like the email and externalId uniqueness claims), and its mirror in the consumer's own
partition, so an erasure or a data export finds the Shopify ids of a consumer with one Query.

  claim     pk=<tenant>#SHOPIFYID#<shopify id>   sk=UNIQUE       {consumerId, shopifyUpdatedAt,
                                                                   shopifyTags, shopifyEnabled}
  mirror    pk=<tenant>#CONSUMER#<consumer id>   sk=SHOPIFY#<shopify id>   {shopifyId}

Both are written in the consumer's own transactions. The claim also remembers what Shopify last
said (its updatedAt, for the stale rule; its tags and account state, so a tag or an account Shopify
takes away goes, while those set in Clientele stay).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from clientele.consumers.store import ConsumerRecord, InConsumerPartition, PhoneEntry, UniqueValue
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import every_item, prefixed
from clientele.core.tenancy import Tenant

CLAIM_KIND = "SHOPIFYID"  # the claim's key kind, beside EMAIL and EXTERNALID


class ShopifyClaim(Entity):
    kind = "ShopifyClaim"

    @staticmethod
    def key(tenant: Tenant, shopify_id: str) -> dict[str, str]:
        return UniqueValue.key(tenant, CLAIM_KIND, shopify_id)


class ShopifyIdentity(InConsumerPartition):
    kind = "ShopifyIdentity"
    PREFIX = "SHOPIFY#"


def get_claim(tenant: Tenant, shopify_id: str) -> dict[str, Any] | None:
    return dynamo.get_item(ShopifyClaim.key(tenant, shopify_id), consistent=True)


def claim_put(
    tenant: Tenant, shopify_id: str, consumer_id: str, fields: dict[str, Any], *, replacing: str | None
) -> dict[str, Any]:
    """The claim, on condition nobody holds it (or, `replacing`, that consumer still does)."""
    item = ShopifyClaim.item(ShopifyClaim.key(tenant, shopify_id), {"consumerId": consumer_id, **fields})
    if replacing is None:
        return dynamo.put(item, condition="attribute_not_exists(pk)")
    return dynamo.put(item, condition="consumerId = :owner", values={":owner": replacing})


def claim_moved(tenant: Tenant, shopify_id: str, before: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """New Shopify fields on the claim, on condition it is still as read (same owner, same updatedAt)."""
    condition = "consumerId = :owner"
    values: dict[str, Any] = {":owner": before["consumerId"]}
    if "shopifyUpdatedAt" in before:
        condition += " AND shopifyUpdatedAt = :seen"
        values[":seen"] = before["shopifyUpdatedAt"]
    return dynamo.set_fields(ShopifyClaim.key(tenant, shopify_id), fields, condition=condition, values=values)


def identity_put(tenant: Tenant, consumer_id: str, shopify_id: str) -> dict[str, Any]:
    key = ShopifyIdentity.key(tenant, consumer_id, shopify_id)
    return dynamo.put(ShopifyIdentity.item(key, {"shopifyId": shopify_id}))


def moved(tenant: Tenant, shopify_id: str, source: str, survivor: str) -> list[dict[str, Any]]:
    """A Shopify customer's claim and mirror handed from a merged-away profile to its survivor: its
    next delivery updates the survivor."""
    return [
        dynamo.set_fields(
            ShopifyClaim.key(tenant, shopify_id),
            {"consumerId": survivor},
            condition="consumerId IN (:source, :survivor)",
            values={":source": source, ":survivor": survivor},
        ),
        dynamo.delete(ShopifyIdentity.key(tenant, source, shopify_id)),
        identity_put(tenant, survivor, shopify_id),
    ]


def identities(tenant: Tenant, consumer_id: str) -> list[str]:
    """The Shopify customer ids tied to the consumer (one Query of its partition's SHOPIFY# items)."""
    partition = ConsumerRecord.key(tenant, consumer_id)["pk"]
    return [str(item["shopifyId"]) for item in every_item(prefixed(partition, ShopifyIdentity.PREFIX, consistent=True))]


def forget(tenant: Tenant, consumer_id: str) -> int:
    """Drops the consumer's Shopify claims (those it still holds) and their mirrors: how many."""
    shopify_ids = identities(tenant, consumer_id)
    for shopify_id in shopify_ids:
        try:
            dynamo.transact(
                [
                    dynamo.delete(
                        ShopifyClaim.key(tenant, shopify_id),
                        condition="attribute_not_exists(pk) OR consumerId = :owner",
                        values={":owner": consumer_id},
                    ),
                    dynamo.delete(ShopifyIdentity.key(tenant, consumer_id, shopify_id)),
                ]
            )
        except dynamo.TransactionCancelled:  # the id is another consumer's now: only the mirror goes
            dynamo.transact([dynamo.delete(ShopifyIdentity.key(tenant, consumer_id, shopify_id))])
    return len(shopify_ids)


class Seen(NamedTuple):
    """A customer's claim and its email's holder as `look_up` read them (None: absent)."""

    claim: dict[str, Any] | None
    email_holder: str | None


def look_up(tenant: Tenant, customers: list[tuple[str, str | None]]) -> dict[str, Seen]:
    """{shopify id: Seen} for (shopify id, email) pairs: one consistent BatchGetItem of their claims
    and their emails' uniqueness claims, instead of two GetItems a customer."""
    keys = {("claim", shopify_id): ShopifyClaim.key(tenant, shopify_id) for shopify_id, _ in customers}
    keys |= {("email", email): UniqueValue.email_key(tenant, email) for _, email in customers if email is not None}
    wanted = {(key["pk"], key["sk"]): name for name, key in keys.items()}  # duplicate keys read once
    found = {wanted[(item["pk"], item["sk"])]: item for item in dynamo.batch_get(list(keys.values()), consistent=True)}
    seen = {}
    for shopify_id, email in customers:
        holder = found.get(("email", email)) if email is not None else None
        seen[shopify_id] = Seen(found.get(("claim", shopify_id)), str(holder["consumerId"]) if holder else None)
    return seen


def holders_of(tenant: Tenant, email: str | None, phone: str | None, seen: Seen | None = None) -> Iterator[str]:
    """The ids of the consumers holding `email` (its uniqueness claim; `seen`'s holder when given),
    then `phone` (up to 10 of its entries, earliest created first: ids are ULIDs), read consistently;
    the phone's entries are read only when the caller asks past the email's holder."""
    if email is not None:
        if seen is not None:
            holder = seen.email_holder
        else:
            owner = dynamo.get_item(UniqueValue.email_key(tenant, email), consistent=True)
            holder = str(owner["consumerId"]) if owner is not None else None
        if holder is not None:
            yield holder
    if phone is not None:
        entries = dynamo.query(
            key_condition="pk = :pk", values={":pk": PhoneEntry.partition(tenant, phone)}, consistent=True, limit=10
        )
        yield from (str(entry["sk"]) for entry in entries)


def relink(tenant: Tenant, consumer_id: str, shopify_id: str) -> bool:
    """Claims `shopify_id` for the consumer again (after `forget` took every claim); False when another
    consumer claimed it meanwhile: then it stays theirs."""
    try:
        dynamo.transact(
            [
                claim_put(tenant, shopify_id, consumer_id, {}, replacing=None),
                identity_put(tenant, consumer_id, shopify_id),
            ]
        )
    except dynamo.TransactionCancelled:
        return False
    return True
