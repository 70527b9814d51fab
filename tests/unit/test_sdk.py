"""SDK rules that need no server: field names on the wire and which errors are worth a retry."""

from __future__ import annotations

import pytest

from clientele_client.sdk import ApiError, _followed, _wire, _worth_retrying


def test_python_names_become_the_apis_camel_case() -> None:
    assert _wire({"full_name": "A", "externalId": "x", "email": None}) == {
        "fullName": "A",
        "externalId": "x",
        "email": None,
    }


@pytest.mark.parametrize(
    ("status", "code", "retry"),
    [
        (503, "store_busy", True),
        (502, "internal_error", True),
        (429, "rate_limited", True),
        (409, "idempotency_in_progress", True),
        (409, "idempotency_key_reused", False),
        (409, "consumer_changed", False),
        (400, "validation_failed", False),
        (404, "consumer_not_found", False),
    ],
)
def test_only_transient_errors_are_retried(status: int, code: str, retry: bool) -> None:
    assert _worth_retrying(ApiError(status, {"code": code})) is retry


def test_a_merged_consumers_paths_lead_to_its_survivor() -> None:
    merged = ApiError(410, {"code": "consumer_merged", "mergedInto": "cons_B"})
    assert merged.merged_into == "cons_B"
    assert _followed("/consumers/cons_A", merged) == "/consumers/cons_B"
    assert _followed("/consumers/cons_A/timeline", merged) == "/consumers/cons_B/timeline"
    assert _followed("/orders/ord_1", merged) is None  # only a consumer's own paths
    assert _followed("/consumers/cons_A", ApiError(404, {"code": "consumer_not_found"})) is None
