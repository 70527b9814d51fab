"""The consumer's enumerated values: status, membership, source, sync status, consent and the list orders. On
their own, so that a module naming one (a job's filters) need not build the consumer's models."""

from enum import StrEnum


class Status(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Membership(StrEnum):
    MEMBER = "member"
    GUEST = "guest"


class Source(StrEnum):
    """The path a consumer came in through, set by that path and never by the caller."""

    API = "api"
    CONSOLE = "console"  # the console's create
    IMPORT = "import"
    KLAVIYO = "klaviyo"  # pulled from a Klaviyo list
    SHOPIFY = "shopify"
    # Values the API once let callers send: profiles stored with them keep them.
    MANUAL = "manual"
    EXPERIENCE = "experience"


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


class ConsentChannel(StrEnum):
    """A channel a person can agree to be marketed on."""

    EMAIL = "email"
    SMS = "sms"


class ConsentState(StrEnum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    NEVER_SUBSCRIBED = "never_subscribed"  # never asked, or never answered


class SuppressionReason(StrEnum):
    """Why a channel's address may not be sent to, whatever the person's consent says."""

    HARD_BOUNCE = "hard_bounce"  # the address does not exist
    SPAM_COMPLAINT = "spam_complaint"  # the person marked a message as spam
    INVALID = "invalid"  # the address or number cannot take messages
    MANUAL = "manual"  # staff or a caller stopped sends to it


class ConsentMethod(StrEnum):
    """How the consent was given or taken back. A caller of the API names form, checkout or api; the
    console, imports, Shopify and Klaviyo are set by those paths."""

    FORM = "form"
    CHECKOUT = "checkout"
    API = "api"
    CONSOLE = "console"
    IMPORT = "import"
    SHOPIFY = "shopify"
    KLAVIYO = "klaviyo"
