"""The consumer's shapes on the wire that callers get back: the consumer and its timeline. (What callers
send is consumers/requests.py.)"""

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    Field,
    StringConstraints,
    field_serializer,
)

from clientele.consumers.enums import (
    ConsentMethod,
    ConsentState,
    Membership,
    Source,
    Status,
    SuppressionReason,
    SyncStatus,
)
from clientele.core.models import (
    ApiModel,
    Money,
    Resource,
    Text,
    Timestamp,
    json_number,
)


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


class ChannelConsent(ApiModel):
    """A person's marketing consent on one channel: its state, and when, how and to which wording it
    was given or taken back (clientele.consent keeps every change in the consent log)."""

    state: ConsentState = ConsentState.NEVER_SUBSCRIBED
    consented_at: Timestamp | None = None  # when the state was given (an import may say an earlier time)
    method: ConsentMethod | None = None
    wording_version: str | None = None  # the form or wording the person agreed to
    source_ip: str | None = None  # where the person gave it, when known
    updated_at: Timestamp | None = None  # when Clientele recorded it


class Consent(ApiModel):
    """Consent per channel: email and SMS."""

    email: ChannelConsent = Field(default_factory=ChannelConsent)
    sms: ChannelConsent = Field(default_factory=ChannelConsent)


class Suppression(ApiModel):
    """A channel's address that is not to be sent to (a hard bounce, a spam complaint…), kept apart
    from consent: the person's answer stays what it was, and is honoured again once it is lifted. (The
    change history says who recorded or lifted it.)"""

    reason: SuppressionReason
    suppressed_at: Timestamp


class Suppressions(ApiModel):
    email: Suppression | None = None
    sms: Suppression | None = None


def derived_full_name(first_name: str | None, last_name: str | None) -> str | None:
    """The full name a consumer gets from its parts when none is given."""
    return " ".join(part for part in (first_name, last_name) if part) or None


NEEDS_IDENTIFIER = "a consumer needs at least one of email, phone or externalId"


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
    consent: Consent = Field(default_factory=Consent)  # marketing consent per channel
    suppressions: Suppressions = Field(default_factory=Suppressions)  # addresses not to be sent to, per channel
    sync_status: SyncStatus
    synced_at: Timestamp | None = None  # when Klaviyo last took the profile as it is
    synced_version: int | None = None  # the version Klaviyo has: synced and current while it is `version`
    klaviyo_profile_id: str | None = None
    sync_error: str | None = None  # why the last sync failed (syncStatus error)
    merging_into: str | None = None  # a merge is taking this profile into that one: new orders go there
    merge_held_until: Timestamp | None = None  # a merge's last step is writing this profile: orders wait till then
    blocked: bool = False  # seed 004's Block customer: earns and redeems no points; orders still record
    blocked_at: Timestamp | None = None
    blocked_reason: str | None = None
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
    ORDER_CANCELLED = "order_cancelled"
    BALANCE_ADJUSTED = "balance_adjusted"
    POINTS_ADDED = "points_added"
    POINTS_DEDUCTED = "points_deducted"
    STATUS_CHANGED = "status_changed"
    MEMBERSHIP_CHANGED = "membership_changed"
    VERIFIED_CHANGED = "verified_changed"
    AUDIENCE_JOINED = "audience_joined"
    AUDIENCE_LEFT = "audience_left"
    COUPON_ISSUED = "coupon_issued"
    ACHIEVEMENT_COMPLETED = "achievement_completed"
    CARD_LINKED = "card_linked"
    CARD_UNLINKED = "card_unlinked"
    REFERRED = "referred"  # the consumer came with an advocate's referral code
    CONSENT_CHANGED = "consent_changed"
    REFERRAL_RECORDED = "referral_recorded"  # someone came with the consumer's referral code
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"
    PROFILE_MERGED = "profile_merged"  # another profile was merged into this one (details: mergedId, mergeId)


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
