"""API keys and the REQUEST authorizer, against moto."""

from __future__ import annotations

import copy
import hashlib
import json

import boto3
import pytest

from clientele.access import keys
from clientele.access import store as api_keys
from clientele.core import settings
from clientele.core.errors import ApiKeyNotFound, AuthenticationRequired
from clientele.core.store import dynamo
from clientele.core.tenancy import Environment, Scope
from clientele_local.inprocess import Context, load_function, sample_event

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/{method}/api/v1/consumers"


def authorize(authorization: str | None, method: str = "POST") -> dict:
    event = copy.deepcopy(sample_event("authorizer"))
    event["headers"] = {} if authorization is None else {"authorization": authorization}
    event["methodArn"] = ARN.format(method=method)
    return load_function("authorizer").lambda_handler(event, Context())


def test_key_formats_and_only_a_hash_is_stored(table: str) -> None:
    secret_key = keys.create_key("acme", Environment.SANDBOX)
    live_read_key = keys.create_key("acme", Environment.LIVE, read_only=True)
    assert secret_key.secret.startswith("sk_test_")
    assert len(secret_key.secret) == 40
    assert live_read_key.secret.startswith("rk_live_")
    stored = keys.list_keys("acme")
    assert {record.key_id for record in stored} == {secret_key.key_id, live_read_key.key_id}
    hashes = {hashlib.sha256(new.secret.encode()).hexdigest() for new in (secret_key, live_read_key)}
    assert {record.secret_hash for record in stored} == hashes
    assert all("…" in record.hint for record in stored)
    everything = json.dumps(boto3.client("dynamodb").scan(TableName=table)["Items"])
    assert secret_key.secret not in everything
    assert live_read_key.secret not in everything


def test_authorizer_context_carries_the_tenant_and_scope(table: str) -> None:
    new = keys.create_key("acme", Environment.LIVE)
    response = authorize(f"Bearer {new.secret}")
    assert response["principalId"] == new.key_id
    assert response["context"] == {
        "organization": "acme",
        "environment": "live",
        "scope": "write",
        "keyId": new.key_id,
    }
    statement = response["policyDocument"]["Statement"]
    assert statement[0]["Effect"] == "Allow"
    assert statement[0]["Resource"] == ["arn:aws:execute-api:us-east-1:123456789012:abc123/dev/*/*"]


def test_read_only_keys_are_allowed_reads_only(table: str) -> None:
    new = keys.create_key("acme", Environment.SANDBOX, read_only=True)
    response = authorize(f"Bearer {new.secret}", method="GET")
    assert response["context"]["scope"] == "read"
    resources = sorted(
        r for s in response["policyDocument"]["Statement"] if s["Effect"] == "Allow" for r in s["Resource"]
    )
    assert resources == [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/HEAD/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/OPTIONS/*",
    ]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer sk_test_short",
        "Bearer pk_test_" + "a" * 32,
        "Bearer sk_test_" + "a" * 32,  # well-formed but unknown
    ],
)
def test_missing_malformed_and_unknown_keys_are_unauthorized(table: str, authorization: str | None) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(authorization)


def test_revoked_keys_stop_working(table: str) -> None:
    new = keys.create_key("acme", Environment.SANDBOX)
    assert keys.authenticate(new.secret).scope is Scope.WRITE
    revoked = keys.revoke_key(new.key_id)
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationRequired):
        keys.authenticate(new.secret)
    assert keys.list_keys("acme")[0].revoked_at == revoked.revoked_at
    with pytest.raises(ApiKeyNotFound):
        keys.revoke_key(new.key_id)


def test_editing_a_keys_prefix_does_not_change_its_scope(table: str) -> None:
    read_only = keys.create_key("acme", Environment.SANDBOX, read_only=True)
    forged = "sk" + read_only.secret[2:]  # same secret body, claiming write scope
    with pytest.raises(AuthenticationRequired):
        keys.authenticate(forged)


def test_unknown_key_id_cannot_be_revoked(table: str) -> None:
    with pytest.raises(ApiKeyNotFound):
        keys.revoke_key("key_01HXYZ12345678901234567890")


def test_organization_ids_are_validated(table: str) -> None:
    with pytest.raises(ValueError, match="organization"):
        keys.create_key("Acme#1", Environment.SANDBOX)


# ---------------------------------------------------------------- usage plans (ApiKeySourceType AUTHORIZER)


def test_without_a_usage_plan_the_organization_is_the_usage_identifier(table: str) -> None:
    """The local stack's case: no API Gateway keys; its gateway limits by what the authorizer returns."""
    new = keys.create_key("acme", Environment.SANDBOX)
    assert authorize(f"Bearer {new.secret}")["usageIdentifierKey"] == "acme"


@pytest.fixture
def usage_plan(table: str, monkeypatch: pytest.MonkeyPatch) -> str:
    plan = boto3.client("apigateway").create_usage_plan(name="clientele-dev-organizations")["id"]
    monkeypatch.setenv("CLIENTELE_USAGE_PLAN_ID", plan)
    settings.reset()  # read once per process, as on Lambda
    return plan


def _plan_keys(plan: str) -> dict[str, str]:
    """{API key id: value} of the usage plan's keys."""
    gateway = boto3.client("apigateway")
    ids = [key["id"] for key in gateway.get_usage_plan_keys(usagePlanId=plan)["items"]]
    return {key_id: gateway.get_api_key(apiKey=key_id, includeValue=True)["value"] for key_id in ids}


def test_each_organization_gets_one_api_gateway_key_in_the_plan_and_the_authorizer_returns_it(usage_plan: str) -> None:
    acme_keys = [
        keys.create_key("acme", Environment.SANDBOX),
        keys.create_key("acme", Environment.LIVE, read_only=True),
    ]
    globex = keys.create_key("globex", Environment.SANDBOX)
    plan_keys = _plan_keys(usage_plan)
    assert len(plan_keys) == 2  # one per organization, whatever its number of Clientele keys
    acme_identifiers = {authorize(f"Bearer {new.secret}", method="GET")["usageIdentifierKey"] for new in acme_keys}
    globex_identifier = authorize(f"Bearer {globex.secret}")["usageIdentifierKey"]
    assert len(acme_identifiers) == 1
    assert acme_identifiers | {globex_identifier} == set(plan_keys.values())
    assert "acme" not in acme_identifiers


def test_two_first_keys_at_once_leave_one_api_gateway_key(usage_plan: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The creation that loses the race for the organization's usage key deletes the API Gateway key it
    made and uses the stored one."""
    first = api_keys.usage_key("acme", usage_plan)
    real_get_item = dynamo.get_item
    calls = []

    def not_yet_stored(key: dict[str, str], *, consistent: bool = False) -> dict | None:
        calls.append(key)
        return None if len(calls) == 1 else real_get_item(key, consistent=consistent)  # the race's first read

    monkeypatch.setattr(dynamo, "get_item", not_yet_stored)
    assert api_keys.usage_key("acme", usage_plan) == first
    assert list(_plan_keys(usage_plan).values()) == [first]
    assert [key["name"] for key in boto3.client("apigateway").get_api_keys()["items"]] == ["clientele-acme"]
