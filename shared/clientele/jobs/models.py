"""Export and import jobs on the wire."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    StringConstraints,
    model_validator,
)

from clientele.consumers.enums import ConsentState, Membership, SortBy, SortDir, Source, Status
from clientele.core.models import (
    ApiModel,
    Resource,
    Timestamp,
)
from clientele.loyalty.ledgers import LedgerId

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
    MEMBERSHIP = "membership"  # member or guest, since when (seed 004's Date joined), verified
    CONSENT = "consent"  # email and SMS marketing consent, with when each was given, and their suppressions


class ConsumerFilters(ApiModel):
    """The list's filters and search (`GET /consumers` query parameters), as a JSON object."""

    status: Status | None = None
    membership: Membership | None = None
    tier: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    verified: bool | None = None
    source: Source | None = None
    email_consent: ConsentState | None = None
    sms_consent: ConsentState | None = None
    audience_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    search: Annotated[str, StringConstraints(max_length=100)] | None = None
    created_after: datetime | None = None  # any ISO 8601 instant; one without an offset is UTC
    created_before: datetime | None = None
    last_activity_after: datetime | None = None
    last_activity_before: datetime | None = None
    sort_by: SortBy | None = None  # default createdAt; with `search`, the matching word
    sort_dir: SortDir | None = None  # default desc


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
    def _one_selection(self) -> "ConsumerExportCreate":
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
    def _ordered(self) -> "PointsExportCreate":
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
    created_at: Timestamp
    started_at: Timestamp | None = None  # when its latest run began
    completed_at: Timestamp | None
    download_url: str | None = None  # once succeeded: valid 15 minutes
    expires_at: Timestamp | None = None


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
    created_at: Timestamp
    completed_at: Timestamp | None = None
    upload_url: str | None = None  # on creation: PUT the CSV here (presigned)
    upload_expires_at: Timestamp | None = None
    report_url: str | None = None  # once finished with failed rows: a CSV of each, valid 15 minutes
