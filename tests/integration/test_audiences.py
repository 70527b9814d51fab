"""Audiences, their members, the audience-filtered list, bulk status and the verified filter."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from tests.integration.conftest import Invoke, principal_for


def _consumers(call: Invoke, principal: dict[str, str], count: int, **body: Any) -> list[dict[str, Any]]:
    created = []
    for number in range(count):
        response = call("create_consumer", principal=principal, body={"email": f"c{number}@example.com", **body})
        assert response["status"] == 201, response
        created.append(response["body"])
    return created


def _audience(call: Invoke, principal: dict[str, str], name: str = "VIP") -> dict[str, Any]:
    response = call("create_audience", principal=principal, body={"name": name, "description": "best customers"})
    assert response["status"] == 201, response
    return response["body"]


def _members(call: Invoke, principal: dict[str, str], function: str, audience_id: str, ids: list[str]) -> Any:
    return call(function, principal=principal, path_params={"id": audience_id}, body={"consumerIds": ids})


def _listed(call: Invoke, principal: dict[str, str], **query: str) -> list[str]:
    response = call("list_consumers", principal=principal, query=query)
    assert response["status"] == 200, response
    return [consumer["id"] for consumer in response["body"]["data"]]


def test_audiences_are_created_read_renamed_listed_and_deleted(call: Invoke, acme: dict[str, str]) -> None:
    first = _audience(call, acme, "First")
    assert first["id"].startswith("aud_")
    assert (first["memberCount"], first["description"]) == (0, "best customers")
    second = _audience(call, acme, "Second")
    got = call("get_audience", principal=acme, path_params={"id": first["id"]})
    assert got["body"] == first
    renamed = call("update_audience", principal=acme, path_params={"id": first["id"]}, body={"description": None})
    assert renamed["status"] == 200
    assert (renamed["body"]["name"], renamed["body"]["description"]) == ("First", None)
    assert (
        call("update_audience", principal=acme, path_params={"id": first["id"]}, body={"name": None})["status"] == 400
    )
    assert call("create_audience", principal=acme, body={"name": " "})["status"] == 400
    listed = call("list_audiences", principal=acme, query={"first": "1"})["body"]
    assert [audience["id"] for audience in listed["data"]] == [second["id"]]
    rest = call("list_audiences", principal=acme, query={"after": listed["pageInfo"]["endCursor"]})["body"]
    assert [audience["id"] for audience in rest["data"]] == [first["id"]]
    other = principal_for("other")
    assert call("get_audience", principal=other, path_params={"id": first["id"]})["status"] == 404
    assert call("list_audiences", principal=other)["body"]["data"] == []
    deleted = call("delete_audience", principal=acme, path_params={"id": first["id"]})
    assert deleted["status"] == 200
    assert call("get_audience", principal=acme, path_params={"id": first["id"]})["status"] == 404


def test_members_join_once_and_the_list_reads_them_by_audience(call: Invoke, acme: dict[str, str]) -> None:
    consumers = _consumers(call, acme, 4)
    audience = _audience(call, acme)
    ids = [consumer["id"] for consumer in consumers]
    added = _members(call, acme, "add_audience_members", audience["id"], ids[:3])
    assert added["status"] == 200, added
    assert added["body"] == {"audienceId": audience["id"], "changed": ids[:3], "unchanged": [], "memberCount": 3}
    again = _members(call, acme, "add_audience_members", audience["id"], ids[1:])
    assert (again["body"]["changed"], again["body"]["unchanged"], again["body"]["memberCount"]) == (
        ids[3:],
        ids[1:3],
        4,
    )
    assert _listed(call, acme, audienceId=audience["id"]) == ids[::-1]  # newest first
    assert _listed(call, acme, audienceId=audience["id"], sortDir="asc") == ids
    page = call("list_audience_members", principal=acme, path_params={"id": audience["id"]}, query={"first": "2"})
    assert [consumer["id"] for consumer in page["body"]["data"]] == ids[:1:-1]

    got = call("get_consumer", principal=acme, path_params={"id": ids[0]}, query={"include": "audiences"})["body"]
    assert got["audienceIds"] == [audience["id"]]
    assert [joined["name"] for joined in got["audiences"]] == ["VIP"]
    listed = call("list_consumers", principal=acme, query={"include": "audiences", "first": "1"})["body"]["data"]
    assert listed[0]["audiences"][0]["id"] == audience["id"]

    events = call("consumer_timeline", principal=acme, path_params={"id": ids[0]})["body"]["data"]
    assert events[0]["type"] == "audience_joined"
    assert events[0]["details"] == {"audienceId": audience["id"], "audienceName": "VIP"}


def test_bad_member_requests_change_nothing(call: Invoke, acme: dict[str, str]) -> None:
    consumers = _consumers(call, acme, 2)
    audience = _audience(call, acme)
    ids = [consumer["id"] for consumer in consumers]
    unknown = _members(call, acme, "add_audience_members", audience["id"], [ids[0], "cons_01HXYZ12345678901234567890"])
    assert unknown["status"] == 400
    assert unknown["body"]["error"]["details"] == [{"field": "consumerIds.1", "message": "Consumer not found"}]
    assert call("get_audience", principal=acme, path_params={"id": audience["id"]})["body"]["memberCount"] == 0
    assert _listed(call, acme, audienceId=audience["id"]) == []
    too_many = _members(call, acme, "add_audience_members", audience["id"], [f"cons_{n}" for n in range(501)])
    assert too_many["status"] == 400
    assert "at most 500" in str(too_many["body"]["error"]["details"])
    missing = _members(call, acme, "add_audience_members", "aud_01HXYZ12345678901234567890", ids)
    assert missing["status"] == 404
    assert missing["body"]["error"]["message"] == "Audience not found"
    unknown_list = call("list_consumers", principal=acme, query={"audienceId": "aud_01HXYZ12345678901234567890"})
    assert unknown_list["status"] == 404
    other = principal_for("other")
    assert call("list_consumers", principal=other, query={"audienceId": audience["id"]})["status"] == 404


def test_member_copies_follow_every_change_of_their_consumers(call: Invoke, acme: dict[str, str]) -> None:
    consumers = _consumers(call, acme, 2)
    audience = _audience(call, acme)
    ids = [consumer["id"] for consumer in consumers]
    _members(call, acme, "add_audience_members", audience["id"], ids)
    call("update_consumer", principal=acme, path_params={"id": ids[0]}, body={"fullName": "Renamed"})
    call("create_order", principal=acme, body={"consumerId": ids[0], "amount": 12, "currency": "EUR"})
    page = call("list_audience_members", principal=acme, path_params={"id": audience["id"]})["body"]["data"]
    member = next(consumer for consumer in page if consumer["id"] == ids[0])
    assert member == call("get_consumer", principal=acme, path_params={"id": ids[0]})["body"]
    assert (member["fullName"], member["totalOrders"]) == ("Renamed", 1)

    removed = _members(call, acme, "remove_audience_members", audience["id"], [ids[0], "cons_nobody"])
    assert (removed["body"]["changed"], removed["body"]["unchanged"], removed["body"]["memberCount"]) == (
        [ids[0]],
        ["cons_nobody"],
        1,
    )
    assert _listed(call, acme, audienceId=audience["id"]) == [ids[1]]
    assert call("delete_consumer", principal=acme, path_params={"id": ids[1]})["status"] == 200
    assert _listed(call, acme, audienceId=audience["id"]) == []
    assert call("get_audience", principal=acme, path_params={"id": audience["id"]})["body"]["memberCount"] == 0
    left = call("consumer_timeline", principal=acme, path_params={"id": ids[0]})["body"]["data"][0]
    assert left["type"] == "audience_left"


def test_the_audience_filter_combines_with_every_sort_filter_and_search(
    call: Invoke, acme: dict[str, str], index_search: Callable[[], int]
) -> None:
    names = ["Zoe Adams", "Ann Baker", "Mia Clark", "Ann Davis"]
    consumers = [
        call(
            "create_consumer",
            principal=acme,
            body={
                "email": f"{name.split()[0].lower()}{number}@example.com",
                "fullName": name,
                "status": "active" if number % 2 == 0 else "inactive",
                "verified": number < 2,
            },
        )["body"]
        for number, name in enumerate(names)
    ]
    outsider = call("create_consumer", principal=acme, body={"email": "ann.out@example.com", "fullName": "Ann Out"})
    audience = _audience(call, acme)
    ids = [consumer["id"] for consumer in consumers]
    _members(call, acme, "add_audience_members", audience["id"], ids)
    index_search()
    by_audience = {"audienceId": audience["id"]}
    assert _listed(call, acme, **by_audience, sortBy="fullName", sortDir="asc") == [ids[1], ids[3], ids[2], ids[0]]
    assert _listed(call, acme, **by_audience, status="inactive") == [ids[3], ids[1]]
    assert _listed(call, acme, **by_audience, verified="true") == [ids[1], ids[0]]
    assert _listed(call, acme, **by_audience, verified="false", sortBy="email") == [ids[2], ids[3]]
    assert _listed(call, acme, **by_audience, search="ann") == [ids[3], ids[1]]
    assert outsider["body"]["id"] in _listed(call, acme, search="ann")
    assert _listed(call, acme, verified="true") == [ids[1], ids[0]]


def test_deleting_an_audience_takes_it_off_its_members(
    call: Invoke, acme: dict[str, str], cleanup_audience: Callable[[], int]
) -> None:
    consumers = _consumers(call, acme, 3)
    audience, kept = _audience(call, acme, "Gone"), _audience(call, acme, "Kept")
    ids = [consumer["id"] for consumer in consumers]
    _members(call, acme, "add_audience_members", audience["id"], ids)
    _members(call, acme, "add_audience_members", kept["id"], ids[:1])
    call("delete_audience", principal=acme, path_params={"id": audience["id"]})
    assert call("list_consumers", principal=acme, query={"audienceId": audience["id"]})["status"] == 404
    assert cleanup_audience() == 1
    for consumer_id in ids:
        got = call("get_consumer", principal=acme, path_params={"id": consumer_id}, query={"include": "audiences"})
        assert audience["id"] not in got["body"]["audienceIds"]
    assert _listed(call, acme, audienceId=kept["id"]) == ids[:1]
    items = boto3.client("dynamodb").scan(TableName="clientele-test")["Items"]  # test-only: prove nothing is left
    assert not [item for item in items if audience["id"] in item["pk"]["S"]]
    assert cleanup_audience() == 0


def test_concurrent_member_changes_keep_the_count_exact(call: Invoke, acme: dict[str, str]) -> None:
    consumers = _consumers(call, acme, 12)
    audience = _audience(call, acme)
    ids = [consumer["id"] for consumer in consumers]
    batches = [ids[0:6], ids[3:9], ids[6:12], ids[0:12:2]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(lambda batch: _members(call, acme, "add_audience_members", audience["id"], batch), batches)
        )
    assert [answer["status"] for answer in answers] == [200] * 4
    assert sum(len(answer["body"]["changed"]) for answer in answers) == 12
    assert call("get_audience", principal=acme, path_params={"id": audience["id"]})["body"]["memberCount"] == 12
    assert sorted(_listed(call, acme, audienceId=audience["id"], first="100")) == sorted(ids)


def test_bulk_status_changes_many_consumers_or_none(call: Invoke, acme: dict[str, str]) -> None:
    consumers = _consumers(call, acme, 3)
    ids = [consumer["id"] for consumer in consumers]
    bad = call("bulk_update_status", principal=acme, body={"consumerIds": [*ids, "cons_nobody"], "status": "inactive"})
    assert bad["status"] == 400
    assert bad["body"]["error"]["details"] == [{"field": "consumerIds.3", "message": "Consumer not found"}]
    assert _listed(call, acme, status="inactive") == []
    done = call("bulk_update_status", principal=acme, body={"consumerIds": ids, "status": "inactive"})
    assert done["status"] == 200, done
    assert [consumer["status"] for consumer in done["body"]] == ["inactive"] * 3
    assert sorted(_listed(call, acme, status="inactive")) == sorted(ids)
    event = call("consumer_timeline", principal=acme, path_params={"id": ids[0]})["body"]["data"][0]
    assert (event["type"], event["details"]) == ("status_changed", {"from": "active", "to": "inactive"})
    wrong = call("bulk_update_status", principal=acme, body={"consumerIds": ids, "status": "asleep"})
    assert wrong["status"] == 400


@pytest.mark.parametrize("verified", ["maybe", "2"])
def test_verified_takes_a_boolean(call: Invoke, acme: dict[str, str], verified: str) -> None:
    assert call("list_consumers", principal=acme, query={"verified": verified})["status"] == 400
