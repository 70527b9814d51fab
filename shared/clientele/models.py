"""The API's shapes: what callers send and what they get back (camelCase on the wire)."""

from __future__ import annotations

import json
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


class Address(ApiModel):
    street: Text | None = None
    city: Text | None = None
    region: Text | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    country: Text | None = None


class Loyalty(ApiModel):
    points: int = 0
    tier: str | None = None


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
    """One item of `PUT /consumers/batch`."""

    id: str

    def changes(self) -> dict[str, Any]:
        return {name: value for name, value in super().changes().items() if name != "id"}


class Consumer(ApiModel):
    """The Consumer object every endpoint returns."""

    # Clients (the SDK) read it too: fields a newer server adds must not break them.
    model_config = ConfigDict(extra="ignore")

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

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class PageInfo(ApiModel):
    model_config = ConfigDict(extra="ignore")

    start_cursor: str | None  # null when there is no previous page
    end_cursor: str | None  # null when there is no next page: loop `while pageInfo.endCursor`
    has_next_page: bool
    has_previous_page: bool


class ConsumerPage(ApiModel):
    """One page of `GET /consumers` or `/consumers/search`."""

    model_config = ConfigDict(extra="ignore")

    data: list[Consumer]
    page_info: PageInfo


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


class Order(ApiModel):
    model_config = ConfigDict(extra="ignore")

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
    created_at: str
    updated_at: str
    version: int

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


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


class BalanceAdjustment(ApiModel):
    model_config = ConfigDict(extra="ignore")

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


class TimelineEvent(ApiModel):
    """One thing that happened to a consumer; `details` names what it concerns (ids, amounts, values)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    type: TimelineEventType
    occurred_at: str
    details: dict[str, Any]

    @field_serializer("details", when_used="json")
    def _numbers(self, details: dict[str, Any]) -> dict[str, Any]:
        return {name: _json_number(value) if isinstance(value, Decimal) else value for name, value in details.items()}

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class OrderPage(ApiModel):
    model_config = ConfigDict(extra="ignore")

    data: list[Order]
    page_info: PageInfo


class BalanceAdjustmentPage(ApiModel):
    model_config = ConfigDict(extra="ignore")

    data: list[BalanceAdjustment]
    page_info: PageInfo


class TimelinePage(ApiModel):
    model_config = ConfigDict(extra="ignore")

    data: list[TimelineEvent]
    page_info: PageInfo


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


class Audience(ApiModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    description: str | None
    member_count: int
    created_at: str
    updated_at: str
    version: int

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class AudiencePage(ApiModel):
    model_config = ConfigDict(extra="ignore")

    data: list[Audience]
    page_info: PageInfo


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


class MembersChanged(ApiModel):
    audience_id: str
    changed: list[str]  # added (POST) or removed (DELETE)
    unchanged: list[str]  # already members (POST) or not members (DELETE)
    member_count: int


class BulkStatus(ApiModel):
    """Body of `POST /consumers/bulk-status`."""

    consumer_ids: ConsumerIds
    status: Status

    @model_validator(mode="after")
    def _bounded(self) -> BulkStatus:
        if len(self.consumer_ids) > MAX_MEMBERS_PER_REQUEST:
            raise ValueError(f"at most {MAX_MEMBERS_PER_REQUEST} consumerIds")
        return self
