"""Optimistic concurrency (issue 5): every consumer has a version, answered as its ETag; If-Match on
PUT and `version` on batch update items refuse a stale write with 409, so no update is lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.integration.conftest import Invoke


def _etag(answer: dict[str, Any]) -> str:
    return str(answer["headers"]["ETag"][0])


def test_the_etag_is_the_version_and_if_match_refuses_a_stale_update(call: Invoke, acme: dict[str, str]) -> None:
    created = call("create_consumer", principal=acme, body={"email": "ana@example.com", "fullName": "Ana"})
    assert _etag(created) == '"1"'
    path = {"id": created["body"]["id"]}
    read = call("get_consumer", principal=acme, path_params=path)
    assert _etag(read) == '"1"'
    first = call(
        "update_consumer", principal=acme, path_params=path, body={"fullName": "Ana B"}, headers={"If-Match": '"1"'}
    )
    assert first["status"] == 200
    assert _etag(first) == '"2"'
    stale = call(
        "update_consumer", principal=acme, path_params=path, body={"fullName": "Lost"}, headers={"If-Match": '"1"'}
    )
    assert stale["status"] == 409
    assert stale["body"]["error"]["code"] == "version_mismatch"
    assert stale["body"]["error"]["details"] == [{"field": "If-Match", "message": "the consumer is at version 2"}]
    assert call("get_consumer", principal=acme, path_params=path)["body"]["fullName"] == "Ana B"  # nothing lost
    weak = call(
        "update_consumer", principal=acme, path_params=path, body={"tags": ["a"]}, headers={"If-Match": 'W/"2"'}
    )
    assert weak["status"] == 200
    anything = call(
        "update_consumer", principal=acme, path_params=path, body={"tags": ["b"]}, headers={"If-Match": "*"}
    )
    assert anything["status"] == 200
    bad = call(
        "update_consumer", principal=acme, path_params=path, body={"tags": ["c"]}, headers={"If-Match": "yesterday"}
    )
    assert bad["status"] == 400
    assert bad["body"]["error"]["details"][0]["field"] == "If-Match"
    assert call("get_consumer", principal=acme, path_params=path)["body"]["version"] == 4


def test_of_fifty_parallel_updates_with_one_version_exactly_one_wins(call: Invoke, acme: dict[str, str]) -> None:
    created = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]
    path = {"id": created["id"]}

    def update(number: int) -> int:
        body = {"metadata": {"writer": number}}
        return int(
            call("update_consumer", principal=acme, path_params=path, body=body, headers={"If-Match": '"1"'})["status"]
        )

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(update, range(50)))
    assert sorted(statuses) == [200] + [409] * 49
    final = call("get_consumer", principal=acme, path_params=path)["body"]
    assert final["version"] == 2
    assert final["metadata"]["writer"] == statuses.index(200)  # the winner's change, and only its


def test_a_batch_update_with_a_stale_version_changes_nothing(call: Invoke, acme: dict[str, str]) -> None:
    ana = call("create_consumer", principal=acme, body={"email": "ana@example.com"})["body"]
    ben = call("create_consumer", principal=acme, body={"email": "ben@example.com"})["body"]
    call("update_consumer", principal=acme, path_params={"id": ben["id"]}, body={"tags": ["moved"]})
    body = [{"id": ana["id"], "version": 1, "fullName": "Ana"}, {"id": ben["id"], "version": 1, "fullName": "Ben"}]
    refused = call("batch_update_consumers", principal=acme, body=body)
    assert refused["status"] == 409
    assert refused["body"]["error"]["details"] == [
        {"index": 1, "field": "version", "message": "the consumer is at version 2"}
    ]
    assert call("get_consumer", principal=acme, path_params={"id": ana["id"]})["body"]["fullName"] is None
    body[1]["version"] = 2
    accepted = call("batch_update_consumers", principal=acme, body=body)
    assert accepted["status"] == 200, accepted
    assert [consumer["version"] for consumer in accepted["body"]] == [2, 3]
