"""Shopify's webhooks coming in (issue 17): deliveries signed and sent by the stand-in's sender to
receive_shopify_webhook, their receipts handed to process_shopify_webhook through the template's
stream filter. HMAC accepted and refused, duplicates and retries dropped, out-of-order deliveries,
orders earning points, cancels and refunds, tags, consent, the compliance topics, other tenants."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from clientele.core.tenancy import Environment, Tenant
from clientele.shopify import customers, webhook_store, webhooks
from clientele.shopify.webhooks import verified
from clientele_local import shopify_sender as payloads
from clientele_local.inprocess import Context, load_function, sample_event
from clientele_local.shopify_sender import Delivery, ShopifySender
from tests.integration.conftest import EXPORTS_BUCKET, TABLE_NAME, Invoke, principal_for, stream_delivery

ACME = Tenant(organization="acme", environment=Environment.SANDBOX)
SECRET = "whsec_acme_0123456789abcdef0123456789"
SETTINGS = {
    "shopDomain": "kefi.myshopify.com",
    "accessToken": "shpat_0123456789abcdef0123456789abcdef",
    "webhookSecret": SECRET,
    "enabled": True,
}
T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


class Shop:
    """The tenant's connection, a sender signing with its secret, and the stream's processing."""

    def __init__(self, call: Invoke, principal: dict[str, str], process: Callable[[], int], secret: str = SECRET):
        self.call, self.principal, self.process = call, principal, process
        self.tenant = Tenant(principal["organization"], Environment(principal["environment"]))
        answer = call("configure_shopify", principal=principal, body={**SETTINGS, "webhookSecret": secret})
        assert answer["status"] == 200, answer
        self.connection_id = answer["body"]["connectionId"]
        self.sender = ShopifySender(answer["body"]["webhookUrl"], secret)

    def post(self, delivery: Delivery, *, as_bytes: bool = False, connection_id: str | None = None) -> dict[str, Any]:
        """The delivery through the route, as API Gateway hands it over (bytes: base64-encoded)."""
        return self.call(
            "receive_shopify_webhook",
            principal=None,
            raw_body=delivery.body if as_bytes else delivery.body.decode(),
            headers=delivery.headers,
            path_params={"connectionId": connection_id or self.connection_id},
        )

    def send(self, topic: str, payload: dict[str, Any], **options: Any) -> Delivery:
        """Delivers one event, checks it was received, and processes the stream."""
        delivery = self.sender.delivery(topic, payload, **options)
        answer = self.post(delivery)
        assert answer["status"] == 200, answer
        self.process()
        return delivery

    def outcome(self, delivery: Delivery) -> str:
        receipt = webhook_store.get_receipt(ACME, delivery.event_id)
        assert receipt is not None
        return str(receipt["outcome"])

    def consumer(self, consumer_id: str) -> dict[str, Any]:
        answer = self.call("get_consumer", principal=self.principal, path_params={"id": consumer_id})
        assert answer["status"] == 200, answer
        return dict(answer["body"])

    def by_shopify_id(self, shopify_id: int) -> dict[str, Any] | None:
        """The consumer the Shopify customer is linked to, as the API shows it."""
        found = customers.consumer_for(self.tenant, str(shopify_id))
        return self.consumer(found.id) if found is not None else None

    def health(self) -> dict[str, Any]:
        return dict(self.call("get_shopify", principal=self.principal)["body"]["webhooks"])


@pytest.fixture
def process(table: str) -> Callable[[], int]:
    return stream_delivery(table, "process_shopify_webhook", "ProcessShopifyWebhookFunction", "Receipts")


@pytest.fixture
def shop(call: Invoke, acme: dict[str, str], process: Callable[[], int]) -> Shop:
    return Shop(call, acme, process)


def _table_items(entity: str) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]  # a test may read the whole table
    return [item for item in items if item.get("entity", {}).get("S") == entity]


def _bob(**changes: Any) -> dict[str, Any]:
    return payloads.customer(207119551, "bob.norman@example.com", **changes)


# ---------------------------------------------------------------- signature, duplicates, tenants


def test_a_signed_delivery_is_stored_answered_and_processed(shop: Shop) -> None:
    delivery = shop.sender.delivery("customers/create", _bob(updated_at=T0))
    answer = shop.post(delivery)
    assert answer == {"status": 200, "body": {"received": True, "duplicate": False}, "headers": answer["headers"]}
    assert shop.by_shopify_id(207119551) is None  # answered before any work: the stream does it
    assert shop.process() == 1
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    assert (consumer["email"], consumer["firstName"], consumer["source"]) == (
        "bob.norman@example.com",
        "Bob",
        "shopify",
    )
    assert shop.outcome(delivery) == "created"
    assert shop.health()["received"] == 1
    assert shop.health()["failures"] == 0


@pytest.mark.parametrize("problem", ["bad", "missing", "other secret", "changed body"])
def test_a_delivery_without_the_right_signature_is_401_and_changes_nothing(shop: Shop, problem: str) -> None:
    delivery = shop.sender.delivery("customers/create", _bob(), bad_hmac=problem == "bad")
    if problem == "missing":
        delivery.headers.pop("X-Shopify-Hmac-Sha256")
    if problem == "other secret":
        delivery = shop.sender.delivery("customers/create", _bob(), secret="whsec_someone_else_entirely")
    if problem == "changed body":
        delivery = delivery._replace(body=delivery.body.replace(b"Bob", b"Eve"))
    answer = shop.post(delivery)
    assert answer["status"] == 401
    assert answer["body"]["error"]["code"] == "invalid_webhook_signature"
    assert shop.process() == 0
    assert _table_items("ShopifyWebhook") == []
    assert _table_items("Consumer") == []
    health = shop.health()
    assert (health["received"], health["failures"]) == (1, 1)
    assert health["lastFailure"] in ("invalid HMAC signature", "no X-Shopify-Hmac-Sha256 header")


def test_a_body_handed_over_base64_encoded_is_verified_on_its_bytes(shop: Shop) -> None:
    delivery = shop.sender.delivery("customers/create", _bob(first_name="Zoë"))
    assert shop.post(delivery, as_bytes=True)["status"] == 200
    shop.process()
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    assert consumer["firstName"] == "Zoë"


def test_an_unknown_connection_is_404(shop: Shop) -> None:
    delivery = shop.sender.delivery("customers/create", _bob())
    for unknown in ("shc_nobody-has-this-id-000000000000", "not-a-connection"):
        answer = shop.post(delivery, connection_id=unknown)
        assert answer["status"] == 404
        assert answer["body"]["error"]["code"] == "shopify_connection_not_found"
    assert _table_items("ShopifyWebhook") == []


def test_a_delivery_to_one_tenant_signed_with_another_tenants_secret_is_401(
    call: Invoke, shop: Shop, process: Callable[[], int]
) -> None:
    other = Shop(call, principal_for("globex"), process, secret="whsec_globex_9876543210fedcba98765")
    signed_by_b = other.sender.delivery("customers/create", _bob())
    assert shop.post(signed_by_b)["status"] == 401  # A's URL, B's signature
    assert other.post(signed_by_b)["status"] == 200  # B's own URL takes it
    process()
    assert shop.by_shopify_id(207119551) is None
    assert other.by_shopify_id(207119551) is not None


def test_a_signed_delivery_without_a_topic_a_usable_event_id_or_json_is_400(shop: Shop) -> None:
    for header in ("X-Shopify-Topic", "X-Shopify-Event-Id"):
        delivery = shop.sender.delivery("customers/create", _bob())
        delivery.headers.pop(header)
        if header == "X-Shopify-Event-Id":
            delivery.headers.pop("X-Shopify-Webhook-Id")
        assert shop.post(delivery)["status"] == 400
    not_json = shop.sender.delivery("customers/create", _bob())
    body = b"[1, 2"
    headers = {**not_json.headers, "X-Shopify-Hmac-Sha256": payloads.sign(SECRET, body)}
    assert shop.post(not_json._replace(body=body, headers=headers))["status"] == 400
    odd_id = shop.sender.delivery("customers/create", _bob(), event_id="../other#tenant")
    assert shop.post(odd_id)["body"]["error"]["details"][0]["field"] == "X-Shopify-Event-Id"
    assert _table_items("ShopifyWebhook") == []
    assert shop.health()["failures"] == 4


def test_duplicates_and_retries_are_answered_200_and_done_once(shop: Shop) -> None:
    delivery = shop.sender.delivery("customers/create", _bob(updated_at=T0))
    first, again, retried = shop.post(delivery), shop.post(delivery), shop.post(shop.sender.retry(delivery))
    assert [answer["body"]["duplicate"] for answer in (first, again, retried)] == [False, True, True]
    assert shop.process() == 1  # one receipt, one piece of work
    assert len(_table_items("Consumer")) == 1
    # Without X-Shopify-Event-Id, the webhook id names the delivery.
    only_webhook_id = shop.sender.delivery("customers/update", _bob(updated_at=T0 + timedelta(minutes=1)))
    only_webhook_id.headers.pop("X-Shopify-Event-Id")
    assert shop.post(only_webhook_id)["body"]["duplicate"] is False
    assert shop.post(only_webhook_id)["body"]["duplicate"] is True
    receipt = webhook_store.get_receipt(ACME, only_webhook_id.webhook_id)
    assert receipt is not None
    assert receipt["expiration"] > datetime.now(UTC).timestamp() + 6 * 86400


def test_an_older_update_delivered_after_a_newer_one_is_ignored(shop: Shop) -> None:
    newer = shop.sender.delivery("customers/update", _bob(first_name="Robert", updated_at=T0 + timedelta(hours=1)))
    older = shop.sender.delivery("customers/update", _bob(first_name="Bobby", updated_at=T0))
    for delivery in (newer, older):  # newest first, as the sender's send_out_of_order does
        assert shop.post(delivery)["status"] == 200
    assert shop.process() == 2
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    assert consumer["firstName"] == "Robert"
    assert (shop.outcome(newer), shop.outcome(older)) == ("created", "stale")


def test_shopifys_changes_are_in_the_change_history_by_their_webhook(shop: Shop) -> None:
    created = shop.send("customers/create", _bob(updated_at=T0))
    renamed = shop.send("customers/update", _bob(first_name="Robert", updated_at=T0 + timedelta(hours=1)))
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    answer = shop.call("consumer_changes", principal=shop.principal, path_params={"id": consumer["id"]})
    [rename, create] = answer["body"]["data"]
    assert (create["actor"], rename["actor"]) == (
        {"type": "shopify", "id": created.event_id},
        {"type": "shopify", "id": renamed.event_id},
    )
    assert {field["field"]: field["after"] for field in rename["changes"]} == {
        "firstName": "Robert",
        "fullName": "Robert Norman",
    }


def test_the_sample_stream_event_is_a_receipt_the_function_processes(shop: Shop) -> None:
    """events/process_shopify_webhook.json (acme sandbox, a customers/update) as Lambda hands it over."""
    event = sample_event("process_shopify_webhook")
    answer = load_function("process_shopify_webhook").lambda_handler(event, Context())
    assert answer == {"batchItemFailures": []}
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    assert (consumer["firstName"], consumer["phone"]) == ("Bob", "+16136120707")
    assert _table_items("ShopifyWebhook") == []  # its receipt is not in this table: no stray outcome item


def test_an_unknown_topic_is_stored_and_ignored(shop: Shop) -> None:
    delivery = shop.send("products/create", {"id": 1, "title": "Tee"})
    assert shop.outcome(delivery) == "ignored_topic"
    assert _table_items("Consumer") == []


def test_a_body_too_big_for_an_item_waits_in_the_files_bucket(shop: Shop) -> None:
    big = {**_bob(), "note": "x" * (3 * 1024 * 1024 // 2)}  # 1.5 MB: over the item, and over other routes' 1 MB
    delivery = shop.send("customers/create", big)
    receipt = webhook_store.get_receipt(ACME, delivery.event_id)
    assert receipt is not None
    assert "body" not in receipt
    stored = boto3.client("s3").get_object(Bucket=EXPORTS_BUCKET, Key=receipt["bodyKey"])["Body"].read()
    assert stored == delivery.body
    assert verified(SECRET, stored, delivery.headers["X-Shopify-Hmac-Sha256"])
    assert shop.outcome(delivery) == "created"
    too_big = shop.sender.delivery("customers/update", {**_bob(), "note": "x" * webhooks.MAX_BODY_BYTES})
    answer = shop.post(too_big)
    assert (answer["status"], answer["body"]["error"]["details"][0]["field"]) == (400, "body")


# ---------------------------------------------------------------- customers


def test_enable_disable_and_delete(shop: Shop) -> None:
    shop.send("customers/create", _bob(state="disabled", updated_at=T0))
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    assert consumer["membership"] == "guest"
    shop.send("customers/enable", _bob(state="enabled", updated_at=T0 + timedelta(minutes=1)))
    assert shop.consumer(consumer["id"])["membership"] == "member"
    deleted = shop.send("customers/delete", payloads.deleted_customer(207119551, T0 + timedelta(minutes=2)))
    assert shop.outcome(deleted) == "deleted"  # from Shopify, and nothing else: it goes
    gone = shop.call("get_consumer", principal=shop.principal, path_params={"id": consumer["id"]})
    assert gone["status"] == 404
    late = shop.send("customers/update", _bob(updated_at=T0 + timedelta(minutes=1, seconds=30)))
    assert shop.outcome(late) == "stale"  # older than the delete: it does not come back
    assert _table_items("Consumer") == []


def test_a_deleted_shopify_customer_with_history_is_unlinked_and_kept(shop: Shop, call: Invoke) -> None:
    made = call("create_consumer", principal=shop.principal, body={"email": "bob.norman@example.com"})["body"]
    shop.send("customers/create", _bob(updated_at=T0))
    assert shop.by_shopify_id(207119551)["id"] == made["id"]  # type: ignore[index]  # linked by email
    deleted = shop.send("customers/delete", payloads.deleted_customer(207119551, T0 + timedelta(minutes=1)))
    assert shop.outcome(deleted) == "unlinked"
    assert shop.by_shopify_id(207119551) is None
    assert shop.consumer(made["id"])["email"] == "bob.norman@example.com"


def test_tags_are_added_and_removed_and_an_older_change_loses(shop: Shop) -> None:
    shop.send("customers/create", _bob(updated_at=T0))
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    shop.send("customer.tags_added", payloads.tags(207119551, ["vip", "newsletter"], T0 + timedelta(minutes=1)))
    assert shop.consumer(consumer["id"])["tags"] == ["vip", "newsletter"]
    removed = shop.sender.delivery(
        "customer.tags_removed", payloads.tags(207119551, ["vip"], T0 + timedelta(minutes=3))
    )
    added_before = shop.sender.delivery(
        "customer.tags_added", payloads.tags(207119551, ["vip"], T0 + timedelta(minutes=2))
    )
    for delivery in (removed, added_before):  # the removal arrives first
        shop.post(delivery)
    shop.process()
    assert shop.consumer(consumer["id"])["tags"] == ["newsletter"]
    assert (shop.outcome(removed), shop.outcome(added_before)) == ("updated", "stale")


def test_consent_and_purchasing_summary_are_kept_as_received_and_exported(shop: Shop) -> None:
    shop.send("customers/create", _bob(phone="+16135550101", updated_at=T0))
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    newer = payloads.email_consent(207119551, "bob.norman@example.com", "subscribed", T0 + timedelta(hours=2))
    older = payloads.email_consent(207119551, "bob.norman@example.com", "unsubscribed", T0 + timedelta(hours=1))
    shop.send("customers_email_marketing_consent/update", newer, triggered_at=T0 + timedelta(hours=2))
    late = shop.send("customers_email_marketing_consent/update", older, triggered_at=T0 + timedelta(hours=1))
    assert shop.outcome(late) == "stale"
    shop.send("customers_marketing_consent/update", payloads.sms_consent(207119551, "+16135550101", "subscribed"))
    shop.send("customers/purchasing_summary", payloads.purchasing_summary(207119551, 3, "120.00"))
    export = shop.call("consumer_data_export", principal=shop.principal, path_params={"id": consumer["id"]})["body"]
    (data,) = export["shopify"]
    assert data["emailMarketingConsent"]["received"] == json.loads(json.dumps(newer))
    assert data["smsMarketingConsent"]["received"]["sms_marketing_consent"]["state"] == "subscribed"
    assert data["purchasingSummary"]["received"]["numberOfOrders"] == 3
    # The consent model takes it over: the newer state on each channel, method shopify, in the log.
    consent = export["consent"]["current"]
    assert (consent["email"]["state"], consent["email"]["method"]) == ("subscribed", "shopify")
    assert (consent["sms"]["state"], consent["sms"]["method"]) == ("subscribed", "shopify")
    assert sorted((c["channel"], c["state"], c["actor"]) for c in export["consent"]["log"]) == [
        ("email", "subscribed", "shopify"),
        ("sms", "subscribed", "shopify"),
    ]  # the older unsubscribe, delivered late, changed nothing


def test_shopifys_consent_states_map_to_clienteles_and_unknown_ones_are_only_kept(shop: Shop) -> None:
    shop.send("customers/create", _bob(updated_at=T0))
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    for hours, state, ours in (
        (1, "subscribed", "subscribed"),
        (2, "pending", "subscribed"),  # no counterpart: kept as received, the consent stays
        (3, "unsubscribed", "unsubscribed"),
        (4, "not_subscribed", "never_subscribed"),
    ):
        at = T0 + timedelta(hours=hours)
        payload = payloads.email_consent(207119551, "bob.norman@example.com", state, at)
        delivery = shop.send("customers_email_marketing_consent/update", payload, triggered_at=at)
        assert shop.outcome(delivery) == "stored"
        assert shop.consumer(consumer["id"])["consent"]["email"]["state"] == ours, state
    again = shop.send(
        "customers_email_marketing_consent/update",
        payloads.email_consent(207119551, "bob.norman@example.com", "not_subscribed", T0 + timedelta(hours=4)),
        triggered_at=T0 + timedelta(hours=4),
    )
    assert shop.outcome(again) == "stored"  # the same delivery again: stored, and nothing new logged
    log = shop.call("consumer_consent_log", principal=shop.principal, path_params={"id": consumer["id"]}, query={})
    assert [c["state"] for c in log["body"]["data"]] == ["never_subscribed", "unsubscribed", "subscribed"]


# ---------------------------------------------------------------- orders


def _program(shop: Shop) -> str:
    body = {"name": "Rewards", "timezone": "UTC", "earning": {"pointsPerUnit": 1, "start": {"type": "immediate"}}}
    answer = shop.call("create_loyalty_program", principal=shop.principal, body=body)
    assert answer["status"] == 201, answer
    return str(answer["body"]["id"])


def _orders(shop: Shop, consumer_id: str) -> list[dict[str, Any]]:
    answer = shop.call("list_consumer_orders", principal=shop.principal, path_params={"id": consumer_id})
    assert answer["status"] == 200, answer
    return list(answer["body"]["data"])


ORDER_ID = 820982911946154508
LINES = [("TEE-1", "Tee", 2, "25.00"), ("MUG-1", "Mug", 1, "50.00")]


def test_an_order_created_then_paid_is_one_order_that_earns_points(shop: Shop) -> None:
    program = _program(shop)
    bob = _bob(updated_at=T0)
    pending = payloads.order(
        ORDER_ID,
        bob,
        LINES,
        total_discounts="10.00",
        financial_status="pending",
        discount_codes=[{"code": "WELCOME10", "amount": "10.00", "type": "fixed_amount"}],
    )
    created = shop.send("orders/create", pending)
    assert shop.outcome(created) == "created_open"  # the customer came with it
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    assert consumer["loyalty"]["points"] == 0
    paid = shop.send("orders/paid", {**pending, "financial_status": "paid"})
    again = shop.send("orders/paid", {**pending, "financial_status": "paid"})  # another event of the same order
    assert (shop.outcome(paid), shop.outcome(again)) == ("closed", "unchanged")
    (order,) = _orders(shop, consumer["id"])
    money = (order["amount"], order["discountAmount"], order["netAmount"])
    assert (order["externalId"], money) == (str(ORDER_ID), (100, 10, 90))  # lines before discounts, less them
    assert [(line["sku"], line["quantity"]) for line in order["items"]] == [("TEE-1", 2), ("MUG-1", 1)]
    assert order["checkoutUrl"].startswith("https://kefi.myshopify.com/")
    assert order["channel"] == "shopify"
    assert order["pointsEarned"] == {program: 90}
    after = shop.consumer(consumer["id"])
    assert (after["totalOrders"], after["loyalty"]["points"]) == (1, 90)


def test_a_paid_order_redelivered_and_created_after_is_still_one_order(shop: Shop) -> None:
    _program(shop)
    order = payloads.order(ORDER_ID, _bob(updated_at=T0), LINES)
    shop.send("orders/paid", order)
    shop.send("orders/create", order)  # delivered after orders/paid
    shop.send("orders/paid", order)
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    assert len(_orders(shop, consumer["id"])) == 1
    assert shop.consumer(consumer["id"])["loyalty"]["points"] == 100


def test_a_refund_takes_back_its_share_once_and_a_cancel_the_rest(shop: Shop) -> None:
    _program(shop)
    shop.send("orders/paid", payloads.order(ORDER_ID, _bob(updated_at=T0), LINES))
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    refund = payloads.refund(5001, ORDER_ID, "40.00")
    first = shop.send("refunds/create", refund)
    second = shop.send("refunds/create", refund)  # the same refund as another event
    assert (shop.outcome(first), shop.outcome(second)) == ("refunded", "unchanged")
    (order,) = _orders(shop, consumer["id"])
    assert float(order["refundedAmount"]) == 40
    assert order["status"] == "partially_refunded"
    assert shop.consumer(consumer["id"])["loyalty"]["points"] == 60
    cancelled = shop.send("orders/cancelled", payloads.order(ORDER_ID, _bob(updated_at=T0), LINES, cancelled=True))
    assert shop.outcome(cancelled) == "cancelled"
    (order,) = _orders(shop, consumer["id"])
    assert order["state"] == "cancelled"
    assert float(order["refundedAmount"]) == 100
    assert shop.consumer(consumer["id"])["loyalty"]["points"] == 0
    unknown = shop.send("refunds/create", payloads.refund(5002, 1234, "5.00"))
    assert shop.outcome(unknown) == "order_unknown"


def test_an_order_cancelled_before_it_was_seen_never_earns(shop: Shop) -> None:
    _program(shop)
    order = payloads.order(ORDER_ID, _bob(updated_at=T0), LINES, cancelled=True)
    shop.send("orders/cancelled", order)
    shop.send("orders/paid", {**order, "financial_status": "paid"})  # the older event, delivered late
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    (stored,) = _orders(shop, consumer["id"])
    assert stored["state"] == "cancelled"
    after = shop.consumer(consumer["id"])
    assert (after["loyalty"]["points"], after["totalOrders"]) == (0, 0)


def test_an_order_in_another_currency_is_rejected_not_retried(shop: Shop, call: Invoke) -> None:
    call("create_order", principal=shop.principal, body={"email": "ann@example.com", "amount": 5, "currency": "EUR"})
    delivery = shop.send("orders/paid", payloads.order(ORDER_ID, _bob(updated_at=T0), LINES, currency="USD"))
    assert shop.outcome(delivery) == "rejected"


# ---------------------------------------------------------------- compliance


def test_a_data_request_writes_the_consumers_export_for_the_staff(shop: Shop) -> None:
    shop.send("customers/create", _bob(updated_at=T0))
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    delivery = shop.send("customers/data_request", payloads.data_request(207119551, "bob.norman@example.com", 77))
    assert shop.outcome(delivery) == "exported"
    receipt = webhook_store.get_receipt(ACME, delivery.event_id)
    assert receipt is not None
    assert receipt["outcomeDetail"] == "shopify-data-requests/sandbox/acme/77.json"
    stored = boto3.client("s3").get_object(Bucket=EXPORTS_BUCKET, Key=receipt["outcomeDetail"])["Body"].read()
    document = json.loads(stored)
    assert document["consumer"]["id"] == consumer["id"]
    assert document["shopifyDataRequest"]["id"] == "77"


def test_a_customer_redact_erases_the_consumer(shop: Shop) -> None:
    shop.send("customers/create", _bob(updated_at=T0))
    consumer = shop.by_shopify_id(207119551)
    assert consumer is not None
    shop.send("customers_email_marketing_consent/update", payloads.email_consent(207119551, "bob.norman@example.com"))
    delivery = shop.send("customers/redact", payloads.customer_redact(207119551, "bob.norman@example.com"))
    assert shop.outcome(delivery) == "erased"
    assert shop.call("get_consumer", principal=shop.principal, path_params={"id": consumer["id"]})["status"] == 404
    assert shop.by_shopify_id(207119551) is None
    assert _table_items("ShopifyCustomerData") == []
    assert _table_items("ShopifyClaim") == []
    (audit,) = _table_items("Erasure")
    assert audit["erasedBy"]["S"] == "shopify:customers/redact"


def test_a_shop_redact_switches_the_connection_off_and_later_deliveries_do_nothing(shop: Shop) -> None:
    delivery = shop.send("shop/redact", payloads.shop_redact())
    assert shop.outcome(delivery) == "disconnected"
    assert shop.call("get_shopify", principal=shop.principal)["body"]["enabled"] is False
    late = shop.send("customers/create", _bob())
    assert shop.outcome(late) == "disabled"
    assert _table_items("Consumer") == []


def test_customers_merge_merges_the_two_linked_consumers(shop: Shop, table: str) -> None:
    shop.send("customers/create", _bob(updated_at=T0))
    shop.send("customers/create", payloads.customer(207119552, "bob.work@example.com", phone=None, updated_at=T0))
    kept, merged = shop.by_shopify_id(207119551), shop.by_shopify_id(207119552)
    assert kept is not None
    assert merged is not None
    assert kept["id"] != merged["id"]
    request = shop.send("customers/merge", payloads.merged_customers(207119551, 207119552))
    assert shop.outcome(request) == "merge_requested"
    again = shop.send("customers/merge", payloads.merged_customers(207119551, 207119551))
    assert shop.outcome(again) == "one_consumer"
    steps = stream_delivery(table, "run_merge", "RunMergeFunction", "Steps")
    while steps():
        pass
    (asked,) = _table_items("MergeRequest")
    assert asked["outcome"]["S"].startswith("started mrg_")
    assert shop.by_shopify_id(207119552)["id"] == kept["id"]  # type: ignore[index]  # its next delivery updates the survivor
    gone = shop.call("get_consumer", principal=shop.principal, path_params={"id": merged["id"]})
    assert gone["body"]["error"]["mergedInto"] == kept["id"]
    timeline = shop.call("consumer_timeline", principal=shop.principal, path_params={"id": kept["id"]})["body"]
    assert timeline["data"][0]["type"] == "profile_merged"
    assert timeline["data"][0]["details"]["mergedId"] == merged["id"]
