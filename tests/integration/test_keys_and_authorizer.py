"""API keys and the REQUEST authorizer, against moto."""

from __future__ import annotations

import copy
import hashlib
import json

import boto3
import pytest

from clientele.access import keys
from clientele.core.errors import ApiKeyNotFound, AuthenticationRequired
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
