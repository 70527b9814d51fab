"""Connecting a Shopify shop (issue 17, "Shopify"): PUT/GET /integrations/shopify with the token and
webhook secret in Secrets Manager, the connection id behind webhookUrl, and what the webhooks and
the full sync build on (tenant_for, webhook health, the last full sync, enabled tenants)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest

from clientele.core import settings
from clientele.core.errors import ShopifyNotSetUp
from clientele.core.store import dynamo
from clientele.core.tenancy import Environment, Tenant
from clientele.shopify import connection
from clientele.shopify import connection_store as store
from clientele.shopify.requests import ShopifySettings
from tests.integration.conftest import TABLE_NAME, Invoke, principal_for

SHOP = "kefi-demo.myshopify.com"
TOKEN = "shpat_TEST-token-for-kefi-0001"
SECRET = "TEST-app-secret-key-kefi-0002"
ACME = Tenant(organization="acme", environment=Environment.SANDBOX)
BASE = "https://abc123.execute-api.us-east-1.amazonaws.com/dev"  # the sample event's domain and stage
WEBHOOKS = "/api/v1/integrations/shopify/webhooks/"


def _connect(call: Invoke, principal: dict[str, str], **settings: Any) -> dict[str, Any]:
    body = {"shopDomain": SHOP, "accessToken": TOKEN, "webhookSecret": SECRET, "enabled": True, **settings}
    answer = call("configure_shopify", principal=principal, body=body)
    assert answer["status"] == 200, answer
    return dict(answer["body"])


def _table() -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]  # a test may read the whole table


def test_connecting_keeps_the_secrets_in_secrets_manager_and_shows_them_masked(
    call: Invoke, acme: dict[str, str]
) -> None:
    missing = call("get_shopify", principal=acme)
    assert (missing["status"], missing["body"]["error"]["code"]) == (404, "integration_not_found")
    setup = _connect(call, acme)
    assert setup["shopDomain"] == SHOP
    assert (setup["accessToken"], setup["webhookSecret"]) == ("••••0001", "••••0002")
    assert setup["enabled"] is True
    assert setup["apiVersion"] == "2025-10"
    assert setup["connectionId"].startswith("shc_")
    assert len(setup["connectionId"]) >= 36
    assert setup["webhookUrl"] == f"{BASE}{WEBHOOKS}{setup['connectionId']}"
    assert setup["webhooks"] == {
        "received": 0,
        "failures": 0,
        "lastReceivedAt": None,
        "lastFailureAt": None,
        "lastFailure": None,
    }
    assert setup["lastFullSync"] is None
    secret = boto3.client("secretsmanager").get_secret_value(SecretId="clientele/dev/sandbox/acme/shopify")
    assert json.loads(secret["SecretString"]) == {"accessToken": TOKEN, "webhookSecret": SECRET}
    stored = str(_table())
    assert TOKEN not in stored
    assert SECRET not in stored
    assert TOKEN not in str(setup)
    assert SECRET not in str(setup)
    assert call("get_shopify", principal=acme)["body"] == setup
    assert (connection.access_token(ACME), connection.webhook_secret(ACME)) == (TOKEN, SECRET)


def test_webhook_url_and_connection_id_stay_the_same_across_puts(call: Invoke, acme: dict[str, str]) -> None:
    first = _connect(call, acme)
    # Secrets may be left out for the same shop: switching off keeps them.
    off = call("configure_shopify", principal=acme, body={"shopDomain": SHOP, "enabled": False})["body"]
    assert (off["enabled"], off["accessToken"], off["webhookSecret"]) == (False, "••••0001", "••••0002")
    rotated = _connect(call, acme, accessToken="shpat_TEST-token-rotated-0003")
    for later in (off, rotated):
        assert (later["connectionId"], later["webhookUrl"]) == (first["connectionId"], first["webhookUrl"])
    assert rotated["accessToken"] == "••••0003"
    assert rotated["webhookSecret"] == "••••0002"
    assert connection.access_token(ACME) == "shpat_TEST-token-rotated-0003"  # at once: the cache follows updatedAt
    assert connection.tenant_for(first["connectionId"]) == ACME


def test_bad_settings_are_refused_and_change_nothing(call: Invoke, acme: dict[str, str]) -> None:
    for domain in ("kefi.com", "https://evil.example/x.myshopify.com", "kefi_demo.myshopify.com", "", ".myshopify.com"):
        refused = call("configure_shopify", principal=acme, body={"shopDomain": domain, "enabled": True})
        assert refused["status"] == 400, domain
        assert refused["body"]["error"]["details"][0]["field"] == "shopDomain"
    short = call(
        "configure_shopify",
        principal=acme,
        body={"shopDomain": SHOP, "accessToken": "x", "webhookSecret": SECRET, "enabled": True},
    )
    assert short["status"] == 400
    assert short["body"]["error"]["details"][0]["field"] == "accessToken"
    unknown = call("configure_shopify", principal=acme, body={"shopDomain": SHOP, "enabled": True, "apiKey": "k"})
    assert unknown["status"] == 400
    no_secrets = call("configure_shopify", principal=acme, body={"shopDomain": SHOP, "enabled": True})
    assert no_secrets["status"] == 400
    assert [detail["field"] for detail in no_secrets["body"]["error"]["details"]] == ["accessToken", "webhookSecret"]
    assert _table() == [] or all("INTEGRATION#shopify" not in str(item) for item in _table())
    assert call("get_shopify", principal=acme)["status"] == 404
    # A shop's domain given as its URL, in capitals, is the domain.
    setup = _connect(call, acme, shopDomain="https://Kefi-Demo.myshopify.com/")
    assert setup["shopDomain"] == SHOP
    # Another shop needs its own token and secret: the stored ones are the old shop's.
    other = call("configure_shopify", principal=acme, body={"shopDomain": "other.myshopify.com", "enabled": True})
    assert other["status"] == 400
    assert call("get_shopify", principal=acme)["body"]["shopDomain"] == SHOP


def test_first_puts_at_once_agree_on_one_connection_id(table: str) -> None:
    settings = ShopifySettings(shop_domain=SHOP, access_token=TOKEN, webhook_secret=SECRET, enabled=True)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: connection.configure(ACME, settings, base_url=BASE), range(6)))
    assert len({answer.connection_id for answer in answers}) == 1
    connections = [item for item in _table() if item["pk"]["S"].startswith("SHOPIFYCONN#")]
    assert len(connections) == 1


def test_a_connection_id_names_its_own_tenant_only(call: Invoke, acme: dict[str, str]) -> None:
    mine = _connect(call, acme)["connectionId"]
    theirs = _connect(call, principal_for("globex"))["connectionId"]
    live = _connect(call, principal_for("acme", "live"))["connectionId"]
    assert len({mine, theirs, live}) == 3
    assert connection.tenant_for(mine) == ACME
    assert connection.tenant_for(theirs) == Tenant("globex", Environment.SANDBOX)
    assert connection.tenant_for(live) == Tenant("acme", Environment.LIVE)
    for unknown in ("shc_" + "A" * 32, mine + "x", mine[:-1], "", "cons_1", "shc_" + "x" * 200):
        assert connection.tenant_for(unknown) is None
    # No PUT can take over another tenant's connection id, even naming it directly in the store.
    with pytest.raises(dynamo.TransactionCancelled):
        store.put_settings(
            Tenant("globex", Environment.SANDBOX),
            {"shopDomain": SHOP, "enabled": True, "tokenHint": "0001", "secretHint": "0002", "webhookUrl": "x"},
            mine,
            first=False,
        )
    assert connection.tenant_for(mine) == ACME
    # Each tenant sees its own connection.
    assert call("get_shopify", principal=principal_for("globex"))["body"]["connectionId"] == theirs


def test_webhook_health_and_the_last_full_sync_show_on_get(call: Invoke, acme: dict[str, str]) -> None:
    connection.record_webhook(ACME, ok=True, at="2026-01-01T00:00:00.000Z", reason=None)  # not set up: nothing
    assert call("get_shopify", principal=acme)["status"] == 404
    assert _table() == [] or all("INTEGRATION#shopify" not in str(item) for item in _table())
    _connect(call, acme)
    connection.record_webhook(ACME, ok=True, at="2026-01-01T00:00:00.000Z", reason=None)
    connection.record_webhook(ACME, ok=False, at="2026-01-01T00:01:00.000Z", reason="invalid HMAC")
    connection.record_webhook(ACME, ok=True, at="2026-01-01T00:02:00.000Z", reason=None)
    summary = {
        "id": "shsync_1",
        "status": "succeeded",
        "mode": "auto",
        "method": "paginated",
        "trigger": "manual",
        "since": None,
        "progress": {"processed": 12, "total": 12},
        "counts": {"created": 10, "updated": 2, "unchanged": 0, "failed": 0},
        "errors": [],
        "error": None,
        "startedAt": "2026-01-01T00:00:00.000Z",
        "finishedAt": "2026-01-01T00:00:09.000Z",
    }
    connection.record_full_sync(ACME, summary)
    shown = call("get_shopify", principal=acme)["body"]
    assert shown["webhooks"] == {
        "received": 3,
        "failures": 1,
        "lastReceivedAt": "2026-01-01T00:02:00.000Z",
        "lastFailureAt": "2026-01-01T00:01:00.000Z",
        "lastFailure": "invalid HMAC",
    }
    assert shown["lastFullSync"] == summary
    # A later PUT keeps both.
    assert _connect(call, acme, enabled=False)["webhooks"] == shown["webhooks"]


def test_counts_from_many_deliveries_at_once_add_up(call: Invoke, acme: dict[str, str]) -> None:
    _connect(call, acme)
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda n: connection.record_webhook(ACME, ok=n % 4 != 0, at="2026-01-01T00:00:00.000Z", reason="x"),
                range(40),
            )
        )
    health = connection.connection(ACME).webhooks
    assert (health.received, health.failures) == (40, 10)


def test_enabled_tenants_are_those_switched_on(call: Invoke, acme: dict[str, str]) -> None:
    assert list(connection.enabled_tenants()) == []
    globex = principal_for("globex")
    _connect(call, acme)
    _connect(call, globex)
    _connect(call, principal_for("initech"), enabled=False)
    assert sorted(connection.enabled_tenants()) == sorted([ACME, Tenant("globex", Environment.SANDBOX)])
    _connect(call, globex, enabled=False)
    assert list(connection.enabled_tenants()) == [ACME]


def test_the_secrets_need_a_connection(table: str) -> None:
    with pytest.raises(ShopifyNotSetUp):
        connection.access_token(ACME)
    with pytest.raises(ShopifyNotSetUp):
        connection.webhook_secret(ACME)
    with pytest.raises(ShopifyNotSetUp):
        connection.connection(ACME)


def test_the_webhook_url_follows_how_the_api_was_reached() -> None:
    execute_api = {"domainName": "abc.execute-api.eu-west-1.amazonaws.com", "stage": "prod"}
    assert connection.base_url_of(execute_api, {}) == "https://abc.execute-api.eu-west-1.amazonaws.com/prod"
    custom = {"domainName": "api.clientele.example", "stage": "prod"}
    assert connection.base_url_of(custom, {}) == "https://api.clientele.example"
    local = {"domainName": "127.0.0.1:3000", "stage": "dev"}
    assert connection.base_url_of(local, {"X-Forwarded-Proto": "http"}) == "http://127.0.0.1:3000"
    assert connection.base_url_of({}, {"Host": "localhost:3000"}) == "https://localhost:3000"


class _TokenEndpoint:
    """Shopify's `/admin/oauth/access_token` for one app: grants numbered tokens to the right client
    id and secret, and remembers every request's form."""

    def __init__(self, client_id: str, client_secret: str, expires_in: int = 86399) -> None:
        self.client_id, self.client_secret, self.expires_in = client_id, client_secret, expires_in
        self.requests: list[dict[str, list[str]]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = parse_qs(self.rfile.read(length).decode())
                endpoint.requests.append({"path": [self.path], **form})
                granted = form.get("client_id") == [endpoint.client_id] and form.get("client_secret") == [
                    endpoint.client_secret
                ]
                status, answer = (200, {}) if granted else (400, {"error": "invalid_client"})
                if granted:
                    answer = {
                        "access_token": f"shpat_granted_{len(endpoint.requests)}",
                        "scope": "read_customers,read_orders",
                        "expires_in": endpoint.expires_in,
                    }
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[_TokenEndpoint]:
    endpoint = _TokenEndpoint("client-id-of-the-app", SECRET, expires_in=86399)
    monkeypatch.setenv("SHOPIFY_BASE_URL", endpoint.url)
    settings.reset()
    yield endpoint
    endpoint.close()
    settings.reset()


def test_a_dev_dashboard_app_gets_its_token_from_the_client_credentials_grant(
    call: Invoke, acme: dict[str, str], token_endpoint: _TokenEndpoint
) -> None:
    body = {"shopDomain": SHOP, "clientId": "client-id-of-the-app", "webhookSecret": SECRET, "enabled": True}
    setup = call("configure_shopify", principal=acme, body=body)["body"]
    assert (setup["accessToken"], setup["clientId"], setup["webhookSecret"]) == (
        None,
        "client-id-of-the-app",
        "••••0002",
    )
    assert token_endpoint.requests == []  # asked for when first needed
    assert connection.access_token(ACME) == "shpat_granted_1"
    assert connection.access_token(ACME) == "shpat_granted_1"  # kept while it lives
    assert token_endpoint.requests == [
        {
            "path": ["/admin/oauth/access_token"],
            "grant_type": ["client_credentials"],
            "client_id": ["client-id-of-the-app"],
            "client_secret": [SECRET],
        }
    ]
    assert connection.webhook_secret(ACME) == SECRET
    # A token about to expire is renewed.
    token_endpoint.expires_in = 60
    _connect(call, acme, accessToken=None, clientId="client-id-of-the-app")
    assert connection.access_token(ACME) == "shpat_granted_2"
    assert connection.access_token(ACME) == "shpat_granted_3"
    # Wrong credentials: a clear failure, not a token.
    wrong = call("configure_shopify", principal=acme, body={**body, "webhookSecret": "TEST-wrong-secret-9999"})
    assert wrong["status"] == 200
    with pytest.raises(connection.ShopifyTokenRefused) as refused:
        connection.access_token(ACME)
    assert refused.value.status == 400
    # Back to a static token: the client id goes.
    static = _connect(call, acme, clientId=None)
    assert (static["accessToken"], static["clientId"]) == ("••••0001", None)
    assert connection.access_token(ACME) == TOKEN
    both = call("configure_shopify", principal=acme, body={**body, "accessToken": TOKEN})
    assert both["status"] == 400
    assert both["body"]["error"]["details"][0]["field"] == "clientId"
