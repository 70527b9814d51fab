"""Loyalty programs, their rules, points and the summary of a consumer's standing, on the wire as callers
get them back. (What callers send is loyalty/requests.py.)"""

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel

from clientele.core.models import (
    ApiModel,
    Resource,
    Timestamp,
)

# ---------------------------------------------------------------- loyalty


class RuleType(StrEnum):
    DEFAULT = "default"  # the program's rule
    IMMEDIATE = "immediate"  # start rules only
    UNLIMITED = "unlimited"  # expiry rules only
    RELATIVE = "relative"
    ABSOLUTE = "absolute"


class RuleUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"


class RuleRound(StrEnum):
    NONE = "none"
    START_OF_DAY = "start_of_day"
    END_OF_DAY = "end_of_day"
    END_OF_WEEK = "end_of_week"  # Sunday 23:59:59
    END_OF_MONTH = "end_of_month"  # the month's last day, 23:59:59


class PointsRule(ApiModel):
    """When points start or expire: `{type}`; relative rules add `amount` `unit`s and may `round`;
    absolute rules give the instant `at`."""

    # A value: frozen, since a default rule is one instance that every model without the field
    # shares (`rule_default`).
    model_config = ConfigDict(frozen=True)

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    type: RuleType
    amount: Annotated[int, Field(ge=1, le=100_000)] | None = None
    unit: RuleUnit = RuleUnit.DAYS
    round: RuleRound = RuleRound.NONE
    at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _complete(self) -> "PointsRule":
        if self.type is RuleType.RELATIVE and self.amount is None:
            raise ValueError("a relative rule needs amount (and unit)")
        if self.type is RuleType.ABSOLUTE and self.at is None:
            raise ValueError("an absolute rule needs at (an ISO 8601 instant)")
        if self.type not in (RuleType.RELATIVE, RuleType.ABSOLUTE) and (self.amount is not None or self.at):
            raise ValueError(f"a {self.type} rule takes no amount or at")
        return self


def rule_default(rule_type: RuleType) -> Any:
    """A rule field's default as the JSON a caller would send, validated into a PointsRule where it is
    used (validate_default): a default built here would build PointsRule's validator at import, in
    every function that loads the loyalty models (about 8 ms of their cold start)."""
    rule = {
        "type": rule_type.value,
        "amount": None,
        "unit": RuleUnit.DAYS.value,
        "round": RuleRound.NONE.value,
        "at": None,
    }
    return Field(default=rule, validate_default=True)


def _start_rule(rule: PointsRule) -> PointsRule:
    if rule.type is RuleType.UNLIMITED:
        raise ValueError("a start rule is default, immediate, relative or absolute")
    return rule


def _expiry_rule(rule: PointsRule) -> PointsRule:
    if rule.type is RuleType.IMMEDIATE:
        raise ValueError("an expiry rule is default, unlimited, relative or absolute")
    return rule


def _no_default(rule: PointsRule) -> PointsRule:
    if rule.type is RuleType.DEFAULT:
        raise ValueError("a program's own rule cannot be 'default'")
    return rule


StartRule = Annotated[PointsRule, AfterValidator(_start_rule)]
ExpiryRule = Annotated[PointsRule, AfterValidator(_expiry_rule)]
ProgramStartRule = Annotated[PointsRule, AfterValidator(_start_rule), AfterValidator(_no_default)]
ProgramExpiryRule = Annotated[PointsRule, AfterValidator(_expiry_rule), AfterValidator(_no_default)]


def _timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA timezone such as Europe/Lisbon") from None
    return value


Timezone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(_timezone)
]


class TierBasis(StrEnum):
    ACTIVE = "active"  # tiers follow the points one can spend now
    LIFETIME = "lifetime"  # tiers follow every point ever activated


class Tier(ApiModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    min_points: Annotated[int, Field(ge=0, le=10**12)]


# A rate, not money: taken as a number or a decimal string, answered as a decimal string ("1.5"). One
# schema for both ways (WithJsonSchema), so EarningRule, asked and answered, is one schema.
POINTS_PER_UNIT_SCHEMA = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": 10_000},
        {"type": "string", "pattern": r"^(?!^[-+.]*$)[+-]?0*\d*\.?\d*$"},
    ],
    "description": 'Points per currency unit paid: a number or a decimal string; answers give a string ("1.5").',
}
PointsPerUnit = Annotated[Decimal, Field(gt=0, le=10_000, allow_inf_nan=False), WithJsonSchema(POINTS_PER_UNIT_SCHEMA)]


class EarningRule(ApiModel):
    """Points an order earns: `pointsPerUnit` per currency unit paid (rounded down), pending by
    `start` (a return window) and expiring by the program's default expiry."""

    points_per_unit: PointsPerUnit
    start: StartRule = rule_default(RuleType.DEFAULT)


class SignUpRule(ApiModel):
    """Points a consumer gets once when it becomes a member (seed 004's Sign Up rule): created a member,
    or a guest who joins. Blocked and inactive consumers get none."""

    points: Annotated[int, Field(ge=1, le=10**9)]
    start: StartRule = rule_default(RuleType.DEFAULT)
    expiry: ExpiryRule = rule_default(RuleType.DEFAULT)


class ReferralRule(ApiModel):
    """Points for both sides of a referral (referrals: a code carried by a consumer's create or order),
    once per referred person. Blocked and inactive consumers get none."""

    advocate_points: Annotated[int, Field(ge=0, le=10**9)] = 0
    referred_points: Annotated[int, Field(ge=0, le=10**9)] = 0

    @model_validator(mode="after")
    def _gives(self) -> "ReferralRule":
        if not (self.advocate_points or self.referred_points):
            raise ValueError("a referral rule gives advocatePoints, referredPoints or both")
        return self


class BudgetAction(StrEnum):
    POINTS_EARNED = "points_earned"  # every point the program credits the consumer (orders, manual, rules, cards)
    COUPON_REDEMPTIONS = "coupon_redemptions"  # coupons the consumer's orders redeem
    REFERRAL_REWARDS = "referral_rewards"  # referral rewards the consumer gets as the advocate


class BudgetPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"  # from Monday
    MONTH = "month"
    NEVER = "never"  # a lifetime limit


class BudgetOverflow(StrEnum):
    REFUSE = "refuse"  # the action that would pass the limit is refused (409 budget_exceeded)
    CAP = "cap"  # points_earned only: as many points as the limit leaves are credited


class Budget(ApiModel):
    """Seed 003's profile budget: a per-consumer limit on an action of the program, per period (in
    the program's timezone), refused or capped."""

    action: BudgetAction
    limit: Annotated[int, Field(ge=1, le=10**9)]
    period: BudgetPeriod
    overflow: BudgetOverflow = BudgetOverflow.REFUSE

    @model_validator(mode="after")
    def _cap_points_only(self) -> "Budget":
        if self.overflow is BudgetOverflow.CAP and self.action is not BudgetAction.POINTS_EARNED:
            raise ValueError("only a points_earned budget can cap; a count is refused past its limit")
        return self


def _one_budget_per_action(budgets: list[Budget]) -> list[Budget]:
    actions = [budget.action for budget in budgets]
    if len(set(actions)) != len(actions):
        raise ValueError("one budget per action")
    return budgets


Budgets = Annotated[list[Budget], Field(max_length=3), AfterValidator(_one_budget_per_action)]


class BudgetUse(ApiModel):
    """A budget as it stands for one consumer now."""

    program_id: str
    action: BudgetAction
    limit: int
    period: BudgetPeriod
    overflow: BudgetOverflow
    used: int
    remaining: int
    period_start: Timestamp | None  # null: never resets
    resets_at: Timestamp | None


class AchievementMetric(StrEnum):
    ORDERS = "orders"  # closed orders
    SPEND = "spend"  # what closed orders were paid (netAmount)
    POINTS = "points"  # points the program credited (achievement rewards aside)


class Achievement(ApiModel):
    """Seed 003's achievement: reach `target` of a metric within a period (from `startsAt` to
    `endsAt`, each optional), once per period when it repeats (day, week, month; never: once in
    all); completing it may give `rewardPoints`."""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]  # the API name
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    metric: AchievementMetric
    target: Annotated[Decimal, Field(gt=0, le=10**9, allow_inf_nan=False), WithJsonSchema(POINTS_PER_UNIT_SCHEMA)]
    period: BudgetPeriod = BudgetPeriod.NEVER
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    reward_points: Annotated[int, Field(ge=0, le=10**9)] = 0

    @model_validator(mode="after")
    def _window(self) -> "Achievement":
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValueError("endsAt must be later than startsAt")
        return self


def _unique_keys(achievements: list[Achievement]) -> list[Achievement]:
    keys = [achievement.key for achievement in achievements]
    if len(set(keys)) != len(keys):
        raise ValueError("achievement keys must be unique in the program")
    return achievements


Achievements = Annotated[list[Achievement], Field(max_length=10), AfterValidator(_unique_keys)]


class AchievementStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"  # in the current period
    EXPIRED = "expired"  # the achievement ended before the consumer completed it


class AchievementProgress(ApiModel):
    """An achievement as it stands for one consumer now."""

    program_id: str
    key: str
    name: str
    metric: AchievementMetric
    progress: Annotated[Decimal, WithJsonSchema(POINTS_PER_UNIT_SCHEMA)]
    target: Annotated[Decimal, WithJsonSchema(POINTS_PER_UNIT_SCHEMA)]
    status: AchievementStatus
    start: Timestamp | None  # of the current period (or the achievement's start)
    end: Timestamp | None  # when the current period ends and the progress resets (or the achievement ends)
    completed_on: Timestamp | None


class ConsumerAchievements(Resource):
    consumer_id: str
    as_of: Timestamp
    achievements: list[AchievementProgress]


class ConsumerBudgets(Resource):
    consumer_id: str
    as_of: Timestamp
    budgets: list[BudgetUse]  # every budget of the organization's programs


class LoyaltyProgram(Resource):
    id: str
    name: str
    timezone: str
    default_start: PointsRule
    default_expiry: PointsRule
    earning: EarningRule | None
    sign_up: SignUpRule | None = None
    referral: ReferralRule | None = None
    budgets: list[Budget] = Field(default_factory=list)
    achievements: list[Achievement] = Field(default_factory=list)
    tiers: list[Tier]
    tier_basis: TierBasis
    primary: bool  # the organization's first program: its points and tier show on the consumer
    created_at: Timestamp
    updated_at: Timestamp
    version: int


MAIN_LEDGER = "main"


class PointsTransactionKind(StrEnum):
    ADDED = "added"
    DEDUCTED = "deducted"
    EARNED = "earned"  # by an order
    TAKEN_BACK = "taken_back"  # by a refund
    SIGN_UP = "sign_up"  # the program's signUp rule, when the consumer became a member
    REFERRAL = "referral"  # the program's referral rule, to the advocate or the referred consumer
    ACHIEVEMENT = "achievement"  # an achievement's rewardPoints, when the consumer completed it


class PointsTransaction(Resource):
    id: str
    consumer_id: str
    program_id: str
    ledger: str
    kind: PointsTransactionKind
    points: int  # added (> 0) or deducted (< 0)
    reason: str
    active_on: Timestamp | None  # credits: when they become (became) spendable
    expires_on: Timestamp | None  # credits: when what is left of them expires; null: never
    order_id: str | None  # null: a manual transaction
    created_at: Timestamp


class LedgerBalance(ApiModel):
    """A ledger (or all of a program's ledgers) at one instant."""

    program_id: str
    ledger: str | None  # null: all ledgers of the program
    tier: str | None
    active_points: int
    pending_points: int
    expired_points: int
    spent_points: int
    lifetime_points: int
    lifetime_earned_points: int  # every point credited (pending, active, spent or expired), less refunds' take-backs
    lifetime_redeemed_points: int  # every point deducted: spentPoints, named as Kefi's summary names it
    next_expiry: Timestamp | None  # when the next active points expire
    next_expiring_points: int


class LoyaltySummary(Resource):
    consumer_id: str
    as_of: Timestamp
    programs: list[LedgerBalance]  # per program: all ledgers, then each ledger


# ---------------------------------------------------------------- loyalty cards


class CardStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"  # not yet handed out, or put aside: links nothing, moves no points
    BLOCKED = "blocked"  # lost or misused: links nothing, moves no points


CardCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$"),
    AfterValidator(str.upper),  # printed on the card and typed at a till: one case
]


class CardHolder(ApiModel):
    consumer_id: str
    registered_at: Timestamp  # when the card was linked to the profile (seed 003's Registered)


class LoyaltyCard(Resource):
    """A card of one loyalty program (seed 003's Loyalty cards), linked to at most usersPerCardLimit
    profiles. Points added or deducted by card go to its consumer's wallet in the card's program."""

    code: str
    program_id: str
    status: CardStatus
    users_per_card_limit: int
    consumers: list[CardHolder]
    created_at: Timestamp
    updated_at: Timestamp
    version: int
