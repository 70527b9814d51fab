"""The Klaviyo integration's settings and backfills on the wire."""

from enum import StrEnum
from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
)

from clientele.core.models import (
    ApiModel,
    Resource,
    Timestamp,
)

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
    requested_at: Timestamp
    completed_at: Timestamp | None = None


class KlaviyoIntegration(Resource):
    enabled: bool
    list_id: str | None
    api_key: str  # masked: only its last four characters are shown
    updated_at: Timestamp
    resync: KlaviyoResync | None = None  # the latest backfill
