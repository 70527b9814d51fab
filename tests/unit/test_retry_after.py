"""The wait an HTTP answer's Retry-After asks for (Shopify's and Klaviyo's clients both honour it)."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from clientele.core.clock import retry_after


@pytest.mark.parametrize(("value", "seconds"), [("7", 7.0), ("0.5", 0.5), ("-3", 0.0)])
def test_seconds_are_taken_as_they_are_and_never_below_zero(value: str, seconds: float) -> None:
    assert retry_after(value) == seconds


def test_an_http_date_is_the_time_left_until_it() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after(later) or 0) <= 30
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert retry_after(earlier) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "Mon, 99 Foo 2026"])
def test_no_header_or_one_that_is_neither_asks_for_nothing(value: str | None) -> None:
    assert retry_after(value) is None
