"""What each Shopify webhook topic does, run by process_shopify_webhook from a stored receipt's stream
record (webhooks.py stored it). Every topic's work is idempotent, since Lambda redelivers a record
whose batch failed, and deliveries come in any order:

customers/create, customers/update, customers/enable, customers/disable
    customers.apply: links to (or creates) the consumer, never a duplicate; an event older than the
    one stored for the customer is "stale" and changes nothing, as is one older than its deletion.
customers/delete
    The Shopify identity is unlinked; the consumer itself is deleted only when it came from Shopify
    (source shopify) and holds nothing else: no orders, no points, no externalId, no other Shopify id.
    A consumer with history stays, as a profile of the organization's own. The deletion is remembered
    (7 days), so an older create/update delivered after it does not bring the customer back.
customers/purchasing_summary
    Stored as received on the consumer's Shopify data item (purchasingSummary).
customer.tags_added, customer.tags_removed
    The consumer's tags change; each tag keeps the instant of its latest change, so an older add or
    remove delivered after a newer one changes nothing.
customers_email_marketing_consent/update, customers_marketing_consent/update
    The consumer's consent on the channel (email, SMS; method shopify, in the consent log), in one
    transaction with the payload kept as received on the Shopify data item (emailMarketingConsent,
    smsMarketingConsent): the newer delivery wins. Shopify's subscribed and unsubscribed are ours, its
    not_subscribed our never_subscribed; a state with no counterpart (pending, redacted, invalid) is
    only kept as received.
orders/create, orders/paid, orders/cancelled, refunds/create
    Clientele orders and refunds (shopify/orders.py).
customers/data_request, customers/redact, shop/redact
    The compliance topics (shopify/compliance.py); done even while the connection is switched off.
anything else
    Stored and ignored (outcome "ignored_topic", counted in the ShopifyWebhooksIgnored metric).

While the connection is switched off (enabled false) deliveries are stored and not acted on
(outcome "disabled"), except the compliance topics. The outcome is written on the receipt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from typing import Any, NamedTuple

from pydantic import ValidationError

from clientele.consent import service as consent
from clientele.consumers import service as consumers
from clientele.consumers import store as consumer_store
from clientele.consumers.enums import ConsentChannel, ConsentMethod, ConsentState, Source
from clientele.consumers.models import ChannelConsent, Consumer
from clientele.consumers.requests import ConsumerUpdate
from clientele.core import actor, clock
from clientele.core.errors import ClienteleError, ShopifyNotSetUp
from clientele.core.store import dynamo
from clientele.core.tenancy import Tenant
from clientele.shopify import connection, customer_store, customers, webhook_store
from clientele.shopify.webhooks import numeric_id


class Delivery(NamedTuple):
    """A stored delivery as the topic handlers see it."""

    event_id: str
    topic: str
    payload: dict[str, Any]
    sent_at: str  # X-Shopify-Triggered-At, else when it was received


class Done(NamedTuple):
    outcome: str
    detail: str | None = None


Handler = Callable[[Tenant, Delivery], Done]

COMPLIANCE = frozenset({"customers/data_request", "customers/redact", "shop/redact"})


# ---------------------------------------------------------------- customers


def _customer_changed(tenant: Tenant, delivery: Delivery) -> Done:
    payload = dict(delivery.payload)
    if not payload.get("updated_at"):
        payload["updated_at"] = delivery.sent_at
    customer = customers.ShopifyCustomer.from_webhook(payload)
    deleted = webhook_store.deleted_at(tenant, customer.shopify_id)
    if deleted is not None and _instant(customer.updated_at) <= deleted:
        return Done("stale", "the customer was deleted later")
    return Done(str(customers.apply(tenant, customer)))


def _customer_deleted(tenant: Tenant, delivery: Delivery) -> Done:
    shopify_id = numeric_id(delivery.payload["id"])
    at = _instant(str(delivery.payload.get("updated_at") or delivery.sent_at))
    webhook_store.put_deleted(tenant, shopify_id, at)
    consumer = customers.consumer_for(tenant, shopify_id)
    if consumer is None:
        return Done("no_consumer")
    others = [linked for linked in customer_store.identities(tenant, consumer.id) if linked != shopify_id]
    empty = consumer.total_orders == 0 and consumer.loyalty.points == 0 and consumer.external_id is None
    customer_store.forget(tenant, consumer.id)
    for other in others:  # forget drops every claim of the consumer: the other ids stay linked
        customer_store.relink(tenant, consumer.id, other)
    if consumer.source is Source.SHOPIFY and empty and not others:
        webhook_store.drop_customer_data(tenant, consumer.id)
        consumers.delete_consumer(tenant, consumer.id)
        return Done("deleted", consumer.id)
    return Done("unlinked", consumer.id)


def _customers_merged(tenant: Tenant, delivery: Delivery) -> Done:
    """Shopify merged two customers: the consumers they are linked to are merged the same way (the
    kept customer's consumer survives), by a merge request the merge job takes up."""
    payload = delivery.payload
    if str(payload.get("status") or "completed").lower() != "completed":
        return Done("not_completed", str(payload.get("status")))
    kept = customers.consumer_for(tenant, numeric_id(payload["admin_graphql_api_customer_kept_id"]))
    merged = customers.consumer_for(tenant, numeric_id(payload["admin_graphql_api_customer_deleted_id"]))
    if kept is None or merged is None:
        return Done("no_consumer")
    if kept.id == merged.id:
        return Done("one_consumer", kept.id)
    consumer_store.request_merge(tenant, delivery.event_id, kept.id, [merged.id], "shopify")
    return Done("merge_requested", kept.id)


def _customer_id(payload: dict[str, Any]) -> str | None:
    for name in ("customer_id", "customerId", "id"):
        if payload.get(name) not in (None, ""):
            return numeric_id(payload[name])
    customer = payload.get("customer")
    if isinstance(customer, dict) and customer.get("id") not in (None, ""):
        return numeric_id(customer["id"])
    return None


def _stored_as_received(field: str) -> Handler:
    """A topic whose payload is kept as received in `field` of the Shopify data item."""

    def handle(tenant: Tenant, delivery: Delivery) -> Done:
        shopify_id = _customer_id(delivery.payload)
        consumer = customers.consumer_for(tenant, shopify_id) if shopify_id else None
        if consumer is None or shopify_id is None:
            return Done("no_consumer")
        value = {"sentAt": delivery.sent_at, "received": delivery.payload}
        if not webhook_store.put_customer_data(tenant, consumer.id, shopify_id, field, value):
            return Done("stale", "a later delivery is stored")
        return Done("stored", consumer.id)

    return handle


def _unmoved(tenant: Tenant, consumer: Consumer) -> dict[str, Any]:
    """The check that the consumer is still at the version read (for a write that leaves it as it is)."""
    key = consumer_store.ConsumerRecord.key(tenant, consumer.id)
    return dynamo.condition_check(key, "version = :version", {":version": consumer.version})


class _NewerStored(Exception):
    """A later delivery of the same part is stored: this one changes nothing."""


# Shopify's marketing states (lower-cased, as the webhooks send them) that Clientele's consent has.
_CONSENT_STATES = {
    "subscribed": ConsentState.SUBSCRIBED,
    "unsubscribed": ConsentState.UNSUBSCRIBED,
    "not_subscribed": ConsentState.NEVER_SUBSCRIBED,
}


def _consent_changed(field: str, channel: ConsentChannel, key: str) -> Handler:
    """A consent topic: the channel's consent from the payload's `key` object, with the payload kept
    as received in `field`, in one transaction."""

    def handle(tenant: Tenant, delivery: Delivery) -> Done:
        shopify_id = _customer_id(delivery.payload)
        consumer = customers.consumer_for(tenant, shopify_id) if shopify_id else None
        if consumer is None or shopify_id is None:
            return Done("no_consumer")
        said = delivery.payload.get(key) or {}
        state = _CONSENT_STATES.get(str(said.get("state") or "").lower()) if isinstance(said, dict) else None
        kept = {"sentAt": delivery.sent_at, "received": delivery.payload}
        consumer_id = consumer.id

        def attempt() -> Done:
            current = consumers.get_consumer(tenant, consumer_id)
            record = webhook_store.customer_data_write(tenant, consumer_id, shopify_id, field, kept)
            write = None
            if state is not None:
                given = ChannelConsent(state=state, method=ConsentMethod.SHOPIFY)
                _, write = consent.changed(tenant, current, channel, given, actor="shopify")
            if write is None:  # nothing to change: the consumer must still be as read
                write = consumer_store.Write([_unmoved(tenant, current)], [consumer_store.ConsumerChanged])
            write.add(record, _NewerStored)
            consumer_store.commit(write)
            return Done("stored", consumer_id)

        try:
            return consumers.retrying(attempt)
        except _NewerStored:
            return Done("stale", "a later delivery is stored")

    return handle


def _tags_of(payload: dict[str, Any]) -> list[str]:
    tags = payload.get("tags")
    if isinstance(tags, str):
        tags = tags.split(",")
    return [tag.strip() for tag in tags or [] if isinstance(tag, str) and tag.strip()]


def _tags_changed(added: bool) -> Handler:
    """customer.tags_added / customer.tags_removed: the consumer's tags, newest change per tag wins."""

    def handle(tenant: Tenant, delivery: Delivery) -> Done:
        shopify_id = _customer_id(delivery.payload)
        consumer = customers.consumer_for(tenant, shopify_id) if shopify_id else None
        if consumer is None or shopify_id is None:
            return Done("no_consumer")
        named = _tags_of(delivery.payload)
        sent_at = _instant(str(delivery.payload.get("occurredAt") or delivery.sent_at))
        consumer_id = consumer.id

        def attempt() -> Done:
            current = consumers.get_consumer(tenant, consumer_id)
            stored = webhook_store.customer_data(tenant, consumer_id, shopify_id) or {}
            changes: dict[str, str] = dict(stored.get("tagChanges") or {})
            fresh = [tag for tag in named if changes.get(tag.casefold(), "") <= sent_at]
            if not fresh:
                return Done("stale", "later changes of these tags are stored")
            held = {tag.casefold() for tag in current.tags}
            if added:
                tags = [*current.tags, *[tag for tag in fresh if tag.casefold() not in held]]
            else:
                dropped = {tag.casefold() for tag in fresh}
                tags = [tag for tag in current.tags if tag.casefold() not in dropped]
            changes.update({tag.casefold(): sent_at for tag in fresh})
            record = webhook_store.tag_changes_write(tenant, consumer_id, shopify_id, changes)
            said = _said_tags(tenant, shopify_id, consumer_id, fresh, added)
            if tags == current.tags:
                operations = [_unmoved(tenant, current), record, *said]
                consumer_store.commit(
                    consumer_store.Write(operations, [consumer_store.ConsumerChanged] * len(operations))
                )
                return Done("unchanged", consumer_id)
            after = consumers.changed(current, ConsumerUpdate(tags=tags), clock.now())
            write = consumers.replace_write(tenant, current, after)
            for operation in [record, *said]:
                write.add(operation, consumer_store.ConsumerChanged)
            consumer_store.commit(write)
            return Done("updated", consumer_id)

        return consumers.retrying(attempt)

    return handle


def _said_tags(tenant: Tenant, shopify_id: str, consumer_id: str, tags: list[str], added: bool) -> list[dict[str, Any]]:
    """The claim's record of the tags Shopify gave (customers.apply takes away only those), moved by
    this change; nothing when the claim is no longer the consumer's."""
    claim = customer_store.get_claim(tenant, shopify_id)
    if claim is None or claim.get("consumerId") != consumer_id:
        return []
    said = [str(tag) for tag in claim.get("shopifyTags") or []]
    named = {tag.casefold() for tag in tags}
    said = list(dict.fromkeys([*said, *tags])) if added else [tag for tag in said if tag.casefold() not in named]
    return [
        dynamo.set_fields(
            customer_store.ShopifyClaim.key(tenant, shopify_id),
            {"shopifyTags": said},
            condition="consumerId = :owner",
            values={":owner": consumer_id},
        )
    ]


# ---------------------------------------------------------------- orders and compliance


# The orders and privacy machinery load with the first delivery that needs them: most deliveries are
# customers', and the function's cold start pays for what its first record uses (bench/coldstart.py).


def _order_placed(paid: bool) -> Handler:
    def handle(tenant: Tenant, delivery: Delivery) -> Done:
        from clientele.shopify import orders

        return Done(orders.place(tenant, delivery.payload, paid=paid))

    return handle


def _order_cancelled(tenant: Tenant, delivery: Delivery) -> Done:
    from clientele.shopify import orders

    return Done(orders.cancel(tenant, delivery.payload))


def _refund(tenant: Tenant, delivery: Delivery) -> Done:
    from clientele.shopify import orders

    return Done(orders.refund(tenant, delivery.payload))


def _data_request(tenant: Tenant, delivery: Delivery) -> Done:
    from clientele.shopify import compliance

    outcome, key = compliance.data_request(tenant, delivery.payload, delivery.event_id)
    return Done(outcome, key)


def _customer_redact(tenant: Tenant, delivery: Delivery) -> Done:
    from clientele.shopify import compliance

    return Done(compliance.redact_customer(tenant, delivery.payload))


def _shop_redact(tenant: Tenant, delivery: Delivery) -> Done:
    from clientele.shopify import compliance

    return Done(compliance.redact_shop(tenant))


HANDLERS: dict[str, Handler] = {
    "customers/create": _customer_changed,
    "customers/update": _customer_changed,
    "customers/enable": _customer_changed,
    "customers/disable": _customer_changed,
    "customers/delete": _customer_deleted,
    "customers/merge": _customers_merged,
    "customers/purchasing_summary": _stored_as_received("purchasingSummary"),
    "customer.tags_added": _tags_changed(added=True),
    "customer.tags_removed": _tags_changed(added=False),
    "customers_email_marketing_consent/update": _consent_changed(
        "emailMarketingConsent", ConsentChannel.EMAIL, "email_marketing_consent"
    ),
    "customers_marketing_consent/update": _consent_changed(
        "smsMarketingConsent", ConsentChannel.SMS, "sms_marketing_consent"
    ),
    "orders/create": _order_placed(paid=False),
    "orders/paid": _order_placed(paid=True),
    "orders/cancelled": _order_cancelled,
    "refunds/create": _refund,
    "customers/data_request": _data_request,
    "customers/redact": _customer_redact,
    "shop/redact": _shop_redact,
}


def _instant(value: str) -> str:
    """An instant in the store's form (fixed width, so instants compare as text)."""
    moment = clock.parse(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return clock.format_instant(moment)


def _enabled(tenant: Tenant) -> bool:
    try:
        return connection.connection(tenant).enabled
    except ShopifyNotSetUp:
        return False


def process(tenant: Tenant, receipt: dict[str, Any]) -> Done:
    """Does what the receipt's topic asks and writes the outcome on the receipt. A delivery that
    cannot be done (a payload Clientele refuses) is recorded as "rejected", not retried; a fault
    (the store, S3) raises, so the stream delivers the record again."""
    event_id, topic = str(receipt["eventId"]), str(receipt["topic"])
    handler = HANDLERS.get(topic)
    if handler is None:
        done = Done("ignored_topic", topic)
    elif topic not in COMPLIANCE and not _enabled(tenant):
        done = Done("disabled")
    else:
        sent_at = str(receipt.get("triggeredAt") or receipt.get("receivedAt") or clock.now())
        done = _run(handler, tenant, event_id, topic, webhook_store.body_of(receipt), sent_at)
    webhook_store.set_outcome(tenant, event_id, done.outcome, done.detail)
    return done


def _run(handler: Handler, tenant: Tenant, event_id: str, topic: str, body: bytes, sent_at: str) -> Done:
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("not a JSON object")
        with actor.acting(actor.Actor(actor.ActorType.SHOPIFY, event_id)):
            return handler(tenant, Delivery(event_id, topic, payload, sent_at))
    except ClienteleError as error:
        if error.status >= 500:
            raise
        details = "; ".join(f"{detail.get('field')}: {detail.get('message')}" for detail in error.details)
        return Done("rejected", f"{error.code}: {error.message}" + (f" ({details})" if details else ""))
    except ValidationError as error:
        return Done("rejected", f"validation_failed: {error.error_count()} errors, first at {error.errors()[0]['loc']}")
    except (ValueError, KeyError, TypeError) as error:
        return Done("rejected", f"unusable payload: {type(error).__name__}: {error}"[:500])


METRICS = {
    "ignored_topic": "ShopifyWebhooksIgnored",
    "disabled": "ShopifyWebhooksIgnored",
    "stale": "ShopifyWebhooksStale",
    "rejected": "ShopifyWebhooksRejected",
}


def metric_of(done: Done) -> str:
    """The metric a processed delivery counts in (ShopifyWebhooksProcessed unless said otherwise)."""
    return METRICS.get(done.outcome, "ShopifyWebhooksProcessed")
