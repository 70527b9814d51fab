"""The Klaviyo integration's settings and backfills on the wire."""

from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
)

from clientele.core.models import (
    ApiModel,
    Resource,
    Timestamp,
)

# ---------------------------------------------------------------- integrations

MAX_IMPORT_LISTS = 10


class KlaviyoSettings(ApiModel):
    """Body of `PUT /integrations/klaviyo`. The key may be left out once one is stored (to switch
    the sync on or off, or change the list)."""

    api_key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=200)] | None = None
    enabled: bool
    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    # Klaviyo lists whose profiles are pulled in as consumers (source klaviyo), hourly and on request.
    # Left out: kept as they are; [] stops pulling.
    import_list_ids: (
        Annotated[
            list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]],
            Field(max_length=MAX_IMPORT_LISTS),
            AfterValidator(lambda ids: list(dict.fromkeys(ids))),
        ]
        | None
    ) = None


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
    requested_at: Timestamp
    completed_at: Timestamp | None = None


class PullStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class PullTrigger(StrEnum):
    API = "api"  # POST /integrations/klaviyo/pull
    SCHEDULE = "schedule"  # the hourly pull


class KlaviyoPull(Resource):
    """One pull of the import lists' profiles into consumers, with what it did to them so far."""

    id: str
    status: PullStatus
    trigger: PullTrigger
    list_ids: list[str]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    error: str | None = None
    requested_at: Timestamp
    completed_at: Timestamp | None = None


class KlaviyoIntegration(Resource):
    enabled: bool
    list_id: str | None
    import_list_ids: list[str] = Field(default_factory=list)
    api_key: str  # masked: only its last four characters are shown
    updated_at: Timestamp
    resync: KlaviyoResync | None = None  # the latest backfill
    last_pull: KlaviyoPull | None = None  # the latest pull from the import lists
