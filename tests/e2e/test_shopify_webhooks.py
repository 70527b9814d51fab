"""Shopify's webhooks on the local stack: the stand-in's sender signs and POSTs a customer, an order,
a duplicate of each, an out-of-order update and a forged delivery to the webhookUrl the connection
answers, through the gateway (no API key) and the stream; the API shows one consumer with one order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from clientele_local import shopify_sender as payloads
from clientele_local.shopify_sender import ShopifySender
from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey, wait_for
from tests.e2e.test_api import auth

SECRET = "whsec_e2e_0123456789abcdef01234567"
T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def test_a_customer_an_order_and_duplicates_make_one_consumer_with_one_order(
    stack: RunningStack, mint_key: MintKey
) -> None:
    key = mint_key(f"shopify-{uuid.uuid4().hex[:8]}")

    def api(method: str, path: str, body: dict[str, Any] | None = None, **params: str) -> requests.Response:
        return requests.request(
            method, f"{stack.base_url}/api/v1{path}", json=body, params=params, headers=auth(key), timeout=60
        )

    settings = {
        "shopDomain": "kefi.myshopify.com",
        "accessToken": "shpat_e2e_0123456789abcdef0123456789",
        "webhookSecret": SECRET,
        "enabled": True,
    }
    connected = api("PUT", "/integrations/shopify", settings)
    assert connected.status_code == 200, connected.text
    webhook_url = connected.json()["webhookUrl"]
    assert webhook_url.startswith(stack.base_url)
    sender = ShopifySender(webhook_url, SECRET)

    email = f"bob-{uuid.uuid4().hex[:6]}@example.com"
    customer = payloads.customer(207119551, email, first_name="Bob", updated_at=T0)
    created = sender.delivery("customers/create", customer)
    older = sender.delivery(
        "customers/update", {**customer, "first_name": "Bobby", "updated_at": payloads.instant(T0 - timedelta(hours=1))}
    )
    order = payloads.order(820982911946154508, customer, [("TEE-1", "Tee", 2, "25.00")], total_discounts="5.00")
    paid = sender.delivery("orders/paid", order)

    first, duplicate = sender.send_twice(created)
    assert (first.status, first.body["duplicate"]) == (200, False)
    assert (duplicate.status, duplicate.body["duplicate"]) == (200, True)
    assert sender.send(older).status == 200  # older than the create: ignored
    answers = [sender.send(paid), sender.send(sender.retry(paid))]
    assert [answer.body["duplicate"] for answer in answers] == [False, True]
    forged = sender.send(sender.delivery("customers/update", {**customer, "first_name": "Mallory"}, bad_hmac=True))
    assert forged.status == 401

    def with_order() -> dict[str, Any] | None:
        found = api("GET", "/consumers/search", email=email).json()["data"]
        return found[0] if found and found[0]["totalOrders"] == 1 else None

    consumer = wait_for(with_order, timeout=90)
    assert (consumer["firstName"], consumer["source"]) == ("Bob", "shopify")
    listed = api("GET", "/consumers").json()["data"]  # the organization is new: everything it holds
    assert [found["id"] for found in listed] == [consumer["id"]]  # one consumer
    orders = api("GET", f"/consumers/{consumer['id']}/orders").json()["data"]
    assert [(found["externalId"], found["amount"], found["discountAmount"]) for found in orders] == [
        ("820982911946154508", 50, 5)
    ]
    health = api("GET", "/integrations/shopify").json()["webhooks"]
    assert (health["received"], health["failures"]) == (6, 1)
