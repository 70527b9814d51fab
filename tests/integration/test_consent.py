"""Marketing consent per channel (issue 18): PUT /consumers/{id}/consent, the profile's state, the
append-only consent log, the list and export filters, the data-subject export, erasure, and racing
changes that leave the log and the profile in step."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from clientele.consumers import service
from clientele_local.inprocess import Context, api_event, load_function
from tests.integration.conftest import TABLE_NAME, Invoke, principal_for
from tests.integration.test_consumer_exports import _export, _object

NEWSLETTER = {"channel": "email", "state": "subscribed", "method": "form", "wordingVersion": "newsletter-v3"}


def _consumer(call: Invoke, principal: dict[str, str], email: str, **body: Any) -> dict[str, Any]:
    answer = call("create_consumer", principal=principal, body={"email": email, **body})
    assert answer["status"] == 201, answer
    return dict(answer["body"])


def _consent(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> dict[str, Any]:
    return call("set_consent", principal=principal, path_params={"id": consumer_id}, body=body)


def _log(call: Invoke, principal: dict[str, str], consumer_id: str, **query: str) -> dict[str, Any]:
    answer = call("consumer_consent_log", principal=principal, path_params={"id": consumer_id}, query=query)
    assert answer["status"] == 200, answer
    return dict(answer["body"])


def _items() -> list[dict[str, Any]]:
    return list(boto3.resource("dynamodb").Table(TABLE_NAME).scan()["Items"])  # a test may scan


def test_a_change_sets_the_channel_on_the_profile_and_logs_it(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme, "ada@example.com")
    assert consumer["consent"]["email"] == {
        "state": "never_subscribed",
        "consentedAt": None,
        "method": None,
        "wordingVersion": None,
        "sourceIp": None,
        "updatedAt": None,
    }
    answer = _consent(call, acme, consumer["id"], **NEWSLETTER, sourceIp="203.0.113.7")
    assert answer["status"] == 200, answer
    email = answer["body"]["consent"]["email"]
    assert (email["state"], email["method"], email["wordingVersion"], email["sourceIp"]) == (
        "subscribed",
        "form",
        "newsletter-v3",
        "203.0.113.7",
    )
    assert email["consentedAt"] == email["updatedAt"] == answer["body"]["updatedAt"]
    assert answer["body"]["consent"]["sms"]["state"] == "never_subscribed"
    assert answer["body"]["version"] == consumer["version"] + 1
    assert answer["headers"]["ETag"] == [f'"{consumer["version"] + 1}"']
    stored = call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]
    assert stored["consent"] == answer["body"]["consent"]

    later = _consent(call, acme, consumer["id"], channel="email", state="unsubscribed")
    assert later["body"]["consent"]["email"]["method"] == "api"  # the API's own when none is named
    log = _log(call, acme, consumer["id"])["data"]
    assert [(c["state"], c["previousState"], c["method"]) for c in log] == [
        ("unsubscribed", "subscribed", "api"),
        ("subscribed", "never_subscribed", "form"),
    ]
    assert {c["actor"] for c in log} == {acme["keyId"]}
    assert log[1]["sourceIp"] == "203.0.113.7"
    assert log[1]["id"].startswith("cnst_")
    timeline = call("consumer_timeline", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    changes = [event["details"] for event in timeline if event["type"] == "consent_changed"]
    assert changes == [
        {"channel": "email", "from": "subscribed", "to": "unsubscribed", "method": "api"},
        {"channel": "email", "from": "never_subscribed", "to": "subscribed", "method": "form"},
    ]


def test_saying_it_again_changes_nothing(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme, "bo@example.com")
    first = _consent(call, acme, consumer["id"], **NEWSLETTER)["body"]
    again = _consent(call, acme, consumer["id"], **NEWSLETTER)["body"]
    assert again["version"] == first["version"]
    assert again["consent"] == first["consent"]
    new_wording = _consent(call, acme, consumer["id"], **{**NEWSLETTER, "wordingVersion": "newsletter-v4"})["body"]
    assert new_wording["version"] == first["version"] + 1  # a new wording agreed to is a change
    assert len(_log(call, acme, consumer["id"])["data"]) == 2


def test_the_console_records_its_own_method(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme, "cy@example.com")
    event = api_event(
        "set_consent",
        principal=acme,
        path_params={"id": consumer["id"]},
        body={"channel": "sms", "state": "subscribed"},
    )
    event["path"], event["resource"] = "/app" + event["path"], "/app" + event["resource"]
    answer = load_function("set_consent").lambda_handler(event, Context())
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["consent"]["sms"]["method"] == "console"
    assert _log(call, acme, consumer["id"])["data"][0]["method"] == "console"


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"channel": "fax", "state": "subscribed"}, "channel", ""),
        ({"channel": "email", "state": "maybe"}, "state", ""),
        ({"channel": "email"}, "state", ""),
        ({"channel": "email", "state": "subscribed", "method": "import"}, "method", "is set by its own path"),
        ({"channel": "email", "state": "subscribed", "method": "shopify"}, "method", "is set by its own path"),
        ({"channel": "email", "state": "subscribed", "method": ["form"]}, "method", ""),
        (
            {"channel": "email", "state": "subscribed", "consentedAt": "2020-01-01T00:00:00Z"},
            "consentedAt",
            "accepted only from an import",
        ),
        ({"channel": "email", "state": "subscribed", "sourceIp": "300.1.1.1"}, "sourceIp", "IPv4 or IPv6"),
        ({"channel": "email", "state": "subscribed", "wordingVersion": "x" * 101}, "wordingVersion", ""),
        ({"channel": "email", "state": "subscribed", "other": 1}, "other", ""),
    ],
)
def test_bad_input_is_a_400_on_its_field_and_changes_nothing(
    call: Invoke, acme: dict[str, str], body: dict[str, Any], field: str, says: str
) -> None:
    consumer = _consumer(call, acme, "di@example.com")
    answer = _consent(call, acme, consumer["id"], **body)
    assert answer["status"] == 400, answer
    [detail] = answer["body"]["error"]["details"]
    assert detail["field"] == field
    assert says in detail["message"]
    stored = call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]
    assert stored["version"] == consumer["version"]
    assert _log(call, acme, consumer["id"])["data"] == []


def test_an_unknown_or_another_tenants_consumer_is_404(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme, "ed@example.com")
    other = principal_for("other")
    assert _consent(call, acme, "cons_unknown", **NEWSLETTER)["status"] == 404
    assert _consent(call, other, consumer["id"], **NEWSLETTER)["status"] == 404
    missing = call("consumer_consent_log", principal=other, path_params={"id": consumer["id"]}, query={})
    assert missing["status"] == 404
    assert call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]["version"] == 1


def test_the_list_filters_by_each_channels_state_with_any_order_and_in_an_audience(
    call: Invoke, acme: dict[str, str], index_search: Callable[[], int]
) -> None:
    subscribed = _consumer(call, acme, "sub@example.com", fullName="Sam Sub")
    unsubscribed = _consumer(call, acme, "unsub@example.com", fullName="Sam Unsub")
    never = _consumer(call, acme, "never@example.com", fullName="Sam Never")
    audience = call("create_audience", principal=acme, body={"name": "Everyone"})["body"]
    ids = [subscribed["id"], unsubscribed["id"], never["id"]]
    added = call("add_audience_members", principal=acme, path_params={"id": audience["id"]}, body={"consumerIds": ids})
    assert added["status"] == 200, added
    # Changed after they joined: the audience's member copies are rewritten with the consumer.
    _consent(call, acme, subscribed["id"], **NEWSLETTER)
    _consent(call, acme, unsubscribed["id"], channel="email", state="unsubscribed")
    _consent(call, acme, unsubscribed["id"], channel="sms", state="subscribed")
    index_search()
    orders = ({}, {"sortBy": "email", "sortDir": "asc"}, {"search": "sam"}, {"sortBy": "fullName"})
    in_audience = ({"audienceId": audience["id"], "sortBy": "createdAt"}, {"audienceId": audience["id"]})
    for query in (*orders, *in_audience):

        def listed(**filters: str) -> set[str]:
            answer = call("list_consumers", principal=acme, query={**query, **filters})  # noqa: B023
            assert answer["status"] == 200, answer
            return {consumer["id"] for consumer in answer["body"]["data"]}

        assert listed(emailConsent="subscribed") == {subscribed["id"]}, query
        assert listed(emailConsent="unsubscribed") == {unsubscribed["id"]}, query
        assert listed(emailConsent="never_subscribed") == {never["id"]}, query  # never asked: stored as nothing
        assert listed(smsConsent="subscribed") == {unsubscribed["id"]}, query
        assert listed(smsConsent="never_subscribed") == {subscribed["id"], never["id"]}, query
    refused = call("list_consumers", principal=acme, query={"emailConsent": "maybe"})
    assert refused["status"] == 400
    assert refused["body"]["error"]["details"][0]["field"] == "emailConsent"


def test_an_export_filters_by_consent_and_shows_it(
    call: Invoke, acme: dict[str, str], run_export: Callable[[], int]
) -> None:
    subscribed = _consumer(call, acme, "sub@example.com")
    _consumer(call, acme, "never@example.com")
    given = _consent(call, acme, subscribed["id"], **NEWSLETTER)["body"]["consent"]["email"]
    assert _suppress(call, acme, subscribed["id"], channel="email", reason="hard_bounce")["status"] == 200
    done = _export(
        call, acme, run_export, {"format": "csv", "fields": ["consent"], "filters": {"emailConsent": "subscribed"}}
    )
    rows = list(csv.reader(io.StringIO(_object(done).decode("utf-8").removeprefix("\ufeff"))))
    header = rows[0]
    assert header[-6:] == [
        "Email Consent",
        "Email Consented At",
        "SMS Consent",
        "SMS Consented At",
        "Email Suppressed",
        "SMS Suppressed",
    ]
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert (row["Consumer ID"], row["Email Consent"], row["SMS Consent"]) == (
        subscribed["id"],
        "subscribed",
        "never_subscribed",
    )
    assert row["Email Consented At"] == given["consentedAt"]  # written as the API writes instants
    assert row["SMS Consented At"] == ""
    assert (row["Email Suppressed"], row["SMS Suppressed"]) == ("hard_bounce", "")  # beside the consent it keeps


def test_the_data_subject_export_holds_the_log_and_erasure_takes_it(call: Invoke, acme: dict[str, str]) -> None:
    consumer = _consumer(call, acme, "fay@example.com")
    _consent(call, acme, consumer["id"], **NEWSLETTER, sourceIp="198.51.100.4")
    exported = call("consumer_data_export", principal=acme, path_params={"id": consumer["id"]})["body"]
    assert exported["consent"]["current"]["email"]["state"] == "subscribed"
    assert [(c["state"], c["sourceIp"]) for c in exported["consent"]["log"]] == [("subscribed", "198.51.100.4")]
    assert call("erase_consumer", principal=acme, path_params={"id": consumer["id"]})["status"] == 200
    assert [item for item in _items() if item.get("entity") == "ConsentChange"] == []
    assert "198.51.100.4" not in json.dumps(_items(), default=str)


def test_racing_changes_leave_the_profile_at_the_last_logged_state(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "RETRY_SECONDS", 60.0)  # ten writers on one interpreter: time is not the point
    consumer = _consumer(call, acme, "gus@example.com")
    states = ["subscribed", "unsubscribed"] * 5

    def change(number: int) -> int:
        body = {"channel": "email", "state": states[number], "wordingVersion": f"v{number}"}
        return int(_consent(call, acme, consumer["id"], **body)["status"])

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert set(pool.map(change, range(10))) == {200}
    log = _log(call, acme, consumer["id"], first="50")["data"]
    stored = call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]
    assert len(log) == 10  # every change was a new wording: each logged once
    assert stored["version"] == consumer["version"] + 10
    assert stored["consent"]["email"]["state"] == log[0]["state"]
    assert stored["consent"]["email"]["wordingVersion"] == log[0]["wordingVersion"]
    assert [entry["previousState"] for entry in log[:-1]] == [entry["state"] for entry in log[1:]]


def _suppress(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> dict[str, Any]:
    return call("set_suppression", principal=principal, path_params={"id": consumer_id}, body=body)


def test_a_suppression_is_kept_apart_from_consent_recorded_in_the_history_and_lifted(
    call: Invoke, acme: dict[str, str]
) -> None:
    consumer = _consumer(call, acme, "bounce@example.com")
    assert consumer["suppressions"] == {"email": None, "sms": None}
    assert _consent(call, acme, consumer["id"], **NEWSLETTER)["status"] == 200
    answer = _suppress(call, acme, consumer["id"], channel="email", reason="hard_bounce")
    assert answer["status"] == 200, answer
    suppressed = answer["body"]
    assert suppressed["suppressions"]["email"]["reason"] == "hard_bounce"
    assert suppressed["suppressions"]["email"]["suppressedAt"] == suppressed["updatedAt"]
    assert suppressed["consent"]["email"]["state"] == "subscribed"  # the person's answer is untouched
    assert len(_log(call, acme, consumer["id"])["data"]) == 1  # and the consent log has no entry for it
    again = _suppress(call, acme, consumer["id"], channel="email", reason="hard_bounce")["body"]
    assert again["version"] == suppressed["version"]  # the same reason again changes nothing

    lifted = _suppress(call, acme, consumer["id"], channel="email", reason=None)["body"]
    assert lifted["suppressions"]["email"] is None
    history = call("consumer_changes", principal=acme, path_params={"id": consumer["id"]})["body"]["data"]
    assert [change["changes"] for change in history[:2]] == [
        [{"field": "suppression.email", "before": "hard_bounce", "after": None}],
        [{"field": "suppression.email", "before": None, "after": "hard_bounce"}],
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "email", "reason": "bored"}, "reason"),
        ({"channel": "fax", "reason": "manual"}, "channel"),
        ({"channel": "email"}, "reason"),  # null lifts; leaving it out says nothing
    ],
)
def test_a_bad_suppression_is_a_400_on_its_field(
    call: Invoke, acme: dict[str, str], body: dict[str, Any], field: str
) -> None:
    consumer = _consumer(call, acme, "ada@example.com")
    answer = _suppress(call, acme, consumer["id"], **body)
    assert answer["status"] == 400, answer
    assert [detail["field"] for detail in answer["body"]["error"]["details"]] == [field]
    assert call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"] == consumer
    assert _suppress(call, acme, "cons_nobody", channel="sms", reason="manual")["status"] == 404
