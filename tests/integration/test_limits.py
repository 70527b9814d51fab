"""Input limits (issue 5, "Prove it holds: security"): every limit the API documents is refused with
the documented 400 body, and a refused request writes nothing — not a consumer, not a claim, not an
idempotency record. Each refusal is checked against a snapshot of the whole table, and each limit's
edge (the largest value accepted) is shown to pass, so the refusals are about the limit and nothing else.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from clientele.audiences.requests import MAX_MEMBERS_PER_REQUEST
from clientele.consumers.batches import MAX_BATCH
from clientele.consumers.requests import METADATA_MAX_KEY_LENGTH, METADATA_MAX_KEYS, METADATA_MAX_VALUE_LENGTH
from clientele.core.http import MAX_BODY_BYTES
from clientele.core.paging import MAX_PAGE_SIZE
from clientele.orders.models import MAX_ORDER_LINES
from tests.integration.conftest import Invoke

Json = dict[str, Any]
Principal = dict[str, str]


def table_items(table: str) -> list[Json]:
    """Every item of the table, sorted: what a refused request must leave exactly as it was."""
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    items = [item for page in pages for item in page["Items"]]
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def assert_refused(response: Json, field: str, message: str = "Validation failed") -> Json:
    """The documented error: 400, {"error": {type, code, message, details: [{field, message}], requestId}}."""
    assert response["status"] == 400, response
    error = response["body"]["error"]
    assert set(error) == {"type", "code", "message", "details", "requestId"}
    assert error["type"] == "invalid_request_error"
    assert error["message"] == message
    assert error["requestId"]
    assert error["details"], error
    for detail in error["details"]:
        assert {"field", "message"} <= set(detail)
        assert isinstance(detail["message"], str)
        assert detail["message"]
    fields = [detail["field"] for detail in error["details"]]
    assert field in fields, fields
    return dict(error)


@pytest.fixture
def refused(call: Invoke, table: str, acme: Principal) -> Any:
    """refused(function, field, message=..., **request): the call is a 400 on `field` and the table
    is exactly as it was before it."""

    def check(function: str, field: str, message: str = "Validation failed", **request: Any) -> Json:
        request.setdefault("principal", acme)
        before = table_items(table)
        error = assert_refused(call(function, **request), field, message)
        assert table_items(table) == before, f"{function} wrote something while refusing {field}"
        return error

    return check


def consumer(call: Invoke, principal: Principal, **body: Any) -> Json:
    response = call("create_consumer", principal=principal, body={"externalId": "limits-owner", **body})
    assert response["status"] == 201, response
    return dict(response["body"])


# ---------------------------------------------------------------- body size


def padded(body: Any, size: int) -> str:
    """`body` as JSON with trailing whitespace up to exactly `size` bytes: still a valid body."""
    text = json.dumps(body)
    assert len(text.encode()) <= size
    return text + " " * (size - len(text.encode()))


def test_a_body_over_1_mb_is_refused_before_parsing_and_one_at_the_limit_is_not(
    call: Invoke, acme: Principal, refused: Any
) -> None:
    assert MAX_BODY_BYTES == 1024 * 1024
    body = {"email": "edge@example.com", "fullName": "Edge Case"}
    error = refused("create_consumer", "body", raw_body=padded(body, MAX_BODY_BYTES + 1))
    assert error["code"] == "validation_failed"
    assert error["details"] == [
        {"field": "body", "message": f"is {MAX_BODY_BYTES + 1} bytes; at most {MAX_BODY_BYTES} bytes (1 MB)"}
    ]
    # The same body at exactly the limit is a consumer: the size alone refused it.
    accepted = call("create_consumer", principal=acme, raw_body=padded(body, MAX_BODY_BYTES))
    assert accepted["status"] == 201, accepted


def test_the_size_counts_bytes_not_characters(refused: Any) -> None:
    # "é" is two bytes in UTF-8: fewer than 1 MB of characters, more than 1 MB of bytes.
    note = "é" * (MAX_BODY_BYTES // 2 + 1)
    wide = json.dumps({"email": "e@example.com", "metadata": {"note": note}}, ensure_ascii=False)
    assert len(wide) < MAX_BODY_BYTES < len(wide.encode())
    refused("create_consumer", "body", raw_body=wide)


def test_an_over_size_body_that_is_not_even_json_is_refused_for_its_size(refused: Any) -> None:
    error = refused("create_consumer", "body", raw_body="{" * (MAX_BODY_BYTES + 1))
    assert error["details"][0]["message"].startswith(f"is {MAX_BODY_BYTES + 1} bytes")


def test_an_over_size_body_leaves_its_idempotency_key_unused(call: Invoke, acme: Principal, refused: Any) -> None:
    headers = {"Idempotency-Key": "limits-big-body"}
    body = {"email": "retry@example.com"}
    refused("create_consumer", "body", raw_body=padded(body, MAX_BODY_BYTES + 1), headers=headers)
    # Nothing was remembered under the key: the corrected retry creates the consumer.
    retried = call("create_consumer", principal=acme, body=body, headers=headers)
    assert retried["status"] == 201, retried


def test_a_deeply_nested_body_under_the_size_limit_is_a_validation_error(refused: Any) -> None:
    refused("create_consumer", "body", raw_body="[" * 100_000 + "]" * 100_000)  # 200 KB
    refused("create_consumer", "body", raw_body=("[" * 100_000 + "]" * 100_000).encode())  # handed over base64-encoded


@pytest.mark.parametrize("function", ["create_consumer", "create_order", "configure_klaviyo"])
def test_a_body_that_is_not_utf8_is_a_validation_error(refused: Any, function: str) -> None:
    latin1 = '{"email": "jos\u00e9@example.com", "fullName": "Jos\u00e9"}'.encode("latin-1")
    error = refused(function, "body", raw_body=latin1)  # the gateway hands such bytes over base64-encoded
    assert error["details"] == [{"field": "body", "message": "must be JSON encoded as UTF-8"}]


def test_a_utf8_body_handed_over_base64_encoded_is_read_like_any_other(call: Invoke, acme: Principal) -> None:
    created = call("create_consumer", principal=acme, raw_body='{"email": "zoë@example.com"}'.encode())
    assert created["status"] == 201, created
    assert created["body"]["email"] == "zoë@example.com"


@pytest.mark.parametrize(
    ("function", "body", "path"),
    [
        ("batch_create_consumers", [{"email": "a@example.com"}], None),
        ("batch_update_consumers", [{"id": "cons_01HXYZ12345678901234567890", "fullName": "A"}], None),
        ("update_consumer", {"fullName": "A"}, {"id": "cons_01HXYZ12345678901234567890"}),
        ("create_order", {"email": "o@example.com", "amount": 1, "currency": "EUR"}, None),
        ("add_audience_members", {"consumerIds": ["cons_01HXYZ12345678901234567890"]}, {"id": "aud_x"}),
        ("remove_audience_members", {"consumerIds": ["cons_01HXYZ12345678901234567890"]}, {"id": "aud_x"}),
        ("bulk_update_status", {"consumerIds": ["cons_01HXYZ12345678901234567890"], "status": "inactive"}, None),
        ("create_audience", {"name": "Big"}, None),
        ("configure_klaviyo", {"apiKey": "pk_0123456789", "enabled": True}, None),
    ],
)
def test_every_route_with_a_body_refuses_one_over_1_mb(
    refused: Any, function: str, body: Any, path: dict[str, str] | None
) -> None:
    refused(function, "body", raw_body=padded(body, MAX_BODY_BYTES + 1), path_params=path)


# ---------------------------------------------------------------- metadata


def test_metadata_holds_at_most_50_keys(call: Invoke, acme: Principal, refused: Any) -> None:
    assert METADATA_MAX_KEYS == 50
    too_many = {f"k{n}": n for n in range(METADATA_MAX_KEYS + 1)}
    error = refused("create_consumer", "metadata", body={"email": "m@example.com", "metadata": too_many})
    assert "at most 50 keys" in error["details"][0]["message"]
    just_enough = {f"k{n}": n for n in range(METADATA_MAX_KEYS)}
    assert consumer(call, acme, metadata=just_enough)["metadata"] == just_enough


def test_metadata_keys_are_at_most_40_characters(call: Invoke, acme: Principal, refused: Any) -> None:
    assert METADATA_MAX_KEY_LENGTH == 40
    refused("create_consumer", "metadata", body={"email": "m@example.com", "metadata": {"k" * 41: 1}})
    refused("create_consumer", "metadata", body={"email": "m@example.com", "metadata": {"": 1}})
    assert consumer(call, acme, metadata={"k" * 40: 1})["metadata"] == {"k" * 40: 1}


def test_metadata_values_are_at_most_500_characters_as_json(call: Invoke, acme: Principal, refused: Any) -> None:
    """The value is measured as its JSON text: a string's quotes count, so a 498-character string
    (500 as JSON) is the longest one accepted, and a 501-character value is refused."""
    assert METADATA_MAX_VALUE_LENGTH == 500
    for value in ("v" * 501, "v" * 499, ["v" * 100] * 5, {"deep": "v" * 495}):
        assert len(json.dumps(value)) > METADATA_MAX_VALUE_LENGTH
        refused("create_consumer", "metadata", body={"email": "m@example.com", "metadata": {"note": value}})
    longest = "v" * 498
    assert consumer(call, acme, metadata={"note": longest})["metadata"] == {"note": longest}


def test_metadata_limits_hold_on_update_and_in_batches(call: Invoke, acme: Principal, refused: Any) -> None:
    owner = consumer(call, acme, metadata={"kept": True})
    too_many = {f"k{n}": n for n in range(METADATA_MAX_KEYS + 1)}
    refused("update_consumer", "metadata", path_params={"id": owner["id"]}, body={"metadata": too_many})
    refused("update_consumer", "metadata", path_params={"id": owner["id"]}, body={"metadata": {"k" * 41: 1}})
    batch = [{"email": "b1@example.com"}, {"email": "b2@example.com", "metadata": {"note": "v" * 501}}]
    error = refused("batch_create_consumers", "metadata", body=batch)
    assert [detail.get("index") for detail in error["details"]] == [1]
    update = [{"id": owner["id"], "metadata": too_many}]
    refused("batch_update_consumers", "metadata", body=update)
    assert call("get_consumer", principal=acme, path_params={"id": owner["id"]})["body"]["metadata"] == {"kept": True}


# ---------------------------------------------------------------- tags and strings


def test_tags_are_at_most_100_of_at_most_64_characters(call: Invoke, acme: Principal, refused: Any) -> None:
    refused("create_consumer", "tags", body={"email": "t@example.com", "tags": [f"t{n}" for n in range(101)]})
    refused("create_consumer", "tags.1", body={"email": "t@example.com", "tags": ["ok", "t" * 65]})
    refused("create_consumer", "tags.0", body={"email": "t@example.com", "tags": ["   "]})
    most = [f"{n:03d}" + "t" * 61 for n in range(100)]
    assert consumer(call, acme, tags=most)["tags"] == most
    owner_id = consumer(call, acme, externalId="tags-owner")["id"]
    refused("update_consumer", "tags", path_params={"id": owner_id}, body={"tags": [f"t{n}" for n in range(101)]})


LONGEST = {
    "fullName": 200,
    "firstName": 200,
    "lastName": 200,
    "externalId": 255,
}
ADDRESS_LONGEST = {"street": 200, "city": 200, "region": 200, "postalCode": 20, "country": 200}


@pytest.mark.parametrize(("field", "longest"), sorted(LONGEST.items()))
def test_profile_strings_have_a_maximum_length(
    call: Invoke, acme: Principal, refused: Any, field: str, longest: int
) -> None:
    refused("create_consumer", field, body={"email": "s@example.com", field: "x" * (longest + 1)})
    owner = consumer(call, acme, externalId=f"owner-{field}")
    refused("update_consumer", field, path_params={"id": owner["id"]}, body={field: "x" * (longest + 1)})
    accepted = call(
        "create_consumer", principal=acme, body={"email": f"{field.lower()}@example.com", field: "x" * longest}
    )
    assert accepted["status"] == 201, accepted
    assert accepted["body"][field] == "x" * longest


@pytest.mark.parametrize(("part", "longest"), sorted(ADDRESS_LONGEST.items()))
def test_address_parts_have_a_maximum_length(
    call: Invoke, acme: Principal, refused: Any, part: str, longest: int
) -> None:
    too_long = {"email": "a@example.com", "address": {part: "x" * (longest + 1)}}
    refused("create_consumer", f"address.{part}", body=too_long)
    accepted = call("create_consumer", principal=acme, body={"externalId": part, "address": {part: "x" * longest}})
    assert accepted["status"] == 201, accepted


def test_emails_and_phones_have_a_maximum_length(refused: Any) -> None:
    refused("create_consumer", "email", body={"email": "a" * 250 + "@example.com"})  # 262 > 254
    refused("create_consumer", "phone", body={"phone": "+1 415 555 2671" + " " * 30})  # 45 > 32


def test_unknown_fields_are_refused_not_stored(refused: Any) -> None:
    refused("create_consumer", "organization", body={"email": "u@example.com", "organization": "globex"})
    refused("create_consumer", "environment", body={"email": "u@example.com", "environment": "live"})


# ---------------------------------------------------------------- batches and id lists


def test_a_batch_of_501_is_refused_whole(refused: Any) -> None:
    assert MAX_BATCH == 500
    create = [{"email": f"b{n}@example.com"} for n in range(MAX_BATCH + 1)]
    error = refused("batch_create_consumers", "body", "Max batch size is 500", body=create)
    assert error["code"] == "batch_too_large"
    update = [{"id": f"cons_{n}", "fullName": "B"} for n in range(MAX_BATCH + 1)]
    assert refused("batch_update_consumers", "body", "Max batch size is 500", body=update)["code"] == "batch_too_large"


def test_id_lists_hold_at_most_500(call: Invoke, acme: Principal, refused: Any) -> None:
    assert MAX_MEMBERS_PER_REQUEST == 500
    audience = call("create_audience", principal=acme, body={"name": "Limits"})["body"]
    ids = [f"cons_{n}" for n in range(MAX_MEMBERS_PER_REQUEST + 1)]
    path = {"id": audience["id"]}
    refused("add_audience_members", "body", path_params=path, body={"consumerIds": ids})
    refused("remove_audience_members", "body", path_params=path, body={"consumerIds": ids})
    refused("bulk_update_status", "body", body={"consumerIds": ids, "status": "inactive"})
    refused("create_export", "consumerIds", body={"consumerIds": ids})


def test_an_order_holds_at_most_100_lines(refused: Any) -> None:
    assert MAX_ORDER_LINES == 100
    lines = [{"name": "Line", "unitPrice": 1} for _ in range(MAX_ORDER_LINES + 1)]
    body = {"email": "o@example.com", "amount": 101, "currency": "EUR", "items": lines}
    refused("create_order", "items", body=body)


# ---------------------------------------------------------------- page sizes and query strings

LISTS: list[tuple[str, str | None]] = [
    ("list_consumers", None),
    ("search_consumers", None),
    ("list_audiences", None),
    ("list_audience_members", "audience"),
    ("list_consumer_orders", "consumer"),
    ("list_balance_adjustments", "consumer"),
    ("consumer_timeline", "consumer"),
    ("list_points_transactions", "consumer"),
    ("list_loyalty_programs", None),
    ("list_exports", None),
]


@pytest.mark.parametrize(("function", "owner"), LISTS)
def test_every_list_pages_at_most_100(call: Invoke, acme: Principal, function: str, owner: str | None) -> None:
    assert MAX_PAGE_SIZE == 100
    path = None
    if owner == "consumer":
        path = {"id": consumer(call, acme)["id"]}
    elif owner == "audience":
        path = {"id": call("create_audience", principal=acme, body={"name": "Pages"})["body"]["id"]}
    extra = {"q": "ab"} if function == "search_consumers" else {}
    for field, value in (("first", "101"), ("first", "0"), ("first", "-1"), ("first", "many"), ("last", "101")):
        if function == "search_consumers" and field == "last":
            continue  # /search pages forwards only
        response = call(function, principal=acme, path_params=path, query={**extra, field: value})
        assert_refused(response, field)
    accepted = call(function, principal=acme, path_params=path, query={**extra, "first": str(MAX_PAGE_SIZE)})
    assert accepted["status"] == 200, accepted


@pytest.mark.parametrize(
    ("function", "parameter", "longest"),
    [
        ("list_consumers", "search", 100),
        ("search_consumers", "q", 100),
        ("search_consumers", "email", 254),
        ("search_consumers", "phone", 32),
        ("search_consumers", "externalId", 255),
    ],
)
def test_query_strings_have_a_maximum_length(
    call: Invoke, acme: Principal, function: str, parameter: str, longest: int
) -> None:
    assert_refused(call(function, principal=acme, query={parameter: "x" * (longest + 1)}), parameter)
