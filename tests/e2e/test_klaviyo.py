"""The Klaviyo sync on the local stack: real stream delivery and retries, the real SDK, and the
session's Klaviyo stand-in (template parameter KlaviyoBaseUrl) with faults on demand."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import requests

from clientele_local.klaviyo_standin import KlaviyoStandin
from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey, wait_for
from tests.e2e.test_api import auth

Json = dict[str, Any]


def _wait[Value](check: Callable[[], Value | None], timeout: float = 90.0) -> Value:
    return wait_for(check, timeout, interval=0.2)


class Tenant:
    def __init__(self, stack: RunningStack, key: str) -> None:
        self.stack, self.key = stack, key

    def call(self, method: str, path: str, body: Json | None = None) -> requests.Response:
        url = f"{self.stack.base_url}/api/v1{path}"
        return requests.request(method, url, json=body, headers=auth(self.key), timeout=60)

    def create(self, **body: Any) -> Json:
        answer = self.call("POST", "/consumers", body)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def consumer(self, consumer_id: str) -> Json:
        return dict(self.call("GET", f"/consumers/{consumer_id}").json())

    def synced(self, consumer_id: str) -> Json | None:
        consumer = self.consumer(consumer_id)
        return consumer if consumer["syncStatus"] == "synced" else None


def _tenant(stack: RunningStack, mint_key: MintKey, api_key: str) -> Tenant:
    tenant = Tenant(stack, mint_key(f"klaviyo-{uuid.uuid4().hex[:8]}"))
    answer = tenant.call("PUT", "/integrations/klaviyo", {"apiKey": api_key, "enabled": True})
    assert answer.status_code == 200, answer.text
    return tenant


def _upserts_of(klaviyo: KlaviyoStandin, consumer_ids: set[str]) -> list[Json]:
    return [
        upsert["data"]["attributes"]
        for upsert in klaviyo.upserts
        if upsert["data"]["attributes"]["properties"]["clientele_id"] in consumer_ids
    ]


def test_klaviyo_receives_exactly_the_expected_upserts(
    stack: RunningStack, mint_key: MintKey, klaviyo: KlaviyoStandin
) -> None:
    tenant = _tenant(stack, mint_key, "pk_e2e_exact_0001")
    people = [tenant.create(email=f"{uuid.uuid4().hex[:10]}@example.com", fullName=f"Person {n}") for n in range(4)]
    ids = {person["id"] for person in people}
    for person in people:
        _wait(lambda person=person: tenant.synced(person["id"]))
    renamed = tenant.call("PUT", f"/consumers/{people[0]['id']}", {"fullName": "Ada Lovelace", "tags": ["vip"]})
    assert renamed.status_code == 200
    _wait(lambda: (consumer := tenant.synced(people[0]["id"])) and consumer["version"] > renamed.json()["version"])
    time.sleep(1.0)  # the sync's own writes come back on the stream: give them time to (not) cause upserts
    sent = _upserts_of(klaviyo, ids)
    assert len(sent) == 5  # one per creation, one for the change; none for the sync's own writes
    assert (sent[-1]["first_name"], sent[-1]["last_name"], sent[-1]["properties"]["tags"]) == (
        "Ada",
        "Lovelace",
        ["vip"],
    )
    profile_ids = {tenant.consumer(person["id"])["klaviyoProfileId"] for person in people}
    assert profile_ids <= set(klaviyo.profiles)
    assert len(profile_ids) == 4


def test_under_a_429_storm_every_change_is_synced_and_none_lost(
    stack: RunningStack, mint_key: MintKey, klaviyo: KlaviyoStandin
) -> None:
    tenant = _tenant(stack, mint_key, "pk_e2e_storm_0001")
    klaviyo.fail(12, status=429, retry_after=1)
    people = [tenant.create(email=f"{uuid.uuid4().hex[:10]}@example.com", tags=[f"t{n}"]) for n in range(5)]
    changed = tenant.call("PUT", f"/consumers/{people[2]['id']}", {"tags": ["changed"]})
    assert changed.status_code == 200
    for person in people:
        _wait(lambda person=person: tenant.synced(person["id"]), timeout=120)
    latest = {
        upsert["properties"]["clientele_id"]: upsert["properties"]["tags"]
        for upsert in _upserts_of(klaviyo, {person["id"] for person in people})
    }
    assert latest == {person["id"]: ["changed"] if n == 2 else [f"t{n}"] for n, person in enumerate(people)}


def test_a_poison_record_goes_to_the_failure_queue_and_does_not_block_the_others(
    stack: RunningStack, mint_key: MintKey, klaviyo: KlaviyoStandin
) -> None:
    refused = _tenant(stack, mint_key, "bad-key-0001")  # Klaviyo answers 401 to every call with it
    healthy = _tenant(stack, mint_key, "pk_e2e_healthy_0001")
    poison = refused.create(email=f"{uuid.uuid4().hex[:10]}@example.com")
    others = [healthy.create(email=f"{uuid.uuid4().hex[:10]}@example.com") for _ in range(3)]
    for person in others:
        _wait(lambda person=person: healthy.synced(person["id"]), timeout=120)
    broken = _wait(lambda: (c := refused.consumer(poison["id"]))["syncStatus"] == "error" and c)
    assert broken["syncError"].startswith("Klaviyo answered 401")
    sqs = boto3.client(
        "sqs",
        endpoint_url=stack.aws_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    queue = stack.info["resources"]["StreamFailureQueue"]

    def parked() -> Json | None:
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            body = json.loads(message["Body"])
            if body["requestContext"]["functionArn"].endswith(":SyncKlaviyoFunction"):
                return dict(body)
        return None

    message = _wait(parked, timeout=120)
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == 11  # the first try and 10 retries


def test_a_klaviyo_list_is_pulled_in_as_consumers_with_source_klaviyo(
    stack: RunningStack, mint_key: MintKey, klaviyo: KlaviyoStandin
) -> None:
    list_id = f"L{uuid.uuid4().hex[:8]}"
    emails = [f"{uuid.uuid4().hex[:10]}@example.com" for _ in range(3)]
    klaviyo.put_in_list(list_id, *({"email": email, "first_name": f"Pulled{n}"} for n, email in enumerate(emails)))
    tenant = _tenant(stack, mint_key, "pk_e2e_pull_0001")
    setup = tenant.call("PUT", "/integrations/klaviyo", {"enabled": True, "importListIds": [list_id]})
    assert (setup.status_code, setup.json()["importListIds"]) == (200, [list_id])
    started = tenant.call("POST", "/integrations/klaviyo/pull")
    assert started.status_code in (202, 409), started.text  # 409: the hourly pull (scaled down) got there first

    def finished() -> Json | None:
        last = tenant.call("GET", "/integrations/klaviyo").json()["lastPull"]
        return last if last and last["status"] != "running" else None

    last = _wait(finished)
    assert (last["status"], last["created"], last["failed"]) == ("succeeded", 3, 0)
    for n, email in enumerate(emails):
        found = tenant.call("GET", f"/consumers/search?email={email}").json()["data"]
        assert [(c["source"], c["firstName"], c["syncStatus"]) for c in found] == [("klaviyo", f"Pulled{n}", "synced")]
    time.sleep(1.0)  # the pull's writes reach the push on the stream: none goes back to Klaviyo
    assert not [upsert for upsert in klaviyo.upserts if upsert["data"]["attributes"].get("email") in emails]
