"""bench.store.settle: garbage is collected first, then what is alive is frozen out of later collections."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bench import store


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_settle_collects_garbage_then_freezes_the_living() -> None:
    garbage, alive = _Node(), _Node()
    gone = weakref.ref(garbage)
    del garbage
    store.settle()
    assert gone() is None  # collected, not frozen for ever
    assert gc.get_freeze_count() > 0
    assert not any(obj is alive for obj in gc.get_objects())  # out of the collector's generations
