"""The consumer's shapes on the wire: what callers send and what they get back, and its timeline."""

import json
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    field_serializer,
    model_validator,
)

from clientele.core.models import (
    ApiModel,
    Email,
    ExternalId,
    Money,
    Phone,
    Resource,
    Tag,
    Text,
    Timestamp,
    json_number,
)


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
    MEMBER_SINCE = "memberSince"


class SortDir(StrEnum):
    ASC = "asc"
    DESC = "desc"


class SyncStatus(StrEnum):
    NOT_SYNCED = "not_synced"
    SYNCING = "syncing"
    SYNCED = "synced"
    ERROR = "error"


METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


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
    next_change_at: Timestamp | None = None  # when pending points activate or active points expire next


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
    def _identified(self) -> "ConsumerCreate":
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
    def _required_fields_not_cleared(self) -> "ConsumerUpdate":
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
    member_since: Timestamp | None = None  # when it last became a member (seed 004's Date joined); null for a guest
    verified: bool
    verified_at: Timestamp | None
    tags: list[str]
    address: Address | None
    source: Source
    sync_status: SyncStatus
    synced_at: Timestamp | None = None  # when Klaviyo last took the profile as it is
    synced_version: int | None = None  # the version Klaviyo has: synced and current while it is `version`
    klaviyo_profile_id: str | None = None
    sync_error: str | None = None  # why the last sync failed (syncStatus error)
    loyalty: Loyalty
    total_orders: int
    total_order_value: Money  # what the orders were worth before discounts, less what was refunded
    last_order_at: Timestamp | None
    average_order_value: Money = Decimal(0)  # totalOrderValue / totalOrders
    discounted_orders: int = 0
    undiscounted_orders: int = 0
    accrued_discounts: Money = Decimal(0)
    net_revenue: Money = Decimal(0)  # totalOrderValue - accruedDiscounts: what the consumer paid, net of refunds
    balance: Money = Decimal(0)  # stored credit; never below zero
    audience_ids: list[str] = Field(default_factory=list)
    last_activity_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    version: int  # increases with every change; writes are conditional on the version they read


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
    """One thing that happened to a consumer; `details` names what it concerns (ids, amounts, values).
    An `order_placed` event holds the purchase: orderId, amount, discountAmount, netAmount, currency,
    items (sku, name, quantity, unitPrice), checkoutUrl and channel."""

    id: str
    type: TimelineEventType
    occurred_at: Timestamp
    details: dict[str, Any]

    @field_serializer("details", when_used="json")
    def _numbers(self, details: dict[str, Any]) -> dict[str, Any]:
        return dict(_plain_numbers(details))


def _plain_numbers(value: Any) -> Any:
    """Decimals anywhere in event details (an order's line prices too) as JSON numbers."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, dict):
        return {name: _plain_numbers(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(inner) for inner in value]
    return value


MAX_IDS_PER_REQUEST = 500
ConsumerIds = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=40)]], Field(min_length=1)]


class ConsumerSelection(ApiModel):
    """The consumers a bulk request names: at most 500 consumerIds (repeats count once)."""

    consumer_ids: ConsumerIds

    @model_validator(mode="after")
    def _bounded(self) -> "ConsumerSelection":
        if len(self.consumer_ids) > MAX_IDS_PER_REQUEST:
            raise ValueError(f"at most {MAX_IDS_PER_REQUEST} consumerIds")
        self.consumer_ids = list(dict.fromkeys(self.consumer_ids))
        return self


class BulkStatus(ConsumerSelection):
    """Body of `POST /consumers/bulk-status`: at most 500 consumerIds (repeats count once)."""

    status: Status
