"""Field-level change history (issue 18): every write path records which fields it changed, before and
after, by whom and in which request, in the write's own transaction; GET /consumers/{id}/changes reads
it newest first, filtered by field; the data-subject export holds it; erasure keeps it without values."""

from __future__ import annotations

import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from clientele_local.inprocess import Context, api_event, load_function
from tests.integration.conftest import TABLE_NAME, Invoke


def _invoke(function: str, principal: dict[str, str], *, console: bool = False, **request: Any) -> tuple[dict, str]:
    """Calls the function as API Gateway would (through the console's twin with `console`); returns
    its answer and the request's id."""
    event = api_event(function, principal=principal, **request)
    if console:
        event["path"], event["resource"] = "/app" + event["path"], "/app" + event["resource"]
    answer = load_function(function).lambda_handler(event, Context())
    assert answer["statusCode"] < 300, answer
    return json.loads(answer["body"]), str(event["requestContext"]["requestId"])


def _changes(call: Invoke, principal: dict[str, str], consumer_id: str, **query: str) -> list[dict[str, Any]]:
    answer = call("consumer_changes", principal=principal, path_params={"id": consumer_id}, query=query or None)
    assert answer["status"] == 200, answer
    return list(answer["body"]["data"])


def _fields(change: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {field["field"]: (field["before"], field["after"]) for field in change["changes"]}


def test_a_create_and_an_update_record_their_fields_key_and_request(call: Invoke, acme: dict[str, str]) -> None:
    created, create_request = _invoke(
        "create_consumer", acme, body={"email": "ana@example.com", "fullName": "Ana", "tags": ["vip"]}
    )
    updated, update_request = _invoke(
        "update_consumer", acme, path_params={"id": created["id"]}, body={"fullName": "Ana Silva"}
    )
    [second, first] = _changes(call, acme, created["id"])
    assert (first["version"], first["requestId"], first["actor"]) == (
        1,
        create_request,
        {"type": "api_key", "id": acme["keyId"]},
    )
    assert _fields(first) == {  # what the new profile was given (not its empty fields)
        "email": (None, "ana@example.com"),
        "fullName": (None, "Ana"),
        "membership": (None, "guest"),
        "status": (None, "active"),
        "tags": (None, ["vip"]),
    }
    assert first["changedAt"] == created["createdAt"]
    assert (second["version"], second["requestId"], second["changedAt"]) == (2, update_request, updated["updatedAt"])
    assert _fields(second) == {"fullName": ("Ana", "Ana Silva")}


def test_writes_that_change_no_field_record_nothing_and_the_filter_keeps_one_field(
    call: Invoke, acme: dict[str, str]
) -> None:
    ana = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]
    order = {"consumerId": ana["id"], "amount": "10.00", "currency": "EUR"}
    assert call("create_order", principal=acme, body=order)["status"] == 201  # totals only: not a field
    call("update_consumer", principal=acme, path_params={"id": ana["id"]}, body={"fullName": "Ana"})
    consent = {"channel": "email", "state": "subscribed", "method": "form"}
    call("set_consent", principal=acme, path_params={"id": ana["id"]}, body=consent)
    call("update_consumer", principal=acme, path_params={"id": ana["id"]}, body={"metadata": {"shoe": 42}})
    history = _changes(call, acme, ana["id"])
    assert [list(_fields(change)) for change in history] == [
        ["metadata"],
        ["consent.email"],
        ["fullName"],
        ["email", "membership", "status"],
    ]
    assert _fields(history[0])["metadata"] == (None, {"shoe": 42})
    assert _fields(history[1])["consent.email"] == ("never_subscribed", "subscribed")
    assert [change["version"] for change in _changes(call, acme, ana["id"], field="fullName")] == [
        history[2]["version"]
    ]
    assert _changes(call, acme, ana["id"], field="email") == [history[3]]
    page = call("consumer_changes", principal=acme, path_params={"id": ana["id"]}, query={"first": "1"})["body"]
    assert [change["version"] for change in page["data"]] == [history[0]["version"]]
    assert page["pageInfo"]["hasNextPage"] is True
    bad = call("consumer_changes", principal=acme, path_params={"id": ana["id"]}, query={"field": "loyalty"})
    assert (bad["status"], bad["body"]["error"]["details"][0]["field"]) == (400, "field")
    unknown = call("consumer_changes", principal=acme, path_params={"id": "cons_nobody"})
    assert unknown["status"] == 404


def test_the_console_batch_bulk_and_block_paths_are_each_recorded(call: Invoke, acme: dict[str, str]) -> None:
    ana = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]
    ben = call("create_consumer", principal=acme, body={"email": "ben@example.com"})["body"]
    _, console_request = _invoke(
        "update_consumer", acme, console=True, path_params={"id": ana["id"]}, body={"phone": "+14155550101"}
    )
    batch = call("batch_update_consumers", principal=acme, body=[{"id": ana["id"], "tags": ["a"]}])
    assert batch["status"] == 200, batch
    bulk = call(
        "bulk_update_status", principal=acme, body={"consumerIds": [ana["id"], ben["id"]], "status": "inactive"}
    )
    assert bulk["status"] == 200, bulk
    assert call("block_consumer", principal=acme, path_params={"id": ana["id"]}, body={})["status"] == 200
    history = _changes(call, acme, ana["id"])
    assert [(list(_fields(change)), change["actor"]["type"]) for change in history[:4]] == [
        (["blocked"], "api_key"),
        (["status"], "api_key"),
        (["tags"], "api_key"),
        (["phone"], "console"),
    ]
    assert (history[3]["requestId"], history[3]["actor"]["id"]) == (console_request, acme["keyId"])
    assert _fields(_changes(call, acme, ben["id"])[0]) == {"status": ("active", "inactive")}


def test_racing_updates_record_one_change_per_version(call: Invoke, acme: dict[str, str]) -> None:
    ana = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]

    def rename(number: int) -> int:
        return int(
            call("update_consumer", principal=acme, path_params={"id": ana["id"]}, body={"fullName": f"Ana {number}"})[
                "status"
            ]
        )

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(rename, range(12)))
    assert statuses.count(200) >= 1
    final = call("get_consumer", principal=acme, path_params={"id": ana["id"]})["body"]
    history = _changes(call, acme, ana["id"], first="100")
    assert [change["version"] for change in history] == list(range(final["version"], 0, -1))  # none lost or doubled
    names = [_fields(change)["fullName"] for change in reversed(history[:-1])]
    assert all(earlier[1] == later[0] for earlier, later in itertools.pairwise(names))  # a chain
    assert names[-1][1] == final["fullName"]


def test_the_data_subject_export_holds_it_and_erasure_keeps_only_that_fields_changed(
    call: Invoke, acme: dict[str, str]
) -> None:
    ana = call("create_consumer", principal=acme, body={"email": "ana@example.com", "fullName": "Ana"})["body"]
    call("update_consumer", principal=acme, path_params={"id": ana["id"]}, body={"phone": "+14155550101"})
    exported = call("consumer_data_export", principal=acme, path_params={"id": ana["id"]})["body"]
    assert [change["version"] for change in exported["changes"]] == [1, 2]
    assert _fields(exported["changes"][1]) == {"phone": (None, "+14155550101")}

    erased = call("erase_consumer", principal=acme, path_params={"id": ana["id"]})
    assert erased["status"] == 200, erased
    assert erased["body"]["anonymized"]["changes"] == 2
    items = boto3.resource("dynamodb").Table(TABLE_NAME).scan()["Items"]  # a test may scan
    kept = [item for item in items if item.get("entity") == "ProfileChange"]
    assert sorted(item["fieldNames"] for item in kept) == [["email", "fullName", "membership", "status"], ["phone"]]
    text = str(items)
    assert "ana@example.com" not in text
    assert "+14155550101" not in text
    assert ana["id"] not in text
