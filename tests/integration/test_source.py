"""`source` tells the truth: it is set by the path a consumer came in through, never by the caller."""

from __future__ import annotations

import json
from typing import Any

import boto3

from clientele_local.inprocess import Context, api_event, load_function
from tests.integration.conftest import Invoke


def _through_console(function: str, principal: dict[str, str], body: Any) -> dict[str, Any]:
    """The console's twin of the route (/app/api/v1/…), which the session authorizer guards."""
    event = api_event(function, principal=principal, body=body)
    event["path"] = "/app" + event["path"]
    event["resource"] = "/app" + event["resource"]
    answer = load_function(function).lambda_handler(event, Context())
    return {"status": answer["statusCode"], "body": json.loads(answer["body"])}


def _consumer_items(table: str) -> list[dict[str, Any]]:
    items = boto3.resource("dynamodb").Table(table).scan()["Items"]
    return [item for item in items if item.get("entity") == "Consumer"]


def test_a_body_that_names_its_source_is_refused_and_nothing_is_written(
    table: str, call: Invoke, acme: dict[str, str]
) -> None:
    answer = call("create_consumer", principal=acme, body={"email": "ada@example.com", "source": "shopify"})
    assert answer["status"] == 400
    [detail] = answer["body"]["error"]["details"]
    assert detail["field"] == "source"
    assert "set by the path the consumer came in through" in detail["message"]
    batch = call(
        "batch_create_consumers", principal=acme, body=[{"email": "a@x.io"}, {"email": "b@x.io", "source": "api"}]
    )
    assert batch["status"] == 400
    assert [(d["index"], d["field"]) for d in batch["body"]["error"]["details"]] == [(1, "source")]
    assert _consumer_items(table) == []


def test_the_api_the_console_and_an_order_set_the_source(call: Invoke, acme: dict[str, str]) -> None:
    by_api = call("create_consumer", principal=acme, body={"email": "api@example.com"})["body"]
    by_console = _through_console("create_consumer", acme, {"email": "desk@example.com"})
    batch_by_console = _through_console("batch_create_consumers", acme, [{"email": "b1@example.com"}])
    batch_by_api = call("batch_create_consumers", principal=acme, body=[{"email": "b2@example.com"}])["body"]
    order = call(
        "create_order",
        principal=acme,
        body={"email": "guest@example.com", "amount": "10.00", "currency": "EUR", "externalId": "o-1"},
    )
    assert order["status"] == 201, order["body"]
    assert by_console["status"] == batch_by_console["status"] == 201
    assert by_api["source"] == "api"
    assert by_console["body"]["source"] == "console"
    assert [c["source"] for c in batch_by_console["body"]] == ["console"]
    assert [c["source"] for c in batch_by_api] == ["api"]
    guest = call("search_consumers", principal=acme, query={"email": "guest@example.com"})["body"]["data"]
    assert [c["source"] for c in guest] == ["api"]


def test_the_list_filters_by_source(call: Invoke, acme: dict[str, str]) -> None:
    call("create_consumer", principal=acme, body={"email": "api@example.com"})
    desk = _through_console("create_consumer", acme, {"email": "desk@example.com"})["body"]
    for query in (
        {"source": "console"},
        {"source": "console", "sortBy": "email"},
        {"source": "console", "status": "active"},
    ):
        listed = call("list_consumers", principal=acme, query=query)
        assert listed["status"] == 200, listed["body"]
        assert [c["id"] for c in listed["body"]["data"]] == [desk["id"]], query
    bad = call("list_consumers", principal=acme, query={"source": "fax"})
    assert bad["status"] == 400
    assert bad["body"]["error"]["details"][0]["field"] == "source"
