"""Shopify customers as consumers (issue 17, "Shopify"): `apply` creates, updates, links by email or
phone, ignores stale customers, never duplicates one (not even when applies race), the Shopify id
search, and the erasure and data export knowing the Shopify identity."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from clientele.consumers import service
from clientele.consumers import store as consumer_store
from clientele.consumers.enums import Membership, Source
from clientele.core.errors import ValidationFailed
from clientele.core.store import dynamo
from clientele.core.tenancy import Environment, Tenant
from clientele.shopify import customer_store
from clientele.shopify.customers import NO_CONTACT, Outcome, ShopifyCustomer, apply, consumer_for
from tests.integration.conftest import TABLE_NAME, Invoke, principal_for
from tests.shopify_samples import CUSTOMER_NODE

ACME = Tenant(organization="acme", environment=Environment.SANDBOX)


def _customer(**fields: Any) -> ShopifyCustomer:
    node = {**CUSTOMER_NODE, "defaultEmailAddress": {"emailAddress": "bob.norman@example.com"}, **fields}
    return ShopifyCustomer.from_graphql(node)


def _items(prefix: str = "sandbox#acme#") -> list[dict[str, Any]]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE_NAME)  # a test may scan
    items = [dynamo.deserialize(item) for page in pages for item in page["Items"]]
    return [item for item in items if str(item["pk"]).startswith(prefix)]


def _consumers() -> list[dict[str, Any]]:
    return [item for item in _items() if item.get("entity") == "Consumer"]


def test_a_new_customer_becomes_a_consumer_from_shopify(table: str) -> None:
    assert apply(ACME, _customer()) is Outcome.CREATED
    consumer = consumer_for(ACME, "207119551")
    assert consumer is not None
    assert consumer.source is Source.SHOPIFY
    assert (consumer.first_name, consumer.last_name, consumer.full_name) == ("Bob", "Norman", "Bob Norman")
    assert (consumer.email, consumer.phone) == ("bob.norman@example.com", "+16135550135")
    assert consumer.address is not None
    assert consumer.address.model_dump() == {
        "street": "Chestnut Street 92, Apartment 2",
        "city": "Louisville",
        "region": "Kentucky",
        "postal_code": "40202",
        "country": "US",
    }
    assert consumer.tags == ["vip", "newsletter"]
    assert consumer.membership is Membership.MEMBER
    assert consumer.member_since is not None
    assert consumer.external_id is None  # the Shopify id is its own identity
    assert consumer_for(ACME, "gid://shopify/Customer/207119551") == consumer
    assert consumer_for(ACME, "1") is None
    # Applied again as it is: nothing to do.
    assert apply(ACME, _customer()) is Outcome.UNCHANGED
    assert len(_consumers()) == 1


def test_a_guest_customer_is_a_guest_and_one_without_email_or_phone_is_refused(table: str) -> None:
    guest = _customer(id="gid://shopify/Customer/2", state="DISABLED", defaultEmailAddress={"emailAddress": "g@x.co"})
    assert apply(ACME, guest.model_copy(update={"phone": None})) is Outcome.CREATED
    found = consumer_for(ACME, "2")
    assert found is not None
    assert found.membership is Membership.GUEST
    assert found.member_since is None
    nobody = _customer(id="gid://shopify/Customer/3", defaultEmailAddress=None, defaultPhoneNumber=None)
    with pytest.raises(ValidationFailed) as refused:  # a consumer needs one: the caller reports it
        apply(ACME, nobody)
    assert refused.value.details == [{"field": "email", "message": NO_CONTACT}]
    assert consumer_for(ACME, "3") is None
    assert len(_consumers()) == 1


def test_a_newer_customer_updates_and_an_older_one_is_stale(table: str) -> None:
    apply(ACME, _customer())
    before = consumer_for(ACME, "207119551")
    assert before is not None
    newer = _customer(
        firstName="Robert",
        tags=["vip", "wholesale"],
        defaultAddress={"address1": "1 New Road", "city": "Lisbon", "countryCodeV2": "PT"},
        updatedAt="2025-10-02T12:00:00Z",
    )
    assert apply(ACME, newer) is Outcome.UPDATED
    after = consumer_for(ACME, "207119551")
    assert after is not None
    assert after.id == before.id
    assert (after.first_name, after.full_name) == ("Robert", "Robert Norman")
    assert after.address is not None
    assert (after.address.street, after.address.country) == ("1 New Road", "PT")
    assert after.tags == ["vip", "wholesale"]  # Shopify took "newsletter" away
    assert after.version == before.version + 1
    # An older delivery (a webhook retried late) changes nothing.
    assert apply(ACME, _customer(firstName="Bobby", updatedAt="2025-10-01T18:00:00Z")) is Outcome.STALE
    # Offsets are compared as instants: 2025-10-02T07:00:00-05:00 is 12:00Z, the same time.
    same_time = _customer(firstName="Robert", tags=["vip", "wholesale"], updatedAt="2025-10-02T07:00:00-05:00")
    assert apply(ACME, same_time.model_copy(update={"address": after.address})) is Outcome.UNCHANGED
    later_same = same_time.model_copy(update={"address": after.address, "updated_at": "2025-10-03T00:00:00.000Z"})
    assert apply(ACME, later_same) is Outcome.UNCHANGED  # newer but the same: remembered, so …
    assert apply(ACME, newer) is Outcome.STALE  # … what came before it is stale now
    final = consumer_for(ACME, "207119551")
    assert final is not None
    assert final.first_name == "Robert"
    assert final.version == after.version


def test_clientele_tags_stay_and_shopify_taking_the_account_away_makes_a_guest(table: str) -> None:
    apply(ACME, _customer())
    consumer = consumer_for(ACME, "207119551")
    assert consumer is not None
    consumer_store.commit(
        consumer_store.replace_write(
            ACME, consumer, consumer.model_copy(update={"tags": [*consumer.tags, "staff-pick"], "version": 2})
        )
    )
    apply(ACME, _customer(tags=["vip"], state="DISABLED", updatedAt="2025-10-02T12:00:00Z"))
    after = consumer_for(ACME, "207119551")
    assert after is not None
    assert after.tags == ["vip", "staff-pick"]
    assert after.membership is Membership.GUEST
    assert after.member_since is None
    # Webhook payloads carry no tags since 2025-01: the tags stay as they are.
    webhook = ShopifyCustomer.from_webhook(
        {"id": 207119551, "email": "bob.norman@example.com", "state": "enabled", "updated_at": "2025-10-03T12:00:00Z"}
    )
    assert apply(ACME, webhook) is Outcome.UPDATED
    latest = consumer_for(ACME, "207119551")
    assert latest is not None
    assert latest.tags == ["vip", "staff-pick"]
    assert latest.membership is Membership.MEMBER
    assert (latest.first_name, latest.phone) == ("Bob", "+16135550135")  # what Shopify did not say stays


def test_an_existing_consumer_is_linked_by_email_and_keeps_its_source(call: Invoke, acme: dict[str, str]) -> None:
    made = call(
        "create_consumer",
        principal=acme,
        body={"email": "Bob.Norman@Example.com", "fullName": "B. Norman", "tags": ["walk-in"]},
    )["body"]
    assert apply(ACME, _customer()) is Outcome.UPDATED
    linked = consumer_for(ACME, "207119551")
    assert linked is not None
    assert linked.id == made["id"]
    assert linked.source == made["source"] != Source.SHOPIFY
    assert linked.tags == ["walk-in", "vip", "newsletter"]
    assert linked.full_name == "B. Norman"  # set on its own: the parts do not replace it
    assert linked.phone == "+16135550135"
    assert len(_consumers()) == 1
    assert apply(ACME, _customer()) is Outcome.UNCHANGED


def test_an_existing_consumer_is_linked_by_phone(call: Invoke, acme: dict[str, str]) -> None:
    made = call("create_consumer", principal=acme, body={"phone": "+1 613 555 0135", "firstName": "Bob"})["body"]
    assert apply(ACME, _customer()) is Outcome.UPDATED
    linked = consumer_for(ACME, "207119551")
    assert linked is not None
    assert linked.id == made["id"]
    assert linked.email == "bob.norman@example.com"
    assert len(_consumers()) == 1


def test_an_email_another_consumer_holds_is_not_taken_from_it(call: Invoke, acme: dict[str, str]) -> None:
    apply(ACME, _customer())
    other = call("create_consumer", principal=acme, body={"email": "taken@example.com"})["body"]
    moved = _customer(
        firstName="Rob", defaultEmailAddress={"emailAddress": "taken@example.com"}, updatedAt="2025-10-02T00:00:00Z"
    )
    assert apply(ACME, moved) is Outcome.UPDATED
    mine = consumer_for(ACME, "207119551")
    assert mine is not None
    assert mine.id != other["id"]
    assert (mine.email, mine.first_name) == ("bob.norman@example.com", "Rob")


def test_a_look_up_taken_before_others_wrote_is_caught_by_the_write(call: Invoke, acme: dict[str, str]) -> None:
    """The sync's batch read (customer_store.look_up) may be overtaken before the customer applies:
    a look-up that saw nobody, then an API create of the same email and another apply of the same
    customer, still end with one consumer per person, linked as if read afresh."""
    customer = _customer()
    stale = customer_store.look_up(ACME, [(customer.shopify_id, customer.email)])[customer.shopify_id]
    assert stale == customer_store.Seen(claim=None, email_holder=None)
    made = call("create_consumer", principal=acme, body={"email": "bob.norman@example.com"})["body"]
    assert apply(ACME, customer, stale) is Outcome.UPDATED  # the create's claim fails: read again, linked
    linked = consumer_for(ACME, customer.shopify_id)
    assert linked is not None
    assert linked.id == made["id"]
    newer = _customer(firstName="Robert", updatedAt="2025-10-02T00:00:00Z")
    assert apply(ACME, newer, stale) is Outcome.UPDATED  # a claim it did not see: read again, updated
    assert len(_consumers()) == 1
    assert consumer_for(ACME, customer.shopify_id).first_name == "Robert"  # type: ignore[union-attr]


def test_a_look_up_reads_each_key_once_and_answers_every_customer(table: str) -> None:
    apply(ACME, _customer())
    seen = customer_store.look_up(
        ACME,
        [("207119551", "bob.norman@example.com"), ("42", "bob.norman@example.com"), ("43", None)],
    )
    holder = consumer_for(ACME, "207119551")
    assert holder is not None
    assert seen["207119551"].claim is not None
    assert seen["207119551"].claim["consumerId"] == holder.id
    assert seen["42"] == customer_store.Seen(claim=None, email_holder=holder.id)  # the same email: one key read
    assert seen["43"] == customer_store.Seen(claim=None, email_holder=None)


def test_racing_applies_of_one_new_customer_make_one_consumer(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ten applies share one interpreter (and moto) here, each attempt ten times slower than alone: a
    # budget that fits, since what is tested is the outcome of the race, not how long it took.
    monkeypatch.setattr(service, "RETRY_SECONDS", 60.0)
    customer = _customer()
    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(lambda _: apply(ACME, customer), range(10)))
    assert outcomes.count(Outcome.CREATED) == 1
    assert set(outcomes) <= {Outcome.CREATED, Outcome.UNCHANGED}
    assert len(_consumers()) == 1
    claims = [item for item in _items() if item.get("entity") == customer_store.ShopifyClaim.kind]
    assert len(claims) == 1
    assert claims[0]["consumerId"] == _consumers()[0]["id"]


def test_racing_applies_of_a_phone_only_customer_make_one_consumer(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "RETRY_SECONDS", 60.0)  # as above
    customer = _customer(defaultEmailAddress=None)
    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(lambda _: apply(ACME, customer), range(10)))
    assert outcomes.count(Outcome.CREATED) == 1
    assert len(_consumers()) == 1


def test_a_deleted_consumer_is_made_again_by_its_next_change(call: Invoke, acme: dict[str, str]) -> None:
    apply(ACME, _customer())
    first = consumer_for(ACME, "207119551")
    assert first is not None
    assert call("delete_consumer", principal=acme, path_params={"id": first.id})["status"] in (200, 204)
    assert consumer_for(ACME, "207119551") is None
    assert apply(ACME, _customer(updatedAt="2025-10-05T00:00:00Z")) is Outcome.CREATED
    again = consumer_for(ACME, "207119551")
    assert again is not None
    assert again.id != first.id


def test_search_by_shopify_id(call: Invoke, acme: dict[str, str]) -> None:
    apply(ACME, _customer())
    consumer = consumer_for(ACME, "207119551")
    assert consumer is not None

    def search(**query: str) -> dict[str, Any]:
        return call("search_consumers", principal=acme, query=query)

    for value in ("207119551", "gid://shopify/Customer/207119551", " 207119551 "):
        found = search(shopifyId=value)
        assert found["status"] == 200
        assert [row["id"] for row in found["body"]["data"]] == [consumer.id]
    assert search(shopifyId="207119551", email="bob.norman@example.com")["body"]["data"][0]["id"] == consumer.id
    assert search(shopifyId="207119551", email="someone@example.com")["body"]["data"] == []
    assert search(shopifyId="207119551", q="bob")["body"]["data"][0]["id"] == consumer.id
    assert search(shopifyId="999")["body"]["data"] == []
    refused = search(shopifyId="gid://shopify/Order/1")
    assert refused["status"] == 400
    assert refused["body"]["error"]["details"][0]["field"] == "shopifyId"
    # Another tenant's consumers are not found by the same id.
    assert (
        call("search_consumers", principal=principal_for("globex"), query={"shopifyId": "207119551"})["body"]["data"]
        == []
    )


def test_erasure_drops_the_shopify_identity_and_the_export_shows_it(call: Invoke, acme: dict[str, str]) -> None:
    apply(ACME, _customer())
    consumer = consumer_for(ACME, "207119551")
    assert consumer is not None
    path = {"id": consumer.id}
    exported = call("consumer_data_export", principal=acme, path_params=path)["body"]
    assert exported["shopifyCustomerIds"] == ["207119551"]
    erased = call("erase_consumer", principal=acme, path_params=path)
    assert erased["status"] == 200, erased
    assert erased["body"]["removed"]["shopifyIdentities"] == 1
    assert consumer_for(ACME, "207119551") is None
    left = [item for item in _items() if "207119551" in str(item)]
    assert left == []
    assert call("search_consumers", principal=acme, query={"shopifyId": "207119551"})["body"]["data"] == []
