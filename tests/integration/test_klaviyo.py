"""The Klaviyo sync (seed 000 "Klaviyo Sync"): settings with the key in Secrets Manager, stream-driven
upserts through the real SDK against a stand-in Klaviyo, retries, partial failures, bulk resync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
import pytest

from clientele.core.tenancy import Environment, Tenant
from clientele.integrations import klaviyo, sync
from clientele.integrations import store as integrations
from clientele_local.inprocess import Context, load_function
from clientele_local.klaviyo_standin import KlaviyoStandin
from tests.integration.conftest import TABLE_NAME, Invoke, principal_for, stream_records

KEY = "pk_live_0123456789abcdef01234567"
ACME = Tenant(organization="acme", environment=Environment.SANDBOX)


Sync = Callable[[], dict[str, Any]]


@pytest.fixture
def run_sync(table: str) -> Sync:
    """Hands the stream's new consumer records to the sync function as one batch, as Lambda would;
    returns its answer (the partial batch failures) and how many records it was given."""
    new_records = stream_records(table, "SyncKlaviyoFunction", "Changes")
    handler = load_function("sync_klaviyo")

    def deliver() -> dict[str, Any]:
        records = new_records()
        if not records:
            return {"records": 0, "batchItemFailures": []}
        return {"records": len(records), **handler.lambda_handler({"Records": records}, Context())}

    return deliver


def _enable(call: Invoke, principal: dict[str, str], **settings: Any) -> dict[str, Any]:
    answer = call("configure_klaviyo", principal=principal, body={"apiKey": KEY, "enabled": True, **settings})
    assert answer["status"] == 200, answer
    return dict(answer["body"])


def _consumer(call: Invoke, principal: dict[str, str], consumer_id: str) -> dict[str, Any]:
    return dict(call("get_consumer", principal=principal, path_params={"id": consumer_id})["body"])


def test_the_key_lives_in_secrets_manager_and_is_shown_masked(call: Invoke, acme: dict[str, str]) -> None:
    assert call("get_klaviyo", principal=acme)["status"] == 404
    refused = call("configure_klaviyo", principal=acme, body={"enabled": True})
    assert refused["status"] == 400
    assert refused["body"]["error"]["details"] == [{"field": "apiKey", "message": "is required to set up Klaviyo"}]
    setup = _enable(call, acme, listId="Y6nRLr")
    assert setup["apiKey"] == "••••4567"
    assert KEY not in str(setup)
    assert (setup["enabled"], setup["listId"], setup["resync"]) == (True, "Y6nRLr", None)
    secret = boto3.client("secretsmanager").get_secret_value(SecretId="clientele/dev/sandbox/acme/klaviyo")
    assert secret["SecretString"] == KEY
    items = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]  # a test may read the whole table
    assert KEY not in str(items)
    assert "4567" in str(items)
    # The key may be left out later: switching off keeps it.
    off = call("configure_klaviyo", principal=acme, body={"enabled": False})["body"]
    assert (off["enabled"], off["apiKey"], off["listId"]) == (False, "••••4567", None)
    assert call("get_klaviyo", principal=acme)["body"] == off
    assert call("get_klaviyo", principal=principal_for("other"))["status"] == 404
    assert call("configure_klaviyo", principal=acme, body={"apiKey": KEY})["status"] == 400  # enabled is required


def test_created_and_changed_consumers_are_upserted_once_each(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync
) -> None:
    _enable(call, acme, listId="Y6nRLr")
    body = {
        "email": "ana@example.com",
        "phone": "+14155550101",
        "externalId": "shop-7",
        "fullName": "Ana Maria Silva",
        "tags": ["vip"],
        "metadata": {"shoe": 42},
        "address": {"street": "1 Main St", "city": "Lisbon", "country": "PT"},
    }
    created = call("create_consumer", principal=acme, body=body)["body"]
    assert created["syncStatus"] == "not_synced"
    assert run_sync() == {"records": 1, "batchItemFailures": []}
    assert len(standin.upserts) == 1
    attributes = standin.upserts[0]["data"]["attributes"]
    assert {name: attributes[name] for name in ("email", "phone_number", "external_id", "first_name", "last_name")} == {
        "email": "ana@example.com",
        "phone_number": "+14155550101",
        "external_id": "shop-7",
        "first_name": "Ana",
        "last_name": "Maria Silva",
    }
    assert attributes["location"] == {
        "address1": "1 Main St",
        "city": "Lisbon",
        "region": None,  # sent as null: what is empty here is cleared there
        "zip": None,
        "country": "PT",
    }
    assert attributes["properties"] == {
        "clientele_id": created["id"],
        "status": "active",
        "tags": ["vip"],
        "metadata": {"shoe": 42},
        "loyalty_points": 0,
        "loyalty_tier": None,  # sent as null: a tier that went away is cleared in Klaviyo too
    }
    synced = _consumer(call, acme, created["id"])
    assert synced["syncStatus"] == "synced"
    assert synced["syncError"] is None
    assert synced["klaviyoProfileId"] in standin.profiles
    assert synced["syncedAt"] >= synced["updatedAt"]
    assert standin.lists["Y6nRLr"] == [synced["klaviyoProfileId"]]
    # Its own sync writes come back on the stream: they change nothing Klaviyo sees.
    assert run_sync()["records"] == 2  # syncing, then synced
    assert len(standin.upserts) == 1
    # A change of the profile is sent; a change Klaviyo does not hold (an order's totals) is not.
    call("update_consumer", principal=acme, path_params={"id": created["id"]}, body={"status": "inactive"})
    order = {"consumerId": created["id"], "amount": "10.00", "currency": "EUR"}
    assert call("create_order", principal=acme, body=order)["status"] == 201
    run_sync()
    run_sync()
    assert len(standin.upserts) == 2
    assert standin.upserts[1]["data"]["attributes"]["properties"]["status"] == "inactive"
    assert standin.lists["Y6nRLr"] == [synced["klaviyoProfileId"]]  # joined the list once


def test_a_tenant_without_the_sync_on_is_never_sent(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync
) -> None:
    other = principal_for("other")
    _enable(call, other)
    call("configure_klaviyo", principal=other, body={"enabled": False})
    for principal in (acme, other):
        call("create_consumer", principal=principal, body={"email": "ana@example.com"})
    assert run_sync()["records"] == 2
    assert standin.requests == []
    found = call("list_consumers", principal=acme)["body"]["data"]
    assert [consumer["syncStatus"] for consumer in found] == ["not_synced"]


def test_rate_limits_are_waited_out_as_retry_after_says(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(klaviyo, "_sleep", waits.append)
    _enable(call, acme)
    created = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]
    standin.fail(3, status=429, retry_after=7)
    assert run_sync() == {"records": 1, "batchItemFailures": []}
    assert waits == [7.0, 7.0, 7.0]
    assert len(standin.upserts) == 1
    assert _consumer(call, acme, created["id"])["syncStatus"] == "synced"


def test_a_record_klaviyo_keeps_failing_fails_alone_and_syncs_on_retry(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(klaviyo, "_sleep", lambda seconds: None)
    _enable(call, acme)
    first = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]
    second = call("create_consumer", principal=acme, body={"email": "ben@example.com"})["body"]
    standin.fail(klaviyo.MAX_ATTEMPTS, status=500)  # every attempt at the first record fails
    answer = run_sync()
    assert answer["records"] == 2
    failed = [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]
    assert len(failed) == 1  # the poison record is reported; Lambda retries from it
    assert [upsert["data"]["attributes"]["email"] for upsert in standin.upserts] == ["ben@example.com"]
    broken = _consumer(call, acme, first["id"])
    assert (broken["syncStatus"], broken["syncError"]) == ("error", "Klaviyo answered 500: Internal Server Error.")
    assert _consumer(call, acme, second["id"])["syncStatus"] == "synced"
    # Lambda delivers the failed record again; Klaviyo has recovered.
    records = stream_records(TABLE_NAME, "SyncKlaviyoFunction", "Changes")()
    retried = [record for record in records if record["eventName"] == "INSERT"][:1]
    assert retried[0]["dynamodb"]["NewImage"]["id"]["S"] == first["id"]
    assert load_function("sync_klaviyo").lambda_handler({"Records": retried}, Context()) == {"batchItemFailures": []}
    assert _consumer(call, acme, first["id"])["syncStatus"] == "synced"
    assert sorted(upsert["data"]["attributes"]["email"] for upsert in standin.upserts) == [
        "ana@example.com",
        "ben@example.com",
    ]


def test_a_resync_backfills_the_tenant_in_bulk_jobs(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(klaviyo, "MAX_BULK_PROFILES", 2)
    monkeypatch.setattr(sync, "JOB_POLL_SECONDS", 0)
    ids = [
        call("create_consumer", principal=acme, body={"email": f"person{number}@example.com"})["body"]["id"]
        for number in range(3)
    ]
    assert call("resync_klaviyo", principal=acme)["status"] == 404  # not set up
    call("configure_klaviyo", principal=acme, body={"apiKey": KEY, "enabled": False})
    assert call("resync_klaviyo", principal=acme)["status"] == 400  # set up, but off
    _enable(call, acme, listId="Y6nRLr")
    queued = call("resync_klaviyo", principal=acme)
    assert queued["status"] == 202, queued
    assert queued["body"]["status"] == "pending"
    assert queued["body"]["id"].startswith("ksync_")
    assert call("resync_klaviyo", principal=acme, headers={"Idempotency-Key": "x"})["status"] == 409  # one at a time
    requests = stream_records(table, "RunKlaviyoResyncFunction", "Requests")()
    assert len(requests) == 1
    assert load_function("run_klaviyo_resync").lambda_handler({"Records": requests}, Context()) == {
        "batchItemFailures": []
    }
    resync = call("get_klaviyo", principal=acme)["body"]["resync"]
    assert (resync["id"], resync["status"], resync["profiles"], resync["failed"]) == (
        queued["body"]["id"],
        "succeeded",
        3,
        0,
    )
    assert resync["jobs"] == list(standin.bulk_jobs)  # two jobs: 2 profiles, then 1
    assert [len(job["profile_ids"]) for job in standin.bulk_jobs.values()] == [2, 1]
    assert sorted(profile["email"] for profile in standin.profiles.values()) == [
        f"person{number}@example.com" for number in range(3)
    ]
    assert {_consumer(call, acme, consumer_id)["syncStatus"] for consumer_id in ids} == {"synced"}
    # The same record again changes nothing.
    load_function("run_klaviyo_resync").lambda_handler({"Records": requests}, Context())
    assert len(standin.bulk_jobs) == 2
    assert integrations.get(ACME) is not None


def test_a_change_during_a_sync_is_synced_and_a_change_klaviyo_does_not_hold_does_not_block(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync, monkeypatch: pytest.MonkeyPatch
) -> None:
    _enable(call, acme)
    created = call("create_consumer", principal=acme, body={"email": "ana@example.com", "fullName": "Old"})["body"]
    path = {"id": created["id"]}
    original = klaviyo.upsert
    during: dict[str, Any] = {"body": {"fullName": "New"}}

    def upsert_while_someone_edits(api_key: str, consumer: Any) -> str:
        profile_id = original(api_key, consumer)
        if "body" in during:
            call("update_consumer", principal=acme, path_params=path, body=during.pop("body"))
        return profile_id

    monkeypatch.setattr(klaviyo, "upsert", upsert_while_someone_edits)
    run_sync()  # the sync of "Old" is overtaken by the rename: not marked synced
    assert _consumer(call, acme, created["id"])["syncStatus"] == "syncing"
    assert run_sync()["batchItemFailures"] == []  # the rename's own record
    assert _consumer(call, acme, created["id"])["syncStatus"] == "synced"
    assert standin.upserts[-1]["data"]["attributes"]["first_name"] == "New"
    # An order (not a profile change) landing during the upsert does not leave it `syncing`.
    call("update_consumer", principal=acme, path_params=path, body={"fullName": "Newer"})
    order = {"consumerId": created["id"], "amount": "10.00", "currency": "EUR"}
    during["order"] = order

    def upsert_while_an_order_lands(api_key: str, consumer: Any) -> str:
        profile_id = original(api_key, consumer)
        if "order" in during:
            assert call("create_order", principal=acme, body=during.pop("order"))["status"] == 201
        return profile_id

    monkeypatch.setattr(klaviyo, "upsert", upsert_while_an_order_lands)
    run_sync()
    final = _consumer(call, acme, created["id"])
    assert (final["syncStatus"], final["totalOrders"]) == ("synced", 1)
    assert final["syncedVersion"] == final["version"]


def test_cleared_fields_are_cleared_and_an_email_change_keeps_the_profile(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync
) -> None:
    _enable(call, acme)
    body = {"email": "ana@example.com", "phone": "+14155550101", "fullName": "Ana Silva"}
    created = call("create_consumer", principal=acme, body=body)["body"]
    run_sync()
    profile_id = _consumer(call, acme, created["id"])["klaviyoProfileId"]
    change = {"email": "ana.silva@example.com", "phone": None}
    call("update_consumer", principal=acme, path_params={"id": created["id"]}, body=change)
    run_sync()
    assert list(standin.profiles) == [profile_id]  # the same profile, not a second one
    stored = standin.profiles[profile_id]
    assert stored["email"] == "ana.silva@example.com"
    assert "phone_number" not in stored  # cleared there too


def test_turning_the_sync_on_applies_at_once(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync
) -> None:
    call("configure_klaviyo", principal=acme, body={"apiKey": KEY, "enabled": False})
    call("create_consumer", principal=acme, body={"email": "early@example.com"})
    run_sync()  # read while off
    _enable(call, acme)
    call("create_consumer", principal=acme, body={"email": "late@example.com"})
    run_sync()
    assert [upsert["data"]["attributes"]["email"] for upsert in standin.upserts] == ["late@example.com"]


def test_a_resync_that_breaks_ends_failed_and_another_may_start(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    call("create_consumer", principal=acme, body={"email": "ana@example.com"})
    _enable(call, acme)
    assert call("resync_klaviyo", principal=acme)["status"] == 202

    def broken(*_: Any) -> str:
        raise ConnectionResetError("Klaviyo went away")

    monkeypatch.setattr(klaviyo, "bulk_import", broken)
    requests = stream_records(table, "RunKlaviyoResyncFunction", "Requests")
    load_function("run_klaviyo_resync").lambda_handler({"Records": requests()}, Context())
    resync = call("get_klaviyo", principal=acme)["body"]["resync"]
    assert (resync["status"], resync["error"]) == ("failed", "The resync stopped (ConnectionResetError)")
    assert call("resync_klaviyo", principal=acme, headers={"Idempotency-Key": "again"})["status"] == 202


def _set_consent(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> None:
    answer = call("set_consent", principal=principal, path_params={"id": consumer_id}, body=body)
    assert answer["status"] == 200, answer


def _drain(run_sync: Sync) -> None:
    """Syncs until the sync's own writes have come back and changed nothing more."""
    while run_sync()["records"]:
        pass


def test_consent_is_told_by_klaviyos_subscription_calls_never_by_the_profile(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync
) -> None:
    _enable(call, acme, listId="Y6nRLr")
    created = call("create_consumer", principal=acme, body={"email": "ana@example.com", "phone": "+14155550101"})
    consumer_id = created["body"]["id"]
    _drain(run_sync)
    assert "subscriptions" not in standin.upserts[0]["data"]["attributes"]
    assert standin.subscription_jobs == []  # never asked: Klaviyo is told nothing

    _set_consent(call, acme, consumer_id, channel="email", state="subscribed", method="form")
    _drain(run_sync)
    profile_id = _consumer(call, acme, consumer_id)["klaviyoProfileId"]
    [job] = standin.subscription_jobs
    data = job["body"]["data"]
    assert (job["kind"], data["attributes"]["historical_import"], data["attributes"]["custom_source"]) == (
        "subscribe",
        False,  # given now: the list's own opt-in rules apply
        "Clientele (form)",
    )
    assert data["relationships"] == {"list": {"data": {"type": "list", "id": "Y6nRLr"}}}
    assert data["attributes"]["profiles"]["data"] == [
        {
            "type": "profile",
            "attributes": {
                "email": "ana@example.com",
                "subscriptions": {"email": {"marketing": {"consent": "SUBSCRIBED"}}},
            },
        }
    ]
    assert standin.subscriptions[profile_id]["email"]["consent"] == "SUBSCRIBED"
    assert "subscriptions" not in standin.upserts[-1]["data"]["attributes"]

    # A change Klaviyo's profile holds is upserted; the consent, unchanged, is not told again.
    call("update_consumer", principal=acme, path_params={"id": consumer_id}, body={"fullName": "Ana Silva"})
    _drain(run_sync)
    assert standin.upserts[-1]["data"]["attributes"]["first_name"] == "Ana"
    assert len(standin.subscription_jobs) == 1

    _set_consent(call, acme, consumer_id, channel="sms", state="unsubscribed")
    _drain(run_sync)
    assert [job["kind"] for job in standin.subscription_jobs] == ["subscribe", "unsubscribe"]
    told = standin.subscription_jobs[1]["body"]["data"]["attributes"]["profiles"]["data"][0]["attributes"]
    assert told == {
        "phone_number": "+14155550101",
        "subscriptions": {"sms": {"marketing": {"consent": "UNSUBSCRIBED"}}},
    }
    assert standin.subscriptions[profile_id] == {
        "email": standin.subscriptions[profile_id]["email"],
        "sms": {"consent": "UNSUBSCRIBED"},
    }

    # Back to never_subscribed tells Klaviyo nothing: only a person's answer is passed on.
    _set_consent(call, acme, consumer_id, channel="email", state="never_subscribed")
    _drain(run_sync)
    assert len(standin.subscription_jobs) == 2


def test_an_imported_or_backfilled_consent_is_told_as_a_historical_import_with_its_time(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clientele.consumers import store as consumer_store
    from clientele.consumers.models import ChannelConsent

    monkeypatch.setattr(sync, "JOB_POLL_SECONDS", 0)
    consumer_id = call("create_consumer", principal=acme, body={"email": "ben@example.com"})["body"]["id"]
    stored = consumer_store.get(ACME, consumer_id)
    assert stored is not None
    imported = ChannelConsent(state="subscribed", method="import", consented_at="2021-03-01T07:30:00.000Z")
    with_consent = stored.model_copy(update={"consent": stored.consent.model_copy(update={"email": imported})})
    [told] = klaviyo.consents(with_consent).values()
    klaviyo.tell_consent(KEY, None, [(with_consent, told)])
    attributes = standin.subscription_jobs[0]["body"]["data"]["attributes"]
    assert (attributes["historical_import"], attributes["custom_source"]) == (True, "Clientele (import)")
    marketing = attributes["profiles"]["data"][0]["attributes"]["subscriptions"]["email"]["marketing"]
    assert marketing == {"consent": "SUBSCRIBED", "consented_at": "2021-03-01T07:30:00+00:00"}  # the SDK's ISO form

    # A resync tells every consent it sends as history: no opt-in mail to the whole list.
    _set_consent(call, acme, consumer_id, channel="email", state="subscribed", method="checkout")
    _enable(call, acme)
    call("resync_klaviyo", principal=acme)
    requests = stream_records(table, "RunKlaviyoResyncFunction", "Requests")()
    load_function("run_klaviyo_resync").lambda_handler({"Records": requests}, Context())
    backfilled = standin.subscription_jobs[1]["body"]["data"]["attributes"]
    assert (backfilled["historical_import"], backfilled["custom_source"]) == (True, "Clientele (checkout)")
    given = _consumer(call, acme, consumer_id)["consent"]["email"]["consentedAt"]
    sent = backfilled["profiles"]["data"][0]["attributes"]["subscriptions"]["email"]["marketing"]["consented_at"]
    assert datetime.fromisoformat(sent) == datetime.fromisoformat(given)


def test_a_suppressed_address_is_never_subscribed_in_klaviyo(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync
) -> None:
    _enable(call, acme)
    consumer_id = call("create_consumer", principal=acme, body={"email": "gone@example.com"})["body"]["id"]
    bounced = {"channel": "email", "reason": "hard_bounce"}
    assert call("set_suppression", principal=acme, path_params={"id": consumer_id}, body=bounced)["status"] == 200
    _set_consent(call, acme, consumer_id, channel="email", state="subscribed", method="checkout")
    _drain(run_sync)
    assert standin.subscription_jobs == []  # subscribing would lift Klaviyo's own suppression of it
    lifted = {"channel": "email", "reason": None}
    call("set_suppression", principal=acme, path_params={"id": consumer_id}, body=lifted)
    _drain(run_sync)
    assert [job["kind"] for job in standin.subscription_jobs] == ["subscribe"]


def test_a_consent_change_landing_during_a_sync_is_told_by_its_own_record(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, run_sync: Sync, monkeypatch: pytest.MonkeyPatch
) -> None:
    _enable(call, acme)
    consumer_id = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]["id"]
    _drain(run_sync)
    real_upsert, landed = klaviyo.upsert, []

    def upsert_while_consent_changes(api_key: str, consumer: Any) -> str:
        profile_id = real_upsert(api_key, consumer)
        if not landed:  # while the sync is out, the person subscribes
            landed.append(True)
            _set_consent(call, acme, consumer_id, channel="email", state="subscribed", method="form")
        return profile_id

    monkeypatch.setattr(klaviyo, "upsert", upsert_while_consent_changes)
    call("update_consumer", principal=acme, path_params={"id": consumer_id}, body={"fullName": "Ana Silva"})
    _drain(run_sync)
    assert landed == [True]
    assert [job["kind"] for job in standin.subscription_jobs] == ["subscribe"]
    assert _consumer(call, acme, consumer_id)["syncStatus"] == "synced"
