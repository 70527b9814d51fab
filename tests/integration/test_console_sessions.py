"""The console's sign-in (POST/GET/DELETE /app/session) and its session authorizer, against moto."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest

from clientele.access import keys
from clientele.access import store as api_keys
from clientele.core.tenancy import Environment
from clientele_local.inprocess import Context, api_event, load_function, sample_event
from tests.integration.conftest import Invoke

HOST = "console.example.com"
ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/{method}/app/api/v1/consumers"


def headers(**extra: str) -> dict[str, str]:
    return {"Host": HOST, "X-Forwarded-Proto": "https", **extra}


def sign_in(call: Invoke, api_key: Any, **extra: str) -> dict[str, Any]:
    return call("open_session", principal=None, body={"apiKey": api_key}, headers=headers(**extra))


def cookie_of(answer: dict[str, Any]) -> str:
    (set_cookie,) = answer["headers"]["Set-Cookie"]
    return set_cookie.split(";")[0]


def authorize(cookie: str | None, token: str | None, method: str = "POST") -> dict[str, Any]:
    event = copy.deepcopy(sample_event("session_authorizer"))
    event["headers"] = {name: value for name, value in (("Cookie", cookie), ("X-CSRF-Token", token)) if value}
    event["methodArn"] = ARN.format(method=method)
    return load_function("session_authorizer").lambda_handler(event, Context())


def sign_out(cookie: str, token: str, **extra: str) -> dict[str, Any]:
    event = api_event(
        "close_session", principal=None, headers=headers(Cookie=cookie, **{"X-CSRF-Token": token}, **extra)
    )
    return load_function("close_session").lambda_handler(event, Context())


def test_a_key_becomes_an_http_only_session_that_stores_neither_key_nor_secret(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.LIVE)
    answer = sign_in(call, new.secret)
    assert answer["status"] == 201
    (set_cookie,) = answer["headers"]["Set-Cookie"]
    name, _, secret = set_cookie.split(";")[0].partition("=")
    assert name == "__Host-clientele_session"  # over HTTPS: no other host can set a cookie of this name
    assert len(secret) == 43
    attributes = {part.strip() for part in set_cookie.split(";")[1:]}
    assert attributes == {"Path=/", "Max-Age=43200", "HttpOnly", "SameSite=Strict", "Secure"}
    body = answer["body"]
    assert body["organization"] == "acme"
    assert body["environment"] == "live"
    assert body["scope"] == "write"
    assert body["keyHint"] == keys.hint(new.secret)
    assert len(body["csrfToken"]) == 64
    everything = json.dumps(boto3.client("dynamodb").scan(TableName=table)["Items"])
    assert new.secret not in everything
    assert secret not in everything
    assert body["csrfToken"] not in everything


def test_over_plain_http_the_cookie_is_not_secure(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.SANDBOX)
    answer = sign_in(call, new.secret, **{"X-Forwarded-Proto": "http", "Origin": f"http://{HOST}"})
    assert answer["status"] == 201
    assert answer["headers"]["Set-Cookie"][0].startswith("clientele_session=")
    assert "Secure" not in answer["headers"]["Set-Cookie"][0]


def test_without_a_scheme_header_the_cookie_stays_secure(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.SANDBOX)
    answer = call("open_session", principal=None, body={"apiKey": new.secret}, headers={"Host": HOST})
    assert answer["headers"]["Set-Cookie"][0].startswith("__Host-clientele_session=")
    assert answer["headers"]["Set-Cookie"][0].endswith("; Secure")


def test_after_a_reload_the_session_gives_the_same_token(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.SANDBOX, read_only=True)
    opened = sign_in(call, new.secret)
    again = call("current_session", principal=None, headers=headers(Cookie=cookie_of(opened)))
    assert again["status"] == 200
    assert again["body"] == opened["body"]
    assert again["body"]["scope"] == "read"
    for cookie in (None, "clientele_session=" + "A" * 43, "other=1"):
        refused = call("current_session", principal=None, headers=headers(**({"Cookie": cookie} if cookie else {})))
        assert refused["status"] == 401
        assert refused["body"]["error"]["code"] == "authentication_required"


def test_the_session_authorizer_answers_what_the_key_authorizer_answers(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.LIVE)
    opened = sign_in(call, new.secret)
    response = authorize(cookie_of(opened), opened["body"]["csrfToken"])
    assert response["principalId"] == new.key_id
    assert response["context"] == {"organization": "acme", "environment": "live", "scope": "write", "keyId": new.key_id}
    assert response["usageIdentifierKey"] == "acme"  # the usage plan limits the console as the key
    assert response["policyDocument"]["Statement"][0]["Resource"] == [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/*/*"
    ]


def test_a_read_only_key_gives_a_read_only_session(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.SANDBOX, read_only=True)
    opened = sign_in(call, new.secret)
    response = authorize(cookie_of(opened), opened["body"]["csrfToken"], method="GET")
    resources = sorted(
        r for s in response["policyDocument"]["Statement"] if s["Effect"] == "Allow" for r in s["Resource"]
    )
    assert [resource.split("/")[2] for resource in resources] == ["GET", "HEAD", "OPTIONS"]


def test_a_call_without_the_csrf_token_or_the_cookie_is_refused(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.SANDBOX)
    opened = sign_in(call, new.secret)
    other = sign_in(call, new.secret)  # another session's token does not fit this cookie
    for cookie, token in [
        (cookie_of(opened), None),
        (cookie_of(opened), "0" * 64),
        (cookie_of(opened), other["body"]["csrfToken"]),
        (cookie_of(opened), "é" * 64),  # not even ASCII: refused, not a crash
        (None, opened["body"]["csrfToken"]),
        ("__Host-clientele_session=" + "B" * 43, opened["body"]["csrfToken"]),
        # the plain name is for plain HTTP: over HTTPS it is what another host could have planted
        (cookie_of(opened).replace("__Host-", ""), opened["body"]["csrfToken"]),
        # two of the name (one planted beside ours) are as good as none
        (f"{cookie_of(other)}; {cookie_of(opened)}", opened["body"]["csrfToken"]),
    ]:
        with pytest.raises(Exception, match=r"^Unauthorized$"):
            authorize(cookie, token)


def test_sign_out_ends_the_session_and_clears_the_cookie(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.SANDBOX)
    opened = sign_in(call, new.secret)
    cookie, token = cookie_of(opened), opened["body"]["csrfToken"]
    wrong = sign_out(cookie, "0" * 64)
    assert wrong["statusCode"] == 401  # deleting the session, too, needs the page's token
    assert wrong["multiValueHeaders"]["Set-Cookie"][0].startswith("__Host-clientele_session=; Path=/; Max-Age=0")
    authorize(cookie, token)  # still signed in
    answer = sign_out(cookie, token)
    assert answer["statusCode"] == 204
    assert answer["multiValueHeaders"]["Set-Cookie"][0].startswith(
        "__Host-clientele_session=; Path=/; Max-Age=0; HttpOnly"
    )
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(cookie, token)
    assert call("current_session", principal=None, headers=headers(Cookie=cookie))["status"] == 401


def test_the_session_answers_as_its_key_stands_now(table: str, call: Invoke) -> None:
    """The tenant, scope and usage identifier come from the key's lookup item at every call."""
    new = keys.create_key("acme", Environment.SANDBOX)
    opened = sign_in(call, new.secret)
    lookup = api_keys.ApiKeyRecord.lookup_key(keys.secret_hash(new.secret))
    boto3.resource("dynamodb").Table(table).update_item(
        Key=lookup, UpdateExpression="SET usageKey = :u", ExpressionAttributeValues={":u": "plan-key-1"}
    )
    assert authorize(cookie_of(opened), opened["body"]["csrfToken"])["usageIdentifierKey"] == "plan-key-1"


def test_revoking_the_key_ends_its_sessions(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.SANDBOX)
    opened = sign_in(call, new.secret)
    keys.revoke_key(new.key_id)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(cookie_of(opened), opened["body"]["csrfToken"])


def test_an_expired_session_is_refused_before_the_table_deletes_it(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.SANDBOX)
    opened = sign_in(call, new.secret)
    [stored] = [i for i in boto3.resource("dynamodb").Table(table).scan()["Items"] if i["entity"] == "ConsoleSession"]
    boto3.resource("dynamodb").Table(table).update_item(
        Key={"pk": stored["pk"], "sk": stored["sk"]},
        UpdateExpression="SET expiration = :past",
        ExpressionAttributeValues={":past": 1},
    )
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(cookie_of(opened), opened["body"]["csrfToken"])


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [({}, 400, "apiKey"), ({"apiKey": ""}, 400, "apiKey"), ({"apiKey": 7}, 400, "apiKey"), (["x"], 400, "body")],
)
def test_a_sign_in_without_a_key_is_a_field_error(table: str, call: Invoke, body: Any, status: int, field: str) -> None:
    answer = call("open_session", principal=None, body=body, headers=headers())
    assert answer["status"] == status
    assert answer["body"]["error"]["details"][0]["field"] == field
    assert "Set-Cookie" not in answer["headers"]


def test_an_unknown_key_or_a_foreign_page_signs_nobody_in(table: str, call: Invoke) -> None:
    new = keys.create_key("acme", Environment.SANDBOX)
    unknown = sign_in(call, "sk_test_" + "x" * 32)
    assert unknown["status"] == 401
    assert "Set-Cookie" not in unknown["headers"]
    foreign = sign_in(call, new.secret, Origin="https://evil.example")
    assert foreign["status"] == 401
    assert "Set-Cookie" not in foreign["headers"]
    stored = [i for i in boto3.resource("dynamodb").Table(table).scan()["Items"] if i["entity"] == "ConsoleSession"]
    assert stored == []


def test_the_console_reaches_a_route_under_app(table: str, call: Invoke, acme: dict[str, str]) -> None:
    """The same function answers /api/v1/… and the console's /app/api/v1/… (the resolver drops /app)."""
    created = call("create_consumer", principal=acme, body={"email": "ada@example.com"})
    event = api_event("get_consumer", principal=acme, path_params={"id": created["body"]["id"]})
    event["path"] = "/app" + event["path"]
    event["resource"] = "/app" + event["resource"]
    answer = load_function("get_consumer").lambda_handler(event, Context())
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["email"] == "ada@example.com"
