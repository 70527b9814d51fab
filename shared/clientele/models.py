"""The API's shapes: what callers send and what they get back (camelCase on the wire)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

from clientele import normalize


class Status(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Membership(StrEnum):
    MEMBER = "member"
    GUEST = "guest"


class Source(StrEnum):
    MANUAL = "manual"
    IMPORT = "import"
    KLAVIYO = "klaviyo"
    SHOPIFY = "shopify"
    EXPERIENCE = "experience"
    API = "api"


class SortBy(StrEnum):
    CREATED_AT = "createdAt"
    EMAIL = "email"
    FULL_NAME = "fullName"
    LAST_ORDER_AT = "lastOrderAt"
    TOTAL_ORDER_VALUE = "totalOrderValue"
    TOTAL_ORDERS = "totalOrders"
    LAST_ACTIVITY_AT = "lastActivityAt"
    POINTS = "points"


class SortDir(StrEnum):
    ASC = "asc"
    DESC = "desc"


class SyncStatus(StrEnum):
    NOT_SYNCED = "not_synced"
    SYNCING = "syncing"
    SYNCED = "synced"
    ERROR = "error"


def _json_number(value: Decimal | int) -> int | float:
    """Money and counts are exact Decimals inside; JSON gets a plain number (0, not "0")."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[Decimal, PlainSerializer(_json_number, return_type=int | float, when_used="json")]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(normalize.email)]
Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(normalize.phone)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Resource(ApiModel):
    """What the API answers with. Clients (the SDK) read it too, so fields a newer server adds are
    ignored rather than refused."""

    model_config = ConfigDict(extra="ignore")

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class Address(ApiModel):
    street: Text | None = None
    city: Text | None = None
    region: Text | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    country: Text | None = None


class Loyalty(ApiModel):
    """The consumer's standing in its organization's primary loyalty program (all ledgers)."""

    points: int = 0  # active points
    tier: str | None = None
    pending_points: int = 0
    next_change_at: str | None = None  # when pending points activate or active points expire next


def _check_metadata(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    if metadata is None:
        return None
    if len(metadata) > METADATA_MAX_KEYS:
        raise ValueError(f"metadata may have at most {METADATA_MAX_KEYS} keys")
    for key, value in metadata.items():
        if not key or len(key) > METADATA_MAX_KEY_LENGTH:
            raise ValueError(f"metadata keys must be 1-{METADATA_MAX_KEY_LENGTH} characters: {key[:50]!r}")
        if len(json.dumps(value)) > METADATA_MAX_VALUE_LENGTH:
            raise ValueError(f"metadata value of {key!r} is longer than {METADATA_MAX_VALUE_LENGTH} characters")
    return metadata


Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]


def derived_full_name(first_name: str | None, last_name: str | None) -> str | None:
    """The full name a consumer gets from its parts when none is given."""
    return " ".join(part for part in (first_name, last_name) if part) or None


Tags = Annotated[list[Tag], Field(max_length=100), AfterValidator(lambda tags: list(dict.fromkeys(tags)))]


NEEDS_IDENTIFIER = "a consumer needs at least one of email, phone or externalId"


class ProfileFields(ApiModel):
    """The profile fields a caller may set, on create and on update alike (all may be null)."""

    email: Email | None = None
    phone: Phone | None = None
    full_name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    metadata: Metadata | None = None
    external_id: ExternalId | None = None
    address: Address | None = None


class ConsumerCreate(ProfileFields):
    """Body of `POST /consumers`: seed 001's fields plus the profile fields of the other seeds."""

    status: Status = Status.ACTIVE
    membership: Membership = Membership.GUEST
    verified: bool = False
    tags: Tags = Field(default_factory=list)
    source: Source = Source.API

    @model_validator(mode="after")
    def _identified(self) -> ConsumerCreate:
        if self.email is None and self.phone is None and self.external_id is None:
            raise ValueError(NEEDS_IDENTIFIER)
        return self

    def display_name(self) -> str | None:
        """fullName as given, else built from firstName/lastName."""
        return self.full_name if self.full_name is not None else derived_full_name(self.first_name, self.last_name)


class ConsumerUpdate(ProfileFields):
    """Body of `PUT /consumers/{id}`: the fields present change; `null` clears a field."""

    status: Status | None = None
    membership: Membership | None = None
    verified: bool | None = None
    tags: Tags | None = None  # null clears: no tags

    @model_validator(mode="after")
    def _required_fields_not_cleared(self) -> ConsumerUpdate:
        sent = self.changes()
        cleared = [name for name in ("status", "membership", "verified") if name in sent and sent[name] is None]
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, by Python name, with their (normalized) values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class ConsumerBatchUpdate(ConsumerUpdate):
    """One item of `PUT /consumers/batch`. `version` is the batch's If-Match: the version the caller
    read; the batch is refused (409) if the consumer is at another."""

    id: str
    version: Annotated[int, Field(ge=1)] | None = None

    def changes(self) -> dict[str, Any]:
        return {name: value for name, value in super().changes().items() if name not in ("id", "version")}


class Consumer(Resource):
    """The Consumer object every endpoint returns."""

    id: str
    email: str | None
    phone: str | None
    full_name: str | None
    first_name: str | None
    last_name: str | None
    metadata: dict[str, Any] | None
    external_id: str | None
    status: Status
    membership: Membership
    verified: bool
    verified_at: str | None
    tags: list[str]
    address: Address | None
    source: Source
    sync_status: SyncStatus
    synced_at: str | None = None  # when Klaviyo last took the profile as it is
    synced_version: int | None = None  # the version Klaviyo has: synced and current while it is `version`
    klaviyo_profile_id: str | None = None
    sync_error: str | None = None  # why the last sync failed (syncStatus error)
    loyalty: Loyalty
    total_orders: int
    total_order_value: Money  # what the orders were worth before discounts, less what was refunded
    last_order_at: str | None
    average_order_value: Money = Decimal(0)  # totalOrderValue / totalOrders
    discounted_orders: int = 0
    undiscounted_orders: int = 0
    accrued_discounts: Money = Decimal(0)
    net_revenue: Money = Decimal(0)  # totalOrderValue - accruedDiscounts: what the consumer paid, net of refunds
    balance: Money = Decimal(0)  # stored credit; never below zero
    audience_ids: list[str] = Field(default_factory=list)
    last_activity_at: str | None
    created_at: str
    updated_at: str
    version: int  # increases with every change; writes are conditional on the version they read


class PageInfo(Resource):
    start_cursor: str | None  # null when there is no previous page
    end_cursor: str | None  # null when there is no next page: loop `while pageInfo.endCursor`
    has_next_page: bool
    has_previous_page: bool


class Page[Item](Resource):
    """One page of any list: `{data, pageInfo}`."""

    data: list[Item]
    page_info: PageInfo


ConsumerPage = Page[Consumer]

# ---------------------------------------------------------------- money

# ISO 4217 currencies whose minor unit is not the cent; every other code has two decimals.
_MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX"), 0),
    **dict.fromkeys(("UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
MAX_AMOUNT = Decimal("1000000000")  # a billion per order or adjustment: anything larger is a typo


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def in_currency(amount: Decimal, currency: str) -> Decimal:
    """`amount` with exactly the currency's decimals; more decimals than the currency has is an error."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    if amount != amount.quantize(exponent):
        raise ValueError(f"{currency} amounts have at most {minor_units(currency)} decimals")
    return amount.quantize(exponent)


def _currency_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError("must be a three-letter ISO 4217 currency code such as EUR")
    return code


Currency = Annotated[str, StringConstraints(max_length=8), AfterValidator(_currency_code)]
# Amounts arrive as JSON numbers or strings; float arithmetic never touches them (Decimal from the text).
Amount = Annotated[Money, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]


# ---------------------------------------------------------------- orders


class OrderStatus(StrEnum):
    PLACED = "placed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class OrderLine(ApiModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, alias_generator=to_camel)

    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    name: Text
    quantity: Annotated[int, Field(ge=1, le=100_000)] = 1
    unit_price: Amount


MAX_ORDER_LINES = 100
MAX_REFUNDS = 100


class OrderCreate(ApiModel):
    """Body of `POST /orders`. The consumer is named by exactly one of consumerId, email (an unknown
    email creates a guest) or consumerExternalId; `externalId` is the order's own id in the caller's shop."""

    consumer_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    email: Email | None = None
    consumer_external_id: ExternalId | None = None
    external_id: ExternalId | None = None
    amount: Amount  # the order's value before discounts
    discount_amount: Amount = Decimal(0)
    currency: Currency
    items: Annotated[list[OrderLine], Field(max_length=MAX_ORDER_LINES)] = Field(default_factory=list)
    placed_at: AwareDatetime | None = None  # default: now
    channel: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    checkout_url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> OrderCreate:
        named = [self.consumer_id, self.email, self.consumer_external_id]
        if sum(value is not None for value in named) != 1:
            raise ValueError("name the consumer with exactly one of consumerId, email or consumerExternalId")
        self.amount = in_currency(self.amount, self.currency)
        self.discount_amount = in_currency(self.discount_amount, self.currency)
        if self.discount_amount > self.amount:
            raise ValueError("discountAmount cannot be more than amount")
        for line in self.items:
            line.unit_price = in_currency(line.unit_price, self.currency)
        if self.checkout_url is not None and not self.checkout_url.startswith(("https://", "http://")):
            raise ValueError("checkoutUrl must be an http(s) URL")
        return self


class RefundCreate(ApiModel):
    """Body of `POST /orders/{id}/refunds`: no amount refunds whatever is left."""

    amount: Amount | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None


class Refund(ApiModel):
    id: str
    amount: Money
    reason: str | None
    created_at: str


class Order(Resource):
    id: str
    consumer_id: str
    external_id: str | None
    status: OrderStatus
    amount: Money
    discount_amount: Money
    net_amount: Money  # amount - discountAmount: what the consumer paid
    refunded_amount: Money
    currency: str
    items: list[OrderLine]
    placed_at: str
    channel: str | None
    checkout_url: str | None
    refunds: list[Refund]
    points_earned: dict[str, int] = Field(default_factory=dict)  # {loyalty program id: points}
    points_taken_back: dict[str, int] = Field(default_factory=dict)  # by refunds, per program
    created_at: str
    updated_at: str
    version: int


# ---------------------------------------------------------------- balance and timeline

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class BalanceAdjustmentCreate(ApiModel):
    """Body of `POST /consumers/{id}/balance-adjustments`: a credit (> 0) or a debit (< 0)."""

    amount: Annotated[Decimal, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]
    reason: Reason
    currency: Currency | None = None  # the environment's currency; required for its first money movement

    @model_validator(mode="after")
    def _not_zero(self) -> BalanceAdjustmentCreate:
        if self.amount == 0:
            raise ValueError("amount must not be 0")
        return self


class BalanceAdjustment(Resource):
    id: str
    consumer_id: str
    amount: Money
    balance_after: Money
    currency: str
    reason: str
    created_at: str


class TimelineEventType(StrEnum):
    ORDER_PLACED = "order_placed"
    ORDER_REFUNDED = "order_refunded"
    BALANCE_ADJUSTED = "balance_adjusted"
    POINTS_ADDED = "points_added"
    POINTS_DEDUCTED = "points_deducted"
    STATUS_CHANGED = "status_changed"
    MEMBERSHIP_CHANGED = "membership_changed"
    VERIFIED_CHANGED = "verified_changed"
    AUDIENCE_JOINED = "audience_joined"
    AUDIENCE_LEFT = "audience_left"


class TimelineEvent(Resource):
    """One thing that happened to a consumer; `details` names what it concerns (ids, amounts, values)."""

    id: str
    type: TimelineEventType
    occurred_at: str
    details: dict[str, Any]

    @field_serializer("details", when_used="json")
    def _numbers(self, details: dict[str, Any]) -> dict[str, Any]:
        return {name: _json_number(value) if isinstance(value, Decimal) else value for name, value in details.items()}


OrderPage = Page[Order]


BalanceAdjustmentPage = Page[BalanceAdjustment]


TimelinePage = Page[TimelineEvent]


# ---------------------------------------------------------------- audiences

MAX_MEMBERS_PER_REQUEST = 500
AudienceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class AudienceCreate(ApiModel):
    name: AudienceName
    description: Description | None = None


class AudienceUpdate(ApiModel):
    """Body of `PUT /audiences/{id}`: the fields present change; `null` clears the description."""

    name: AudienceName | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _name_not_cleared(self) -> AudienceUpdate:
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null")
        return self


class Audience(Resource):
    id: str
    name: str
    description: str | None
    member_count: int
    created_at: str
    updated_at: str
    version: int


AudiencePage = Page[Audience]


ConsumerIds = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=40)]], Field(min_length=1)]


class MembersChange(ApiModel):
    """Body of `POST` and `DELETE /audiences/{id}/members`."""

    consumer_ids: ConsumerIds

    @model_validator(mode="after")
    def _bounded(self) -> MembersChange:
        if len(self.consumer_ids) > MAX_MEMBERS_PER_REQUEST:
            raise ValueError(f"at most {MAX_MEMBERS_PER_REQUEST} consumerIds")
        self.consumer_ids = list(dict.fromkeys(self.consumer_ids))
        return self


class MembersChanged(Resource):
    audience_id: str
    changed: list[str]  # added (POST) or removed (DELETE)
    unchanged: list[str]  # already members (POST) or not members (DELETE)
    member_count: int


class BulkStatus(MembersChange):
    """Body of `POST /consumers/bulk-status`: at most 500 consumerIds (repeats count once)."""

    status: Status


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

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    type: RuleType
    amount: Annotated[int, Field(ge=1, le=100_000)] | None = None
    unit: RuleUnit = RuleUnit.DAYS
    round: RuleRound = RuleRound.NONE
    at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _complete(self) -> PointsRule:
        if self.type is RuleType.RELATIVE and self.amount is None:
            raise ValueError("a relative rule needs amount (and unit)")
        if self.type is RuleType.ABSOLUTE and self.at is None:
            raise ValueError("an absolute rule needs at (an ISO 8601 instant)")
        if self.type not in (RuleType.RELATIVE, RuleType.ABSOLUTE) and (self.amount is not None or self.at):
            raise ValueError(f"a {self.type} rule takes no amount or at")
        return self


IMMEDIATE = PointsRule(type=RuleType.IMMEDIATE)
UNLIMITED = PointsRule(type=RuleType.UNLIMITED)
DEFAULT_RULE = PointsRule(type=RuleType.DEFAULT)


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


class EarningRule(ApiModel):
    """Points an order earns: `pointsPerUnit` per currency unit paid (rounded down), pending by
    `start` (a return window) and expiring by the program's default expiry."""

    points_per_unit: Annotated[Decimal, Field(gt=0, le=10_000, allow_inf_nan=False)]
    start: StartRule = DEFAULT_RULE


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
    default_start: ProgramStartRule = IMMEDIATE
    default_expiry: ProgramExpiryRule = UNLIMITED
    earning: EarningRule | None = None
    tiers: Tiers = Field(default_factory=list)
    tier_basis: TierBasis = TierBasis.ACTIVE


class LoyaltyProgramUpdate(ApiModel):
    """Body of `PUT /loyalty-programs/{id}`: the fields present change (points already given keep
    their dates); `earning: null` stops orders earning."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    timezone: Timezone | None = None
    default_start: ProgramStartRule | None = None
    default_expiry: ProgramExpiryRule | None = None
    earning: EarningRule | None = None
    tiers: Tiers | None = None
    tier_basis: TierBasis | None = None

    @model_validator(mode="after")
    def _required_not_cleared(self) -> LoyaltyProgramUpdate:
        required = ("name", "timezone", "default_start", "default_expiry", "tiers", "tier_basis")
        cleared = [name for name in required if name in self.model_fields_set and getattr(self, name) is None]
        if cleared:
            raise ValueError(f"{', '.join(to_camel(name) for name in cleared)} cannot be null")
        return self


class LoyaltyProgram(Resource):
    id: str
    name: str
    timezone: str
    default_start: PointsRule
    default_expiry: PointsRule
    earning: EarningRule | None
    tiers: list[Tier]
    tier_basis: TierBasis
    primary: bool  # the organization's first program: its points and tier show on the consumer
    created_at: str
    updated_at: str
    version: int


LoyaltyProgramPage = Page[LoyaltyProgram]


LedgerId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Points = Annotated[int, Field(ge=1, le=10**9)]
MAIN_LEDGER = "main"


class PointsAdd(ApiModel):
    """Body of `POST /consumers/{id}/loyalty/points`: a new ledger id creates that sub-ledger."""

    program_id: Annotated[str, StringConstraints(max_length=40)]
    ledger: LedgerId = MAIN_LEDGER
    points: Points
    reason: Reason
    start: StartRule = DEFAULT_RULE
    expiry: ExpiryRule = DEFAULT_RULE


class PointsDeduct(ApiModel):
    """Body of `POST /consumers/{id}/loyalty/deductions`: spends active points, earliest expiry first."""

    program_id: Annotated[str, StringConstraints(max_length=40)]
    ledger: LedgerId = MAIN_LEDGER
    points: Points
    reason: Reason


class PointsTransactionKind(StrEnum):
    ADDED = "added"
    DEDUCTED = "deducted"
    EARNED = "earned"  # by an order
    TAKEN_BACK = "taken_back"  # by a refund


class PointsTransaction(Resource):
    id: str
    consumer_id: str
    program_id: str
    ledger: str
    kind: PointsTransactionKind
    points: int  # added (> 0) or deducted (< 0)
    reason: str
    active_on: str | None  # credits: when they become (became) spendable
    expires_on: str | None  # credits: when what is left of them expires; null: never
    order_id: str | None  # null: a manual transaction
    created_at: str


PointsTransactionPage = Page[PointsTransaction]


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
    next_expiry: str | None  # when the next active points expire
    next_expiring_points: int


class LoyaltySummary(Resource):
    consumer_id: str
    as_of: str
    programs: list[LedgerBalance]  # per program: all ledgers, then each ledger


# ---------------------------------------------------------------- exports


class ExportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ExportKind(StrEnum):
    CONSUMERS = "consumers"  # the consumers a list's filters select, or the ones picked by id
    POINTS_TRANSACTIONS = "points_transactions"  # one consumer's loyalty transaction log


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class ExportField(StrEnum):
    """Optional column groups of a consumer export; Email, Full Name, Status and Created At are always in."""

    PHONE = "phone"
    TAGS = "tags"
    LOYALTY = "loyalty"  # points and tier
    METADATA = "metadata"
    ADDRESS = "address"
    ORDERS = "orders"  # order count, value, average, last order


class ConsumerFilters(ApiModel):
    """The list's filters and search (`GET /consumers` query parameters), as a JSON object."""

    status: Status | None = None
    membership: Membership | None = None
    tier: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    verified: bool | None = None
    audience_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    search: Annotated[str, StringConstraints(max_length=100)] | None = None
    created_after: datetime | None = None  # any ISO 8601 instant; one without an offset is UTC
    created_before: datetime | None = None
    last_activity_after: datetime | None = None
    last_activity_before: datetime | None = None
    sort_by: SortBy = SortBy.CREATED_AT
    sort_dir: SortDir = SortDir.DESC


MAX_EXPORT_IDS = 500


class ConsumerExportCreate(ApiModel):
    """Body of `POST /exports` (seed 000 "Exporting Consumer Data"): the consumers the filters select,
    or exactly the ones picked (`consumerIds`, "export selected")."""

    format: ExportFormat = ExportFormat.CSV
    fields: Annotated[list[ExportField], AfterValidator(lambda fields: list(dict.fromkeys(fields)))] = Field(
        default_factory=list
    )
    filters: ConsumerFilters = Field(default_factory=ConsumerFilters)
    consumer_ids: Annotated[list[Annotated[str, StringConstraints(max_length=40)]], Field(min_length=1)] | None = Field(
        default=None, max_length=MAX_EXPORT_IDS
    )

    @model_validator(mode="after")
    def _one_selection(self) -> ConsumerExportCreate:
        if self.consumer_ids is not None and self.filters.model_fields_set:
            raise ValueError("give filters or consumerIds, not both")
        return self


class DateFormat(StrEnum):
    """How the export writes instants; always in UTC (seed 003: all timestamps follow UTC+00:00)."""

    ISO8601 = "iso8601"  # 2024-10-12T07:20:50Z
    YMD = "yyyy-mm-dd"  # 2024-10-12 07:20:50
    DMY = "dd/mm/yyyy"  # 12/10/2024 07:20:50
    MDY = "mm/dd/yyyy"  # 10/12/2024 07:20:50


class PointsExportCreate(ApiModel):
    """Body of `POST /consumers/{id}/loyalty/transactions/exports` (seed 003 "Exporting the transaction logs")."""

    after: AwareDatetime  # transactions created at or after
    before: AwareDatetime | None = None  # and before (excluded)
    date_format: DateFormat = DateFormat.ISO8601
    program_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    ledger: LedgerId | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PointsExportCreate:
        if self.before is not None and self.before <= self.after:
            raise ValueError("before must be later than after")
        return self


class ExportJob(Resource):
    id: str
    kind: ExportKind
    format: str
    status: ExportStatus
    parameters: dict[str, Any]
    row_count: int | None
    processed_rows: int = 0  # rows written so far, while it runs
    error: str | None
    created_at: str
    started_at: str | None = None  # when its latest run began
    completed_at: str | None
    download_url: str | None = None  # once succeeded: valid 15 minutes
    expires_at: str | None = None


ExportPage = Page[ExportJob]


# ---------------------------------------------------------------- imports


class ImportStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class OnDuplicate(StrEnum):
    """What a row does whose email or externalId a consumer already has (seed 000 "duplicate handling")."""

    SKIP = "skip"
    UPDATE = "update"  # the row's non-empty cells change that consumer
    ERROR = "error"  # the row fails, and is in the report


class ImportCreate(ApiModel):
    """Body of `POST /imports`."""

    on_duplicate: OnDuplicate = OnDuplicate.SKIP


class RowError(Resource):
    row: int  # as a spreadsheet numbers it: the header is row 1, the first consumer row 2
    field: str
    message: str


MAX_IMPORT_ERRORS_SHOWN = 100


class ImportJob(Resource):
    id: str
    status: ImportStatus
    on_duplicate: OnDuplicate
    total_rows: int | None  # known once the file is in
    processed_rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[RowError] = Field(default_factory=list)  # the first MAX_IMPORT_ERRORS_SHOWN
    ignored_columns: list[str] = Field(default_factory=list)  # headers that name no field
    error: str | None = None  # why the whole file was refused
    created_at: str
    completed_at: str | None = None
    upload_url: str | None = None  # on creation: PUT the CSV here (presigned)
    upload_expires_at: str | None = None
    report_url: str | None = None  # once finished with failed rows: a CSV of each, valid 15 minutes


ImportPage = Page[ImportJob]


# ---------------------------------------------------------------- integrations


class KlaviyoSettings(ApiModel):
    """Body of `PUT /integrations/klaviyo`. The key may be left out once one is stored (to switch
    the sync on or off, or change the list)."""

    api_key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=200)] | None = None
    enabled: bool
    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None


class ResyncStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class KlaviyoResync(Resource):
    """A backfill of every consumer of the tenant through Klaviyo's bulk profile import jobs."""

    id: str
    status: ResyncStatus
    profiles: int = 0  # sent so far
    jobs: list[str] = Field(default_factory=list)  # Klaviyo's bulk import job ids
    failed: int = 0  # profiles Klaviyo's jobs refused
    error: str | None = None
    requested_at: str
    completed_at: str | None = None


class KlaviyoIntegration(Resource):
    enabled: bool
    list_id: str | None
    api_key: str  # masked: only its last four characters are shown
    updated_at: str
    resync: KlaviyoResync | None = None  # the latest backfill


# ---------------------------------------------------------------- privacy


class Erasure(Resource):
    """What `POST /consumers/{id}/erase` did; also the audit entry it leaves (no personal data)."""

    subject: str  # sha256 of the tenant and the consumer id (hex, 32): recomputable, not reversible
    erased_at: str
    erased_by: str  # the API key that asked
    klaviyo_deletion: str  # requested | not_synced
    anonymized: dict[str, int]  # kept for accounting, without personal fields: orders, ledgerEntries
    removed: dict[str, int]  # idempotencyRecords, exportJobs (scrubbed), importRows
