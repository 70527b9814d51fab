"""What callers send about loyalty: a program created or changed, and points added or deducted.
Apart from what they get back (loyalty/models.py), so that a route that takes none of them does not
build them."""

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from clientele.core.models import ApiModel, Reason
from clientele.loyalty.ledgers import LedgerId
from clientele.loyalty.models import (
    MAIN_LEDGER,
    Achievements,
    Budgets,
    CardCode,
    CardStatus,
    EarningRule,
    ExpiryRule,
    ProgramExpiryRule,
    ProgramStartRule,
    ReferralRule,
    RuleType,
    SignUpRule,
    StartRule,
    Tier,
    TierBasis,
    Timezone,
    rule_default,
)


def _tiers(tiers: list[Tier]) -> list[Tier]:
    ordered = sorted(tiers, key=lambda tier: tier.min_points)
    names = [tier.name for tier in ordered]
    if len(set(names)) != len(names):
        raise ValueError("tier names must be unique")
    if len({tier.min_points for tier in ordered}) != len(ordered):
        raise ValueError("two tiers cannot start at the same points")
    return ordered


Tiers = Annotated[list[Tier], Field(max_length=20), AfterValidator(_tiers)]


class LoyaltyProgramCreate(ApiModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    timezone: Timezone = "UTC"
    default_start: ProgramStartRule = rule_default(RuleType.IMMEDIATE)
    default_expiry: ProgramExpiryRule = rule_default(RuleType.UNLIMITED)
    earning: EarningRule | None = None
    sign_up: SignUpRule | None = None
    referral: ReferralRule | None = None
    budgets: Budgets = Field(default_factory=list)
    achievements: Achievements = Field(default_factory=list)
    tiers: Tiers = Field(default_factory=list)
    tier_basis: TierBasis = TierBasis.ACTIVE


class LoyaltyProgramUpdate(ApiModel):
    """Body of `PUT /loyalty-programs/{id}`: the fields present change (points already given keep
    their dates); `earning: null` stops orders earning, `signUp: null` joining, `referral: null` referrals."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    timezone: Timezone | None = None
    default_start: ProgramStartRule | None = None
    default_expiry: ProgramExpiryRule | None = None
    earning: EarningRule | None = None
    sign_up: SignUpRule | None = None
    referral: ReferralRule | None = None
    budgets: Budgets | None = None
    achievements: Achievements | None = None
    tiers: Tiers | None = None
    tier_basis: TierBasis | None = None

    @model_validator(mode="after")
    def _required_not_cleared(self) -> "LoyaltyProgramUpdate":
        required = (
            "name",
            "timezone",
            "default_start",
            "default_expiry",
            "tiers",
            "tier_basis",
            "budgets",
            "achievements",
        )
        cleared = [name for name in required if name in self.model_fields_set and getattr(self, name) is None]
        if cleared:
            raise ValueError(f"{', '.join(to_camel(name) for name in cleared)} cannot be null")
        return self


Points = Annotated[int, Field(ge=1, le=10**9)]


class PointsAdd(ApiModel):
    """Body of `POST /consumers/{id}/loyalty/points`: a new ledger id creates that sub-ledger."""

    program_id: Annotated[str, StringConstraints(max_length=40)]
    ledger: LedgerId = MAIN_LEDGER
    points: Points
    reason: Reason
    start: StartRule = rule_default(RuleType.DEFAULT)
    expiry: ExpiryRule = rule_default(RuleType.DEFAULT)


class PointsDeduct(ApiModel):
    """Body of `POST /consumers/{id}/loyalty/deductions`: spends active points, earliest expiry first."""

    program_id: Annotated[str, StringConstraints(max_length=40)]
    ledger: LedgerId = MAIN_LEDGER
    points: Points
    reason: Reason


MAX_USERS_PER_CARD = 100


class LoyaltyCardCreate(ApiModel):
    """Body of `POST /loyalty-programs/{id}/cards` (may be empty): no code draws one."""

    code: CardCode | None = None
    users_per_card_limit: Annotated[int, Field(ge=1, le=MAX_USERS_PER_CARD)] = 1


class LoyaltyCardUpdate(ApiModel):
    """Body of `PUT /loyalty-cards/{code}`: the fields present change."""

    status: CardStatus | None = None
    users_per_card_limit: Annotated[int, Field(ge=1, le=MAX_USERS_PER_CARD)] | None = None


class CardLink(ApiModel):
    """Body of `POST /loyalty-cards/{code}/consumers`."""

    consumer_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class CardPoints(ApiModel):
    """Body of `POST /loyalty-cards/{code}/points` and `/deductions`: `consumerId` names which of the
    card's consumers when it has several."""

    consumer_id: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    ledger: LedgerId = MAIN_LEDGER
    points: Points
    reason: Reason
