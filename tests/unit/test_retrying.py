"""`retrying`: optimistic concurrency's re-reads are bounded by time, not by a count."""

from __future__ import annotations

import pytest

from clientele import consumers
from clientele.data import consumers as store
from clientele.errors import ConsumerChangedConcurrently, OrderChangedConcurrently


def test_an_attempt_that_loses_a_race_is_read_and_written_again_until_it_wins() -> None:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) < 20:  # more losses in a row than any fixed count of attempts used to allow
            raise store.ConsumerChanged()
        return "written"

    assert consumers.retrying(attempt) == "written"
    assert len(calls) == 20


def test_a_race_lost_for_the_whole_budget_is_a_409_and_stops_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumers, "RETRY_SECONDS", 0.3)
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)
        raise store.ConsumerChanged()

    with pytest.raises(ConsumerChangedConcurrently):
        consumers.retrying(attempt)
    assert 3 <= len(calls) < 100  # retried, with backoff between the attempts


def test_the_last_conflict_is_answered_as_its_attempt_said_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumers, "RETRY_SECONDS", 0.05)

    def attempt() -> None:
        raise OrderChangedConcurrently(details=[{"field": "orderId", "message": "ord_1 changed"}])

    with pytest.raises(OrderChangedConcurrently) as raised:
        consumers.retrying(attempt)
    assert raised.value.details == [{"field": "orderId", "message": "ord_1 changed"}]
