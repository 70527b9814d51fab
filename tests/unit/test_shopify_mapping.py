"""A Shopify customer in both of Shopify's shapes (the GraphQL Admin API's Customer and the
customers/* webhook JSON) becomes the same ShopifyCustomer; ids and GIDs, tags, states, times."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from clientele.consumers.listing import CLAIM_KINDS, SHOPIFY_GID_PREFIX
from clientele.consumers.models import Address
from clientele.shopify import customer_store
from clientele.shopify.customers import GID_PREFIX, ShopifyCustomer, shopify_id_of
from clientele.shopify.requests import ShopifySettings
from tests.shopify_samples import CUSTOMER_NODE

GRAPHQL = CUSTOMER_NODE

WEBHOOK: dict[str, Any] = {
    "id": 207119551,
    "admin_graphql_api_id": "gid://shopify/Customer/207119551",
    "first_name": "Bob",
    "last_name": "Norman",
    "email": "bob.norman@example.com",
    "phone": "+16135550135",
    "default_address": {
        "address1": "Chestnut Street 92",
        "address2": "Apartment 2",
        "city": "Louisville",
        "province": "Kentucky",
        "province_code": "KY",
        "zip": "40202",
        "country": "United States",
        "country_code": "US",
        "default": True,
    },
    "tags": "vip, newsletter",
    "state": "enabled",
    "updated_at": "2025-10-01T08:00:00-04:00",
}

EXPECTED = ShopifyCustomer(
    shopify_id="207119551",
    first_name="Bob",
    last_name="Norman",
    email="Bob.Norman@example.com",
    phone="+16135550135",
    address=Address(
        street="Chestnut Street 92, Apartment 2",
        city="Louisville",
        region="Kentucky",
        postal_code="40202",
        country="US",
    ),
    tags=["vip", "newsletter"],
    enabled=True,
    updated_at="2025-10-01T12:00:00.000Z",
)


def test_the_graphql_customer_maps() -> None:
    assert ShopifyCustomer.from_graphql(GRAPHQL) == EXPECTED


def test_the_webhook_customer_maps_to_the_same() -> None:
    mapped = ShopifyCustomer.from_webhook(WEBHOOK)
    assert mapped == EXPECTED.model_copy(update={"email": "bob.norman@example.com"})
    assert mapped.updated_at == "2025-10-01T12:00:00.000Z"  # the offset taken into account


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("gid://shopify/Customer/207119551", "207119551"),
        ("207119551", "207119551"),
        (207119551, "207119551"),
        (" gid://shopify/Customer/1 ", "1"),
    ],
)
def test_ids_and_gids_reduce_to_the_number(given: Any, expected: str) -> None:
    assert shopify_id_of(given) == expected
    assert ShopifyCustomer(shopify_id=given, updated_at="2025-01-01T00:00:00Z").shopify_id == expected


@pytest.mark.parametrize(
    "given", ["gid://shopify/Order/1", "gid://shopify/Customer/", "abc", "", "-1", "1" * 21, True, "12.5"]
)
def test_other_ids_are_refused(given: Any) -> None:
    with pytest.raises(ValueError, match="not a Shopify customer id"):
        shopify_id_of(given)
    with pytest.raises(ValidationError):
        ShopifyCustomer(shopify_id=given, updated_at="2025-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("state", "enabled"),
    [("enabled", True), ("disabled", False), ("invited", False), ("declined", False), (None, False)],
)
def test_only_an_enabled_account_is_a_member(state: str | None, enabled: bool) -> None:
    assert ShopifyCustomer.from_webhook({**WEBHOOK, "state": state}).enabled is enabled
    assert ShopifyCustomer.from_graphql({**GRAPHQL, "state": state.upper() if state else None}).enabled is enabled


def test_tags_from_text_or_list_are_trimmed_and_unique_and_absent_tags_are_unknown() -> None:
    assert ShopifyCustomer.from_webhook({**WEBHOOK, "tags": " a, b ,, a,"}).tags == ["a", "b"]
    assert ShopifyCustomer.from_webhook({**WEBHOOK, "tags": ""}).tags == []
    webhook = {name: value for name, value in WEBHOOK.items() if name != "tags"}  # none since 2025-01
    assert ShopifyCustomer.from_webhook(webhook).tags is None
    assert ShopifyCustomer.from_graphql({**GRAPHQL, "tags": ["x" * 80]}).tags == ["x" * 64]
    assert len(ShopifyCustomer.from_graphql({**GRAPHQL, "tags": [str(n) for n in range(150)]}).tags or []) == 100


def test_values_clientele_would_refuse_are_left_out() -> None:
    odd = ShopifyCustomer.from_webhook({**WEBHOOK, "email": "not an address", "phone": "555-1234", "first_name": " "})
    assert (odd.email, odd.phone, odd.first_name) == (None, None, None)
    long = ShopifyCustomer.from_graphql({**GRAPHQL, "lastName": "N" * 300})
    assert long.last_name == "N" * 200


def test_addresses_map_field_by_field() -> None:
    bare = ShopifyCustomer.from_webhook({**WEBHOOK, "default_address": {"address1": None, "country": "Portugal"}})
    assert bare.address == Address(country="Portugal")  # no code: the name
    assert ShopifyCustomer.from_webhook({**WEBHOOK, "default_address": {"address1": " "}}).address is None
    assert ShopifyCustomer.from_webhook({**WEBHOOK, "default_address": None}).address is None
    coded = ShopifyCustomer.from_graphql({**GRAPHQL, "defaultAddress": {"provinceCode": "ON", "zip": "K1A 0B1"}})
    assert coded.address == Address(region="ON", postal_code="K1A 0B1")


def test_the_graphql_customer_falls_back_to_its_older_fields() -> None:
    node = {**GRAPHQL, "defaultEmailAddress": None, "defaultPhoneNumber": None}
    mapped = ShopifyCustomer.from_graphql({**node, "email": "old@example.com", "phone": "+16135550100"})
    assert (mapped.email, mapped.phone) == ("old@example.com", "+16135550100")
    assert ShopifyCustomer.from_graphql(node).email is None


def test_the_search_reads_the_claims_apply_writes() -> None:
    assert CLAIM_KINDS["shopifyId"] == customer_store.CLAIM_KIND
    assert SHOPIFY_GID_PREFIX == GID_PREFIX


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("kefi-demo.myshopify.com", "kefi-demo.myshopify.com"),
        ("https://KEFI.myshopify.com/", "kefi.myshopify.com"),
        (" kefi2.myshopify.com ", "kefi2.myshopify.com"),
    ],
)
def test_a_shop_domain_is_the_permanent_domain(given: str, expected: str) -> None:
    assert ShopifySettings(shop_domain=given, enabled=True).shop_domain == expected


@pytest.mark.parametrize(
    "given",
    ["kefi.com", "kefi.myshopify.com.evil.example", "-kefi.myshopify.com", "ke fi.myshopify.com", "myshopify.com"],
)
def test_other_domains_are_refused(given: str) -> None:
    with pytest.raises(ValidationError, match=r"myshopify\.com"):
        ShopifySettings(shop_domain=given, enabled=True)
