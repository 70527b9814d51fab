"""The pure rules behind lists: search words and query terms, index keys, cursor signing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clientele.consumers import listing, search, store
from clientele.consumers.enums import SortBy, Status
from clientele.consumers.enums import Source as Arrival
from clientele.consumers.models import Consumer, Loyalty
from clientele.consumers.requests import ConsumerCreate
from clientele.consumers.service import new_consumer
from clientele.core import paging, settings
from clientele.core.errors import InvalidCursor
from clientele.core.store.keys import tenant_of
from clientele.core.store.pages import Position, Segment, Source
from clientele.core.tenancy import Environment, Tenant


def consumer_with(**fields: object) -> Consumer:
    consumer = new_consumer(ConsumerCreate(email="a@example.com"), "2024-11-01T10:00:00.000Z", Arrival.API)
    return consumer.model_copy(update=fields)


def test_every_sort_has_an_index_and_every_index_a_sort() -> None:
    assert {str(sort) for sort in SortBy} - {"createdAt"} == set(store.SORT_INDEXES)
    assert tuple(str(sort) for sort in SortBy) == listing.SORT_FIELDS


def test_sort_keys_order_values_then_ids_and_put_nulls_below_values() -> None:
    index = store.SORT_INDEXES["fullName"]
    named = lambda name, suffix: consumer_with(full_name=name, id=f"cons_{suffix}")  # noqa: E731
    rows = [("Ann", "2"), ("ann b", "1"), ("ann", "1"), (None, "0")]
    keys = [index.key(named(name, suffix)) for name, suffix in rows]
    assert sorted(keys) == [keys[3], keys[2], keys[0], keys[1]]  # null, "ann"(1), "Ann"(2), "ann b"
    money = store.SORT_INDEXES["totalOrderValue"]
    values = [Decimal("100"), Decimal("9.99"), Decimal("10.005"), Decimal("0")]
    encoded = [money.key(consumer_with(total_order_value=value, id="cons_1")) for value in values]
    assert sorted(encoded) == [encoded[3], encoded[1], encoded[2], encoded[0]]


def test_the_item_carries_its_filter_keys_only_when_set() -> None:
    tenant = Tenant("acme", Environment.SANDBOX)
    consumer = consumer_with(status=Status.INACTIVE, loyalty=Loyalty(points=3))
    item = store.ConsumerRecord.to_item(tenant, consumer)
    assert item["fStatus"] == "sandbox#acme#STATUS#inactive"
    assert "fTier" not in item
    assert store.ConsumerRecord.from_item(item) == consumer
    assert tenant_of(item) == tenant


def test_a_consumer_is_found_by_its_words() -> None:
    consumer = consumer_with(
        full_name="Mary-Jane O'Neil", email="MJ.Oneil@Example.co.uk", phone="+442079460000", first_name=None
    )
    words = search.words(consumer)
    assert {"mary-jane", "mary", "jane", "o'neil", "neil", "mj.oneil@example.co.uk", "example.co.uk"} <= words
    assert {"442079460000", "2079460000"} <= words
    assert search.matches(words, search.terms("JANE o'n"))
    assert search.matches(words, search.terms("+44 20 7946"))
    assert not search.matches(words, search.terms("oneill"))


@pytest.mark.parametrize("query", ["j", " ", "a" * 101, "1"])
def test_queries_must_have_a_word_of_two_characters(query: str) -> None:
    with pytest.raises(ValueError, match="characters"):
        search.terms(query)


def test_the_longest_word_leads_the_query() -> None:
    assert search.terms("Jo Smithers") == ["smithers", "jo"]
    assert search.terms("(415) 555-26") == ["41555526"]


def test_a_consumer_appears_at_its_first_matching_word_only() -> None:
    words = frozenset({"johnny", "johnson", "john@x.com"})
    assert search.first_match(words, "john") == "john@x.com"
    assert search.first_match(words, "johnn") == "johnny"
    assert search.first_match(words, "zz") is None


@pytest.fixture
def cursor_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "cursor_key", lambda: b"unit-test-key")


def test_cursors_round_trip_and_refuse_edits(cursor_key: None) -> None:
    position = Position(1, "1ann\x00cons_01")
    cursor = paging.encode_cursor("f" * 16, position)
    assert paging.decode_cursor(cursor, "f" * 16, "after") == position
    with pytest.raises(InvalidCursor):
        paging.decode_cursor(cursor, "e" * 16, "after")  # another list
    payload, signature = cursor.split(".")
    for forged in (f"{payload}x.{signature}", f"{payload}.{signature[:-1]}A", payload, "", "a.b.c"):
        with pytest.raises(InvalidCursor):
            paging.decode_cursor(forged, "f" * 16, "after")


def test_reading_backwards_reverses_segments_and_directions() -> None:
    source = Source(
        index_name="i",
        hash_attribute="h",
        hash_value="v",
        range_attribute="r",
        segments=(Segment("1", "2", True), Segment("0", "1", True)),
    )
    assert source.reversed().segments == (Segment("0", "1", False), Segment("1", "2", False))
