"""Ids and timestamps in the API's formats, the time the running request has left, and the wait an
HTTP answer's Retry-After asks for."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOMNESS_BITS = 80
_last = (0, 0)  # the milliseconds and randomness of the latest new ULID
_last_lock = threading.Lock()


def ulid(milliseconds: int, randomness: int) -> str:
    """The 26-character ULID of a 48-bit millisecond time and 80 bits of randomness (Crockford base32)."""
    value = milliseconds << _RANDOMNESS_BITS | randomness
    return "".join([_CROCKFORD[value >> shift & 31] for shift in range(125, -1, -5)])


def new_ulid() -> str:
    """A ULID of now; within one millisecond each is the previous one plus one, so ids made in a row
    sort in the order they were made (as python-ulid's default generator did)."""
    global _last
    milliseconds = time.time_ns() // 1_000_000
    with _last_lock:
        last_milliseconds, last_randomness = _last
        randomness = last_randomness + 1 if milliseconds == last_milliseconds else int.from_bytes(os.urandom(10))
        _last = (milliseconds, randomness)
    return ulid(milliseconds, randomness)


def new_id(prefix: str) -> str:
    """A prefixed ULID such as `cons_01JD…`: unique, time-ordered, and self-describing."""
    return f"{prefix}_{new_ulid()}"


def format_instant(moment: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision and `Z`: `2024-11-01T10:00:00.000Z`.

    Fixed width, so stored timestamps sort as strings in time order.
    """
    utc = moment.astimezone(UTC)
    # The year padded by hand: strftime's %Y writes year 1 as "1" here, which is no ISO 8601 (nor date-time).
    return f"{utc.year:04d}-" + utc.strftime("%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def now() -> str:
    return format_instant(datetime.now(UTC))


def parse(instant: str) -> datetime:
    """A stored instant back as an aware datetime."""
    return datetime.fromisoformat(instant.replace("Z", "+00:00"))


def id_bound(prefix: str, moment: datetime, *, upper: bool) -> str:
    """The lowest (or highest) id of `prefix` that a ULID made at `moment` can have: ids are
    time-ordered, so a time range is a key range."""
    milliseconds = min(max(int(moment.timestamp() * 1000), 0), 2**48 - 1)  # what a ULID's time can hold
    return f"{prefix}_{ulid(milliseconds, 2**_RANDOMNESS_BITS - 1 if upper else 0)}"


# When (time.monotonic) the running API invocation must have its answer ready; None outside one.
_ANSWER_BY: ContextVar[float | None] = ContextVar("answer_by", default=None)
ANSWER_RESERVE = 1.5  # seconds an invocation keeps for answering after its last retry


@contextmanager
def answering_within(seconds: float) -> Iterator[None]:
    """Runs the block as an invocation that must answer within `seconds` (its time left)."""
    token = _ANSWER_BY.set(time.monotonic() + seconds - ANSWER_RESERVE)
    try:
        yield
    finally:
        _ANSWER_BY.reset(token)


def deadline(default_seconds: float) -> float:
    """When work that tries again should stop (time.monotonic): in an API invocation, in time for
    its answer (its function's timeout, not a guess); elsewhere `default_seconds` from now."""
    answer_by = _ANSWER_BY.get()
    return time.monotonic() + default_seconds if answer_by is None else answer_by


def retry_after(value: str | None) -> float | None:
    """Seconds an HTTP `Retry-After` asks to wait, given as seconds or as an HTTP date; None without
    one or for one that is neither."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        try:
            return max((parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds(), 0.0)
        except (TypeError, ValueError):
            return None
