"""The consumer's enumerated values: status, membership, source, sync status and the list orders. On
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
