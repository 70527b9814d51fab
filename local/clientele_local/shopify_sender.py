"""The Shopify stand-in's webhook sender: builds deliveries as Shopify makes them (the topic's JSON, the
`X-Shopify-*` headers, the HMAC-SHA256 signature of the raw body with the app's secret) and POSTs them
to a connection's webhookUrl, with the mishaps a real receiver meets: the same event twice, events out
of order, a retry of a delivery (same event and webhook ids, a later attempt), and a bad signature.

    sender = ShopifySender(webhook_url, secret)
    sender.send(sender.delivery("customers/create", payloads.customer(207119551, "bob@example.com")))

Payload builders (module functions) follow Shopify's webhook JSON of API version 2025-10 for the
fields Clientele reads. `python -m clientele_local.shopify_sender URL SECRET TOPIC [JSON file]` sends
one delivery from the command line (the payload from the file, or a sample of the topic).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

API_VERSION = "2025-10"
SHOP_DOMAIN = "kefi.myshopify.com"


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def instant(moment: datetime | None = None) -> str:
    """Shopify's timestamps: ISO 8601 with an offset, to the second."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class Delivery(NamedTuple):
    topic: str
    headers: dict[str, str]
    body: bytes
    event_id: str
    webhook_id: str


class Answer(NamedTuple):
    status: int
    body: dict[str, Any]


class ShopifySender:
    """Signs and delivers webhooks of one shop to one webhookUrl."""

    def __init__(self, webhook_url: str, secret: str, shop_domain: str = SHOP_DOMAIN, timeout: float = 10) -> None:
        self.webhook_url, self.secret, self.shop_domain, self.timeout = webhook_url, secret, shop_domain, timeout
        self.sent: list[Delivery] = []

    def delivery(
        self,
        topic: str,
        payload: dict[str, Any],
        *,
        event_id: str | None = None,
        triggered_at: datetime | None = None,
        bad_hmac: bool = False,
        secret: str | None = None,
    ) -> Delivery:
        """One delivery as Shopify makes it. `bad_hmac` signs it wrong; `secret` signs it with another."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = sign(secret or self.secret, body)
        if bad_hmac:
            signature = sign(f"not-{self.secret}", body)
        event = event_id or str(uuid.uuid4())
        webhook_id = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": self.shop_domain,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Event-Id": event,
            "X-Shopify-Triggered-At": (triggered_at or datetime.now(UTC)).isoformat(timespec="milliseconds"),
        }
        return Delivery(topic, headers, body, event, webhook_id)

    def retry(self, delivery: Delivery) -> Delivery:
        """The same delivery attempted again, as Shopify retries one that got no 2xx: same body, same
        event and webhook ids, same signature."""
        return delivery._replace(headers=dict(delivery.headers))

    def send(self, delivery: Delivery) -> Answer:
        """POSTs the delivery; the receiver's answer (any status)."""
        if not self.webhook_url.startswith(("http://", "https://")):
            raise ValueError(f"not a webhook URL: {self.webhook_url}")
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
            self.webhook_url, data=delivery.body, headers=delivery.headers, method="POST"
        )
        self.sent.append(delivery)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (http(s) only)
                return Answer(response.status, _json(response.read()))
        except urllib.error.HTTPError as error:
            return Answer(error.code, _json(error.read()))

    def deliver(self, topic: str, payload: dict[str, Any], **options: Any) -> Answer:
        return self.send(self.delivery(topic, payload, **options))

    def send_twice(self, delivery: Delivery) -> tuple[Answer, Answer]:
        """A duplicate: Shopify may deliver one event more than once."""
        return self.send(delivery), self.send(self.retry(delivery))

    def send_out_of_order(self, deliveries: list[Delivery]) -> list[Answer]:
        """The deliveries, newest first: Shopify does not keep the order events happened in."""
        return [self.send(delivery) for delivery in reversed(deliveries)]


def _json(raw: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return {"raw": raw.decode(errors="replace")}
    return answer if isinstance(answer, dict) else {"answer": answer}


# ---------------------------------------------------------------- payloads


def customer(
    customer_id: int,
    email: str | None,
    *,
    first_name: str = "Bob",
    last_name: str = "Norman",
    phone: str | None = None,
    state: str = "enabled",
    updated_at: datetime | None = None,
    city: str = "Ottawa",
) -> dict[str, Any]:
    """customers/create, customers/update, customers/enable and customers/disable (no tags since 2025-01)."""
    updated = updated_at or datetime.now(UTC)
    return {
        "id": customer_id,
        "email": email,
        "created_at": instant(updated - timedelta(days=30)),
        "updated_at": instant(updated),
        "first_name": first_name,
        "last_name": last_name,
        "state": state,
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": phone,
        "currency": "USD",
        "addresses": [],
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        "default_address": {
            "id": customer_id + 1,
            "customer_id": customer_id,
            "first_name": first_name,
            "last_name": last_name,
            "address1": "123 Elm St.",
            "address2": None,
            "city": city,
            "province": "Ontario",
            "country": "Canada",
            "zip": "K2H7A8",
            "province_code": "ON",
            "country_code": "CA",
            "default": True,
        },
    }


def merged_customers(kept_id: int, deleted_id: int) -> dict[str, Any]:
    """customers/merge: the customer kept and the one merged into it (and deleted), with the job's outcome."""
    return {
        "admin_graphql_api_customer_kept_id": f"gid://shopify/Customer/{kept_id}",
        "admin_graphql_api_customer_deleted_id": f"gid://shopify/Customer/{deleted_id}",
        "admin_graphql_api_job_id": f"gid://shopify/Job/{uuid.uuid4()}",
        "status": "completed",
        "errors": [],
    }


def deleted_customer(customer_id: int, updated_at: datetime | None = None) -> dict[str, Any]:
    """customers/delete: Shopify sends little more than the id."""
    return {
        "id": customer_id,
        "phone": None,
        "addresses": [],
        "tax_exemptions": [],
        "email_marketing_consent": None,
        "sms_marketing_consent": None,
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        "updated_at": instant(updated_at),
    }


def order(
    order_id: int,
    buyer: dict[str, Any],
    lines: list[tuple[str, str, int, str]],
    *,
    total_discounts: str = "0.00",
    discount_codes: list[dict[str, str]] | None = None,
    financial_status: str = "paid",
    currency: str = "USD",
    created_at: datetime | None = None,
    cancelled: bool = False,
) -> dict[str, Any]:
    """orders/create, orders/paid, orders/cancelled. `lines`: (sku, title, quantity, price)."""
    created = created_at or datetime.now(UTC)
    subtotal = sum(float(price) * quantity for _, _, quantity, price in lines)
    discounts = float(total_discounts)
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{order_id % 10000}",
        "email": buyer.get("email"),
        "created_at": instant(created),
        "processed_at": instant(created),
        "updated_at": instant(created + timedelta(seconds=5)),
        "cancelled_at": instant(created + timedelta(hours=1)) if cancelled else None,
        "cancel_reason": "customer" if cancelled else None,
        "currency": currency,
        "presentment_currency": currency,
        "financial_status": "voided" if cancelled else financial_status,
        "total_line_items_price": f"{subtotal:.2f}",
        "subtotal_price": f"{subtotal - discounts:.2f}",
        "total_discounts": total_discounts,
        "total_tax": "0.00",
        "total_price": f"{subtotal - discounts:.2f}",
        "discount_codes": discount_codes or [],
        "order_status_url": f"https://{SHOP_DOMAIN}/90210/orders/{uuid.uuid4().hex}/authenticate?key=k{order_id}",
        "source_name": "web",
        "customer": {
            key: buyer.get(key)
            for key in (
                "id",
                "email",
                "first_name",
                "last_name",
                "phone",
                "state",
                "updated_at",
                "admin_graphql_api_id",
            )
        },
        "line_items": [
            {
                "id": order_id * 100 + number,
                "sku": sku,
                "title": title,
                "name": title,
                "quantity": quantity,
                "price": price,
                "total_discount": "0.00",
            }
            for number, (sku, title, quantity, price) in enumerate(lines)
        ],
    }


def refund(refund_id: int, order_id: int, amount: str, *, currency: str = "USD") -> dict[str, Any]:
    """refunds/create: what was given back is in its transactions."""
    return {
        "id": refund_id,
        "order_id": order_id,
        "created_at": instant(),
        "note": "Returned",
        "restock": True,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "refund_line_items": [],
        "transactions": [
            {
                "id": refund_id * 10,
                "order_id": order_id,
                "kind": "refund",
                "status": "success",
                "amount": amount,
                "currency": currency,
                "gateway": "bogus",
            }
        ],
    }


def tags(customer_id: int, added: list[str], occurred_at: datetime | None = None) -> dict[str, Any]:
    """customer.tags_added / customer.tags_removed."""
    return {"customerId": f"gid://shopify/Customer/{customer_id}", "tags": added, "occurredAt": instant(occurred_at)}


def email_consent(
    customer_id: int, email: str, state: str = "subscribed", at: datetime | None = None
) -> dict[str, Any]:
    """customers_email_marketing_consent/update."""
    return {
        "customer_id": customer_id,
        "email_address": email,
        "email_marketing_consent": {"state": state, "opt_in_level": "single_opt_in", "consent_updated_at": instant(at)},
    }


def sms_consent(customer_id: int, phone: str, state: str = "subscribed", at: datetime | None = None) -> dict[str, Any]:
    """customers_marketing_consent/update (SMS)."""
    return {
        "id": customer_id,
        "phone": phone,
        "sms_marketing_consent": {
            "state": state,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": instant(at),
            "consent_collected_from": "SHOPIFY",
        },
    }


def purchasing_summary(customer_id: int, orders: int, spent: str) -> dict[str, Any]:
    """customers/purchasing_summary."""
    return {
        "customerId": f"gid://shopify/Customer/{customer_id}",
        "numberOfOrders": orders,
        "amountSpent": {"amount": spent, "currencyCode": "USD"},
        "lastOrderId": None,
        "occurredAt": instant(),
    }


def data_request(customer_id: int, email: str, request_id: int = 9999) -> dict[str, Any]:
    return {
        "shop_id": 954889,
        "shop_domain": SHOP_DOMAIN,
        "orders_requested": [],
        "customer": {"id": customer_id, "email": email, "phone": None},
        "data_request": {"id": request_id},
    }


def customer_redact(customer_id: int, email: str) -> dict[str, Any]:
    return {
        "shop_id": 954889,
        "shop_domain": SHOP_DOMAIN,
        "customer": {"id": customer_id, "email": email, "phone": None},
        "orders_to_redact": [],
    }


def shop_redact() -> dict[str, Any]:
    return {"shop_id": 954889, "shop_domain": SHOP_DOMAIN}


SAMPLES = {
    "customers/create": lambda: customer(207119551, "bob.norman@example.com"),
    "customers/update": lambda: customer(207119551, "bob.norman@example.com"),
    "orders/paid": lambda: order(
        820982911946154508, customer(207119551, "bob.norman@example.com"), [("IPOD-342-N", "IPod Nano", 1, "199.00")]
    ),
    "shop/redact": shop_redact,
}


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print("usage: python -m clientele_local.shopify_sender WEBHOOK_URL SECRET TOPIC [payload.json]")
        return 2
    url, secret, topic = argv[:3]
    if len(argv) == 4:
        with open(argv[3], encoding="utf-8") as file:
            payload = json.load(file)
    elif topic in SAMPLES:
        payload = SAMPLES[topic]()
    else:
        print(f"no sample payload for {topic}: give one as a JSON file")
        return 2
    answer = ShopifySender(url, secret).deliver(topic, payload)
    print(answer.status, json.dumps(answer.body))
    return 0 if answer.status < 300 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
