"""Idempotency-Key on POST /consumers."""

from __future__ import annotations

import pytest

from clientele.core import idempotency
from clientele.core.errors import IdempotencyInProgress
from clientele.core.tenancy import Principal
from tests.integration.conftest import Invoke, principal_for


def test_same_key_and_body_create_once_and_replay_the_response(call: Invoke, acme: dict[str, str]) -> None:
    headers = {"Idempotency-Key": "order-7-signup"}
    first = call("create_consumer", principal=acme, body={"email": "once@example.com"}, headers=headers)
    second = call("create_consumer", principal=acme, body={"email": "once@example.com"}, headers=headers)
    assert first["status"] == second["status"] == 201
    assert second["body"] == first["body"]


def test_header_name_is_case_insensitive(call: Invoke, acme: dict[str, str]) -> None:
    first = call("create_consumer", principal=acme, body={"email": "c@example.com"}, headers={"idempotency-key": "k"})
    second = call("create_consumer", principal=acme, body={"email": "c@example.com"}, headers={"Idempotency-Key": "k"})
    assert second["body"]["id"] == first["body"]["id"]


def test_same_key_with_another_body_is_409(call: Invoke, acme: dict[str, str]) -> None:
    headers = {"Idempotency-Key": "k-1"}
    assert call("create_consumer", principal=acme, body={"email": "a@example.com"}, headers=headers)["status"] == 201
    reused = call("create_consumer", principal=acme, body={"email": "b@example.com"}, headers=headers)
    assert reused["status"] == 409
    assert reused["body"]["error"]["code"] == "idempotency_key_reused"


def test_keys_are_scoped_to_the_tenant(call: Invoke, acme: dict[str, str]) -> None:
    headers = {"Idempotency-Key": "same-key"}
    mine = call("create_consumer", principal=acme, body={"email": "t@example.com"}, headers=headers)
    theirs = call(
        "create_consumer", principal=principal_for("globex"), body={"email": "t@example.com"}, headers=headers
    )
    assert theirs["status"] == 201
    assert theirs["body"]["id"] != mine["body"]["id"]


def test_failures_are_not_stored_so_a_corrected_retry_succeeds(call: Invoke, acme: dict[str, str]) -> None:
    call("create_consumer", principal=acme, body={"email": "taken@example.com"})
    headers = {"Idempotency-Key": "retry-me"}
    failed = call("create_consumer", principal=acme, body={"email": "taken@example.com"}, headers=headers)
    assert failed["status"] == 400
    retried = call("create_consumer", principal=acme, body={"email": "taken@example.com"}, headers=headers)
    assert retried["status"] == 400  # re-executed, not replayed from a stored failure
    assert retried["body"]["error"]["message"] == "Email already exists"


def test_without_a_key_every_post_creates(call: Invoke, acme: dict[str, str]) -> None:
    first = call("create_consumer", principal=acme, body={"externalId": "x-1"})
    second = call("create_consumer", principal=acme, body={"externalId": "x-2"})
    assert first["body"]["id"] != second["body"]["id"]


def test_a_key_still_in_progress_is_409(table: str, acme: dict[str, str]) -> None:
    tenant = Principal.from_context(acme).tenant
    inner: list[Exception] = []

    def work() -> dict[str, str]:
        # A second request with the same key arrives while the first one is still running.
        try:
            idempotency.once(tenant, "op", "busy-key", {"a": 1}, lambda: {"second": "ran"})
        except IdempotencyInProgress as error:
            inner.append(error)
        return {"first": "ran"}

    assert idempotency.once(tenant, "op", "busy-key", {"a": 1}, work) == {"first": "ran"}
    assert len(inner) == 1
    assert inner[0].status == 409


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_blank_or_overlong_keys_are_validation_failed(call: Invoke, acme: dict[str, str], key: str) -> None:
    response = call(
        "create_consumer", principal=acme, body={"email": "k@example.com"}, headers={"Idempotency-Key": key}
    )
    assert response["status"] == 400
    assert response["body"]["error"]["details"][0]["field"] == "Idempotency-Key"
    # Nothing was created: the email is still free.
    assert call("create_consumer", principal=acme, body={"email": "k@example.com"})["status"] == 201
