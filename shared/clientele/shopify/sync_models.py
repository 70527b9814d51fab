"""The full sync's job on the wire (`POST/GET /integrations/shopify/sync`) and the body that starts it."""

from enum import StrEnum

from pydantic import Field

from clientele.core.models import ApiModel, Resource, Timestamp


class ShopifySyncMode(StrEnum):
    AUTO = "auto"  # bulk for a shop above the threshold of customers, else paginated
    BULK = "bulk"  # bulkOperationRunQuery, its JSONL read line by line
    INCREMENTAL = "incremental"  # the paginated customers query, updated since the last sync's start


class ShopifySyncMethod(StrEnum):
    BULK = "bulk"
    PAGINATED = "paginated"


class ShopifySyncStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ShopifySyncTrigger(StrEnum):
    MANUAL = "manual"  # POST /integrations/shopify/sync (the "Sync Customers" button)
    SCHEDULE = "schedule"  # the daily reconciliation


class ShopifySyncRequest(ApiModel):
    """Body of `POST /integrations/shopify/sync` (optional: `{}` or none is `auto`)."""

    mode: ShopifySyncMode = ShopifySyncMode.AUTO


class ShopifySyncCounts(Resource):
    created: int = 0  # new consumers (source shopify)
    updated: int = 0  # consumers linked (by Shopify id, email or phone) whose fields changed
    unchanged: int = 0  # already as Shopify has them, or newer than this copy (a webhook overtook it)
    failed: int = 0  # customers that could not be applied (invalid data, a conflict with two consumers)


class ShopifySyncProgress(Resource):
    processed: int = 0  # customers read so far
    total: int | None = None  # the shop's customersCount when known (a full sync), else null


class ShopifySync(Resource):
    """A full (or incremental) sync of the shop's customers into consumers, run in checkpointed chunks."""

    id: str
    status: ShopifySyncStatus
    mode: ShopifySyncMode
    method: ShopifySyncMethod | None = None  # decided when the job starts (auto picks by customersCount)
    trigger: ShopifySyncTrigger = ShopifySyncTrigger.MANUAL
    since: Timestamp | None = None  # incremental: customers updated after this instant
    progress: ShopifySyncProgress = Field(default_factory=ShopifySyncProgress)
    counts: ShopifySyncCounts = Field(default_factory=ShopifySyncCounts)
    errors: list[str] = Field(default_factory=list)  # the first few failed customers: "<id>: <why>"
    error: str | None = None  # why the whole job failed
    started_at: Timestamp
    finished_at: Timestamp | None = None
