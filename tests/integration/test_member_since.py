"""memberSince (seed 004's Date joined): set when a consumer becomes a member, cleared when it stops
being one; sortable; and `clientele reindex` gives consumers stored before its index their key."""

from __future__ import annotations

from typing import Any

from clientele.consumers import service, store
from clientele.core import aws, settings
from clientele.core.tenancy import Principal
from tests.integration.conftest import Invoke


def _create(call: Invoke, principal: dict[str, str], **body: Any) -> dict[str, Any]:
    created = call("create_consumer", principal=principal, body={"email": "ana@example.com", **body})
    assert created["status"] == 201, created
    return created["body"]


def _update(call: Invoke, principal: dict[str, str], consumer_id: str, **body: Any) -> dict[str, Any]:
    updated = call("update_consumer", principal=principal, path_params={"id": consumer_id}, body=body)
    assert updated["status"] == 200, updated
    return updated["body"]


def test_a_member_joins_when_created_and_a_guest_has_no_date(call: Invoke, acme: dict[str, str]) -> None:
    member = _create(call, acme, membership="member")
    assert member["memberSince"] == member["createdAt"]
    guest = _create(call, acme, email="guest@example.com")
    assert guest["membership"] == "guest"
    assert guest["memberSince"] is None


def test_becoming_a_member_sets_the_date_and_leaving_clears_it(call: Invoke, acme: dict[str, str]) -> None:
    guest = _create(call, acme)
    joined = _update(call, acme, guest["id"], membership="member")
    assert joined["memberSince"] == joined["updatedAt"]
    renamed = _update(call, acme, guest["id"], fullName="Ana", membership="member")  # already one: unchanged
    assert renamed["memberSince"] == joined["memberSince"]
    left = _update(call, acme, guest["id"], membership="guest")
    assert left["memberSince"] is None
    read = call("get_consumer", principal=acme, path_params={"id": guest["id"]})["body"]
    assert read["memberSince"] is None


def _ids(call: Invoke, principal: dict[str, str], **query: str) -> list[str]:
    page = call("list_consumers", principal=principal, query={"first": "50", **query})
    assert page["status"] == 200, page
    return [consumer["id"] for consumer in page["body"]["data"]]


def test_reindex_gives_consumers_stored_before_an_index_their_key(call: Invoke, acme: dict[str, str]) -> None:
    """A consumer written by a version without the memberSince index has no `sJoined`, so it is
    missing from that sort until `clientele reindex` stores it again; a second run changes nothing."""
    first = _create(call, acme, membership="member")
    old = _create(call, acme, email="old@example.com", membership="member")
    key = store.ConsumerRecord.key(Principal.from_context(acme).tenant, old["id"])
    aws.dynamodb().update_item(
        TableName=settings.table_name(),
        Key={"pk": {"S": key["pk"]}, "sk": {"S": key["sk"]}},
        UpdateExpression="REMOVE sJoined",
    )
    assert _ids(call, acme, sortBy="memberSince") == [first["id"]]
    assert service.reindex(Principal.from_context(acme).tenant) == (2, 1)
    assert _ids(call, acme, sortBy="memberSince", sortDir="asc") == [first["id"], old["id"]]
    assert service.reindex(Principal.from_context(acme).tenant) == (2, 0)
    assert call("get_consumer", principal=acme, path_params={"id": old["id"]})["body"] == old  # same version


def _forget(tenant_key: dict[str, str], *attributes: str) -> None:
    """The consumer item as a version before memberSince stored it."""
    aws.dynamodb().update_item(
        TableName=settings.table_name(),
        Key={"pk": {"S": tenant_key["pk"]}, "sk": {"S": tenant_key["sk"]}},
        UpdateExpression="REMOVE " + ", ".join(attributes),
    )


def test_reindex_gives_members_stored_before_memberSince_the_date_they_joined(
    call: Invoke, acme: dict[str, str]
) -> None:
    """From the timeline's last change to member, or createdAt for one created a member; a guest
    keeps none. The version stays: nothing about the consumer changed, only what was not stored."""
    tenant = Principal.from_context(acme).tenant
    born = _create(call, acme, email="born@example.com", membership="member")
    upgraded = _update(call, acme, _create(call, acme, email="up@example.com")["id"], membership="member")
    guest = _create(call, acme, email="guest@example.com")
    for consumer in (born, upgraded, guest):
        _forget(store.ConsumerRecord.key(tenant, consumer["id"]), "memberSince", "sJoined")
    assert call("get_consumer", principal=acme, path_params={"id": born["id"]})["body"]["memberSince"] is None
    assert service.reindex(tenant) == (3, 3)  # the guest too: its sJoined (null) key was gone
    read = lambda consumer: call("get_consumer", principal=acme, path_params={"id": consumer["id"]})["body"]  # noqa: E731
    after = {consumer["id"]: read(consumer) for consumer in (born, upgraded, guest)}
    assert after[born["id"]]["memberSince"] == born["createdAt"]
    assert after[upgraded["id"]]["memberSince"] == upgraded["updatedAt"]  # when the timeline says it joined
    assert after[guest["id"]]["memberSince"] is None
    assert [after[c["id"]]["version"] for c in (born, upgraded, guest)] == [1, 2, 1]
    asc = _ids(call, acme, sortBy="memberSince", sortDir="asc")
    assert asc == [born["id"], upgraded["id"], guest["id"]]
