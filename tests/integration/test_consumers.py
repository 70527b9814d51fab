"""POST /consumers and GET /consumers/{id} through the real handlers against moto."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.conftest import Invoke, principal_for

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_create_returns_the_seed_shape_with_defaults(call: Invoke, acme: dict[str, str]) -> None:
    response = call(
        "create_consumer",
        principal=acme,
        body={"email": "John.Doe@Example.COM", "fullName": "John Doe", "metadata": {"source": "import", "tier": "vip"}},
    )
    assert response["status"] == 201, response
    consumer = response["body"]
    assert re.match(r"^cons_[0-9A-HJKMNP-TV-Z]{26}$", consumer["id"])
    assert consumer["email"] == "John.Doe@example.com"
    assert consumer["fullName"] == "John Doe"
    assert consumer["metadata"] == {"source": "import", "tier": "vip"}
    assert consumer["phone"] is None
    assert consumer["externalId"] is None
    assert consumer["totalOrders"] == 0
    assert consumer["totalOrderValue"] == 0
    assert consumer["lastOrderAt"] is None
    assert consumer["status"] == "active"
    assert consumer["membership"] == "guest"
    assert consumer["verified"] is False
    assert consumer["source"] == "api"
    assert consumer["syncStatus"] == "not_synced"
    assert consumer["loyalty"] == {"points": 0, "tier": None, "pendingPoints": 0, "nextChangeAt": None}
    assert consumer["tags"] == []
    assert ISO_MS.match(consumer["createdAt"])
    assert consumer["updatedAt"] == consumer["createdAt"]


def test_get_reads_back_exactly_what_create_returned(call: Invoke, acme: dict[str, str]) -> None:
    created = call(
        "create_consumer",
        principal=acme,
        body={
            "email": "ana@example.com",
            "phone": "+44 20 7946 0958",
            "firstName": "Ana",
            "lastName": "Lima",
            "externalId": "shop-42",
            "tags": ["vip", "vip", "newsletter"],
            "address": {"street": "1 Main St", "city": "Lisbon", "postalCode": "1000-001", "country": "PT"},
            "membership": "member",
            "verified": True,
            "metadata": {"score": 1.5, "nested": {"a": [1, 2]}},
        },
    )["body"]
    assert created["phone"] == "+442079460958"
    assert created["fullName"] == "Ana Lima"
    assert created["tags"] == ["vip", "newsletter"]
    assert created["verifiedAt"] == created["createdAt"]
    fetched = call("get_consumer", principal=acme, path_params={"id": created["id"]})
    assert fetched["status"] == 200
    assert fetched["body"] == created


def test_email_is_unique_per_tenant_case_insensitively(call: Invoke, acme: dict[str, str]) -> None:
    assert call("create_consumer", principal=acme, body={"email": "dup@example.com"})["status"] == 201
    again = call("create_consumer", principal=acme, body={"email": "DUP@Example.com"})
    assert again["status"] == 400
    assert again["body"]["error"]["message"] == "Email already exists"
    assert again["body"]["error"]["code"] == "email_already_exists"
    assert again["body"]["error"]["details"][0]["field"] == "email"


def test_same_email_is_allowed_in_other_environment_and_organization(call: Invoke, acme: dict[str, str]) -> None:
    acme_live = principal_for("acme", "live")
    globex = principal_for("globex")
    for principal in (acme, acme_live, globex):
        assert call("create_consumer", principal=principal, body={"email": "shared@example.com"})["status"] == 201


def test_external_id_is_unique_per_tenant(call: Invoke, acme: dict[str, str]) -> None:
    assert call("create_consumer", principal=acme, body={"externalId": "crm-1"})["status"] == 201
    again = call("create_consumer", principal=acme, body={"externalId": "crm-1", "email": "other@example.com"})
    assert again["status"] == 400
    assert again["body"]["error"]["code"] == "external_id_already_exists"
    # The failed transaction claimed nothing: the email of the rejected request is still free.
    assert call("create_consumer", principal=acme, body={"email": "other@example.com"})["status"] == 201


def test_concurrent_creates_with_one_email_make_exactly_one_consumer(call: Invoke, acme: dict[str, str]) -> None:
    def create(_: int) -> int:
        return call("create_consumer", principal=acme, body={"email": "race@example.com"})["status"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(8)))
    assert statuses.count(201) == 1
    assert set(statuses) <= {201, 400, 409}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "555-1234"}, "phone"),
        ({"phone": "+1 000 000 0000"}, "phone"),
        ({"email": "a@example.com", "status": "gone"}, "status"),
        ({"email": "a@example.com", "membership": "vip"}, "membership"),
        ({"email": "a@example.com", "unknownField": 1}, "unknownField"),
        ({"email": "a@example.com", "metadata": {f"k{i}": i for i in range(51)}}, "metadata"),
        ({"email": "a@example.com", "metadata": {"long": "x" * 600}}, "metadata"),
        ({"email": "a@example.com", "address": {"planet": "Mars"}}, "address.planet"),
        ({"fullName": "Nobody"}, "body"),
    ],
)
def test_bad_bodies_get_validation_failed_with_field_details(
    call: Invoke, acme: dict[str, str], body: dict[str, object], field: str
) -> None:
    response = call("create_consumer", principal=acme, body=body)
    assert response["status"] == 400
    error = response["body"]["error"]
    assert error["message"] == "Validation failed"
    assert error["type"] == "invalid_request_error"
    assert error["requestId"]
    assert field in [detail["field"] for detail in error["details"]]


def test_malformed_json_is_validation_failed(call: Invoke, acme: dict[str, str]) -> None:
    response = call("create_consumer", principal=acme, raw_body="{not json")
    assert response["status"] == 400
    assert response["body"]["error"]["message"] == "Validation failed"


def test_unknown_and_foreign_ids_are_404(call: Invoke, acme: dict[str, str]) -> None:
    created = call("create_consumer", principal=acme, body={"email": "mine@example.com"})["body"]
    for principal in (principal_for("globex"), principal_for("acme", "live")):
        response = call("get_consumer", principal=principal, path_params={"id": created["id"]})
        assert response["status"] == 404
        assert response["body"]["error"]["message"] == "Consumer not found"
    missing = call("get_consumer", principal=acme, path_params={"id": "cons_01HXYZ12345678901234567890"})
    assert missing["status"] == 404
    junk = call("get_consumer", principal=acme, path_params={"id": "nope"})
    assert junk["status"] == 404


def test_a_request_without_authorizer_context_is_401(call: Invoke) -> None:
    response = call("get_consumer", principal=None, path_params={"id": "cons_01HXYZ12345678901234567890"})
    assert response["status"] == 401
    assert response["body"]["error"]["message"] == "Authentication required"


def test_requests_leave_no_email_or_phone_in_the_logs(
    call: Invoke, acme: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    created = call("create_consumer", principal=acme, body={"email": "private@example.com", "phone": "+14155552671"})
    call("get_consumer", principal=acme, path_params={"id": created["body"]["id"]})
    call("create_consumer", principal=acme, body={"email": "private@example.com"})  # the duplicate path too
    logged = capsys.readouterr()
    for secret in ("private@example.com", "4155552671"):
        assert secret not in logged.out
        assert secret not in logged.err
