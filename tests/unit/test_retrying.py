"""`retrying`: optimistic concurrency's re-reads are bounded by time, not by a count: in an API
request, by the time its invocation has left."""

from __future__ import annotations

import json
import time

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from clientele.consumers import service as consumers
from clientele.consumers import store
from clientele.core import clock
from clientele.core import http as api
from clientele.core.errors import ConsumerChangedConcurrently, OrderChangedConcurrently
from clientele_local.inprocess import Context as InProcessContext


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


class _Clock:
    """time.monotonic and time.sleep on a clock that moves only when slept on: budgets are checked
    by the time they allow, not by how fast this machine is."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(time, "monotonic", fake.monotonic)
    monkeypatch.setattr(time, "sleep", fake.sleep)
    return fake


def _lost_for_good() -> None:
    raise store.ConsumerChanged()


def test_an_api_request_retries_until_shortly_before_its_function_must_answer(
    fake_time: _Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers, "RETRY_SECONDS", 1.0)
    with clock.answering_within(6.0), pytest.raises(ConsumerChangedConcurrently):
        consumers.retrying(_lost_for_good)
    spent = fake_time.now - 1000.0
    assert 6.0 - clock.ANSWER_RESERVE - consumers.MAX_BACKOFF <= spent <= 6.0 - clock.ANSWER_RESERVE


def test_outside_an_api_request_the_budget_is_retry_seconds(fake_time: _Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumers, "RETRY_SECONDS", 1.0)
    with pytest.raises(ConsumerChangedConcurrently):
        consumers.retrying(_lost_for_good)
    assert 1.0 - consumers.MAX_BACKOFF <= fake_time.now - 1000.0 <= 1.0


def test_the_api_handler_gives_a_request_its_invocation_time_left() -> None:
    app = APIGatewayRestResolver()

    @app.get("/deadline")
    def deadline() -> dict[str, float]:
        return {"left": clock.deadline(100.0) - time.monotonic()}

    class Context(InProcessContext):
        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return 7_000

    event = {
        "httpMethod": "GET",
        "path": "/deadline",
        "resource": "/deadline",
        "headers": {},
        "requestContext": {"requestId": "r-1"},
    }
    answer = api.handler(app)(event, Context())
    left = json.loads(answer["body"])["left"]
    assert 7.0 - clock.ANSWER_RESERVE - 0.5 < left <= 7.0 - clock.ANSWER_RESERVE
    assert clock.deadline(100.0) - time.monotonic() > 99  # the invocation's deadline ended with it
