"""Outbound webhooks against moto: events made from the stream through PublishEventsFunction's own
filters, delivered from the webhook queue by the delivery function to a receiver on 127.0.0.1, and
every signature checked with the standardwebhooks library's own verifier."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from standardwebhooks.webhooks import Webhook

from clientele.core import settings
from clientele.core.tenancy import Environment, Tenant
from clientele.webhooks import delivery, queue_store, store
from clientele_local.inprocess import Context, load_function
from clientele_local.sqsevents import lambda_record
from tests.integration.conftest import Invoke, principal_for, stream_delivery


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it gets and answers the statuses it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []  # answered in turn; 200 once they run out
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def queue(table: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The webhook queue (moto), and local receivers allowed, as the local stack allows them."""
    url = boto3.client("sqs").create_queue(QueueName="webhooks")["QueueUrl"]
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", url)
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCAL", "1")
    settings.reset()
    delivery._secrets.clear()
    yield url
    delivery._secrets.clear()


@pytest.fixture
def publish(queue: str, table: str) -> Callable[[], int]:
    """Delivers the stream's new records through PublishEventsFunction's FilterCriteria; returns how many."""
    return stream_delivery(table, "publish_events", "PublishEventsFunction", "Changes")


@pytest.fixture
def deliver(queue: str) -> Callable[[], int]:
    """Hands the queue's messages that are due to the delivery function, as Lambda's SQS poller would,
    until none is left; returns how many it handed over. With `no_delays`, a retry is visible at once:
    it stays on the queue, as SQS's delay would keep it, until the clock (`delivery.now`) reaches its
    `notBefore`."""
    handler = load_function("deliver_webhooks")
    sqs = boto3.client("sqs")

    def due(message: dict[str, Any]) -> bool:
        not_before = json.loads(message["Body"]).get("notBefore")
        return not_before is None or float(not_before) <= delivery.now().timestamp() + 1

    def run() -> int:
        handed = 0
        waiting: list[dict[str, Any]] = []
        for _ in range(100):
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            ready = [message for message in messages if due(message)]
            waiting += [message for message in messages if not due(message)]
            if not ready:
                break
            records = [lambda_record(message, "arn:aws:sqs:us-east-1:123456789012:webhooks") for message in ready]
            answer = handler.lambda_handler({"Records": records}, Context())
            assert answer == {"batchItemFailures": []}
            for message in ready:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            handed += len(ready)
        else:
            raise AssertionError("the queue never emptied")
        for message in waiting:  # back on the queue for a later pass
            sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        return handed

    return run


@pytest.fixture
def no_delays(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries become visible at once (SQS's delay is real time); `deliver` holds them until due."""
    monkeypatch.setattr(queue_store, "MAX_DELAY_SECONDS", 0)


def later(monkeypatch: pytest.MonkeyPatch, **by: float) -> datetime:
    moment = datetime.now(UTC) + timedelta(**by)
    monkeypatch.setattr(delivery, "now", lambda: moment)
    return moment


def endpoint(call: Invoke, principal: dict[str, str], url: str, events: list[str] | None = None) -> dict[str, Any]:
    answer = call(
        "create_webhook_endpoint",
        principal=principal,
        body={"url": url, "events": events or ["consumer.created", "consumer.updated"], "description": "test"},
    )
    assert answer["status"] == 201, answer
    return dict(answer["body"])


def consumer(call: Invoke, principal: dict[str, str], email: str) -> dict[str, Any]:
    answer = call("create_consumer", principal=principal, body={"email": email, "firstName": "Ada"})
    assert answer["status"] == 201, answer
    return dict(answer["body"])


def failing_endpoint(
    call: Invoke, publish: Callable[[], int], receiver: Receiver, statuses: list[int]
) -> tuple[dict[str, str], dict[str, Any]]:
    """(principal, endpoint): a new tenant's endpoint whose receiver answers `statuses` in turn, and
    one consumer.created event published for it."""
    acme = principal_for("acme")
    created = endpoint(call, acme, receiver.url)
    receiver.statuses = statuses
    consumer(call, acme, "ada@example.com")
    publish()
    return acme, created


def endpoint_shown(call: Invoke, principal: dict[str, str], endpoint_id: str) -> dict[str, Any]:
    """The endpoint as GET /webhook-endpoints/{id} shows it."""
    return dict(call("get_webhook_endpoint", principal=principal, path_params={"id": endpoint_id})["body"])


def verified(secret: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    return dict(Webhook(secret).verify(body, headers))


# ---------------------------------------------------------------- endpoints and secrets


def test_the_secret_is_shown_once_and_kept_in_secrets_manager(call: Invoke, queue: str, receiver: Receiver) -> None:
    acme = principal_for("acme")
    created = call(
        "create_webhook_endpoint",
        principal=acme,
        body={"url": receiver.url, "events": ["consumer.created"]},
        headers={"Idempotency-Key": "k-1"},
    )
    assert created["status"] == 201
    body = created["body"]
    assert body["secret"].startswith("whsec_")
    assert len(body["secret"]) > 40
    assert body["id"].startswith("whep_")
    assert body["enabled"] is True
    assert body["events"] == ["consumer.created"]
    tenant = Tenant("acme", Environment.SANDBOX)
    kept = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=store.secret_name(tenant, body["id"]))["SecretString"]
    )
    assert kept == {"current": body["secret"]}
    again = call(
        "create_webhook_endpoint",
        principal=acme,
        body={"url": receiver.url, "events": ["consumer.created"]},
        headers={"Idempotency-Key": "k-1"},
    )
    assert again["status"] == 201
    assert again["body"]["id"] == body["id"]
    assert again["body"]["secret"] is None
    shown = call("get_webhook_endpoint", principal=acme, path_params={"id": body["id"]})["body"]
    listed = call("list_webhook_endpoints", principal=acme)["body"]
    assert "secret" not in shown
    assert [e["id"] for e in listed["data"]] == [body["id"]]
    assert all("secret" not in e for e in listed["data"])
    assert body["secret"] not in json.dumps(shown) + json.dumps(listed)


def test_update_changes_the_fields_given_and_delete_removes_the_secret(
    call: Invoke, queue: str, receiver: Receiver
) -> None:
    acme = principal_for("acme")
    created = endpoint(call, acme, receiver.url)
    changed = call(
        "update_webhook_endpoint",
        principal=acme,
        path_params={"id": created["id"]},
        body={"events": ["order.created", "order.created"], "description": None},
    )
    assert changed["status"] == 200
    assert changed["body"]["events"] == ["order.created"]
    assert changed["body"]["description"] is None
    assert changed["body"]["url"] == receiver.url
    null_url = call("update_webhook_endpoint", principal=acme, path_params={"id": created["id"]}, body={"url": None})
    assert null_url["status"] == 400
    assert null_url["body"]["error"]["details"][0]["field"] == "url"
    deleted = call("delete_webhook_endpoint", principal=acme, path_params={"id": created["id"]})
    assert deleted["status"] == 200
    assert deleted["body"]["id"] == created["id"]
    assert call("get_webhook_endpoint", principal=acme, path_params={"id": created["id"]})["status"] == 404
    assert call("delete_webhook_endpoint", principal=acme, path_params={"id": created["id"]})["status"] == 404
    assert store.read_secret(Tenant("acme", Environment.SANDBOX), created["id"]) is None


def test_another_tenants_endpoint_is_not_found(call: Invoke, queue: str, receiver: Receiver) -> None:
    created = endpoint(call, principal_for("acme"), receiver.url)
    globex = principal_for("globex")
    for function in ("get_webhook_endpoint", "delete_webhook_endpoint", "rotate_webhook_secret"):
        answer = call(function, principal=globex, path_params={"id": created["id"]})
        assert answer["status"] == 404, function
        assert answer["body"]["error"]["code"] == "webhook_endpoint_not_found"
    assert call("list_webhook_deliveries", principal=globex, path_params={"id": created["id"]})["status"] == 404


UNSAFE = [
    ("http://93.184.216.34/hooks", "https"),
    ("https://127.0.0.1/hooks", "loopback"),
    ("https://localhost/hooks", "loopback"),
    ("https://[::1]/hooks", "loopback"),
    ("https://10.1.2.3/hooks", "private"),
    ("https://172.16.0.1/hooks", "private"),
    ("https://192.168.1.10/hooks", "private"),
    ("https://[fd12:3456::1]/hooks", "private"),
    ("https://169.254.169.254/latest/meta-data", "metadata"),
    ("https://[fd00:ec2::254]/", "metadata"),
    ("https://169.254.10.10/", "link-local"),
    ("https://[fe80::1]/", "link-local"),
    ("https://100.64.0.1/", "carrier-grade NAT"),
    ("https://224.0.0.1/", "multicast"),
    ("https://0.0.0.0/", "reserved"),
    ("https://[::ffff:127.0.0.1]/", "loopback"),
    ("ftp://93.184.216.34/", "https"),
    ("https://user:pw@93.184.216.34/", "user name"),
    ("not a url", "https"),
]


def test_unsafe_urls_are_refused_with_a_field_error(call: Invoke, queue: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBHOOKS_ALLOW_LOCAL")
    settings.reset()
    acme = principal_for("acme")
    for url, why in UNSAFE:
        answer = call("create_webhook_endpoint", principal=acme, body={"url": url, "events": ["consumer.created"]})
        assert answer["status"] == 400, (url, answer)
        error = answer["body"]["error"]
        assert error["message"] == "Validation failed"
        assert error["details"][0]["field"] == "url", url
        assert why in error["details"][0]["message"], (url, error["details"])
    assert call("list_webhook_endpoints", principal=acme)["body"]["data"] == []


def _resolving_to(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host == "hooks.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_a_name_that_resolves_elsewhere_later_is_checked_again_at_delivery(
    call: Invoke, publish: Callable[[], int], deliver: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: public when saved, private when delivered: nothing is sent, the attempt says why."""
    monkeypatch.delenv("WEBHOOKS_ALLOW_LOCAL")
    settings.reset()
    acme = principal_for("acme")
    _resolving_to(monkeypatch, "93.184.216.34")
    created = endpoint(call, acme, "https://hooks.example.test/in")
    hostile = call(
        "update_webhook_endpoint",
        principal=acme,
        path_params={"id": created["id"]},
        body={"url": "https://hooks.example.test:8443/x"},
    )
    assert hostile["status"] == 200
    _resolving_to(monkeypatch, "10.0.0.7")
    consumer(call, acme, "ada@example.com")
    publish()
    deliver()
    attempts = call("list_webhook_deliveries", principal=acme, path_params={"id": created["id"]})["body"]["data"]
    assert attempts[0]["statusCode"] is None
    assert attempts[0]["succeeded"] is False
    assert "private address (10.0.0.7)" in attempts[0]["error"]
    assert attempts[0]["nextAttemptAt"] is not None
    changed = call(
        "update_webhook_endpoint",
        principal=acme,
        path_params={"id": created["id"]},
        body={"url": "https://hooks.example.test/"},
    )
    assert changed["status"] == 400
    assert changed["body"]["error"]["details"][0]["field"] == "url"


# ---------------------------------------------------------------- events and signatures


def test_a_new_consumer_is_delivered_signed_and_listed_as_an_event(
    call: Invoke, publish: Callable[[], int], deliver: Callable[[], int], receiver: Receiver
) -> None:
    acme = principal_for("acme")
    created = endpoint(call, acme, receiver.url)
    ada = consumer(call, acme, "ada@example.com")
    assert publish() >= 1
    assert deliver() == 1
    ((headers, body),) = receiver.received
    event = verified(created["secret"], headers, body)
    assert event["type"] == "consumer.created"
    assert event["apiVersion"] == "v1"
    assert event["id"].startswith("evt_")
    assert headers["webhook-id"] == event["id"]
    assert event["data"] == ada
    assert event["createdAt"] == ada["updatedAt"]
    with pytest.raises(Exception, match="signature"):
        Webhook(created["secret"]).verify(body.replace(b"Ada", b"Eve"), headers)
    listed = call("list_events", principal=acme)["body"]
    assert [e["id"] for e in listed["data"]] == [event["id"]]
    assert listed["data"][0] == event
    only = call("list_events", principal=acme, query={"type": "order.created"})["body"]["data"]
    assert only == []
    bad = call("list_events", principal=acme, query={"type": "consumer.exploded"})
    assert bad["status"] == 400
    assert bad["body"]["error"]["details"][0]["field"] == "type"
    attempts = call("list_webhook_deliveries", principal=acme, path_params={"id": created["id"]})["body"]["data"]
    assert [(a["eventId"], a["attempt"], a["statusCode"], a["succeeded"]) for a in attempts] == [
        (event["id"], 1, 200, True)
    ]
    assert attempts[0]["durationMs"] >= 0
    assert attempts[0]["error"] is None


def test_a_redelivered_stream_record_makes_no_second_event(
    call: Invoke, queue: str, table: str, receiver: Receiver
) -> None:
    from tests.integration.conftest import stream_records

    acme = principal_for("acme")
    records = stream_records(table, "PublishEventsFunction", "Changes")
    consumer(call, acme, "ada@example.com")
    batch = records()
    handler = load_function("publish_events")
    for _ in range(2):  # Lambda hands the same records over again after a failure
        assert handler.lambda_handler({"Records": batch}, Context()) == {"batchItemFailures": []}
    events = call("list_events", principal=acme)["body"]["data"]
    assert [e["type"] for e in events] == ["consumer.created"]


def test_an_update_carries_the_previous_values_and_points_have_their_own_event(
    call: Invoke, publish: Callable[[], int], deliver: Callable[[], int], receiver: Receiver
) -> None:
    acme = principal_for("acme")
    endpoint(call, acme, receiver.url, ["consumer.updated"])
    ada = consumer(call, acme, "ada@example.com")
    changed = call("update_consumer", principal=acme, path_params={"id": ada["id"]}, body={"firstName": "Augusta"})
    assert changed["status"] == 200
    publish()
    deliver()
    (event,) = receiver.events()
    assert event["type"] == "consumer.updated"
    assert event["data"]["firstName"] == "Augusta"
    assert event["previousAttributes"]["firstName"] == "Ada"
    assert "updatedAt" not in event["previousAttributes"]
    assert "version" not in event["previousAttributes"]


def test_a_rotated_secret_signs_beside_the_old_one(
    call: Invoke, publish: Callable[[], int], deliver: Callable[[], int], receiver: Receiver
) -> None:
    acme = principal_for("acme")
    created = endpoint(call, acme, receiver.url)
    rotated = call("rotate_webhook_secret", principal=acme, path_params={"id": created["id"]})
    assert rotated["status"] == 200
    new_secret = rotated["body"]["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != created["secret"]
    expires = datetime.fromisoformat(rotated["body"]["previousSecretExpiresAt"].replace("Z", "+00:00"))
    assert timedelta(hours=23, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=24)
    consumer(call, acme, "ada@example.com")
    publish()
    deliver()
    ((headers, body),) = receiver.received
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verified(new_secret, headers, body)["type"] == "consumer.created"
    assert verified(created["secret"], headers, body)["type"] == "consumer.created"
    shown = endpoint_shown(call, acme, created["id"])
    assert shown["secretRotatedAt"] is not None
    assert "secret" not in shown


# ---------------------------------------------------------------- retries and disabling


def test_a_failed_delivery_is_retried_with_backoff_until_it_succeeds(
    call: Invoke,
    publish: Callable[[], int],
    deliver: Callable[[], int],
    receiver: Receiver,
    no_delays: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    acme, created = failing_endpoint(call, publish, receiver, [500, 503])
    deliver()  # attempt 1 fails; its retry is not due yet, so it only waits
    assert len(receiver.received) == 1
    attempts = call("list_webhook_deliveries", principal=acme, path_params={"id": created["id"]})["body"]["data"]
    first_due = datetime.fromisoformat(attempts[0]["nextAttemptAt"].replace("Z", "+00:00"))
    attempted = datetime.fromisoformat(attempts[0]["attemptedAt"].replace("Z", "+00:00"))
    assert timedelta(seconds=22) <= first_due - attempted <= timedelta(seconds=38)  # 30 s ± 25 %
    assert attempts[0]["statusCode"] == 500
    assert attempts[0]["error"] == "HTTP 500"
    failing = endpoint_shown(call, acme, created["id"])
    assert failing["failingSince"] == attempts[0]["attemptedAt"]
    assert failing["enabled"] is True
    later(monkeypatch, seconds=40)
    deliver()  # attempt 2 fails too: the next one is about a minute later
    later(monkeypatch, seconds=40 + 80)
    deliver()  # attempt 3 succeeds
    attempts = call("list_webhook_deliveries", principal=acme, path_params={"id": created["id"]})["body"]["data"]
    assert [(a["attempt"], a["statusCode"]) for a in attempts] == [(3, 200), (2, 503), (1, 500)]
    second_gap = datetime.fromisoformat(attempts[1]["nextAttemptAt"].replace("Z", "+00:00")) - datetime.fromisoformat(
        attempts[1]["attemptedAt"].replace("Z", "+00:00")
    )
    assert timedelta(seconds=45) <= second_gap <= timedelta(seconds=75)  # 60 s ± 25 %
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    assert len(receiver.received) == 3
    assert len(ids) == 1
    for headers, body in receiver.received[-1:]:
        verified(created["secret"], headers, body)
    healthy = endpoint_shown(call, acme, created["id"])
    assert healthy["failingSince"] is None


def test_retries_stop_three_days_after_the_first_attempt(
    call: Invoke,
    publish: Callable[[], int],
    deliver: Callable[[], int],
    receiver: Receiver,
    no_delays: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    acme, created = failing_endpoint(call, publish, receiver, [500] * 100)
    start = datetime.now(UTC)
    for hours in range(0, 24 * 4, 6):  # a clock that moves 6 hours between each pass
        later(monkeypatch, hours=hours, seconds=1)
        deliver()
    attempts = call(
        "list_webhook_deliveries", principal=acme, path_params={"id": created["id"]}, query={"first": "100"}
    )
    rows = attempts["body"]["data"]
    last = rows[0]
    assert last["nextAttemptAt"] is None
    assert not last["succeeded"]
    assert all(row["nextAttemptAt"] is not None for row in rows[1:])
    last_at = datetime.fromisoformat(last["attemptedAt"].replace("Z", "+00:00"))
    assert timedelta(days=2) < last_at - start <= timedelta(days=3, hours=6)
    assert [row["attempt"] for row in rows] == list(range(len(rows), 0, -1))
    assert endpoint_shown(call, acme, created["id"])["enabled"] is True


def test_410_gone_disables_the_endpoint_at_once(
    call: Invoke, publish: Callable[[], int], deliver: Callable[[], int], receiver: Receiver
) -> None:
    acme, created = failing_endpoint(call, publish, receiver, [410])
    deliver()
    shown = endpoint_shown(call, acme, created["id"])
    assert shown["enabled"] is False
    assert "410" in shown["disabledReason"]
    assert shown["disabledAt"] is not None
    attempts = call("list_webhook_deliveries", principal=acme, path_params={"id": created["id"]})["body"]["data"]
    assert [(a["statusCode"], a["nextAttemptAt"]) for a in attempts] == [(410, None)]
    consumer(call, acme, "bob@example.com")
    publish()
    assert deliver() == 0  # a disabled endpoint is sent nothing
    enabled = call("update_webhook_endpoint", principal=acme, path_params={"id": created["id"]}, body={"enabled": True})
    assert enabled["body"]["enabled"] is True
    assert enabled["body"]["disabledReason"] is None
    assert enabled["body"]["disabledAt"] is None


def test_five_days_of_failures_disable_the_endpoint_with_the_reason(
    call: Invoke,
    publish: Callable[[], int],
    deliver: Callable[[], int],
    receiver: Receiver,
    no_delays: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    acme, created = failing_endpoint(call, publish, receiver, [500] * 100)
    deliver()
    later(monkeypatch, days=4, hours=23)
    consumer(call, acme, "bob@example.com")
    publish()
    deliver()
    assert endpoint_shown(call, acme, created["id"])["enabled"] is True
    later(monkeypatch, days=5, minutes=1)
    consumer(call, acme, "cy@example.com")
    publish()
    deliver()
    shown = endpoint_shown(call, acme, created["id"])
    assert shown["enabled"] is False
    assert "5 days" in shown["disabledReason"]
    assert shown["disabledAt"] is not None


# ---------------------------------------------------------------- replay and tenancy


def test_replay_redelivers_the_stored_events_the_endpoint_takes(
    call: Invoke,
    publish: Callable[[], int],
    deliver: Callable[[], int],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delivery, "REPLAY_PAGE", 2)  # 4 events: the replay goes on over 2 pages
    acme = principal_for("acme")
    since = datetime.now(UTC) - timedelta(minutes=1)
    made = [consumer(call, acme, f"c{number}@example.com") for number in range(3)]
    call("update_consumer", principal=acme, path_params={"id": made[0]["id"]}, body={"firstName": "Zed"})
    publish()  # events are kept whether or not an endpoint takes them
    created = endpoint(call, acme, receiver.url, ["consumer.created"])
    assert deliver() == 0
    answer = call(
        "replay_events",
        principal=acme,
        path_params={"id": created["id"]},
        body={"since": since.isoformat().replace("+00:00", "Z")},
    )
    assert answer["status"] == 202
    assert answer["body"]["endpointId"] == created["id"]
    deliver()
    events = [verified(created["secret"], headers, body) for headers, body in receiver.received]
    assert sorted(e["data"]["id"] for e in events) == sorted(c["id"] for c in made)
    assert {e["type"] for e in events} == {"consumer.created"}
    attempts = call("list_webhook_deliveries", principal=acme, path_params={"id": created["id"]})["body"]["data"]
    assert len(attempts) == 3
    assert all(a["replay"] for a in attempts)
    too_old = call(
        "replay_events", principal=acme, path_params={"id": created["id"]}, body={"since": "2020-01-01T00:00:00Z"}
    )
    assert too_old["status"] == 400
    assert too_old["body"]["error"]["details"][0]["field"] == "since"


def test_each_tenant_and_environment_receives_only_its_own_consumers(
    call: Invoke, publish: Callable[[], int], deliver: Callable[[], int]
) -> None:
    receivers = {name: Receiver() for name in ("acme", "globex", "acme-live")}
    try:
        principals = {
            "acme": principal_for("acme"),
            "globex": principal_for("globex"),
            "acme-live": principal_for("acme", "live"),
        }
        secrets = {name: endpoint(call, principals[name], receivers[name].url)["secret"] for name in receivers}
        made = {name: consumer(call, principals[name], "same@example.com")["id"] for name in receivers}
        publish()
        deliver()
        for name, receiver in receivers.items():
            ((headers, body),) = receiver.received
            assert verified(secrets[name], headers, body)["data"]["id"] == made[name]
            others = [secrets[other] for other in receivers if other != name]
            for other in others:
                with pytest.raises(Exception, match="signature"):
                    Webhook(other).verify(body, headers)
            listed = call("list_events", principal=principals[name])["body"]["data"]
            assert [event["data"]["id"] for event in listed] == [made[name]]
    finally:
        for receiver in receivers.values():
            receiver.close()


def test_a_retry_due_later_than_15_minutes_is_sent_on_until_it_is_due(call: Invoke, queue: str) -> None:
    """SQS delays a message at most 15 minutes: a message not yet due goes back with the longest delay."""
    acme = principal_for("acme")
    tenant = Tenant("acme", Environment.SANDBOX)
    due = datetime.now(UTC) + timedelta(hours=2)
    message = {
        "kind": "deliver",
        "organization": "acme",
        "environment": "sandbox",
        "endpointId": "whep_X",
        "eventId": "evt_X",
        "eventType": "consumer.created",
        "eventCreatedAt": "2024-01-01T00:00:00.000Z",
        "attempt": 4,
        "notBefore": due.timestamp(),
    }
    assert acme
    assert delivery.deliver(tenant, message) == "waiting"
    sqs = boto3.client("sqs")
    assert sqs.receive_message(QueueUrl=queue).get("Messages") is None  # delayed, not visible
    counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert counts["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"


def test_orders_and_refunds_are_delivered_as_the_api_shows_them(
    call: Invoke, publish: Callable[[], int], deliver: Callable[[], int], receiver: Receiver
) -> None:
    acme = principal_for("acme")
    created = endpoint(call, acme, receiver.url, ["order.created", "order.refunded"])
    ada = consumer(call, acme, "ada@example.com")
    order = call("create_order", principal=acme, body={"consumerId": ada["id"], "amount": 100, "currency": "EUR"})
    assert order["status"] == 201, order
    refund = call("refund_order", principal=acme, path_params={"id": order["body"]["id"]}, body={"amount": 30})
    assert refund["status"] == 201, refund
    publish()
    deliver()
    events = sorted(
        (verified(created["secret"], headers, body) for headers, body in receiver.received),
        key=lambda e: e["createdAt"],
    )
    assert [e["type"] for e in events] == ["order.created", "order.refunded"]
    assert events[0]["data"]["id"] == order["body"]["id"]
    assert events[0]["data"]["refundedAmount"] == 0
    assert events[1]["data"] == refund["body"]


def test_an_erased_consumer_leaves_as_consumer_erased_without_personal_data(
    call: Invoke, publish: Callable[[], int], deliver: Callable[[], int], receiver: Receiver
) -> None:
    acme = principal_for("acme")
    created = endpoint(call, acme, receiver.url, ["consumer.deleted", "consumer.erased"])
    ada = consumer(call, acme, "ada@example.com")
    bob = consumer(call, acme, "bob@example.com")
    assert call("erase_consumer", principal=acme, path_params={"id": ada["id"]})["status"] == 200
    assert call("delete_consumer", principal=acme, path_params={"id": bob["id"]})["status"] == 200
    publish()
    deliver()
    events = {e["type"]: e for e in (verified(created["secret"], h, b) for h, b in receiver.received)}
    assert set(events) == {"consumer.erased", "consumer.deleted"}
    assert events["consumer.erased"]["data"] == {"id": ada["id"], "object": "consumer"}
    assert "ada@example.com" not in json.dumps(events["consumer.erased"])
    assert events["consumer.deleted"]["data"]["email"] == "bob@example.com"
    stored = call("list_events", principal=acme, query={"first": "100"})["body"]["data"]
    assert "ada@example.com" not in json.dumps(stored)  # her earlier events went with her
    assert {e["type"] for e in stored} == {"consumer.created", "consumer.deleted", "consumer.erased"}
    assert [e["data"]["email"] for e in stored if e["type"] == "consumer.created"] == ["bob@example.com"]


def test_an_environment_has_at_most_the_limit_of_endpoints(
    call: Invoke, queue: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "MAX_ENDPOINTS", 2)
    acme = principal_for("acme")
    kept = [endpoint(call, acme, receiver.url)["id"] for _ in range(2)]
    refused = call("create_webhook_endpoint", principal=acme, body={"url": receiver.url, "events": ["order.created"]})
    assert refused["status"] == 409
    assert refused["body"]["error"]["code"] == "webhook_endpoint_limit"
    secrets = boto3.client("secretsmanager").list_secrets()["SecretList"]
    assert sorted(s["Name"].rsplit("/", 1)[1] for s in secrets if "/webhooks/" in s["Name"]) == sorted(kept)
    assert endpoint(call, principal_for("acme", "live"), receiver.url)["id"]  # the other environment has its own
    assert call("delete_webhook_endpoint", principal=acme, path_params={"id": kept[0]})["status"] == 200
    assert endpoint(call, acme, receiver.url)["id"] not in kept
