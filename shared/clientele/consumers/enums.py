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
