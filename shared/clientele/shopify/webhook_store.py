"""Shopify webhook receipts, and what Shopify tells about a customer beyond its profile.

Keys (tenant prefix `<environment>#<organization>`):
  receipt         pk=<tenant>#SHOPIFYHOOK#<event id>   sk=RECEIPT
                  {topic, eventId, webhookId, triggeredAt, shopDomain, apiVersion, receivedAt,
                   body (the raw JSON text) | bodyKey (files bucket, for a big body), outcome, expiration}
  customer data   pk=<tenant>#CONSUMER#<consumer id>   sk=SHOPIFYDATA#<shopify id>
                  {shopifyId, purchasingSummary, emailMarketingConsent, smsMarketingConsent: each as
                   received, with the instant it was sent at}, tagChanges {tag: instant}}
  deleted         pk=<tenant>#SHOPIFYDELETED#<shopify id>  sk=TOMBSTONE  {deletedAt, expiration}

The receipt is both the duplicate filter and the work order: it is put on condition that no receipt
has the event's id (a redelivery finds it and does nothing), its INSERT on the table's stream starts
process_shopify_webhook (template.yaml's FilterCriteria name this kind), and it expires after
RECEIPT_DAYS (the table's TTL attribute `expiration`), longer than Shopify retries a delivery (48 hours).
"""

from __future__ import annotations

import json
from typing import Any

from clientele.consumers.store import InConsumerPartition
from clientele.core import aws, clock
from clientele.core.settings import exports_bucket
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import every_item, prefixed
from clientele.core.tenancy import Tenant

RECEIPT_DAYS = 7
# A DynamoDB item holds 400 KB; a body over this goes to the files bucket and the receipt keeps its key.
MAX_INLINE_BODY = 350 * 1024
BODY_PREFIX = "shopify-webhooks"


class ShopifyWebhookRecord(Entity):
    kind = "ShopifyWebhook"  # template.yaml's stream filter for process_shopify_webhook names this kind

    @staticmethod
    def key(tenant: Tenant, event_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#SHOPIFYHOOK#{event_id}", "sk": "RECEIPT"}

    @staticmethod
    def body_object(tenant: Tenant, event_id: str) -> str:
        """Where a body too big for the item waits (an S3 key, in the files bucket)."""
        return f"{BODY_PREFIX}/{tenant.environment}/{tenant.organization}/{event_id}.json"


class ShopifyCustomerDataRecord(InConsumerPartition):
    """What Shopify's customer topics send beyond the profile, kept as received on one item per
    Shopify customer in the consumer's own partition (so the data-subject export reads it and the
    erasure drops it). Its prefix is not the identity mirrors' `SHOPIFY#` (customer_store)."""

    kind = "ShopifyCustomerData"
    PREFIX = "SHOPIFYDATA#"
    PARTS = ("purchasingSummary", "emailMarketingConsent", "smsMarketingConsent")

    @classmethod
    def to_api(cls, item: dict[str, Any]) -> dict[str, Any]:
        """The item as the data-subject export shows it: each part's payload as Shopify sent it (kept
        as its JSON text, so numbers and nulls come back exactly)."""
        fields = cls.fields(item)
        for part in cls.PARTS:
            if isinstance(fields.get(part), dict) and isinstance(fields[part].get("received"), str):
                fields[part] = {**fields[part], "received": json.loads(fields[part]["received"])}
        return fields


def put_receipt(tenant: Tenant, event_id: str, fields: dict[str, Any], body: bytes) -> bool:
    """Stores the receipt unless one has this event id: True when stored, False for a duplicate.
    A big body goes to the files bucket first (an object a duplicate overwrites with the same bytes)."""
    now = clock.now()
    record = {**fields, "eventId": event_id, "receivedAt": now, "expiration": _expiration(now)}
    if len(body) > MAX_INLINE_BODY:
        key = ShopifyWebhookRecord.body_object(tenant, event_id)
        aws.s3().put_object(Bucket=exports_bucket(), Key=key, Body=body, ContentType="application/json")
        record["bodyKey"] = key
    else:
        record["body"] = body.decode()
    item = ShopifyWebhookRecord.item(ShopifyWebhookRecord.key(tenant, event_id), record)
    return dynamo.put_new(item)


def _expiration(now: str) -> int:
    return int(clock.parse(now).timestamp()) + RECEIPT_DAYS * 24 * 3600


def get_receipt(tenant: Tenant, event_id: str) -> dict[str, Any] | None:
    return dynamo.get_item(ShopifyWebhookRecord.key(tenant, event_id), consistent=True)


def body_of(receipt: dict[str, Any]) -> bytes:
    """The delivery's raw body, from the receipt or from the files bucket."""
    if "bodyKey" in receipt:
        answer = aws.s3().get_object(Bucket=exports_bucket(), Key=str(receipt["bodyKey"]))
        return bytes(answer["Body"].read())
    return str(receipt.get("body", "")).encode()


def set_outcome(tenant: Tenant, event_id: str, outcome: str, detail: str | None = None) -> None:
    """What processing did with the delivery (processed, stale, ignored, …). A MODIFY, which the
    stream filter leaves out, so this never starts the work again."""
    fields = {"outcome": outcome, "outcomeDetail": detail, "processedAt": clock.now()}
    # A receipt already expired (a record redelivered late) stays gone.
    dynamo.updated(
        dynamo.set_fields(ShopifyWebhookRecord.key(tenant, event_id), fields, condition="attribute_exists(pk)")
    )


# ---------------------------------------------------------------- customer data beyond the profile


def customer_data(tenant: Tenant, consumer_id: str, shopify_id: str) -> dict[str, Any] | None:
    item = dynamo.get_item(ShopifyCustomerDataRecord.key(tenant, consumer_id, shopify_id), consistent=True)
    return ShopifyCustomerDataRecord.fields(item) if item else None


def consumer_data(tenant: Tenant, consumer_id: str) -> list[dict[str, Any]]:
    """Every Shopify data item of the consumer (one Query of its partition's prefix)."""
    partition = ShopifyCustomerDataRecord.key(tenant, consumer_id, "")["pk"]
    items = every_item(prefixed(partition, ShopifyCustomerDataRecord.PREFIX, consistent=True))
    return [ShopifyCustomerDataRecord.fields(item) for item in items]


def customer_data_write(
    tenant: Tenant, consumer_id: str, shopify_id: str, field: str, value: dict[str, Any]
) -> dict[str, Any]:
    """The write that sets one part (purchasingSummary, emailMarketingConsent, smsMarketingConsent)
    to `value` ({sentAt, received: the payload}), on condition that what is stored was not sent later
    (sentAt, an ISO instant): deliveries come in any order, and the same one again is stored again."""
    value = {**value, "received": json.dumps(value["received"], separators=(",", ":"))}
    return dynamo.set_fields(
        ShopifyCustomerDataRecord.key(tenant, consumer_id, shopify_id),
        {"entity": ShopifyCustomerDataRecord.kind, "consumerId": consumer_id, "shopifyId": shopify_id, field: value},
        condition="attribute_not_exists(#part) OR #part.#sentAt <= :sentAt",
        values={":sentAt": value["sentAt"]},
        names={"#part": field, "#sentAt": "sentAt"},
    )


def put_customer_data(tenant: Tenant, consumer_id: str, shopify_id: str, field: str, value: dict[str, Any]) -> bool:
    """customer_data_write on its own: True when stored, False when the stored part is newer."""
    try:
        dynamo.transact([customer_data_write(tenant, consumer_id, shopify_id, field, value)])
    except dynamo.TransactionCancelled:
        return False
    return True


def tag_changes_write(tenant: Tenant, consumer_id: str, shopify_id: str, changes: dict[str, str]) -> dict[str, Any]:
    """The instants of the latest tag change Shopify sent, per tag (for the consumer's transaction)."""
    return dynamo.set_fields(
        ShopifyCustomerDataRecord.key(tenant, consumer_id, shopify_id),
        {
            "entity": ShopifyCustomerDataRecord.kind,
            "consumerId": consumer_id,
            "shopifyId": shopify_id,
            "tagChanges": changes,
        },
    )


def drop_customer_data(tenant: Tenant, consumer_id: str) -> int:
    """Drops the consumer's Shopify data items: how many."""
    keys = [
        ShopifyCustomerDataRecord.key(tenant, consumer_id, str(item["shopifyId"]))
        for item in consumer_data(tenant, consumer_id)
    ]
    dynamo.batch_write(puts=[], deletes=keys)
    return len(keys)


# ---------------------------------------------------------------- deleted customers


class ShopifyDeletedRecord(Entity):
    """A Shopify customer deleted at `deletedAt`: an older customer event delivered after the delete
    must not bring the customer back (kept as long as a receipt)."""

    kind = "ShopifyDeleted"

    @staticmethod
    def key(tenant: Tenant, shopify_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#SHOPIFYDELETED#{shopify_id}", "sk": "TOMBSTONE"}


def deleted_at(tenant: Tenant, shopify_id: str) -> str | None:
    item = dynamo.get_item(ShopifyDeletedRecord.key(tenant, shopify_id), consistent=True)
    return str(item["deletedAt"]) if item else None


def put_deleted(tenant: Tenant, shopify_id: str, at: str) -> None:
    item = ShopifyDeletedRecord.item(
        ShopifyDeletedRecord.key(tenant, shopify_id), {"deletedAt": at, "expiration": _expiration(clock.now())}
    )
    dynamo.transact([dynamo.put(item)])


def put_file(key: str, body: bytes) -> None:
    """A JSON document for the staff in the files bucket (a compliance topic's data export)."""
    aws.s3().put_object(Bucket=exports_bucket(), Key=key, Body=body, ContentType="application/json")
