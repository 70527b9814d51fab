"""GET /consumers and /consumers/search through the real functions: every order, filter and page is
checked against the same rows sorted and filtered in Python."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from clientele.consumers import store
from clientele.consumers.enums import Membership, Source, Status
from clientele.consumers.models import Consumer, Loyalty
from clientele.consumers.requests import ConsumerCreate
from clientele.consumers.service import new_consumer
from clientele.core import clock
from clientele.core.tenancy import Principal
from tests.integration.conftest import Invoke, principal_for

SORTS = [
    "createdAt",
    "email",
    "fullName",
    "lastOrderAt",
    "totalOrderValue",
    "totalOrders",
    "lastActivityAt",
    "points",
    "memberSince",
]


def _stored(principal: dict[str, str], index: int, **fields: Any) -> Consumer:
    """A consumer written through the real write path, with fields orders and loyalty would set."""
    request = ConsumerCreate.model_validate(
        {"email": fields.pop("email", f"person{index}@example.com"), **fields.pop("request", {})}
    )
    created = f"2024-0{1 + index % 9}-1{index % 10}T10:00:00.000Z"
    consumer = new_consumer(request, created, Source.API).model_copy(update=fields)
    store.commit(store.insert_write(Principal.from_context(principal).tenant, consumer))
    return consumer


@pytest.fixture
def people(acme: dict[str, str]) -> list[Consumer]:
    """Twelve consumers with ties, nulls and mixed case in every sortable field."""
    rows = []
    names = [
        "ann Lee",
        "Bob Stone",
        None,
        "ann Lee",
        "Zed Young",
        "carl Ames",
        None,
        "Dana Ng",
        "eve Ray",
        "Bob",
        "x",
        "Ann",
    ]
    for index in range(12):
        rows.append(
            _stored(
                acme,
                index,
                email=None if index == 5 else f"{'ABCDEFGHIJKL'[11 - index]}{index}@example.com",
                request={"phone": "+14155552671"} if index == 5 else {},
                full_name=names[index],
                status=Status.INACTIVE if index % 3 == 0 else Status.ACTIVE,
                membership=Membership.MEMBER if index % 2 else Membership.GUEST,
                member_since=f"2024-12-0{index % 3 + 1}T00:00:00.000Z" if index % 2 else None,  # ties too
                last_order_at=None if index % 4 == 0 else f"2024-10-0{index % 5 + 1}T00:00:00.000Z",
                total_orders=index % 4,
                total_order_value=Decimal(index % 4) * Decimal("19.99"),
                last_activity_at=f"2024-11-0{index % 6 + 1}T00:00:00.000Z",
                loyalty=Loyalty(points=(index * 37) % 5, tier="gold" if index % 5 == 0 else None),
                source=[Source.API, Source.IMPORT, Source.SHOPIFY, Source.CONSOLE][index % 4],
            )
        )
    return rows


def _value(consumer: Consumer, sort_by: str) -> Any:
    value = {
        "createdAt": consumer.created_at,
        "email": consumer.email and consumer.email.casefold(),
        "fullName": consumer.full_name and consumer.full_name.casefold(),
        "lastOrderAt": consumer.last_order_at,
        "totalOrderValue": consumer.total_order_value,
        "totalOrders": consumer.total_orders,
        "lastActivityAt": consumer.last_activity_at,
        "points": consumer.loyalty.points,
        "memberSince": consumer.member_since,
    }[sort_by]
    return value


def expected(rows: list[Consumer], sort_by: str, sort_dir: str, keep: Callable[[Consumer], bool]) -> list[str]:
    """The order the API promises: by value, ties by id, both in sortDir; nulls last either way."""
    kept = [row for row in rows if keep(row)]
    present = [row for row in kept if _value(row, sort_by) is not None]
    nulls = [row for row in kept if _value(row, sort_by) is None]
    descending = sort_dir == "desc"
    present.sort(key=lambda row: (_value(row, sort_by), row.id), reverse=descending)
    nulls.sort(key=lambda row: row.id, reverse=descending)
    return [row.id for row in present + nulls]


def walk(call: Invoke, principal: dict[str, str], query: dict[str, str], size: int = 5) -> list[str]:
    """Every page, forwards through endCursor; checks pageInfo on the way."""
    ids: list[str] = []
    cursor = None
    while True:
        page = call(
            "list_consumers",
            principal=principal,
            query={**query, "first": str(size), **({"after": cursor} if cursor else {})},
        )
        assert page["status"] == 200, page["body"]
        info = page["body"]["pageInfo"]
        assert info["hasPreviousPage"] is (cursor is not None)
        assert (info["startCursor"] is None) is (cursor is None or not page["body"]["data"])
        ids += [consumer["id"] for consumer in page["body"]["data"]]
        cursor = info["endCursor"]
        assert (cursor is not None) is info["hasNextPage"]
        if cursor is None:
            return ids
        assert len(page["body"]["data"]) == size


@pytest.mark.parametrize("sort_dir", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", SORTS)
def test_every_sort_orders_all_pages_with_nulls_last_and_ties_by_id(
    call: Invoke, acme: dict[str, str], people: list[Consumer], sort_by: str, sort_dir: str
) -> None:
    query = {"sortBy": sort_by, "sortDir": sort_dir}
    assert walk(call, acme, query) == expected(people, sort_by, sort_dir, lambda row: True)


FILTERS: dict[str, tuple[dict[str, str], Callable[[Consumer], bool]]] = {
    "status": ({"status": "inactive"}, lambda row: row.status == "inactive"),
    "membership": ({"membership": "member"}, lambda row: row.membership == "member"),
    "tier": ({"tier": "gold"}, lambda row: row.loyalty.tier == "gold"),
    "createdAfter": ({"createdAfter": "2024-04-01"}, lambda row: row.created_at >= "2024-04-01T00:00:00.000Z"),
    "createdBefore": ({"createdBefore": "2024-04-01T00:00:00Z"}, lambda row: row.created_at < "2024-04-01"),
    "lastActivityAfter": (
        {"lastActivityAfter": "2024-11-03T00:00:00+00:00"},
        lambda row: (row.last_activity_at or "") >= "2024-11-03T00:00:00.000Z",
    ),
    "lastActivityBefore": (
        {"lastActivityBefore": "2024-11-03T00:00:00.000Z"},
        lambda row: (row.last_activity_at or "9") < "2024-11-03T00:00:00.000Z",
    ),
    "source": ({"source": "import"}, lambda row: row.source == "import"),
    "source+status": (
        {"source": "shopify", "status": "active"},
        lambda row: row.source == "shopify" and row.status == "active",
    ),
    "status+membership+createdAfter": (
        {"status": "active", "membership": "guest", "createdAfter": "2024-02-01"},
        lambda row: row.status == "active" and row.membership == "guest" and row.created_at >= "2024-02-01",
    ),
}


@pytest.mark.parametrize("sort_by", SORTS)
@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_combines_with_every_sort(
    call: Invoke, acme: dict[str, str], people: list[Consumer], name: str, sort_by: str
) -> None:
    query, keep = FILTERS[name]
    for sort_dir in ("asc", "desc"):
        got = walk(call, acme, {**query, "sortBy": sort_by, "sortDir": sort_dir}, size=2)
        assert got == expected(people, sort_by, sort_dir, keep), (name, sort_by, sort_dir)
        assert got, "every filter keeps some rows of the fixture"


def test_last_and_before_page_backwards_to_the_same_rows(
    call: Invoke, acme: dict[str, str], people: list[Consumer]
) -> None:
    forwards = walk(call, acme, {"sortBy": "fullName", "sortDir": "asc"})
    page = call("list_consumers", principal=acme, query={"sortBy": "fullName", "sortDir": "asc", "last": "5"})
    assert [row["id"] for row in page["body"]["data"]] == forwards[-5:]
    info = page["body"]["pageInfo"]
    assert info["hasPreviousPage"]
    assert not info["hasNextPage"]
    assert info["endCursor"] is None
    backwards: list[str] = [row["id"] for row in page["body"]["data"]]
    while info["startCursor"]:
        query = {"sortBy": "fullName", "sortDir": "asc", "last": "5", "before": info["startCursor"]}
        page = call("list_consumers", principal=acme, query=query)
        info = page["body"]["pageInfo"]
        assert info["hasNextPage"]
        assert info["endCursor"]
        backwards = [row["id"] for row in page["body"]["data"]] + backwards
    assert backwards == forwards


def test_default_list_is_newest_first_with_seed_shapes(
    call: Invoke, acme: dict[str, str], people: list[Consumer]
) -> None:
    page = call("list_consumers", principal=acme, query={})
    body = page["body"]
    assert [row["id"] for row in body["data"]] == expected(people, "createdAt", "desc", lambda row: True)
    assert body["pageInfo"] == {"startCursor": None, "endCursor": None, "hasNextPage": False, "hasPreviousPage": False}
    assert {"id", "email", "fullName", "totalOrders", "totalOrderValue", "lastOrderAt"} <= body["data"][0].keys()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"first": "101"}, "first"),
        ({"first": "0"}, "first"),
        ({"last": "500"}, "last"),
        ({"sortBy": "name"}, "sortBy"),
        ({"sortDir": "up"}, "sortDir"),
        ({"status": "gone"}, "status"),
        ({"createdAfter": "yesterday"}, "createdAfter"),
        ({"search": "j"}, "search"),
        ({"first": "2", "last": "2"}, "last"),
        ({"include": "friends"}, "include"),
    ],
)
def test_bad_parameters_are_400_with_the_field(
    call: Invoke, acme: dict[str, str], query: dict[str, str], field: str
) -> None:
    answer = call("list_consumers", principal=acme, query=query)
    assert answer["status"] == 400, answer["body"]
    assert answer["body"]["error"]["message"] == "Validation failed"
    assert any(field in detail["field"] for detail in answer["body"]["error"]["details"]), answer["body"]


def _first_cursor(call: Invoke, principal: dict[str, str], query: dict[str, str]) -> str:
    page = call("list_consumers", principal=principal, query={**query, "first": "2"})
    cursor = page["body"]["pageInfo"]["endCursor"]
    assert cursor
    return str(cursor)


def test_cursors_are_tamper_evident_and_bound_to_their_list_and_tenant(
    call: Invoke, acme: dict[str, str], people: list[Consumer]
) -> None:
    cursor = _first_cursor(call, acme, {"sortBy": "email"})
    payload, signature = cursor.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields["k"] = "1" + "z" * 10  # jump somewhere else in the index
    forged = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=") + "." + signature
    globex = principal_for("globex")
    for principal, query in [
        (acme, {"sortBy": "email", "after": forged}),
        (acme, {"sortBy": "email", "after": cursor[:-2]}),
        (acme, {"sortBy": "email", "after": "garbage"}),
        (acme, {"sortBy": "fullName", "after": cursor}),  # another sort
        (acme, {"sortBy": "email", "sortDir": "asc", "after": cursor}),
        (acme, {"sortBy": "email", "status": "active", "after": cursor}),  # other filters
        (globex, {"sortBy": "email", "after": cursor}),  # another tenant
        (principal_for("acme", "live"), {"sortBy": "email", "after": cursor}),  # another environment
    ]:
        answer = call("list_consumers", principal=principal, query=query)
        assert answer["status"] == 400, query
        assert answer["body"]["error"]["code"] == "invalid_cursor"
    assert call("list_consumers", principal=acme, query={"sortBy": "email", "after": cursor})["status"] == 200


def test_lists_hold_only_the_callers_tenant(call: Invoke, acme: dict[str, str], people: list[Consumer]) -> None:
    assert call("list_consumers", principal=principal_for("globex"), query={})["body"]["data"] == []
    assert call("list_consumers", principal=principal_for("acme", "live"), query={})["body"]["data"] == []


def test_audience_filter_names_an_audience_that_does_not_exist_yet(call: Invoke, acme: dict[str, str]) -> None:
    answer = call("list_consumers", principal=acme, query={"audienceId": "aud_01"})
    assert answer["status"] == 404
    assert answer["body"]["error"]["message"] == "Audience not found"


# ---------------------------------------------------------------- search


def _create(call: Invoke, principal: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = call("create_consumer", principal=principal, body=body)
    assert answer["status"] == 201, answer["body"]
    return dict(answer["body"])


def _found(call: Invoke, principal: dict[str, str], term: str, function: str = "list_consumers") -> list[str]:
    key = "search" if function == "list_consumers" else "q"
    answer = call(function, principal=principal, query={key: term})
    assert answer["status"] == 200, answer["body"]
    return [row["email"] for row in answer["body"]["data"]]


def test_search_matches_name_words_email_parts_and_phone_digits(
    call: Invoke, acme: dict[str, str], index_search: Callable[[], int]
) -> None:
    _create(call, acme, email="john.doe@example.com", fullName="John Doe", phone="+14155552671")
    _create(call, acme, email="mary@johnson.org", fullName="Mary-Jane Watson")
    _create(call, acme, email="zed@other.net", firstName="Zed", lastName="Johns")
    _create(call, principal_for("globex"), email="john@globex.com", fullName="John Globex")
    assert index_search() >= 4
    assert sorted(_found(call, acme, "jo")) == ["john.doe@example.com", "mary@johnson.org", "zed@other.net"]
    assert _found(call, acme, "JOHN.D") == ["john.doe@example.com"]  # whole address, case-insensitive
    assert _found(call, acme, "example.c") == ["john.doe@example.com"]  # domain
    assert _found(call, acme, "jane") == ["mary@johnson.org"]  # a later word of a hyphenated name
    assert _found(call, acme, "415555") == ["john.doe@example.com"]  # without country code
    assert _found(call, acme, "+1 415-555") == ["john.doe@example.com"]  # with it, any format
    assert _found(call, acme, "mary wat") == ["mary@johnson.org"]  # every word must match
    assert _found(call, acme, "doe", "search_consumers") == ["john.doe@example.com"]
    assert _found(call, acme, "nobody") == []


def test_search_lists_a_consumer_once_ordered_by_matching_word(
    call: Invoke, acme: dict[str, str], index_search: Callable[[], int]
) -> None:
    # "johnny@johnson.com, Johnny Johnson" matches "john" through four words: it appears once.
    _create(call, acme, email="johnny@johnson.com", fullName="Johnny Johnson")
    _create(call, acme, email="a@b.com", fullName="John Smith")
    _create(call, acme, email="c@d.com", fullName="John Older")
    index_search()
    page = call("list_consumers", principal=acme, query={"search": "john", "first": "2"})
    first = [row["email"] for row in page["body"]["data"]]
    rest = call(
        "list_consumers", principal=acme, query={"search": "john", "after": page["body"]["pageInfo"]["endCursor"]}
    )
    everything = first + [row["email"] for row in rest["body"]["data"]]
    # The word "john" first (newest first within it), then "johnny".
    assert everything == ["c@d.com", "a@b.com", "johnny@johnson.com"]
    assert rest["body"]["pageInfo"]["endCursor"] is None


def test_search_follows_changes_and_deletes(
    call: Invoke, acme: dict[str, str], index_search: Callable[[], int]
) -> None:
    consumer = _create(call, acme, email="old@example.com", fullName="Oldname Person")
    index_search()
    assert _found(call, acme, "oldn") == ["old@example.com"]
    call("update_consumer", principal=acme, path_params={"id": consumer["id"]}, body={"fullName": "Newname Person"})
    index_search()
    assert _found(call, acme, "oldn") == []
    assert _found(call, acme, "newn") == ["old@example.com"]
    call("delete_consumer", principal=acme, path_params={"id": consumer["id"]})
    index_search()
    assert _found(call, acme, "newn") == []
    assert _found(call, acme, "person") == []


def test_search_combines_with_filters(call: Invoke, acme: dict[str, str], index_search: Callable[[], int]) -> None:
    _create(call, acme, email="kim1@example.com", fullName="Kim One", status="inactive")
    _create(call, acme, email="kim2@example.com", fullName="Kim Two")
    index_search()
    assert _found_with(call, acme, {"search": "kim", "status": "inactive"}) == ["kim1@example.com"]
    assert _found_with(call, acme, {"search": "kim", "createdAfter": clock.now()}) == []
    assert _found_with(call, acme, {"search": "kim", "source": "api", "status": "inactive"}) == ["kim1@example.com"]
    assert _found_with(call, acme, {"search": "kim", "source": "import"}) == []


def _has_email(row: Consumer) -> bool:
    return row.email is not None  # "example" matches every email's domain; one person has a phone only


@pytest.mark.parametrize("sort_dir", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", SORTS)
def test_a_search_sorts_by_any_field_with_nulls_last_and_ties_by_id(
    call: Invoke,
    acme: dict[str, str],
    people: list[Consumer],
    index_search: Callable[[], int],
    sort_by: str,
    sort_dir: str,
) -> None:
    index_search()
    query = {"search": "example", "sortBy": sort_by, "sortDir": sort_dir}
    assert walk(call, acme, query, size=4) == expected(people, sort_by, sort_dir, _has_email)


@pytest.mark.parametrize("sort_by", ["points", "memberSince", "fullName"])
def test_a_sorted_search_combines_with_every_filter_and_pages_back(
    call: Invoke, acme: dict[str, str], people: list[Consumer], index_search: Callable[[], int], sort_by: str
) -> None:
    index_search()
    for name, (query, keep) in FILTERS.items():
        full = {**query, "search": "example", "sortBy": sort_by, "sortDir": "asc"}
        forwards = walk(call, acme, full, size=2)
        assert forwards == expected(people, sort_by, "asc", lambda row, keep=keep: keep(row) and _has_email(row)), name
    forwards = walk(call, acme, {"search": "example", "sortBy": sort_by}, size=3)
    page = call("list_consumers", principal=acme, query={"search": "example", "sortBy": sort_by, "last": "3"})["body"]
    backwards = [row["id"] for row in page["data"]]
    while page["pageInfo"]["hasPreviousPage"]:
        query = {"search": "example", "sortBy": sort_by, "last": "3", "before": page["pageInfo"]["startCursor"]}
        page = call("list_consumers", principal=acme, query=query)["body"]
        backwards = [row["id"] for row in page["data"]] + backwards
    assert backwards == forwards


def test_a_search_too_broad_to_sort_is_a_400_that_asks_to_narrow_it(
    call: Invoke,
    acme: dict[str, str],
    people: list[Consumer],
    index_search: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clientele.consumers import listing

    index_search()
    monkeypatch.setattr(listing, "MAX_SORTED_MATCHES", 5)
    answer = call("list_consumers", principal=acme, query={"search": "example", "sortBy": "points"})
    assert answer["status"] == 400
    (detail,) = answer["body"]["error"]["details"]
    assert detail["field"] == "search"
    assert "more than 5 consumers" in detail["message"]
    assert "narrow" in detail["message"]
    # Narrowed by a filter, it sorts; in the matching word's order it never needs to.
    narrowed = {"search": "example", "sortBy": "points", "status": "inactive"}
    inactive = lambda row: _has_email(row) and row.status == "inactive"  # noqa: E731
    assert walk(call, acme, narrowed) == expected(people, "points", "desc", inactive)
    assert len(walk(call, acme, {"search": "example"})) == 11


def test_a_sorted_search_cursor_is_bound_to_its_sort(
    call: Invoke, acme: dict[str, str], people: list[Consumer], index_search: Callable[[], int]
) -> None:
    index_search()
    first = call("list_consumers", principal=acme, query={"search": "example", "sortBy": "email", "first": "2"})
    cursor = first["body"]["pageInfo"]["endCursor"]
    assert cursor
    for query in ({"sortBy": "fullName"}, {"sortBy": "email", "sortDir": "asc"}, {}):
        answer = call("list_consumers", principal=acme, query={"search": "example", **query, "after": cursor})
        assert answer["status"] == 400, query
        assert answer["body"]["error"]["code"] == "invalid_cursor"
    # A cursor of the matching word's order from before sorted searches, when a search's signature held
    # the default sort: its key is a search entry's, so a sorted search must not take it for its own.
    from clientele.core import paging
    from clientele.core.store.pages import Position

    before = {"sort": ["createdAt", "desc"], "search": "example", "created": [None, None], "activity": [None, None]}
    before |= {"equals": {}, "verified": None, "audience": None}
    tenant = Principal.from_context(acme).tenant
    old = paging.encode_cursor(paging.fingerprint(tenant, before), Position(0, "example\u00009999"))
    query = {"search": "example", "sortBy": "createdAt", "sortDir": "desc", "after": old}
    assert call("list_consumers", principal=acme, query=query)["body"]["error"]["code"] == "invalid_cursor"


def _found_with(call: Invoke, principal: dict[str, str], query: dict[str, str]) -> list[str]:
    answer = call("list_consumers", principal=principal, query=query)
    assert answer["status"] == 200, answer["body"]
    return [row["email"] for row in answer["body"]["data"]]


def test_exact_lookups_read_their_writes(call: Invoke, acme: dict[str, str]) -> None:
    """No stream has run here: exact lookups need none."""
    created = _create(call, acme, email="Exact@Example.com", phone="+442079460000", externalId="crm-1")
    twin = _create(call, acme, email="twin@example.com", phone="+44 20 7946 0000")
    for query in ({"email": "exact@example.COM"}, {"externalId": "crm-1"}, {"email": "exact@example.com", "q": "exa"}):
        answer = call("search_consumers", principal=acme, query=query)
        assert [row["id"] for row in answer["body"]["data"]] == [created["id"]], query
    answer = call("search_consumers", principal=acme, query={"phone": "+44 (0)20 7946 0000"})
    assert {row["id"] for row in answer["body"]["data"]} == {created["id"], twin["id"]}
    both = call("search_consumers", principal=acme, query={"phone": "+442079460000", "email": "twin@example.com"})
    assert [row["id"] for row in both["body"]["data"]] == [twin["id"]]
    call("update_consumer", principal=acme, path_params={"id": created["id"]}, body={"email": "moved@example.com"})
    assert call("search_consumers", principal=acme, query={"email": "exact@example.com"})["body"]["data"] == []
    moved = call("search_consumers", principal=acme, query={"email": "moved@example.com"})
    assert [row["id"] for row in moved["body"]["data"]] == [created["id"]]
    call("delete_consumer", principal=acme, path_params={"id": twin["id"]})
    answer = call("search_consumers", principal=acme, query={"phone": "+442079460000"})
    assert [row["id"] for row in answer["body"]["data"]] == [created["id"]]
    assert (
        call("search_consumers", principal=principal_for("globex"), query={"externalId": "crm-1"})["body"]["data"] == []
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "q"),
        ({"q": "a"}, "q"),
        ({"phone": "12"}, "phone"),
        ({"email": "nope"}, "email"),
        ({"first": "101"}, "first"),
    ],
)
def test_search_rejects_bad_parameters(call: Invoke, acme: dict[str, str], query: dict[str, str], field: str) -> None:
    answer = call("search_consumers", principal=acme, query=query)
    assert answer["status"] == 400, answer["body"]
    assert any(field in detail["field"] for detail in answer["body"]["error"]["details"])


def test_a_failed_transaction_neither_stops_the_stream_nor_leaks_its_writes(
    call: Invoke, acme: dict[str, str], index_search: Callable[[], int]
) -> None:
    _create(call, acme, email="first@example.com", fullName="Streamy First")
    refused = call("create_consumer", principal=acme, body={"email": "first@example.com", "fullName": "Streamy Ghost"})
    assert refused["status"] == 400
    _create(call, acme, email="second@example.com", fullName="Streamy Second")
    index_search()
    assert sorted(_found(call, acme, "streamy")) == ["first@example.com", "second@example.com"]
    assert _found(call, acme, "ghost") == []


@pytest.mark.parametrize("sort_by", ["createdAt", "email"])
def test_a_page_that_reaches_its_read_budget_ends_short_and_the_cursor_goes_on(
    call: Invoke, acme: dict[str, str], people: list[Consumer], monkeypatch: pytest.MonkeyPatch, sort_by: str
) -> None:
    from clientele.core.store import pages

    monkeypatch.setattr(pages, "MAX_SCANNED_PER_PAGE", 3)
    query = {"lastActivityBefore": "2024-11-02T00:00:00Z", "sortBy": sort_by, "sortDir": "asc", "first": "2"}
    ids: list[str] = []
    short_pages = 0
    cursor = None
    for _ in range(20):
        page = call("list_consumers", principal=acme, query={**query, **({"after": cursor} if cursor else {})})
        assert page["status"] == 200, page["body"]
        ids += [row["id"] for row in page["body"]["data"]]
        cursor = page["body"]["pageInfo"]["endCursor"]
        if cursor is None:
            break
        short_pages += len(page["body"]["data"]) < 2
    keep = lambda row: (row.last_activity_at or "9") < "2024-11-02"  # noqa: E731
    assert ids == expected(people, sort_by, "asc", keep)
    assert short_pages > 0
