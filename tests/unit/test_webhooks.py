"""Outbound webhooks' rules without a network: which addresses may receive, the retry schedule, the
signatures (checked with the standardwebhooks library's own verifier), which changes make which
events, and the template's wiring (filters, queue, the local-only switch)."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from clientele.webhooks import delivery, publishing, signing
from clientele.webhooks.models import EventType
from clientele.webhooks.targets import unsafe_reason
from clientele_local.filters import matches_any, parse_filters
from clientele_local.sqsevents import QueuePoller, QueueSource, queue_sources
from clientele_local.template import Template
from tests.conftest import ROOT

template = Template.load(ROOT / "template.yaml")


# ---------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "reserved"),
        ("240.0.0.1", "reserved"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("192.0.2.1", "private"),  # documentation range: not global
    ],
)
def test_unsafe_addresses_are_named(address: str, reason: str) -> None:
    found = unsafe_reason(ipaddress.ip_address(address), allow_loopback=False)
    assert found is not None
    assert reason in found


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "100.128.0.1"])
def test_public_addresses_may_receive(address: str) -> None:
    assert unsafe_reason(ipaddress.ip_address(address), allow_loopback=False) is None


def test_the_local_stack_allows_loopback_and_nothing_else_private() -> None:
    assert unsafe_reason(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    assert unsafe_reason(ipaddress.ip_address("10.0.0.1"), allow_loopback=True) == "a private address"
    assert unsafe_reason(ipaddress.ip_address("169.254.169.254"), allow_loopback=True) == "the cloud metadata service"


# ---------------------------------------------------------------- retries


def test_retries_back_off_exponentially_with_jitter_and_are_capped() -> None:
    assert [delivery.retry_delay(n, 0.5) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert delivery.retry_delay(1, 0.0) == 22.5
    assert delivery.retry_delay(1, 0.999999) == pytest.approx(37.5)
    assert delivery.retry_delay(20, 0.5) == 12 * 3600  # at most 12 h apart
    assert delivery.retry_delay(20, 0.999999) <= 15 * 3600


def test_the_schedule_spans_three_days_with_a_bounded_number_of_attempts() -> None:
    """At the jitter's extremes, how many attempts fit in the 3 days after the first."""
    for draw in (0.0, 0.5, 0.999999):
        elapsed, attempts = 0.0, 1
        while elapsed + delivery.retry_delay(attempts, draw) <= delivery.RETRY_WINDOW.total_seconds():
            elapsed += delivery.retry_delay(attempts, draw)
            attempts += 1
        assert 12 <= attempts <= 20
        assert elapsed > 2 * 24 * 3600  # retries keep going well into the third day


# ---------------------------------------------------------------- signatures


def test_a_delivery_verifies_with_the_library_and_a_changed_body_does_not() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(secret) >= len("whsec_") + 32
    body = json.dumps({"id": "evt_1", "type": "consumer.created"}).encode()
    headers = signing.headers(signing.first_keys(secret), "evt_1", body)
    assert headers["webhook-id"] == "evt_1"
    assert Webhook(secret).verify(body, headers) == {"id": "evt_1", "type": "consumer.created"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)


def test_after_a_rotation_both_secrets_sign_for_24_hours_only() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    now = datetime.now(UTC)
    keys = signing.rotated_keys(signing.first_keys(old), new, now)
    assert signing.signing_secrets(keys, now + timedelta(hours=23)) == [new, old]
    assert signing.signing_secrets(keys, now + timedelta(hours=24, seconds=1)) == [new]
    body = b'{"id":"evt_2"}'
    headers = signing.headers(keys, "evt_2", body, now)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers) == {"id": "evt_2"}


# ---------------------------------------------------------------- events from the stream


def _images(name: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    record = json.loads((ROOT / "events" / f"{name}.json").read_text())["Records"][0]["dynamodb"]
    deserializer = TypeDeserializer()

    def plain(image: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if image is None else {k: deserializer.deserialize(v) for k, v in image.items()}

    return plain(record.get("OldImage")), plain(record.get("NewImage"))


def test_a_change_makes_consumer_updated_with_the_previous_values_and_no_bookkeeping() -> None:
    old, new = _images("publish_events")
    assert old is not None
    assert new is not None
    (event,) = publishing.events_of("MODIFY", old, new)
    assert event.type is EventType.CONSUMER_UPDATED
    assert event.previous_attributes == {"fullName": old["fullName"]}
    assert event.data["fullName"] == new["fullName"]
    assert event.data["id"] == new["id"]
    bookkeeping = {**old, "syncStatus": "synced", "version": 9, "updatedAt": "2030-01-01T00:00:00.000Z"}
    assert publishing.events_of("MODIFY", old, bookkeeping) == []


def test_points_that_change_make_their_own_event() -> None:
    old, new = _images("publish_events")
    assert old is not None
    assert new is not None
    earned = {**old, "loyalty": {**old["loyalty"], "points": 120, "tier": "gold"}}
    types = [event.type for event in publishing.events_of("MODIFY", old, earned)]
    assert types == [EventType.CONSUMER_UPDATED, EventType.LOYALTY_POINTS_CHANGED]
    points = publishing.events_of("MODIFY", old, earned)[1].data
    assert points["points"] == 120
    assert points["previousPoints"] == 0
    assert points["tier"] == "gold"


def test_created_consumers_and_finished_jobs_make_events_and_unfinished_jobs_do_not() -> None:
    _, new = _images("publish_events")
    assert new is not None
    assert [e.type for e in publishing.events_of("INSERT", None, new)] == [EventType.CONSUMER_CREATED]
    job = {
        "pk": "sandbox#acme#EXPORT#exp_1",
        "sk": "EXPORT",
        "entity": "Export",
        "id": "exp_1",
        "kind": "consumers",
        "format": "csv",
        "status": "running",
        "parameters": {},
        "createdAt": "2024-01-01T00:00:00.000Z",
    }
    done = {**job, "status": "succeeded", "rowCount": 3, "completedAt": "2024-01-01T00:01:00.000Z"}
    assert publishing.events_of("MODIFY", job, {**job, "processedRows": 2}) == []
    (finished,) = publishing.events_of("MODIFY", job, done)
    assert finished.type is EventType.EXPORT_FINISHED
    assert finished.data["status"] == "succeeded"
    assert publishing.events_of("MODIFY", done, {**done, "error": None}) == []  # already finished


def test_an_event_id_is_stable_for_its_record_and_type() -> None:
    moment = datetime(2024, 11, 1, 10, 0, tzinfo=UTC)
    first = publishing.event_id("rec-1", EventType.CONSUMER_UPDATED, moment)
    assert first == publishing.event_id("rec-1", EventType.CONSUMER_UPDATED, moment)
    assert first != publishing.event_id("rec-1", EventType.LOYALTY_POINTS_CHANGED, moment)
    assert first != publishing.event_id("rec-2", EventType.CONSUMER_UPDATED, moment)
    later = publishing.event_id("rec-0", EventType.CONSUMER_UPDATED, moment + timedelta(milliseconds=1))
    assert first.startswith("evt_")
    assert later > first


# ---------------------------------------------------------------- template wiring


def _record(name: str, entity: str, **image: Any) -> dict[str, Any]:
    item = {"entity": {"S": entity}, **{k: {"S": v} for k, v in image.items()}}
    side = "OldImage" if name == "REMOVE" else "NewImage"
    return {"eventName": name, "dynamodb": {side: item}}


def test_the_stream_filters_let_through_only_what_makes_an_event() -> None:
    events = template.properties("PublishEventsFunction")["Events"]
    patterns = parse_filters(events["Changes"]["Properties"]["FilterCriteria"])
    passing = [
        _record("INSERT", "Consumer"),
        _record("MODIFY", "Consumer"),
        _record("REMOVE", "Consumer"),
        _record("INSERT", "Order"),
        _record("MODIFY", "Order"),
        _record("MODIFY", "Import", status="succeeded"),
        _record("MODIFY", "Export", status="failed"),
    ]
    blocked = [
        _record("INSERT", "SearchEntry"),
        _record("REMOVE", "Order"),
        _record("MODIFY", "Import", status="processing"),
        _record("INSERT", "Export", status="pending"),
        _record("INSERT", "WebhookEvent"),
        _record("INSERT", "WebhookAttempt"),
        _record("MODIFY", "WebhookEndpoint"),
    ]
    assert all(matches_any(patterns, record) for record in passing)
    assert not any(matches_any(patterns, record) for record in blocked)


def test_local_receivers_are_never_allowed_by_the_deployed_template() -> None:
    assert "WEBHOOKS_ALLOW_LOCAL" not in (ROOT / "template.yaml").read_text()
    assert "WEBHOOKS_ALLOW_LOCAL" in (ROOT / "local" / "clientele_local" / "stack.py").read_text()


def test_the_queue_parks_failed_messages_and_outlives_the_delivery_function() -> None:
    queue = template.properties("WebhookQueue")
    timeout = template.properties("DeliverWebhooksFunction")["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["WebhookDeadLetterQueue", "Arn"]}
    assert template.properties("WebhookDeadLetterAlarm")["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": ["WebhookDeadLetterQueue", "QueueName"]
    }


def test_the_local_stack_polls_every_function_with_an_sqs_event() -> None:
    sources = queue_sources(template)
    assert [(s.function, s.batch_size, s.report_failures) for s in sources] == [("DeliverWebhooksFunction", 10, True)]
    assert sources[0].queue_name.endswith("WebhookQueue")


def _poller(report_failures: bool) -> QueuePoller:
    poller = QueuePoller.__new__(QueuePoller)
    poller.source = QueueSource("F", "E", "arn:aws:sqs:us-east-1:1:q", 10, report_failures)
    return poller


def test_the_local_poller_keeps_what_lambda_would_keep() -> None:
    records = [{"messageId": "a"}, {"messageId": "b"}]
    reporting = _poller(True)
    assert reporting._failed(records, True, {"batchItemFailures": []}) == set()
    assert reporting._failed(records, True, {"batchItemFailures": [{"itemIdentifier": "b"}]}) == {"b"}
    assert reporting._failed(records, True, {"batchItemFailures": [{"itemIdentifier": "zz"}]}) == {"a", "b"}
    assert reporting._failed(records, False, None) == {"a", "b"}  # the function failed: all come back
    assert _poller(False)._failed(records, True, {"batchItemFailures": [{"itemIdentifier": "b"}]}) == set()
