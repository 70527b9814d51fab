"""Shopify's webhook signature (X-Shopify-Hmac-Sha256): the base64 HMAC-SHA256 of the raw body with the
webhook secret, checked in constant time, on the bytes Shopify sent even when API Gateway hands them
over base64-encoded. And the pure mapping of orders and refunds (shopify/orders.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal

import pytest

from clientele.core.errors import ValidationFailed
from clientele.orders.models import OrderState
from clientele.shopify import orders, webhooks
from clientele_local import shopify_sender

SECRET = "hush-0123456789abcdef"
BODY = '{"id":207119551,"first_name":"Zoë","note":"ünïcödé ✓"}'.encode()


def _expected(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_the_signature_of_the_body_with_the_secret_is_accepted() -> None:
    header = _expected(SECRET, BODY)
    assert webhooks.signature(SECRET, BODY) == header
    assert webhooks.verified(SECRET, BODY, header)
    assert webhooks.verified(SECRET, BODY, f" {header}\n")  # surrounding whitespace is not part of it
    assert shopify_sender.sign(SECRET, BODY) == header  # the stand-in signs as Shopify does


@pytest.mark.parametrize(
    "header",
    [
        _expected("another-secret-entirely", BODY),  # signed with someone else's secret
        _expected(SECRET, BODY + b" "),  # a body changed by one byte
        _expected(SECRET, BODY)[:-2] + "==",
        hashlib.sha256(BODY).hexdigest(),  # a plain hash, no secret
        "not base64 at all",
    ],
)
def test_a_wrong_signature_is_refused(header: str) -> None:
    assert not webhooks.verified(SECRET, BODY, header)


@pytest.mark.parametrize("header", [None, ""])
def test_a_missing_signature_is_refused(header: str | None) -> None:
    assert not webhooks.verified(SECRET, BODY, header)


def test_no_secret_verifies_nothing() -> None:
    assert not webhooks.verified("", BODY, _expected("", BODY))


def test_a_base64_encoded_body_is_verified_on_the_bytes_it_stands_for() -> None:
    encoded = base64.b64encode(BODY).decode()
    raw = webhooks.raw_body(encoded, True)
    assert raw == BODY
    assert webhooks.verified(SECRET, raw, _expected(SECRET, BODY))
    assert not webhooks.verified(SECRET, encoded.encode(), _expected(SECRET, BODY))  # not the text API Gateway sent
    assert webhooks.raw_body(BODY.decode(), False) == BODY
    assert webhooks.raw_body(None, False) == b""


def test_a_body_that_says_base64_but_is_not_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed):
        webhooks.raw_body("%%% not base64 %%%", True)


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhooks.hmac, "compare_digest", spy)
    assert webhooks.verified(SECRET, BODY, _expected(SECRET, BODY))
    assert len(compared) == 1


def test_shopify_ids_are_reduced_to_their_number() -> None:
    assert webhooks.numeric_id("gid://shopify/Customer/207119551") == "207119551"
    assert webhooks.numeric_id(207119551) == "207119551"


# ---------------------------------------------------------------- orders and refunds mapping


def test_an_order_maps_lines_discounts_and_the_status_url() -> None:
    buyer = shopify_sender.customer(1, "a@example.com")
    payload = shopify_sender.order(
        42, buyer, [("TEE", "Tee", 2, "25.00"), ("", "Gift", 1, "0.00")], total_discounts="5.00"
    )
    request = orders.order_request(payload, "cons_1", OrderState.CLOSED)
    assert (request.external_id, request.amount, request.discount_amount) == ("42", Decimal(50), Decimal(5))
    assert [(line.sku, line.name, line.quantity, line.unit_price) for line in request.items] == [
        ("TEE", "Tee", 2, Decimal(25)),
        (None, "Gift", 1, Decimal(0)),
    ]
    assert request.checkout_url == payload["order_status_url"]
    assert (request.channel, request.currency, request.state) == ("shopify", "USD", OrderState.CLOSED)


def test_a_discount_never_exceeds_the_lines_and_bad_money_counts_as_zero() -> None:
    payload = shopify_sender.order(7, shopify_sender.customer(1, "a@example.com"), [("A", "A", 1, "10.00")])
    payload["total_discounts"] = "25.00"
    assert orders.order_request(payload, "cons_1", OrderState.CLOSED).discount_amount == Decimal(10)
    payload["total_line_items_price"] = "nonsense"
    assert orders.order_request(payload, "cons_1", OrderState.CLOSED).amount == Decimal(10)  # from the lines


def test_a_refund_counts_only_its_successful_refund_transactions() -> None:
    payload = shopify_sender.refund(1, 2, "40.00")
    payload["transactions"] += [
        {"kind": "refund", "status": "failure", "amount": "99.00"},
        {"kind": "sale", "status": "success", "amount": "5.00"},
        {"kind": "refund", "status": "success", "amount": "2.50"},
    ]
    assert orders.refund_amount(payload) == Decimal("42.50")
    assert orders.refund_amount({"transactions": []}) == 0
