"""Listing and searching over HTTP against the local stack, where the stream keeps search current."""

from __future__ import annotations

import time

import pytest
import requests

from clientele_client.sdk import ApiError, Clientele
from clientele_local.testing import RunningStack
from tests.e2e.conftest import MintKey
from tests.e2e.test_api import assert_error, auth, create


def eventually(check, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    """Search follows writes through the stream (about a second here): wait for it, not a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_the_seed_list_call_pages_with_cursors(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("lister")
    ids = [
        create(stack, key, {"email": f"john{n}@example.com", "fullName": f"John {n}"}).json()["id"] for n in range(5)
    ]
    url = f"{stack.base_url}/api/v1/consumers"
    query = {"first": "2", "sortBy": "createdAt", "sortDir": "desc"}
    seen: list[str] = []
    cursor = None
    while True:
        page = requests.get(
            url, params={**query, **({"after": cursor} if cursor else {})}, headers=auth(key), timeout=30
        )
        assert page.status_code == 200, page.text
        seen += [row["id"] for row in page.json()["data"]]
        cursor = page.json()["pageInfo"]["endCursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    tampered = requests.get(url, params={"after": "x" + seen[0]}, headers=auth(key), timeout=30)
    assert_error(tampered, 400, "Invalid cursor")
    too_many = requests.get(url, params={"first": "101"}, headers=auth(key), timeout=30)
    assert_error(too_many, 400, "Validation failed")
    # The seed's example: search with sortBy=createdAt&sortDir=desc, once the stream has indexed the names.
    seed_query = {"first": "20", "search": "john", "sortBy": "createdAt", "sortDir": "desc"}

    def all_indexed() -> list[dict]:
        found = requests.get(url, params=seed_query, headers=auth(key), timeout=30).json()["data"]
        return found if len(found) == len(ids) else []

    found = eventually(all_indexed)
    assert [row["id"] for row in found] == ids[::-1]


def test_search_route_is_not_taken_for_a_consumer_id(stack: RunningStack, mint_key: MintKey) -> None:
    key = mint_key("searcher")
    created = create(stack, key, {"email": "exact@example.com", "externalId": "crm-9"}).json()
    answer = requests.get(
        f"{stack.base_url}/api/v1/consumers/search",
        params={"email": "EXACT@example.com"},
        headers=auth(key),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert [row["id"] for row in answer.json()["data"]] == [created["id"]]
    missing = requests.get(f"{stack.base_url}/api/v1/consumers/search", headers=auth(key), timeout=30)
    assert_error(missing, 400, "Validation failed")


def test_the_sdk_lists_iterates_and_searches(stack: RunningStack, mint_key: MintKey) -> None:
    client = Clientele(secret_key=mint_key("sdk-lists"), base_url=stack.base_url)
    made = client.consumers.batch_create(
        [
            {"email": f"p{n}@shop.example", "full_name": f"Pat {chr(ord('E') - n)}", "phone": f"+1415555{2670 + n}"}
            for n in range(5)
        ]
    )
    page = client.consumers.list(first=2, sort_by="fullName", sort_dir="asc")
    assert [consumer.full_name for consumer in page.data] == ["Pat A", "Pat B"]
    assert page.page_info.has_next_page
    assert page.page_info.end_cursor is not None
    assert [consumer.id for consumer in client.consumers.iterate(first=2, sort_by="createdAt", sort_dir="asc")] == [
        consumer.id for consumer in made
    ]
    assert [c.id for c in client.consumers.search(phone="+1 (415) 555-2672").data] == [made[2].id]
    assert [c.id for c in client.consumers.search(email="P4@shop.example").data] == [made[4].id]
    assert eventually(lambda: [c.id for c in client.consumers.search("pat c").data]) == [made[2].id]
    with pytest.raises(ApiError) as error:
        client.consumers.list(sort_by="nope")
    assert (error.value.status, error.value.message, error.value.details[0]["field"]) == (
        400,
        "Validation failed",
        "sortBy",
    )
