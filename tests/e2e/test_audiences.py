"""Audiences, bulk status and the audience-filtered list over HTTP and the SDK, on the local stack
(the audience cleanup runs from the stream, as deployed)."""

from __future__ import annotations

import uuid

import requests

from clientele_client.sdk import Clientele
from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey
from tests.e2e.test_api import assert_error, auth
from tests.e2e.test_listing import eventually


def test_audiences_through_the_sdk_and_their_cleanup(stack: RunningStack, mint_key: MintKey) -> None:
    client = Clientele(secret_key=mint_key(f"aud-{uuid.uuid4().hex[:8]}"), base_url=stack.base_url)
    consumers = [client.consumers.create(email=f"m{number}@example.com") for number in range(3)]
    ids = [consumer.id for consumer in consumers]
    audience = client.audiences.create("Newsletter", "weekly")
    changed = client.audiences.add_members(audience.id, ids)
    assert (changed.changed, changed.member_count) == (ids, 3)
    assert [member.id for member in client.audiences.members(audience.id).data] == ids[::-1]
    assert [member.id for member in client.consumers.list(audience_id=audience.id, sort_dir="asc").data] == ids
    client.consumers.bulk_status(ids[:2], "inactive")
    page = client.consumers.list(audience_id=audience.id, status="inactive")
    assert sorted(member.id for member in page.data) == sorted(ids[:2])
    assert client.audiences.remove_members(audience.id, ids[:1]).member_count == 2
    assert [event.type for event in client.consumers.timeline(ids[0]).data[:2]] == ["audience_left", "status_changed"]

    client.audiences.delete(audience.id)
    assert eventually(lambda: all(audience.id not in client.consumers.get(key).audience_ids for key in ids))


def test_audience_routes_over_http(stack: RunningStack, mint_key: MintKey) -> None:
    key, reader = mint_key("aud-http"), mint_key("aud-http", read_only=True)
    base = f"{stack.base_url}/api/v1/audiences"
    created = requests.post(base, json={"name": "VIP"}, headers=auth(key), timeout=30)
    assert created.status_code == 201, created.text
    assert_error(requests.post(base, json={"name": "x"}, headers=auth(reader), timeout=30), 403)
    assert requests.get(base, headers=auth(reader), timeout=30).json()["data"][0]["id"] == created.json()["id"]
    members = f"{base}/{created.json()['id']}/members"
    missing = requests.post(
        members, json={"consumerIds": ["cons_01HXYZ12345678901234567890"]}, headers=auth(key), timeout=30
    )
    assert_error(missing, 400, "Validation failed")
    assert_error(
        requests.get(f"{base}/aud_01HXYZ12345678901234567890", headers=auth(key), timeout=30), 404, "Audience not found"
    )
