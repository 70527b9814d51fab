"""The Shopify stand-in over HTTP, as Shopify answers: costs and a leaky bucket that really throttles,
cursor paging sorted by updatedAt, bulk operations whose JSONL is served by URL with Range requests,
HTTP faults, bad tokens and the client credentials grant."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from clientele_local.shopify_standin import API_PATH, GRANT_PATH, ShopifyStandin

Json = dict[str, Any]


@pytest.fixture
def shop() -> Iterator[ShopifyStandin]:
    with ShopifyStandin(customers=12, maximum_available=100, restore_rate=1) as standin:
        yield standin


def post(
    shop: ShopifyStandin, operation: str, variables: Json | None = None, token: str = "shpat_x"
) -> tuple[int, Json]:
    body = json.dumps({"query": "…", "operationName": operation, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        shop.base_url + API_PATH,
        data=body,
        headers={"X-Shopify-Access-Token": token, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"{}")


def test_costs_come_off_a_leaky_bucket_that_throttles(shop: ShopifyStandin) -> None:
    status, answer = post(shop, "ShopifyCustomers", {"first": 10})
    assert status == 200
    cost = answer["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (22, 22)
    assert cost["throttleStatus"]["maximumAvailable"] == 100
    assert 77 <= cost["throttleStatus"]["currentlyAvailable"] <= 79
    post(shop, "ShopifyCustomers", {"first": 10})
    post(shop, "ShopifyCustomers", {"first": 10})
    status, answer = post(shop, "ShopifyCustomers", {"first": 40})  # 82 wanted, about 34 left
    assert status == 200
    assert answer["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert "data" not in answer
    assert shop.throttled == 1


def test_pages_follow_updated_at_and_the_search_filter(shop: ShopifyStandin) -> None:
    shop.restore_rate = 10_000
    _, first = post(shop, "ShopifyCustomers", {"first": 5})
    page = first["data"]["customers"]
    assert [node["id"] for node in page["nodes"]] == [f"gid://shopify/Customer/{1000000 + n}" for n in range(5)]
    assert page["pageInfo"]["hasNextPage"] is True
    _, rest = post(shop, "ShopifyCustomers", {"first": 20, "after": page["pageInfo"]["endCursor"]})
    assert len(rest["data"]["customers"]["nodes"]) == 7
    assert rest["data"]["customers"]["pageInfo"] == {
        "hasNextPage": False,
        "endCursor": rest["data"]["customers"]["pageInfo"]["endCursor"],
    }
    shop.update_customer("1000003", firstName="Later")
    _, since = post(shop, "ShopifyCustomers", {"first": 20, "query": "updated_at:>'2026-01-01T00:00:00Z'"})
    assert [node["firstName"] for node in since["data"]["customers"]["nodes"]] == ["Later"]


def test_a_bulk_operation_serves_jsonl_with_children_by_url(shop: ShopifyStandin) -> None:
    shop.restore_rate = 10_000
    _, started = post(shop, "ShopifyBulkCustomers", {"query": "{ customers { edges { node { id } } } }"})
    operation = started["data"]["bulkOperationRunQuery"]["bulkOperation"]
    _, busy = post(shop, "ShopifyBulkCustomers", {"query": "{ customers { edges { node { id } } } }"})
    assert "already in progress" in busy["data"]["bulkOperationRunQuery"]["userErrors"][0]["message"]
    _, running = post(shop, "ShopifyBulkOperation", {"id": operation["id"]})
    assert (running["data"]["node"]["status"], running["data"]["node"]["url"]) == ("RUNNING", None)
    _, done = post(shop, "ShopifyBulkOperation", {"id": operation["id"]})
    node = done["data"]["node"]
    assert node["status"] == "COMPLETED"
    assert node["rootObjectCount"] == "12"
    with urllib.request.urlopen(node["url"], timeout=10) as answer:
        lines = [json.loads(line) for line in answer.read().splitlines()]
    assert len(lines) == int(node["objectCount"])
    parents = [line["id"] for line in lines if "__parentId" not in line]
    children = [line for line in lines if "__parentId" in line]
    assert len(parents) == 12
    assert children
    assert all(child["__parentId"] in parents for child in children)
    assert all(parents.index(child["__parentId"]) < lines.index(child) for child in children)  # after their parent
    request = urllib.request.Request(node["url"], headers={"Range": "bytes=10-"})
    with urllib.request.urlopen(request, timeout=10) as ranged:
        assert ranged.status == 206
        assert len(ranged.read()) == sum(len(json.dumps(line, separators=(",", ":"))) + 1 for line in lines) - 10


def test_faults_and_bad_tokens(shop: ShopifyStandin) -> None:
    shop.fail(1, status=429, retry_after=2)
    status, _ = post(shop, "ShopifyCustomersCount")
    assert status == 429
    assert post(shop, "ShopifyCustomersCount", token="")[0] == 401
    shop.valid_tokens = {"shpat_good"}
    assert post(shop, "ShopifyCustomersCount", token="shpat_bad")[0] == 401
    status, answer = post(shop, "ShopifyCustomersCount", token="shpat_good")
    assert (status, answer["data"]["customersCount"]["count"]) == (200, 12)
    shop.throttle(1)
    assert post(shop, "ShopifyCustomersCount", token="shpat_good")[1]["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_the_client_credentials_grant_hands_out_tokens_the_api_accepts(shop: ShopifyStandin) -> None:
    shop.valid_tokens = set()
    shop.clients = {"client1": "secret1"}

    def grant(secret: str) -> tuple[int, Json]:
        body = f"grant_type=client_credentials&client_id=client1&client_secret={secret}".encode()
        try:
            with urllib.request.urlopen(
                urllib.request.Request(shop.base_url + GRANT_PATH, data=body), timeout=10
            ) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, {}

    assert grant("wrong")[0] == 401
    status, granted = grant("secret1")
    assert status == 200
    assert granted["expires_in"] > 0
    assert post(shop, "ShopifyCustomersCount", token=granted["access_token"])[0] == 200
