"""A merge over HTTP on the local stack, with the stream running its steps, while orders for the source
keep arriving: none of them is lost or counted twice, and the SDK follows the old id to the survivor."""

from __future__ import annotations

import threading
import time
import uuid

import requests

from clientele_client.sdk import Clientele
from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey
from tests.e2e.test_api import auth

# A shop's steady flow, not a flood: the session's stack is shared with the other e2e tests (webhook
# deliveries wait behind every order's stream work).
ORDER_PAUSE = 0.1
SOURCE_ORDERS = 150  # two steps of orders to move, so orders arrive while it runs


def test_orders_arriving_for_the_source_during_a_merge_all_land_on_the_survivor(
    stack: RunningStack, mint_key: MintKey
) -> None:
    key = mint_key("merges-e2e")
    client = Clientele(secret_key=key, base_url=stack.base_url)
    survivor = client.consumers.create(email=f"{uuid.uuid4().hex}@example.com", full_name="Kept")
    source = client.consumers.create(email=f"{uuid.uuid4().hex}@example.com", full_name="Merged")
    for number in range(SOURCE_ORDERS):
        client.orders.create(consumer_id=source.id, amount="2.00", currency="EUR", external_id=f"before-{number}")
    client.orders.create(consumer_id=survivor.id, amount="2.00", currency="EUR", external_id="kept-0")

    job = client.consumers.merge(survivor.id, [source.id])
    assert job["status"] == "running"
    placed: list[str] = []
    stop = threading.Event()

    def keep_ordering() -> None:  # by the source's id and by its email, as a shop's backend would
        number = 0
        while not stop.is_set() or number < 10:
            body = {"amount": "1.00", "currency": "EUR", "externalId": f"during-{number}"}
            body |= {"consumerId": source.id} if number % 2 else {"email": source.email}
            answer = requests.post(f"{stack.base_url}/api/v1/orders", json=body, headers=auth(key), timeout=30)
            assert answer.status_code == 201, answer.text
            placed.append(answer.json()["consumerId"])
            number += 1
            time.sleep(ORDER_PAUSE)

    orderer = threading.Thread(target=keep_ordering)
    orderer.start()
    done = client.merges.wait(job["id"], timeout=600)
    stop.set()
    orderer.join()
    assert done["status"] == "succeeded", done
    assert set(placed) <= {source.id, survivor.id}
    assert survivor.id in placed  # some arrived after the source was merged away, and went to the survivor

    expected = SOURCE_ORDERS + 1 + len(placed)
    merged = client.consumers.get(survivor.id)
    assert merged.total_orders == expected
    orders = requests.get(
        f"{stack.base_url}/api/v1/consumers/{survivor.id}/orders",
        params={"first": "100"},
        headers=auth(key),
        timeout=30,
    ).json()
    seen, page = len(orders["data"]), orders
    while page["pageInfo"]["endCursor"]:
        page = requests.get(
            f"{stack.base_url}/api/v1/consumers/{survivor.id}/orders",
            params={"first": "100", "after": page["pageInfo"]["endCursor"]},
            headers=auth(key),
            timeout=30,
        ).json()
        seen += len(page["data"])
    assert seen == expected
    assert client.consumers.get(source.id).id == survivor.id  # the SDK follows the tombstone
    gone = requests.get(f"{stack.base_url}/api/v1/consumers/{source.id}", headers=auth(key), timeout=30)
    assert gone.status_code == 410
    assert gone.json()["error"]["mergedInto"] == survivor.id
