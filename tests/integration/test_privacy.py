"""Erasure and the data-subject export (issue 5, seed 000 "Privacy Compliance")."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3

from clientele.core.store import dynamo
from clientele.core.tenancy import Environment, Tenant
from clientele.privacy import store as privacy_store
from clientele_local.klaviyo_standin import KlaviyoStandin
from tests.integration.conftest import TABLE_NAME, Invoke, stream_delivery
from tests.integration.test_imports import _start, _upload

EMAIL, PHONE, NAME, EXTERNAL_ID = "zelda.quixote@example.com", "+14155550199", "Zelda Quixote", "crm-zq-77"


def _everything(organization: str = "acme") -> list[dict[str, Any]]:
    """Every item of the tenant: a test may read the whole table."""
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE_NAME)
    items = [dynamo.deserialize(item) for page in pages for item in page["Items"]]
    prefix = f"sandbox#{organization}#"
    return [item for item in items if str(item["pk"]).startswith(prefix)]


def _life(call: Invoke, acme: dict[str, str]) -> dict[str, Any]:
    """A consumer with a bit of everything: orders and a refund, points, balance, an audience, an
    idempotent create, an export that picked them, an import row that failed with their email."""
    body = {"email": EMAIL, "phone": PHONE, "fullName": NAME, "externalId": EXTERNAL_ID, "tags": ["vip"]}
    consumer = call("create_consumer", principal=acme, body=body, headers={"Idempotency-Key": "zq-1"})["body"]
    path = {"id": consumer["id"]}
    program = call("create_loyalty_program", principal=acme, body={"name": "Rewards"})["body"]
    order = call(
        "create_order",
        principal=acme,
        body={
            "email": EMAIL,
            "amount": "80.00",
            "currency": "EUR",
            "externalId": "shop-1",
            "checkoutUrl": "https://shop.example/c/zq",
        },
    )["body"]
    refund = {"amount": "20.00", "reason": f"{NAME} changed their mind"}
    assert call("refund_order", principal=acme, path_params={"id": order["id"]}, body=refund)["status"] == 201
    points = {"programId": program["id"], "points": 50, "reason": f"welcome {NAME}"}
    assert call("add_points", principal=acme, path_params=path, body=points)["status"] == 201
    credit = {"amount": "5.00", "currency": "EUR", "reason": f"sorry {NAME}"}
    assert call("adjust_balance", principal=acme, path_params=path, body=credit)["status"] == 201
    coupon = {"code": "zq-thanks", "type": "fixed", "value": 5}
    assert call("issue_coupon", principal=acme, path_params=path, body=coupon)["status"] == 201
    assert call("create_referral_code", principal=acme, path_params=path, body={"code": "zq-friends"})["status"] == 201
    card = call("issue_loyalty_card", principal=acme, path_params={"id": program["id"]}, body={"code": "zq-card"})
    assert card["status"] == 201
    link = {"consumerId": consumer["id"]}
    assert call("link_loyalty_card", principal=acme, path_params={"code": "ZQ-CARD"}, body=link)["status"] == 200
    friend = call("create_consumer", principal=acme, body={"email": "friend@example.com", "referralCode": "ZQ-FRIENDS"})
    assert friend["status"] == 201
    audience = call("create_audience", principal=acme, body={"name": "VIPs"})["body"]
    members = {"consumerIds": [consumer["id"]]}
    assert (
        call("add_audience_members", principal=acme, path_params={"id": audience["id"]}, body=members)["status"] == 200
    )
    assert call("create_export", principal=acme, body={"consumerIds": [consumer["id"]]})["status"] == 202
    job = call("create_import", principal=acme, body={"onDuplicate": "error"})["body"]
    _start(_upload(job, f"email,name\n{EMAIL},{NAME}\nother@example.com,Other\n".encode()))
    stream_delivery(TABLE_NAME, "run_import", "RunImportFunction", "Checkpoints")()
    other = call("create_consumer", principal=acme, body={"email": "keep.me@example.com", "fullName": "Keep Me"})[
        "body"
    ]
    return {"consumer": consumer, "order": order, "audience": audience, "other": other, "program": program}


def test_the_data_export_holds_everything_about_the_consumer(call: Invoke, acme: dict[str, str]) -> None:
    life = _life(call, acme)
    answer = call("consumer_data_export", principal=acme, path_params={"id": life["consumer"]["id"]})
    assert answer["status"] == 200
    document = answer["body"]
    assert document["consumer"]["email"] == EMAIL
    assert [order["id"] for order in document["orders"]] == [life["order"]["id"]]
    assert document["orders"][0]["refundedAmount"] == 20
    assert [coupon["code"] for coupon in document["coupons"]] == ["ZQ-THANKS"]
    assert [code["code"] for code in document["referrals"]["codes"]] == ["ZQ-FRIENDS"]
    assert [card["code"] for card in document["loyalty"]["cards"]] == ["ZQ-CARD"]
    assert [referral["code"] for referral in document["referrals"]["referred"]] == ["ZQ-FRIENDS"]
    assert [entry["points"] for entry in document["loyalty"]["transactions"]][:1] == [50]
    assert [entry["amount"] for entry in document["balanceAdjustments"]] == [5]
    assert document["audiences"] == [{"id": life["audience"]["id"], "name": "VIPs"}]
    assert document["sync"] == {"status": "not_synced", "syncedAt": None, "klaviyoProfileId": None, "error": None}
    assert call("consumer_data_export", principal=acme, path_params={"id": "cons_nope"})["status"] == 404


def test_after_erasure_no_item_of_the_tenant_holds_the_consumer(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, index_search: Callable[[], int]
) -> None:
    call("configure_klaviyo", principal=acme, body={"apiKey": "pk_live_erasure_0001", "enabled": True})
    life = _life(call, acme)
    consumer_id = life["consumer"]["id"]
    stream_delivery(TABLE_NAME, "sync_klaviyo", "SyncKlaviyoFunction", "Changes")()
    profile_id = call("get_consumer", principal=acme, path_params={"id": consumer_id})["body"]["klaviyoProfileId"]
    assert profile_id in standin.profiles
    index_search()
    before = json.dumps(_everything(), default=str)
    assert EMAIL in before
    assert NAME.lower() in before.lower()

    erased = call("erase_consumer", principal=acme, path_params={"id": consumer_id})
    assert erased["status"] == 200, erased
    receipt = erased["body"]
    tenant = Tenant(organization="acme", environment=Environment.SANDBOX)
    assert receipt["subject"] == privacy_store.subject_of(tenant, consumer_id)
    assert receipt["erasedBy"] == acme["keyId"]
    assert receipt["klaviyoDeletion"] == "requested"
    assert receipt["anonymized"] == {"orders": 1, "ledgerEntries": 2, "changes": receipt["anonymized"]["changes"]}
    assert receipt["anonymized"]["changes"] >= 1  # its creation at least: kept without its values
    assert receipt["removed"]["idempotencyRecords"] >= 1
    assert receipt["removed"]["exportJobs"] == 1
    assert receipt["removed"]["importRows"] == 1
    assert receipt["removed"]["coupons"] == 1
    assert receipt["removed"]["referrals"] == 2  # the code, and the referral it made moved to the anonymous id
    friend = call("search_consumers", principal=acme, query={"email": "friend@example.com"})["body"]["data"][0]
    claim = dynamo.get_item({"pk": f"sandbox#acme#REFERRED#{friend['id']}", "sk": "REFERRAL"})
    assert claim is not None  # the friend stays referred once
    assert claim["advocateId"] == f"erased_{receipt['subject']}"
    assert receipt["removed"]["loyaltyCards"] == 1
    card = call("get_loyalty_card", principal=acme, path_params={"code": "ZQ-CARD"})["body"]
    assert card["consumers"] == []  # the card stays, without the erased holder
    index_search()  # the profile's REMOVE takes its search entries away
    stream_delivery(TABLE_NAME, "forget_klaviyo", "ForgetKlaviyoFunction", "Erasures")()
    assert standin.deletions
    assert profile_id not in standin.profiles

    after = json.dumps(_everything(), default=str).lower()
    for personal in (consumer_id, EMAIL, PHONE, NAME, EXTERNAL_ID, "zelda", "quixote"):
        assert personal.lower() not in after, personal
    # Accounting keeps the money, under the anonymous id.
    order = dynamo.get_item({"pk": f"sandbox#acme#ORDER#{life['order']['id']}", "sk": "ORDER"})
    assert order is not None
    assert (order["amount"], order["refundedAmount"], order["consumerId"]) == (80, 20, f"erased_{receipt['subject']}")
    audit = dynamo.get_item({"pk": "sandbox#acme#AUDIT", "sk": f"ERASURE#{receipt['subject']}"})
    assert audit is not None
    assert audit["erasedBy"] == acme["keyId"]
    # The rest of the tenant is untouched; the consumer is gone for the API.
    assert call("get_consumer", principal=acme, path_params={"id": consumer_id})["status"] == 404
    assert (
        call("get_consumer", principal=acme, path_params={"id": life["other"]["id"]})["body"]["fullName"] == "Keep Me"
    )
    audience = call("get_audience", principal=acme, path_params={"id": life["audience"]["id"]})["body"]
    assert audience["memberCount"] == 0
    assert call("erase_consumer", principal=acme, path_params={"id": consumer_id})["status"] == 404


def test_an_erasure_retried_with_its_idempotency_key_gets_the_first_answer_again(
    call: Invoke, acme: dict[str, str]
) -> None:
    """The answer was lost (a timeout, a dropped connection): the retry with the same key must not be
    a 404 that leaves the caller unsure whether the consumer was erased."""
    body = {"email": EMAIL, "phone": PHONE, "fullName": NAME}
    consumer_id = call("create_consumer", principal=acme, body=body)["body"]["id"]
    path, headers = {"id": consumer_id}, {"Idempotency-Key": "erase-zq-1"}
    first = call("erase_consumer", principal=acme, path_params=path, headers=headers)
    assert first["status"] == 200, first
    retried = call("erase_consumer", principal=acme, path_params=path, headers=headers)
    assert retried["status"] == 200
    assert retried["body"] == first["body"]
    assert call("erase_consumer", principal=acme, path_params=path)["status"] == 404  # no key: erased is gone
    other_key = {"Idempotency-Key": "erase-zq-2"}
    assert call("erase_consumer", principal=acme, path_params=path, headers=other_key)["status"] == 404
    # The kept answer and its record hold nothing of the consumer: not even the id, in the key.
    after = json.dumps(_everything(), default=str).lower()
    for personal in (consumer_id, EMAIL, PHONE, NAME):
        assert personal.lower() not in after, personal
