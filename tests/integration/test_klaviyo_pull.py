"""Klaviyo lists as a source (issue 17, seed 000 "Klaviyo Sync: synced from Klaviyo lists"): pulls of
the import lists through the real SDK against the stand-in, chunks driven through the template's
stream filters, matching, paging, resume, echo suppression both ways, and the hourly schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from clientele.core import aws
from clientele.integrations import klaviyo, pull, service
from clientele_local.inprocess import Context, load_function
from clientele_local.klaviyo_standin import KlaviyoStandin
from tests.integration.conftest import Invoke, principal_for, stream_records

KEY = "pk_live_0123456789abcdef01234567"

Drain = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def drain_pull(table: str) -> Drain:
    """Delivers the pull's checkpoints to run_klaviyo_pull through the template's filter until the chain
    ends; returns the function's answers, one per delivery."""
    new_records = stream_records(table, "RunKlaviyoPullFunction", "Checkpoints")
    handler = load_function("run_klaviyo_pull")

    def drain() -> list[dict[str, Any]]:
        answers = []
        for _ in range(50):
            records = new_records()
            if not records:
                return answers
            answers.append(handler.lambda_handler({"Records": records}, Context()))
        raise AssertionError("the pull did not end")

    return drain


@pytest.fixture
def run_sync(table: str) -> Callable[[], int]:
    """Delivers the consumer changes to the push (sync_klaviyo); returns how many records it got."""
    new_records = stream_records(table, "SyncKlaviyoFunction", "Changes")
    handler = load_function("sync_klaviyo")

    def deliver() -> int:
        records = new_records()
        if records:
            assert handler.lambda_handler({"Records": records}, Context()) == {"batchItemFailures": []}
        return len(records)

    return deliver


def _setup(call: Invoke, principal: dict[str, str], **settings: Any) -> dict[str, Any]:
    answer = call("configure_klaviyo", principal=principal, body={"apiKey": KEY, "enabled": True, **settings})
    assert answer["status"] == 200, answer
    return dict(answer["body"])


def _pull(call: Invoke, principal: dict[str, str], drain: Drain, key: str = "") -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    started = call("pull_klaviyo", principal=principal, headers=headers)
    assert started["status"] == 202, started
    assert all(answer == {"batchItemFailures": []} for answer in drain())
    last = call("get_klaviyo", principal=principal)["body"]["lastPull"]
    assert last["id"] == started["body"]["id"]
    return dict(last)


def _counts(last: dict[str, Any]) -> tuple[str, int, int, int, int]:
    return (last["status"], last["created"], last["updated"], last["unchanged"], last["failed"])


def _consumers(call: Invoke, principal: dict[str, str]) -> list[dict[str, Any]]:
    return list(call("list_consumers", principal=principal, query={"first": "100"})["body"]["data"])


def _by_email(call: Invoke, principal: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {consumer["email"]: consumer for consumer in _consumers(call, principal) if consumer["email"]}


ANA = {
    "email": "ana@example.com",
    "phone_number": "+14155550101",
    "first_name": "Ana",
    "last_name": "Silva",
    "location": {"address1": "1 Main St", "city": "Lisbon", "zip": "1000-001", "country": "PT"},
}


def test_a_pull_creates_consumers_with_source_klaviyo_then_updates_and_leaves_the_unchanged(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, drain_pull: Drain
) -> None:
    ids = standin.put_in_list("L1", ANA, {"email": "ben@example.com"}, {"phone_number": "+14155550199"})
    setup = _setup(call, acme, importListIds=["L1", "L1"])
    assert (setup["importListIds"], setup["lastPull"]) == (["L1"], None)  # repeats count once
    started = call("pull_klaviyo", principal=acme)
    assert started["status"] == 202
    assert started["body"]["id"].startswith("kpull_")
    assert (started["body"]["status"], started["body"]["trigger"], started["body"]["listIds"]) == (
        "running",
        "api",
        ["L1"],
    )
    drain_pull()
    last = call("get_klaviyo", principal=acme)["body"]["lastPull"]
    assert _counts(last) == ("succeeded", 3, 0, 0, 0)
    assert last["completedAt"] >= last["requestedAt"]
    consumers = _by_email(call, acme)
    ana = consumers["ana@example.com"]
    assert {consumer["source"] for consumer in _consumers(call, acme)} == {"klaviyo"}
    assert (ana["firstName"], ana["lastName"], ana["fullName"], ana["phone"]) == (
        "Ana",
        "Silva",
        "Ana Silva",
        "+14155550101",
    )
    assert ana["address"] == {
        "street": "1 Main St",
        "city": "Lisbon",
        "region": None,
        "postalCode": "1000-001",
        "country": "PT",
    }
    assert (ana["klaviyoProfileId"], ana["syncStatus"]) == (ids[0], "synced")
    assert len(_consumers(call, acme)) == 3
    # Someone renames Ana in Klaviyo and clears her phone there: the name comes in, the phone stays.
    standin.put_in_list("L1", {"email": "ana@example.com", "last_name": "Souza", "phone_number": None})
    again = _pull(call, acme, drain_pull, key="second")
    assert _counts(again) == ("succeeded", 0, 1, 2, 0)
    renamed = call("get_consumer", principal=acme, path_params={"id": ana["id"]})["body"]
    assert (renamed["lastName"], renamed["fullName"], renamed["phone"]) == ("Souza", "Ana Souza", "+14155550101")
    assert renamed["version"] == ana["version"] + 1
    history = call("consumer_changes", principal=acme, path_params={"id": ana["id"]})["body"]["data"]
    assert (history[0]["actor"], history[-1]["actor"]) == (
        {"type": "klaviyo", "id": again["id"]},
        {"type": "klaviyo", "id": started["body"]["id"]},
    )
    assert {field["field"]: field["before"] for field in history[0]["changes"]} == {
        "lastName": "Silva",
        "fullName": "Ana Silva",
    }
    # Nothing changed since: every profile is unchanged and no consumer is written.
    versions = {consumer["id"]: consumer["version"] for consumer in _consumers(call, acme)}
    assert _counts(_pull(call, acme, drain_pull, key="third")) == ("succeeded", 0, 0, 3, 0)
    assert {consumer["id"]: consumer["version"] for consumer in _consumers(call, acme)} == versions


def test_profiles_link_to_existing_consumers_by_email_then_phone_never_duplicating(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, drain_pull: Drain
) -> None:
    _setup(call, acme, importListIds=["L1"])
    by_email = call("create_consumer", principal=acme, body={"email": "Ana@Example.com", "fullName": "Ana"})["body"]
    by_phone = call("create_consumer", principal=acme, body={"phone": "+14155550102", "externalId": "shop-2"})["body"]
    same = call("create_consumer", principal=acme, body={"email": "cy@example.com", "fullName": "Cy Young"})["body"]
    taken = call("create_consumer", principal=acme, body={"email": "dee@example.com", "externalId": "shop-9"})["body"]
    ids = standin.put_in_list(
        "L1",
        {"email": "ana@example.com", "first_name": "Ana", "last_name": "Lima"},  # email, case aside
        {"phone_number": "+14155550102", "first_name": "Ben"},  # no email: the phone
        {"email": "cy@example.com", "first_name": "Cy", "last_name": "Young"},  # already equal
        {"email": "eve@example.com", "external_id": "shop-9"},  # its externalId is another consumer's
    )
    last = _pull(call, acme, drain_pull)
    assert _counts(last) == ("succeeded", 0, 2, 1, 1)
    assert len(_consumers(call, acme)) == 4
    ana = call("get_consumer", principal=acme, path_params={"id": by_email["id"]})["body"]
    ben = call("get_consumer", principal=acme, path_params={"id": by_phone["id"]})["body"]
    assert (ana["fullName"], ana["klaviyoProfileId"], ana["source"]) == ("Ana Lima", ids[0], by_email["source"])
    assert (ben["firstName"], ben["klaviyoProfileId"], ben["externalId"]) == ("Ben", ids[1], "shop-2")
    unchanged = call("get_consumer", principal=acme, path_params={"id": same["id"]})["body"]
    assert unchanged["version"] == same["version"]  # equal fields: nothing written
    assert call("get_consumer", principal=acme, path_params={"id": taken["id"]})["body"]["email"] == "dee@example.com"
    # The link holds: a changed email in Klaviyo follows the profile id, not a new consumer.
    standin.put_in_list("L1", {"phone_number": "+14155550102", "email": "ben@example.com"})
    assert _counts(_pull(call, acme, drain_pull, key="again"))[:3] == ("succeeded", 0, 1)
    assert (
        call("get_consumer", principal=acme, path_params={"id": by_phone["id"]})["body"]["email"] == "ben@example.com"
    )
    assert len(_consumers(call, acme)) == 4


def test_pages_follow_klaviyos_cursors_across_lists(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, drain_pull: Drain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(klaviyo, "PAGE_SIZE", 3)
    standin.put_in_list("L1", *({"email": f"one{n}@example.com"} for n in range(7)))
    standin.put_in_list("L2", *({"email": f"two{n}@example.com"} for n in range(3)), {"email": "one0@example.com"})
    _setup(call, acme, importListIds=["L1", "L2"])
    started = call("pull_klaviyo", principal=acme)["body"]
    answers = drain_pull()
    assert len(answers) == 5  # L1: 3 + 3 + 1, L2: 3 + 1; one chunk per page
    assert [(read["list_id"], read["cursor"], read["returned"]) for read in standin.list_reads] == [
        ("L1", 0, 3),
        ("L1", 3, 3),
        ("L1", 6, 1),
        ("L2", 0, 3),
        ("L2", 3, 1),
    ]
    last = call("get_klaviyo", principal=acme)["body"]["lastPull"]
    assert (last["id"], *_counts(last)) == (started["id"], "succeeded", 10, 0, 1, 0)  # one0 is in both lists
    assert len(_consumers(call, acme)) == 10


def test_a_chunk_killed_midway_resumes_with_exact_counts(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(klaviyo, "PAGE_SIZE", 3)
    standin.put_in_list("L1", *({"email": f"p{n}@example.com", "first_name": f"P{n}"} for n in range(7)))
    call("create_consumer", principal=acme, body={"email": "p4@example.com"})  # updated by the killed chunk
    _setup(call, acme, importListIds=["L1"])
    checkpoints = stream_records(table, "RunKlaviyoPullFunction", "Checkpoints")
    handler = load_function("run_klaviyo_pull")
    call("pull_klaviyo", principal=acme)
    first = checkpoints()
    assert handler.lambda_handler({"Records": first}, Context()) == {"batchItemFailures": []}  # p0-p2
    second = checkpoints()
    original, writes = pull._write, []

    def killed_at_the_third_write(*args: Any) -> None:
        writes.append(args)
        if len(writes) == 3:  # p5's consumer is created; the Lambda dies before its link is written
            raise ConnectionResetError("killed")
        original(*args)

    monkeypatch.setattr(pull, "_write", killed_at_the_third_write)
    with pytest.raises(BatchProcessingError, match="All records failed"):  # Lambda retries the batch
        handler.lambda_handler({"Records": second}, Context())
    assert len(_consumers(call, acme)) == 6  # p0-p5 (p4 was there): p3 and p5 written, p5 unlinked
    assert call("get_klaviyo", principal=acme)["body"]["lastPull"]["created"] == 3  # the chunk never closed
    monkeypatch.setattr(pull, "_write", original)
    # Lambda delivers the chunk again: it does its page again, counting what it had done as it did.
    assert handler.lambda_handler({"Records": second}, Context()) == {"batchItemFailures": []}
    assert handler.lambda_handler({"Records": second}, Context()) == {"batchItemFailures": []}  # once more: a no-op
    while records := checkpoints():
        assert handler.lambda_handler({"Records": records}, Context()) == {"batchItemFailures": []}
    assert _counts(call("get_klaviyo", principal=acme)["body"]["lastPull"]) == ("succeeded", 6, 1, 0, 0)
    consumers = _consumers(call, acme)
    assert len(consumers) == 7
    assert all(consumer["klaviyoProfileId"] for consumer in consumers)


def test_one_pull_at_a_time_and_clear_refusals(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, drain_pull: Drain
) -> None:
    assert call("pull_klaviyo", principal=acme)["status"] == 404  # not set up
    _setup(call, acme)
    refused = call("pull_klaviyo", principal=acme)
    assert refused["status"] == 400
    assert refused["body"]["error"]["details"] == [
        {"field": "importListIds", "message": "no lists to pull: set importListIds"}
    ]
    too_many = call(
        "configure_klaviyo", principal=acme, body={"enabled": True, "importListIds": [f"L{n}" for n in range(11)]}
    )
    assert too_many["status"] == 400
    assert call("get_klaviyo", principal=acme)["body"]["importListIds"] == []  # nothing changed
    standin.put_in_list("L1", {"email": "ana@example.com"})
    _setup(call, acme, importListIds=["L1"])
    off = call("configure_klaviyo", principal=acme, body={"enabled": False})["body"]
    assert off["importListIds"] == ["L1"]  # left out: kept
    assert call("pull_klaviyo", principal=acme)["status"] == 400  # the sync is off
    call("configure_klaviyo", principal=acme, body={"enabled": True})
    first = call("pull_klaviyo", principal=acme, headers={"Idempotency-Key": "a"})
    assert first["status"] == 202
    assert call("pull_klaviyo", principal=acme, headers={"Idempotency-Key": "a"})["body"] == first["body"]  # replayed
    busy = call("pull_klaviyo", principal=acme, headers={"Idempotency-Key": "b"})
    assert (busy["status"], busy["body"]["error"]["code"]) == (409, "pull_in_progress")
    assert call("pull_klaviyo", principal=principal_for("other"))["status"] == 404  # another tenant's state is its own
    drain_pull()
    assert call("pull_klaviyo", principal=acme, headers={"Idempotency-Key": "c"})["status"] == 202


def test_a_list_klaviyo_refuses_ends_the_pull_failed(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, drain_pull: Drain
) -> None:
    _setup(call, acme, importListIds=["gone"])
    last = _pull(call, acme, drain_pull)
    assert (last["status"], last["error"]) == ("failed", "List gone: Klaviyo answered 404: Not Found.")
    assert call("pull_klaviyo", principal=acme, headers={"Idempotency-Key": "again"})["status"] == 202


def test_a_profile_pulled_in_is_not_pushed_back_but_a_later_change_is(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, drain_pull: Drain, run_sync: Callable[[], int]
) -> None:
    _setup(call, acme, importListIds=["L1"])
    pushed = call("create_consumer", principal=acme, body={"email": "old@example.com", "fullName": "Old Name"})["body"]
    assert run_sync() == 1
    assert len(standin.upserts) == 1
    run_sync()  # its own sync writes
    # In Klaviyo: the pushed profile is renamed and joins the list, and a new profile joins it.
    standin.put_in_list("L1", {"email": "old@example.com", "first_name": "New", "last_name": "Name"}, ANA)
    assert _counts(_pull(call, acme, drain_pull)) == ("succeeded", 1, 1, 0, 0)
    assert run_sync() >= 2  # the pull's create, update and link writes reach the push...
    assert len(standin.upserts) == 1  # ...which sends none of them back
    people = _by_email(call, acme)
    assert {people[email]["syncStatus"] for email in ("old@example.com", "ana@example.com")} == {"synced"}
    assert people["old@example.com"]["fullName"] == "New Name"
    # A change made here afterwards is a change Klaviyo does not hold: it is pushed.
    call("update_consumer", principal=acme, path_params={"id": pushed["id"]}, body={"tags": ["vip"]})
    run_sync()
    assert len(standin.upserts) == 2
    assert standin.upserts[-1]["data"]["attributes"]["properties"]["tags"] == ["vip"]
    assert standin.upserts[-1]["data"]["id"] == people["old@example.com"]["klaviyoProfileId"]


def test_a_consumer_pushed_out_is_not_pulled_back_and_a_pending_change_survives(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, drain_pull: Drain, run_sync: Callable[[], int]
) -> None:
    _setup(call, acme, listId="L1", importListIds=["L1"])  # pushed profiles join the list that is pulled
    created = call("create_consumer", principal=acme, body={"email": "ana@example.com", "fullName": "Ana Maria Silva"})
    run_sync()
    run_sync()
    synced = call("get_consumer", principal=acme, path_params={"id": created["body"]["id"]})["body"]
    assert standin.lists["L1"] == [synced["klaviyoProfileId"]]
    reads = len(standin.requests)
    assert _counts(_pull(call, acme, drain_pull)) == ("succeeded", 0, 0, 1, 0)
    assert len(standin.requests) == reads + 1  # one page read, no write to Klaviyo
    assert (
        call("get_consumer", principal=acme, path_params={"id": synced["id"]})["body"]["version"] == synced["version"]
    )
    # Renamed here, not yet pushed: Klaviyo still holds what it had, so the pull keeps the new name.
    call("update_consumer", principal=acme, path_params={"id": synced["id"]}, body={"fullName": "Ana Lima"})
    assert _counts(_pull(call, acme, drain_pull, key="again")) == ("succeeded", 0, 0, 1, 0)
    assert call("get_consumer", principal=acme, path_params={"id": synced["id"]})["body"]["fullName"] == "Ana Lima"
    run_sync()
    assert standin.upserts[-1]["data"]["attributes"]["first_name"] == "Ana"
    assert standin.upserts[-1]["data"]["attributes"]["last_name"] == "Lima"
    assert _counts(_pull(call, acme, drain_pull, key="third")) == ("succeeded", 0, 0, 1, 0)


def test_the_schedule_pulls_only_tenants_with_import_lists(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, drain_pull: Drain
) -> None:
    standin.put_in_list("L1", {"email": "ana@example.com"})
    none, off, cleared = principal_for("none"), principal_for("off"), principal_for("cleared")
    _setup(call, acme, importListIds=["L1"])
    _setup(call, none)
    _setup(call, off, importListIds=["L1"])
    call("configure_klaviyo", principal=off, body={"enabled": False})
    _setup(call, cleared, importListIds=["L1"])
    _setup(call, cleared, importListIds=[])
    operations: list[str] = []
    aws.dynamodb().meta.events.register("before-call.dynamodb", lambda model, **_: operations.append(model.name))
    schedule = load_function("schedule_klaviyo_pulls")
    assert schedule.lambda_handler({}, Context()) == {"started": 1}
    assert "Scan" not in operations
    assert operations.count("Query") == 1
    last = call("get_klaviyo", principal=acme)["body"]["lastPull"]
    assert (last["status"], last["trigger"]) == ("running", "schedule")
    assert [call("get_klaviyo", principal=p)["body"]["lastPull"] for p in (none, off, cleared)] == [None] * 3
    assert schedule.lambda_handler({}, Context()) == {"started": 0}  # acme's pull still runs
    drain_pull()
    assert _counts(call("get_klaviyo", principal=acme)["body"]["lastPull"]) == ("succeeded", 1, 0, 0, 0)
    assert schedule.lambda_handler({}, Context()) == {"started": 1}


def test_a_pull_whose_chunks_gave_up_may_be_replaced_once_stale(
    call: Invoke, acme: dict[str, str], standin: KlaviyoStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.put_in_list("L1", {"email": "ana@example.com"})
    _setup(call, acme, importListIds=["L1"])
    stuck = call("pull_klaviyo", principal=acme, headers={"Idempotency-Key": "a"})["body"]  # never run
    assert call("pull_klaviyo", principal=acme, headers={"Idempotency-Key": "b"})["status"] == 409
    monkeypatch.setattr(service, "STALE_PULL", timedelta(seconds=-60))  # as if 30 minutes had passed
    replaced = call("pull_klaviyo", principal=acme, headers={"Idempotency-Key": "c"})
    assert replaced["status"] == 202
    assert replaced["body"]["id"] != stuck["id"]
    assert call("get_klaviyo", principal=acme)["body"]["lastPull"]["id"] == replaced["body"]["id"]
