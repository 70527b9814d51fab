"""The store's item codec gives exactly what boto3's TypeSerializer and TypeDeserializer give.

dynamo.serialize and deserialize take a direct path for strings, maps, lists and booleans (the bulk of
every item) and hand anything else to boto3; whatever the value, the attributes must be boto3's own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from clientele.core.store import dynamo

names = st.text(min_size=1, max_size=8)
scalars = st.one_of(
    st.text(max_size=12),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9),
    st.binary(min_size=1, max_size=8),
    st.none(),
    st.sets(st.text(max_size=6), min_size=1, max_size=4),
    st.sets(st.integers(min_value=0, max_value=1000), min_size=1, max_size=4),
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4), max_leaves=20
)


@given(st.dictionaries(names, values, max_size=8))
def test_serialize_and_deserialize_are_boto3s(item: dict[str, Any]) -> None:
    expected = {name: TypeSerializer().serialize(value) for name, value in item.items() if value is not None}
    assert dynamo.serialize(item) == expected
    assert dynamo.deserialize(expected) == {name: TypeDeserializer().deserialize(a) for name, a in expected.items()}


def test_types_kept_apart() -> None:
    """A bool is not a number, a str is not bytes; absent (None) top-level fields are dropped, a None
    inside a map or list stays as NULL."""
    item = {"flag": True, "count": 3, "name": "3", "blob": b"x", "gone": None, "inner": {"none": None}, "list": [None]}
    stored = dynamo.serialize(item)
    assert stored == {
        "flag": {"BOOL": True},
        "count": {"N": "3"},
        "name": {"S": "3"},
        "blob": {"B": b"x"},
        "inner": {"M": {"none": {"NULL": True}}},
        "list": {"L": [{"NULL": True}]},
    }
    back = dynamo.deserialize(stored)
    assert back == {
        "flag": True,
        "count": Decimal(3),
        "name": "3",
        "blob": Binary(b"x"),
        "inner": {"none": None},
        "list": [None],
    }
    assert type(back["flag"]) is bool
    assert type(back["count"]) is Decimal


def test_floats_refused_as_boto3_refuses_them() -> None:
    with pytest.raises(TypeError):
        dynamo.serialize({"price": 1.5})
    with pytest.raises(TypeError):
        dynamo.serialize({"nested": {"price": 1.5}})
