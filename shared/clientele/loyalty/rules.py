"""When points become active and when they expire (seed 003), and what a wallet holds at an instant.

A start rule is `program default | immediate | relative | absolute`, an expiry rule `program default |
unlimited | relative | absolute`. A relative rule counts minutes, hours, days, weeks or months from its
base (the transaction for a start, the activation for an expiry), then optionally rounds to the
start or end of that day, the end of that week (Sunday 23:59:59) or the last day of that month
(23:59:59), in the program's timezone. Months are calendar months (31 January + 1 month is the
last day of February).

Pure functions: no I/O, no clock. Every instant is an aware datetime.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from clientele.loyalty.models import BudgetPeriod, PointsRule, RuleRound, RuleType, RuleUnit

_UNITS = {
    RuleUnit.MINUTES: lambda n: relativedelta(minutes=n),
    RuleUnit.HOURS: lambda n: relativedelta(hours=n),
    RuleUnit.DAYS: lambda n: relativedelta(days=n),
    RuleUnit.WEEKS: lambda n: relativedelta(weeks=n),
    RuleUnit.MONTHS: lambda n: relativedelta(months=n),
}
_LAST_SECOND = time(23, 59, 59)


def relative(base: datetime, amount: int, unit: RuleUnit, rounding: RuleRound, zone: ZoneInfo) -> datetime:
    """`amount` `unit`s after `base`, rounded as asked in `zone`."""
    local = base.astimezone(zone) + _UNITS[unit](amount)
    day = local.date()
    if rounding is RuleRound.START_OF_DAY:
        local = datetime.combine(day, time(0, 0, 0), zone)
    elif rounding is RuleRound.END_OF_DAY:
        local = datetime.combine(day, _LAST_SECOND, zone)
    elif rounding is RuleRound.END_OF_WEEK:
        local = datetime.combine(day + timedelta(days=6 - day.weekday()), _LAST_SECOND, zone)  # Sunday
    elif rounding is RuleRound.END_OF_MONTH:
        last = day + relativedelta(day=31)  # relativedelta clamps to the month's last day
        local = datetime.combine(last, _LAST_SECOND, zone)
    elif unit in (RuleUnit.MINUTES, RuleUnit.HOURS):
        # Wall-clock arithmetic across a DST change would be off by the shift: count real time.
        return base + _UNITS[unit](amount)
    return local


def start_of(rule: PointsRule, default: PointsRule, at: datetime, zone: ZoneInfo) -> datetime:
    """When points given at `at` become active (immediate: at once)."""
    return _moment(rule, default, at, zone) or at


def expiry_of(rule: PointsRule, default: PointsRule, active_on: datetime, zone: ZoneInfo) -> datetime | None:
    """When points that become active at `active_on` expire; None: never (unlimited)."""
    return _moment(rule, default, active_on, zone)


def _moment(rule: PointsRule, default: PointsRule, base: datetime, zone: ZoneInfo) -> datetime | None:
    """The instant a relative or absolute rule (or the program's, for `default`) names; None otherwise."""
    rule = default if rule.type is RuleType.DEFAULT else rule
    if rule.type is RuleType.RELATIVE:
        assert rule.amount is not None
        return relative(base, rule.amount, rule.unit, rule.round, zone)
    if rule.type is RuleType.ABSOLUTE:
        return rule.at
    return None


def period_of(period: BudgetPeriod, at: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """(start, end) of the budget period holding `at`, in `zone` (a week from Monday); None: never resets."""
    if period is BudgetPeriod.NEVER:
        return None
    day = at.astimezone(zone).date()
    if period is BudgetPeriod.WEEK:
        day -= timedelta(days=day.weekday())
    elif period is BudgetPeriod.MONTH:
        day = day.replace(day=1)
    start = datetime.combine(day, time(0, 0, 0), zone)
    step = {BudgetPeriod.DAY: relativedelta(days=1), BudgetPeriod.WEEK: relativedelta(weeks=1)}
    return start, start + step.get(period, relativedelta(months=1))
