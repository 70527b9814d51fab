"""Outbound webhooks on the local stack: the stream function, the webhook queue and its poller, and
the delivery function, to a receiver on 127.0.0.1 (the local stack allows it, WEBHOOKS_ALLOW_LOCAL)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from standardwebhooks.webhooks import Webhook

from clientele_local.testing import RunningStack, WebhookReceiver
from tests.e2e.conftest import MintKey, wait_for
from tests.e2e.test_api import auth


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def test_a_local_receiver_gets_a_signed_consumer_created(
    stack: RunningStack, mint_key: MintKey, receiver: WebhookReceiver
) -> None:
    key = mint_key(f"hooks-{uuid.uuid4().hex[:8]}")
    api = f"{stack.base_url}/api/v1"
    created = requests.post(
        f"{api}/webhook-endpoints",
        json={"url": receiver.url, "events": ["consumer.created"], "description": "e2e"},
        headers=auth(key),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    consumer = requests.post(f"{api}/consumers", json={"email": "hook@example.com"}, headers=auth(key), timeout=30)
    assert consumer.status_code == 201, consumer.text

    headers, body = wait_for(lambda: receiver.received[0] if receiver.received else None, timeout=60)
    event = Webhook(endpoint["secret"]).verify(body, headers)
    assert event["type"] == "consumer.created"
    assert event["data"]["id"] == consumer.json()["id"]
    assert headers["webhook-id"] == event["id"]

    def recorded() -> list[dict[str, Any]] | None:
        answer = requests.get(f"{api}/webhook-endpoints/{endpoint['id']}/deliveries", headers=auth(key), timeout=30)
        rows = answer.json()["data"]
        return rows or None

    (attempt,) = wait_for(recorded, timeout=30)
    assert attempt["statusCode"] == 204
    assert attempt["succeeded"] is True
    assert attempt["eventId"] == event["id"]
    listed = requests.get(f"{api}/events", params={"type": "consumer.created"}, headers=auth(key), timeout=30)
    assert [e["id"] for e in listed.json()["data"]] == [event["id"]]
    assert json.loads(body) == listed.json()["data"][0]
