"""PUT, DELETE and the batch endpoints over real HTTP against the local stack."""

from __future__ import annotations

import uuid

import requests

from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey, run_cli, wait_for
from tests.e2e.test_api import assert_error, auth, create, get


def test_update_then_delete_a_consumer(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("changes")
    consumer = create(stack, key, {"email": f"{uuid.uuid4().hex}@example.com", "fullName": "John Doe"}).json()
    url = f"{stack.base_url}/api/v1/consumers/{consumer['id']}"
    updated = requests.put(
        url, json={"fullName": "John A. Doe", "metadata": {"tier": "platinum"}}, headers=auth(key), timeout=30
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["fullName"] == "John A. Doe"
    assert updated.json()["metadata"] == {"tier": "platinum"}
    assert get(stack, key, consumer["id"]).json() == updated.json()
    with_relations = requests.get(url, params={"include": "audiences,orders"}, headers=auth(key), timeout=30).json()
    assert with_relations["audiences"] == []
    assert with_relations["orders"] == []

    deleted = requests.delete(url, headers=auth(key), timeout=30)
    assert deleted.status_code == 200
    assert deleted.json() == updated.json()
    assert_error(get(stack, key, consumer["id"]), 404, "Consumer not found")


def test_read_only_keys_cannot_change_or_delete(stack: RunningStack, mint_key: MintKey) -> None:
    writer, reader = mint_key("ro-changes"), mint_key("ro-changes", read_only=True)
    consumer = create(stack, writer, {"email": "ro@example.com"}).json()
    url = f"{stack.base_url}/api/v1/consumers/{consumer['id']}"
    assert_error(requests.put(url, json={"fullName": "X"}, headers=auth(reader), timeout=30), 403)
    assert_error(requests.delete(url, headers=auth(reader), timeout=30), 403)
    batch = f"{stack.base_url}/api/v1/consumers/batch"
    assert_error(requests.post(batch, json=[{"email": "x@example.com"}], headers=auth(reader), timeout=30), 403)
    assert get(stack, writer, consumer["id"]).json() == consumer


def test_batch_create_and_update_as_the_seed_shows(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("batches")
    batch = f"{stack.base_url}/api/v1/consumers/batch"
    created = requests.post(
        batch,
        json=[
            {"email": "user1@example.com", "fullName": "User One"},
            {"email": "user2@example.com", "fullName": "User Two"},
            {"email": "user3@example.com", "fullName": "User Three"},
        ],
        headers=auth(key),
        timeout=60,
    )
    assert created.status_code == 201, created.text
    ids = [consumer["id"] for consumer in created.json()]
    assert [consumer["fullName"] for consumer in created.json()] == ["User One", "User Two", "User Three"]
    updated = requests.put(
        batch,
        json=[{"id": ids[0], "metadata": {"tier": "gold"}}, {"id": ids[1], "metadata": {"tier": "silver"}}],
        headers=auth(key),
        timeout=60,
    )
    assert updated.status_code == 200, updated.text
    assert [consumer["metadata"] for consumer in updated.json()] == [{"tier": "gold"}, {"tier": "silver"}]
    too_many = requests.post(batch, json=[{"externalId": str(n)} for n in range(501)], headers=auth(key), timeout=60)
    assert_error(too_many, 400, "Max batch size is 500")


def test_the_overview_figures_follow_creates_changes_and_deletes(stack: RunningStack, mint_key: MintKey) -> None:
    """GET /consumers/stats on the local stack: the stream's counter function keeps them, within seconds."""
    key = mint_key(f"stats-{uuid.uuid4().hex[:8]}")
    batch = [{"email": f"s{n}@example.com", "membership": "member" if n % 2 else "guest"} for n in range(5)]
    created = requests.post(f"{stack.base_url}/api/v1/consumers/batch", json=batch, headers=auth(key), timeout=60)
    assert created.status_code == 201, created.text
    ids = [consumer["id"] for consumer in created.json()]
    url = f"{stack.base_url}/api/v1/consumers"
    assert requests.put(f"{url}/{ids[0]}", json={"status": "inactive"}, headers=auth(key), timeout=30).ok
    assert requests.delete(f"{url}/{ids[1]}", headers=auth(key), timeout=30).ok
    expected = {
        "total": 4,
        "byStatus": {"active": 3, "inactive": 1},
        "byMembership": {"member": 1, "guest": 3},
        "byVerified": {"verified": 0, "unverified": 4},
        "byTier": {},
    }

    def settled() -> dict[str, object] | None:
        answer = requests.get(f"{url}/stats", params={"interval": "day", "periods": "2"}, headers=auth(key), timeout=30)
        assert answer.status_code == 200, answer.text
        figures = answer.json()
        return figures if {name: figures[name] for name in expected} == expected else None

    figures = wait_for(settled, timeout=60)
    assert [period["count"] for period in figures["created"]] == [0, 4]


def test_reindex_an_organization_from_the_cli(stack: RunningStack, mint_key: MintKey) -> None:
    """`clientele reindex --org` against the running stack: both environments, nothing to do on
    consumers this version wrote itself, and the consumers untouched."""
    org = f"reindex-{uuid.uuid4().hex[:8]}"
    key = mint_key(org)
    consumer = create(stack, key, {"email": "r@example.com", "membership": "member"}).json()
    result = run_cli(stack.state_dir, "reindex", "--org", org)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "sandbox: read 1 consumers; stored 0 again with what they lacked.",
        "live: read 0 consumers; stored 0 again with what they lacked.",
    ]
    assert get(stack, key, consumer["id"]).json() == consumer
