"""Seed 003's two example tables, row for row, and the rules around them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from clientele.loyalty.models import PointsRule, RuleRound, RuleUnit
from clientele.loyalty.requests import LoyaltyProgramCreate, PointsAdd
from clientele.loyalty.rules import expiry_of, relative, start_of

UTC_ZONE = ZoneInfo("UTC")
DEFAULT_RULE = PointsRule(type="default")
IMMEDIATE = PointsRule(type="immediate")
UNLIMITED = PointsRule(type="unlimited")
SESSION = datetime(2024, 10, 12, 7, 20, 50, tzinfo=UTC)  # "the customer session closes on 12 October 2024, 07:20:50"

# (amount, unit, rounding, expected) - the seed's rows; its "17 October 2023" is a misprint of 2024.
SEED_ROWS = [
    (10, "minutes", "none", datetime(2024, 10, 12, 7, 30, 50)),
    (1, "hours", "none", datetime(2024, 10, 12, 8, 20, 50)),
    (5, "days", "none", datetime(2024, 10, 17, 7, 20, 50)),
    (5, "days", "start_of_day", datetime(2024, 10, 17, 0, 0, 0)),
    (5, "days", "end_of_day", datetime(2024, 10, 17, 23, 59, 59)),
    (1, "weeks", "none", datetime(2024, 10, 19, 7, 20, 50)),
    (1, "weeks", "end_of_week", datetime(2024, 10, 20, 23, 59, 59)),
    (1, "months", "none", datetime(2024, 11, 12, 7, 20, 50)),
    (1, "months", "end_of_month", datetime(2024, 11, 30, 23, 59, 59)),
]


@pytest.mark.parametrize(("amount", "unit", "rounding", "expected"), SEED_ROWS)
def test_relative_reward_start_table(amount: int, unit: str, rounding: str, expected: datetime) -> None:
    rule = PointsRule.model_validate({"type": "relative", "amount": amount, "unit": unit, "round": rounding})
    assert start_of(rule, IMMEDIATE, SESSION, UTC_ZONE) == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize(("amount", "unit", "rounding", "expected"), SEED_ROWS)
def test_relative_reward_expiration_table(amount: int, unit: str, rounding: str, expected: datetime) -> None:
    # "The rewarded loyalty points are active immediately."
    active_on = start_of(IMMEDIATE, IMMEDIATE, SESSION, UTC_ZONE)
    rule = PointsRule.model_validate({"type": "relative", "amount": amount, "unit": unit, "round": rounding})
    assert expiry_of(rule, UNLIMITED, active_on, UTC_ZONE) == expected.replace(tzinfo=UTC)


def test_rounding_happens_in_the_programs_timezone() -> None:
    zone = ZoneInfo("America/New_York")  # 07:20:50 UTC is 03:20:50 in New York (EDT, -4)
    end_of_day = relative(SESSION, 5, RuleUnit.DAYS, RuleRound.END_OF_DAY, zone)
    assert end_of_day == datetime(2024, 10, 17, 23, 59, 59, tzinfo=zone)
    assert end_of_day.astimezone(UTC) == datetime(2024, 10, 18, 3, 59, 59, tzinfo=UTC)
    # Late on Sunday evening in New York is already Monday in UTC: the week ends by New York's calendar.
    sunday_night = datetime(2024, 10, 14, 2, 0, tzinfo=UTC)  # Sun 13 Oct, 22:00 EDT
    assert relative(sunday_night, 1, RuleUnit.MINUTES, RuleRound.END_OF_WEEK, zone) == datetime(
        2024, 10, 13, 23, 59, 59, tzinfo=zone
    )


def test_months_are_calendar_months_and_hours_are_real_hours() -> None:
    january_31 = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
    assert relative(january_31, 1, RuleUnit.MONTHS, RuleRound.NONE, UTC_ZONE).date().isoformat() == "2024-02-29"
    lisbon = ZoneInfo("Europe/Lisbon")  # clocks go back an hour at 02:00 on 27 October 2024
    before_change = datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert relative(before_change, 2, RuleUnit.HOURS, RuleRound.NONE, lisbon) == datetime(
        2024, 10, 27, 2, 30, tzinfo=UTC
    )


def test_default_immediate_absolute_and_unlimited() -> None:
    program_start = PointsRule.model_validate({"type": "relative", "amount": 14, "unit": "days"})
    assert start_of(DEFAULT_RULE, program_start, SESSION, UTC_ZONE) == datetime(2024, 10, 26, 7, 20, 50, tzinfo=UTC)
    assert start_of(IMMEDIATE, program_start, SESSION, UTC_ZONE) == SESSION
    at = datetime(2025, 1, 1, tzinfo=UTC)
    assert start_of(PointsRule(type="absolute", at=at), IMMEDIATE, SESSION, UTC_ZONE) == at
    assert expiry_of(DEFAULT_RULE, UNLIMITED, SESSION, UTC_ZONE) is None
    assert expiry_of(PointsRule(type="absolute", at=at), UNLIMITED, SESSION, UTC_ZONE) == at


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"type": "relative"}, "needs amount"),
        ({"type": "absolute"}, "needs at"),
        ({"type": "immediate", "amount": 3}, "takes no amount"),
        ({"type": "relative", "amount": 1, "unit": "fortnights"}, "unit"),
        ({"type": "relative", "amount": 0}, "greater than or equal to 1"),
    ],
)
def test_incomplete_rules_are_rejected(rule: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PointsRule.model_validate(rule)


def test_rules_fit_their_place() -> None:
    with pytest.raises(ValidationError, match="start rule"):
        PointsAdd.model_validate({"programId": "lp_x", "points": 1, "reason": "r", "start": {"type": "unlimited"}})
    with pytest.raises(ValidationError, match="expiry rule"):
        PointsAdd.model_validate({"programId": "lp_x", "points": 1, "reason": "r", "expiry": {"type": "immediate"}})
    with pytest.raises(ValidationError, match="cannot be 'default'"):
        LoyaltyProgramCreate.model_validate({"name": "P", "defaultExpiry": {"type": "default"}})
    with pytest.raises(ValidationError, match="IANA timezone"):
        LoyaltyProgramCreate.model_validate({"name": "P", "timezone": "Mars/Olympus"})
    program = LoyaltyProgramCreate.model_validate(
        {"name": "P", "tiers": [{"name": "Gold", "minPoints": 1000}, {"name": "Silver", "minPoints": 100}]}
    )
    assert [tier.name for tier in program.tiers] == ["Silver", "Gold"]


def test_an_omitted_rule_is_its_documented_default_as_a_model() -> None:
    """The defaults are JSON validated on use (not models built at import) into a shared, frozen PointsRule."""
    added = PointsAdd.model_validate({"programId": "lp_x", "points": 1, "reason": "r"})
    assert (added.start, added.expiry) == (DEFAULT_RULE, DEFAULT_RULE)
    program = LoyaltyProgramCreate.model_validate({"name": "P"})
    assert (program.default_start, program.default_expiry) == (IMMEDIATE, UNLIMITED)
    assert isinstance(program.default_start, PointsRule)
    with pytest.raises(ValidationError, match="frozen"):
        added.start.type = "immediate"  # type: ignore[assignment,misc]  # a shared default cannot change
    schema = PointsAdd.model_json_schema(by_alias=True)["properties"]["start"]
    assert schema["default"] == {"type": "default", "amount": None, "unit": "days", "round": "none", "at": None}


def test_budget_periods_run_from_midnight_monday_or_the_first_in_the_programs_timezone() -> None:
    from clientele.loyalty.models import BudgetPeriod
    from clientele.loyalty.rules import period_of

    lisbon = ZoneInfo("Europe/Lisbon")
    # Thursday 27 March 2025, 23:30 in Lisbon (UTC+0 until the 30th); in Tokyo (UTC+9) 31 January 23:30 UTC is February.
    at = datetime(2025, 3, 27, 23, 30, tzinfo=UTC)
    day = period_of(BudgetPeriod.DAY, at, lisbon)
    assert day == (datetime(2025, 3, 27, tzinfo=lisbon), datetime(2025, 3, 28, tzinfo=lisbon))
    week = period_of(BudgetPeriod.WEEK, at, lisbon)
    assert week is not None
    assert (week[0].date().isoformat(), week[0].weekday(), week[1].date().isoformat()) == (
        "2025-03-24",
        0,
        "2025-03-31",
    )
    month = period_of(BudgetPeriod.MONTH, datetime(2025, 1, 31, 23, 30, tzinfo=UTC), ZoneInfo("Asia/Tokyo"))
    assert month is not None
    assert (month[0].isoformat(), month[1].isoformat()) == ("2025-02-01T00:00:00+09:00", "2025-03-01T00:00:00+09:00")
    assert period_of(BudgetPeriod.NEVER, at, lisbon) is None
