"""Pure rules: normalization, request models, key parsing, timestamps, error details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from clientele.access import keys
from clientele.consumers.models import Consumer, Loyalty
from clientele.consumers.requests import ConsumerCreate
from clientele.core import clock, normalize
from clientele.core.errors import AuthenticationRequired, ConsumerNotFound, EmailAlreadyExists, ValidationFailed
from clientele.core.http import error_body, validation_details
from clientele.core.tenancy import Environment, Principal, Scope, Tenant, valid_organization


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  +33 1 42 68 53 00 ", "+33142685300"),
    ],
)
def test_phones_are_normalized_to_e164(raw: str, expected: str) -> None:
    assert normalize.phone(raw) == expected


@pytest.mark.parametrize("raw", ["4155552671", "+1 000", "call me", "+999 123"])
def test_phones_without_country_or_invalid_are_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        normalize.phone(raw)


def test_emails_keep_the_local_part_and_lower_the_domain() -> None:
    assert normalize.email(" John.Doe@Example.COM ") == "John.Doe@example.com"
    assert normalize.email_identity("John.Doe@example.com") == "john.doe@example.com"


@pytest.mark.parametrize("raw", ["plainaddress", "a@b", "a@@example.com", "a b@example.com"])
def test_invalid_emails_are_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="email"):
        normalize.email(raw)


def test_timestamps_are_utc_with_milliseconds_and_z() -> None:
    moment = datetime(2024, 11, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert clock.format_instant(moment) == "2024-11-01T10:00:00.123Z"
    assert clock.now().endswith("Z")
    assert len(clock.now()) == 24


def test_ids_are_prefixed_unique_ulids() -> None:
    first, second = clock.new_id("cons"), clock.new_id("cons")
    assert first.startswith("cons_")
    assert len(first) == 31
    assert first != second


def test_create_request_needs_an_identifier_and_builds_the_full_name() -> None:
    with pytest.raises(ValidationError, match="at least one of email, phone or externalId"):
        ConsumerCreate.model_validate({"fullName": "No Contact"})
    request = ConsumerCreate.model_validate({"email": "a@example.com", "firstName": "Ana", "lastName": "Lima"})
    assert request.display_name() == "Ana Lima"
    explicit = ConsumerCreate.model_validate({"email": "a@example.com", "fullName": "Ana L.", "firstName": "Ana"})
    assert explicit.display_name() == "Ana L."


def test_create_request_rejects_unknown_fields_and_trims_text() -> None:
    with pytest.raises(ValidationError, match="extra"):
        ConsumerCreate.model_validate({"email": "a@example.com", "nickname": "x"})
    request = ConsumerCreate.model_validate({"email": "a@example.com", "fullName": "  Ana  ", "tags": [" a ", "a"]})
    assert request.full_name == "Ana"
    assert request.tags == ["a"]


def test_money_is_a_plain_json_number() -> None:
    consumer = Consumer.model_validate(
        {
            **{info.alias: None for info in Consumer.model_fields.values() if info.is_required()},
            "id": "cons_x",
            "status": "active",
            "membership": "guest",
            "verified": False,
            "tags": [],
            "source": "api",
            "syncStatus": "not_synced",
            "loyalty": Loyalty(),
            "totalOrders": 0,
            "totalOrderValue": "12.50",
            "createdAt": "2024-11-01T10:00:00.000Z",
            "updatedAt": "2024-11-01T10:00:00.000Z",
            "version": 1,
        }
    )
    assert consumer.to_api()["totalOrderValue"] == 12.5
    assert consumer.model_copy(update={"total_order_value": 0}).to_api()["totalOrderValue"] == 0


def test_validation_details_name_body_fields_by_json_path_and_parameters_by_name() -> None:
    details = validation_details(
        [
            {"loc": ("body", "address", "city"), "msg": "String should have at most 200 characters"},
            {"loc": ("body",), "msg": "Value error, a consumer needs at least one of email, phone or externalId"},
            {"loc": ("query", "first"), "msg": "Input should be a valid integer"},
        ]
    )
    assert details == [
        {"field": "address.city", "message": "String should have at most 200 characters"},
        {"field": "body", "message": "a consumer needs at least one of email, phone or externalId"},
        {"field": "first", "message": "Input should be a valid integer"},
    ]


def test_error_body_has_the_documented_shape() -> None:
    assert error_body(EmailAlreadyExists(), "req-1") == {
        "error": {
            "type": "invalid_request_error",
            "code": "email_already_exists",
            "message": "Email already exists",
            "details": [],
            "requestId": "req-1",
        }
    }
    assert (ValidationFailed.status, ConsumerNotFound.status, AuthenticationRequired.status) == (400, 404, 401)
    assert ConsumerNotFound().message == "Consumer not found"


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Token sk_test_" + "a" * 32, "Bearer sk_test_" + "a" * 31, "Bearer sk_prod_" + "a" * 32],
)
def test_bearer_parsing_rejects_anything_but_a_well_formed_key(header: str | None) -> None:
    with pytest.raises(AuthenticationRequired):
        keys.bearer_secret(header)


def test_bearer_parsing_accepts_all_four_key_kinds() -> None:
    for prefix in ("sk_test_", "sk_live_", "rk_test_", "rk_live_"):
        secret = prefix + "A1" * 16
        assert keys.bearer_secret(f"Bearer {secret}") == secret
        assert keys.bearer_secret(f"bearer  {secret} ") == secret


def test_tenant_prefix_and_principal_context_round_trip() -> None:
    principal = Principal(Tenant("acme", Environment.LIVE), Scope.READ, "key_1")
    assert principal.tenant.key_prefix == "live#acme"
    assert Principal.from_context(principal.as_context()) == principal


@pytest.mark.parametrize("organization", ["", "Acme", "acme#live", "a" * 65, "-acme"])
def test_organization_ids_cannot_break_key_construction(organization: str) -> None:
    with pytest.raises(ValueError, match="organization"):
        valid_organization(organization)


def test_utc_instants_sort_as_strings() -> None:
    earlier = clock.format_instant(datetime(2024, 1, 1, 23, 59, 59, 999000, tzinfo=UTC))
    later = clock.format_instant(datetime(2024, 1, 2, tzinfo=UTC))
    assert earlier < later


def test_early_years_are_written_in_four_digits() -> None:
    # An order may be placed at any instant; the document promises a date-time, and strings sort by time.
    assert clock.format_instant(datetime(1, 1, 2, tzinfo=UTC)) == "0001-01-02T00:00:00.000Z"
    assert clock.format_instant(datetime(999, 12, 31, tzinfo=UTC)) < clock.format_instant(
        datetime(1000, 1, 1, tzinfo=UTC)
    )


def test_ulids_are_crockford_base32_of_time_and_randomness_and_sort_in_the_order_made() -> None:
    assert clock.ulid(0, 0) == "0" * 26
    assert clock.ulid(2**48 - 1, 2**80 - 1) == "7" + "Z" * 25
    assert clock.ulid(1469922850259, 0x5E7C_A1B2_C3D4_E5F6_0718) == "01ARZ3NDEKBSYA3CP3TKJZC1RR"
    made = [clock.new_id("cons") for _ in range(1000)]
    assert made == sorted(made)
    assert len(set(made)) == 1000
