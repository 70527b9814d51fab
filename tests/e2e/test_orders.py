"""Orders, refunds, balance and the timeline over real HTTP and through the SDK, on the local stack."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from clientele_client.sdk import ApiError, Clientele
from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey
from tests.e2e.test_api import assert_error, auth, get


def test_an_order_over_http_creates_a_guest_and_moves_its_aggregates(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("orders-http")
    email = f"{uuid.uuid4().hex}@example.com"
    body = {"email": email, "externalId": "shop-1", "amount": 59.9, "discountAmount": 5, "currency": "EUR"}
    placed = requests.post(f"{stack.base_url}/api/v1/orders", json=body, headers=auth(key), timeout=30)
    assert placed.status_code == 201, placed.text
    again = requests.post(f"{stack.base_url}/api/v1/orders", json=body, headers=auth(key), timeout=30)
    assert again.status_code == 200
    assert again.json() == placed.json()
    consumer = get(stack, key, placed.json()["consumerId"]).json()
    assert consumer["membership"] == "guest"
    assert (consumer["totalOrders"], consumer["totalOrderValue"], consumer["netRevenue"]) == (1, 59.9, 54.9)
    usd = requests.post(
        f"{stack.base_url}/api/v1/orders",
        json={**body, "externalId": "shop-2", "currency": "USD"},
        headers=auth(key),
        timeout=30,
    )
    assert_error(usd, 400, "This environment's currency is EUR")
    reader = mint_key("orders-http", read_only=True)
    assert_error(requests.post(f"{stack.base_url}/api/v1/orders", json=body, headers=auth(reader), timeout=30), 403)
    readable = requests.get(f"{stack.base_url}/api/v1/orders/{placed.json()['id']}", headers=auth(reader), timeout=30)
    assert readable.json() == placed.json()


@pytest.fixture
def client(stack: RunningStack, mint_key: MintKey) -> Clientele:
    return Clientele(secret_key=mint_key(f"orders-{uuid.uuid4().hex[:8]}"), base_url=stack.base_url)


def test_orders_refunds_balance_and_timeline_through_the_sdk(client: Clientele) -> None:
    consumer = client.consumers.create(email="buyer@example.com")
    orders = [
        client.orders.create(consumer_id=consumer.id, amount=Decimal("20.00"), currency="GBP", external_id=f"o-{n}")
        for n in range(3)
    ]
    refunded = client.orders.refund(orders[0].id, amount="5.50", reason="damaged")
    assert refunded.refunded_amount == Decimal("5.5")
    assert client.orders.get(orders[0].id) == refunded
    page = client.orders.list(consumer.id, first=2)
    assert len(page.data) == 2
    assert page.page_info.has_next_page

    client.consumers.adjust_balance(consumer.id, "12.25", "store credit")
    with pytest.raises(ApiError) as too_much:
        client.consumers.adjust_balance(consumer.id, "-13", "spend")
    assert too_much.value.message == "Balance cannot go below zero"
    assert client.consumers.balance_history(consumer.id).data[0].balance_after == Decimal("12.25")

    after = client.consumers.get(consumer.id)
    assert after.total_orders == 3
    assert after.total_order_value == Decimal("54.50")
    assert after.balance == Decimal("12.25")
    events = client.consumers.timeline(consumer.id).data
    assert [event.type for event in events[:2]] == ["balance_adjusted", "order_refunded"]
    assert sum(event.type == "order_placed" for event in events) == 3


def test_parallel_orders_over_http_keep_totals_exact(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("orders-parallel")
    consumer = requests.post(
        f"{stack.base_url}/api/v1/consumers", json={"email": "many@example.com"}, headers=auth(key), timeout=30
    ).json()

    def place(number: int) -> int:
        body = {"consumerId": consumer["id"], "amount": f"{number}.25", "currency": "EUR"}
        return requests.post(f"{stack.base_url}/api/v1/orders", json=body, headers=auth(key), timeout=60).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(place, range(1, 21)))
    assert statuses == [201] * 20
    after = get(stack, key, consumer["id"]).json()
    assert after["totalOrders"] == 20
    assert Decimal(str(after["totalOrderValue"])) == sum(Decimal(f"{n}.25") for n in range(1, 21))


def test_a_session_closes_and_its_items_come_back_over_http(stack: RunningStack, mint_key: MintKey) -> None:
    """Seed 003's sessions: an open order moves nothing until it closes; a return by item refunds the
    items' value less their share of the discount, and the last item back cancels the order."""
    key = mint_key("sessions-http")
    url = f"{stack.base_url}/api/v1/orders"
    lines = [{"name": "Shirt", "quantity": 2, "unitPrice": 10}, {"name": "Hat", "quantity": 1, "unitPrice": 20}]
    body = {"email": "session@example.com", "amount": 40, "discountAmount": 4, "currency": "EUR", "items": lines}
    opened = requests.post(url, json={**body, "state": "open"}, headers=auth(key), timeout=30)
    assert opened.status_code == 201, opened.text
    order = opened.json()
    assert get(stack, key, order["consumerId"]).json()["totalOrders"] == 0
    closed = requests.post(f"{url}/{order['id']}/close", headers=auth(key), timeout=30)
    assert (closed.status_code, closed.json()["state"]) == (200, "closed")
    assert_error(requests.post(f"{url}/{order['id']}/close", headers=auth(key), timeout=30), 409)

    one = {"items": [{"position": 0, "quantity": 1}], "reason": "too small"}
    returned = requests.post(f"{url}/{order['id']}/returns", json=one, headers=auth(key), timeout=30)
    assert returned.status_code == 201, returned.text
    assert (returned.json()["state"], returned.json()["refundedAmount"]) == ("partially_returned", 9)
    consumer = get(stack, key, order["consumerId"]).json()
    assert (consumer["totalOrders"], consumer["totalOrderValue"], consumer["netRevenue"]) == (1, 30, 27)
    too_many = requests.post(
        f"{url}/{order['id']}/returns", json={"items": [{"position": 0, "quantity": 5}]}, headers=auth(key), timeout=30
    )
    assert_error(too_many, 400)
    rest = {"items": [{"position": 0, "quantity": 1}, {"position": 1, "quantity": 1}]}
    last = requests.post(f"{url}/{order['id']}/returns", json=rest, headers=auth(key), timeout=30)
    assert (last.json()["state"], last.json()["status"], last.json()["refundedAmount"]) == ("cancelled", "refunded", 36)
    assert get(stack, key, order["consumerId"]).json()["netRevenue"] == 0
