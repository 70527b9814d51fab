"""The Python SDK against the local stack."""

from __future__ import annotations

import pytest

from clientele.consumers.models import Consumer
from clientele.consumers.stats import ConsumerStats
from clientele_client.sdk import ApiError, Clientele
from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey, wait_for


@pytest.fixture
def client(stack: RunningStack, mint_key: MintKey) -> Clientele:
    return Clientele(secret_key=mint_key("sdk"), base_url=stack.base_url)


def test_the_consumer_lifecycle(client: Clientele) -> None:
    consumer = client.consumers.create(email="sdk@example.com", full_name="John Doe", metadata={"tier": "vip"})
    assert isinstance(consumer, Consumer)
    assert consumer.id.startswith("cons_")
    assert client.consumers.get(consumer.id) == consumer
    updated = client.consumers.update(consumer.id, fullName="John A. Doe", metadata=None)
    assert updated.full_name == "John A. Doe"
    assert updated.metadata is None
    assert client.consumers.delete(consumer.id) == updated
    with pytest.raises(ApiError) as missing:
        client.consumers.get(consumer.id)
    assert (missing.value.status, missing.value.code, missing.value.message) == (
        404,
        "consumer_not_found",
        "Consumer not found",
    )


def test_errors_carry_the_api_code_and_details(client: Clientele) -> None:
    client.consumers.create(email="taken@example.com")
    with pytest.raises(ApiError) as taken:
        client.consumers.create(email="taken@example.com")
    assert taken.value.code == "email_already_exists"
    with pytest.raises(ApiError) as invalid:
        client.consumers.create(email="nope")
    assert invalid.value.status == 400
    assert invalid.value.details[0]["field"] == "email"
    assert invalid.value.request_id


def test_a_create_retried_under_one_key_creates_once(client: Clientele) -> None:
    first = client.consumers.create(email="once@example.com", idempotency_key="sdk-once")
    again = client.consumers.create(email="once@example.com", idempotency_key="sdk-once")
    assert again == first


def test_batches(client: Clientele) -> None:
    created = client.consumers.batch_create([{"email": f"b{n}@example.com", "full_name": f"B {n}"} for n in range(3)])
    assert [c.full_name for c in created] == ["B 0", "B 1", "B 2"]
    updated = client.consumers.batch_update([{"id": c.id, "tags": ["sdk"]} for c in created])
    assert all(c.tags == ["sdk"] for c in updated)
    with pytest.raises(ApiError) as too_many:
        client.consumers.batch_create([{"externalId": str(n)} for n in range(501)])
    assert too_many.value.message == "Max batch size is 500"


def test_a_bad_key_is_an_authentication_error(stack: RunningStack) -> None:
    with pytest.raises(ApiError) as denied:
        Clientele(secret_key="sk_test_" + "0" * 32, base_url=stack.base_url).consumers.get("cons_x")
    assert (denied.value.status, denied.value.code) == (401, "authentication_required")


def test_the_overview_figures_through_the_sdk(stack: RunningStack, mint_key: MintKey) -> None:
    """A fresh organization: what the SDK reads back once the stream has counted its consumers."""
    client = Clientele(secret_key=mint_key("sdk-stats"), base_url=stack.base_url)
    client.consumers.batch_create([{"email": "a@example.com", "membership": "member"}, {"email": "b@example.com"}])

    def counted() -> ConsumerStats | None:
        stats = client.consumers.stats(interval="day", periods=3)
        return stats if stats.total == 2 else None

    figures = wait_for(counted)
    assert (figures.by_membership, figures.interval) == ({"member": 1, "guest": 1}, "day")
    assert [period.count for period in figures.created] == [0, 0, 2]
