"""Duplicate suggestions (issue 18): each reason, the score, both lists, dismissal that sticks, a key
that changed or a consumer deleted taking its pairs along, and a key too common to compare, reported
instead of read whole."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from clientele.consumers import store as consumer_store
from clientele.core.tenancy import Environment, Tenant
from clientele.duplicates import service
from tests.integration.conftest import Invoke, principal_for, stream_delivery

ACME = Tenant(organization="acme", environment=Environment.SANDBOX)
Check = Callable[[], None]


@pytest.fixture
def check(table: str) -> Check:
    """Delivers the stream's consumer records to the duplicate check until none is left."""
    deliver = stream_delivery(table, "check_duplicates", "CheckDuplicatesFunction", "Changes")

    def until_done() -> None:
        while deliver():
            pass

    return until_done


def _create(call: Invoke, principal: dict[str, str], **body: Any) -> str:
    answer = call("create_consumer", principal=principal, body=body)
    assert answer["status"] == 201, answer
    return str(answer["body"]["id"])


def _of(call: Invoke, principal: dict[str, str], consumer_id: str) -> dict[str, Any]:
    answer = call("consumer_duplicates", principal=principal, path_params={"id": consumer_id})
    assert answer["status"] == 200, answer
    return dict(answer["body"])


def _listed(call: Invoke, principal: dict[str, str], **query: str) -> dict[str, Any]:
    answer = call("list_duplicates", principal=principal, query=query or None)
    assert answer["status"] == 200, answer
    return dict(answer["body"])


@pytest.mark.parametrize(
    ("first", "second", "reasons", "score"),
    [
        ({"email": "ana@example.com", "phone": "+14155550101"}, {"phone": "+14155550101"}, ["phone"], 80),
        ({"email": "john.doe+shop@gmail.com"}, {"email": "JohnDoe@googlemail.com"}, ["email"], 90),
        ({"email": "j.ohndoe@gmail.com"}, {"email": "johndoe@gmail.com"}, ["email"], 90),  # a variant, and the claim
        (
            {"fullName": "José Silva", "externalId": "a", "address": {"postalCode": "1000-001", "city": "Lisbon"}},
            {"fullName": "jose  silva", "externalId": "b", "address": {"postalCode": "1000 001", "city": "Porto"}},
            ["name_postal_code"],
            75,
        ),
        (
            {"fullName": "Ana Silva", "externalId": "a", "address": {"city": "Lisbon", "postalCode": "1"}},
            {"fullName": "Ana Silva", "externalId": "b", "address": {"city": "lisbon", "postalCode": "2"}},
            ["name_city"],
            60,
        ),
        (
            {"fullName": "Ana Silva", "email": "ana@acme.example"},
            {"fullName": "Ana Silva", "email": "a.silva@acme.example"},
            ["name_email_domain"],
            55,
        ),
        (
            {"fullName": "Ana Silva", "phone": "+14155550101", "address": {"postalCode": "1000-001"}},
            {"fullName": "Ana Silva", "phone": "+14155550101", "externalId": "x", "address": {"postalCode": "1000001"}},
            ["name_postal_code", "phone"],
            95,  # 1 - (1 - 0.8) * (1 - 0.75)
        ),
    ],
)
def test_each_reason_suggests_the_pair_with_its_score(
    call: Invoke,
    acme: dict[str, str],
    check: Check,
    first: dict[str, Any],
    second: dict[str, Any],
    reasons: list[str],
    score: int,
) -> None:
    one = _create(call, acme, **first)
    two = _create(call, acme, **second)
    _create(call, acme, email="someone.else@example.com", fullName="Someone Else")
    check()
    [suggestion] = _listed(call, acme)["data"]
    assert (suggestion["consumerIds"], suggestion["reasons"], suggestion["score"]) == ([one, two], reasons, score)
    assert [profile["id"] for profile in suggestion["consumers"]] == [one, two]
    assert _of(call, acme, one)["data"] == _of(call, acme, two)["data"] == [suggestion]


def test_gmail_rules_are_gmails_only_and_one_word_names_or_public_mailboxes_suggest_nothing(
    call: Invoke, acme: dict[str, str], check: Check
) -> None:
    _create(call, acme, email="john.doe@example.com")
    _create(call, acme, email="johndoe@example.com")  # dots matter outside Gmail
    _create(call, acme, fullName="Ana", email="ana@shop.example")
    _create(call, acme, fullName="Ana", email="ana2@shop.example")  # one word is too common a name
    _create(call, acme, fullName="Ana Silva", email="ana.silva@gmail.com")
    _create(call, acme, fullName="Ana Silva", email="asilva@gmail.com")  # everyone's domain says nothing
    check()
    assert _listed(call, acme)["data"] == []


def test_the_tenants_list_is_strongest_first_paged_and_its_own(
    call: Invoke, acme: dict[str, str], check: Check
) -> None:
    _create(call, acme, fullName="Ana Silva", email="ana@acme.example")
    _create(call, acme, fullName="Ana Silva", email="a.silva@acme.example")  # 55
    _create(call, acme, email="ben@example.com", phone="+14155550102")
    _create(call, acme, email="ben.b@example.com", phone="+14155550102")  # 80
    _create(call, acme, email="c.y@gmail.com")
    _create(call, acme, email="cy@gmail.com")  # 90
    other = principal_for("other")
    _create(call, other, email="x@example.com", phone="+14155550102")
    check()
    first = _listed(call, acme, first="2")
    assert [suggestion["score"] for suggestion in first["data"]] == [90, 80]
    rest = _listed(call, acme, first="2", after=first["pageInfo"]["endCursor"])
    assert [suggestion["score"] for suggestion in rest["data"]] == [55]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert _listed(call, other)["data"] == []  # another tenant's phone is not a match


def test_a_dismissed_pair_leaves_both_lists_and_never_comes_back(
    call: Invoke, acme: dict[str, str], check: Check
) -> None:
    one = _create(call, acme, email="ana@example.com", phone="+14155550101")
    two = _create(call, acme, email="ana.b@example.com", phone="+14155550101")
    check()
    [suggestion] = _listed(call, acme)["data"]
    answer = call("dismiss_duplicate", principal=acme, path_params={"id": suggestion["id"]})
    assert answer["status"] == 200, answer
    assert answer["body"]["id"] == suggestion["id"]
    assert _listed(call, acme)["data"] == []
    assert _of(call, acme, one)["data"] == _of(call, acme, two)["data"] == []
    # A change that keeps the key, or adds another, checks the pair again: it stays dismissed.
    call("update_consumer", principal=acme, path_params={"id": two}, body={"fullName": "Ana Silva"})
    call("update_consumer", principal=acme, path_params={"id": one}, body={"fullName": "Ana Silva"})
    check()
    assert _listed(call, acme)["data"] == []
    again = call("dismiss_duplicate", principal=acme, path_params={"id": suggestion["id"]})
    assert again["status"] == 200
    for unknown in ("dup_nothing", "dup_" + "0" * 52, "cons_x"):
        missing = call("dismiss_duplicate", principal=acme, path_params={"id": unknown})
        assert (missing["status"], missing["body"]["error"]["code"]) == (404, "duplicate_not_found")
    other = call("dismiss_duplicate", principal=principal_for("other"), path_params={"id": suggestion["id"]})
    assert other["status"] == 404


def test_a_key_that_changed_or_a_consumer_deleted_takes_its_pairs_along(
    call: Invoke, acme: dict[str, str], check: Check
) -> None:
    one = _create(call, acme, email="ana@example.com", phone="+14155550101")
    two = _create(call, acme, email="ana.b@example.com", phone="+14155550101")
    three = _create(call, acme, email="ana.c@example.com", phone="+14155550101")
    check()
    assert len(_listed(call, acme)["data"]) == 3
    call("update_consumer", principal=acme, path_params={"id": three}, body={"phone": "+14155550199"})
    check()
    assert [suggestion["consumerIds"] for suggestion in _listed(call, acme)["data"]] == [[one, two]]
    assert call("delete_consumer", principal=acme, path_params={"id": two})["status"] == 200
    check()
    assert _listed(call, acme)["data"] == []
    assert _of(call, acme, one)["data"] == []
    gone = call("consumer_duplicates", principal=acme, path_params={"id": two})
    assert (gone["status"], gone["body"]["error"]["code"]) == (404, "consumer_not_found")
    foreign = call("consumer_duplicates", principal=principal_for("other"), path_params={"id": one})
    assert foreign["status"] == 404


def test_a_key_too_many_share_is_reported_and_suggests_nothing(
    call: Invoke, acme: dict[str, str], check: Check, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "COMMON_KEY_HOLDERS", 3)
    office = [_create(call, acme, email=f"desk{n}@example.com", phone="+14155550100") for n in range(5)]
    check()
    assert _listed(call, acme)["data"] == []
    shown = _of(call, acme, office[-1])
    assert shown["data"] == []
    assert shown["commonKeys"] == [{"reason": "phone", "holders": 4}]  # read no further than the cap


def test_one_klaviyo_profile_on_two_consumers_is_the_strongest_reason(
    call: Invoke, acme: dict[str, str], check: Check
) -> None:
    ids = [_create(call, acme, email=f"k{n}@example.com") for n in range(2)]
    for consumer_id in ids:  # as two syncs or pulls could leave them
        before = consumer_store.get(ACME, consumer_id)
        assert before is not None
        after = before.model_copy(update={"klaviyo_profile_id": "01KLAVIYO", "version": before.version + 1})
        consumer_store.commit(consumer_store.replace_write(ACME, before, after))
    check()
    [suggestion] = _listed(call, acme)["data"]
    assert (suggestion["reasons"], suggestion["score"]) == (["klaviyo_profile"], 95)


def test_an_erasure_takes_the_suggestions_naming_the_consumer_at_once(
    call: Invoke, acme: dict[str, str], check: Check
) -> None:
    one = _create(call, acme, email="ana@example.com", phone="+14155550101")
    two = _create(call, acme, email="ana.b@example.com", phone="+14155550101")
    check()
    erased = call("erase_consumer", principal=acme, path_params={"id": two})
    assert erased["status"] == 200, erased
    assert erased["body"]["removed"]["duplicateSuggestions"] == 1
    assert _of(call, acme, one)["data"] == []  # before the stream says anything
    assert _listed(call, acme)["data"] == []


def test_reindex_gives_consumers_stored_before_match_keys_theirs(
    call: Invoke, acme: dict[str, str], check: Check
) -> None:
    import boto3

    from tests.integration.conftest import TABLE_NAME

    old = _create(call, acme, email="a.na@gmail.com")
    table = boto3.resource("dynamodb").Table(TABLE_NAME)
    keys = [item for item in table.scan()["Items"] if item.get("entity") == "MatchKey"]  # a test may scan
    assert [item["sk"] for item in keys] == [old]
    table.delete_item(Key={"pk": keys[0]["pk"], "sk": keys[0]["sk"]})  # as a version before them stored it
    check()
    assert consumer_store.reindex(ACME, lambda consumer: consumer) == (1, 0)
    new = _create(call, acme, email="an.a@gmail.com")
    check()
    assert [suggestion["consumerIds"] for suggestion in _listed(call, acme)["data"]] == [[old, new]]


def test_a_pair_whose_reasons_grow_is_rescored(call: Invoke, acme: dict[str, str], check: Check) -> None:
    one = _create(call, acme, email="ana@example.com", phone="+14155550101")
    two = _create(call, acme, email="ana.b@example.com", phone="+14155550101")
    check()
    assert [(s["reasons"], s["score"]) for s in _listed(call, acme)["data"]] == [(["phone"], 80)]
    address = {"postalCode": "1000-001"}
    for consumer_id in (one, two):
        body = {"fullName": "Ana Silva", "address": address}
        assert call("update_consumer", principal=acme, path_params={"id": consumer_id}, body=body)["status"] == 200
    check()
    [suggestion] = _listed(call, acme)["data"]
    # Both at example.com too: 100 * (1 - 0.2 * 0.25 * 0.45)
    assert (suggestion["reasons"], suggestion["score"]) == (["name_email_domain", "name_postal_code", "phone"], 98)
    assert _of(call, acme, one)["data"] == [suggestion]
