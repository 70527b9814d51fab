"""Merges on the wire: the dry run's answer and the merge job."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field

from clientele.consumers.models import Consumer
from clientele.core.models import Money, Resource, Timestamp


class MergeStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class BlockerReason(StrEnum):
    ALREADY_MERGED = "already_merged"  # the profile is a tombstone: merged into another already
    ERASED = "erased"
    ERASURE_PENDING = "erasure_pending"  # an erasure began and has not finished: send it again first
    MERGE_RUNNING = "merge_running"  # the profile is in a merge that has not finished
    TOO_MANY_AUDIENCES = "too_many_audiences"  # together they are in more audiences than one profile may be


class MergeBlocker(Resource):
    reason: BlockerReason
    consumer_id: str | None = None  # the profile it concerns (none: the merge as a whole)
    message: str


class FieldOrigin(Resource):
    """One field of the merged profile: its value and the profiles it was taken from."""

    field: str
    value: Any = None
    taken_from: list[str] = Field(description="The profiles the value comes from (several: a union or a merge)")


class MergeMoves(Resource):
    """What moves to the survivor (a dry run's count, before anything moved)."""

    orders: int = 0
    coupons: int = 0  # issued to the sources
    referral_codes: int = 0
    referrals_made: int = 0  # people the sources referred
    points_transactions: int = 0
    loyalty_lots: int = 0  # lots of points, each with its own dates
    points: int = 0  # active and pending points those lots hold
    balance_adjustments: int = 0
    balance: Money = Decimal(0)  # the stored credit the sources hold
    timeline_events: int = 0
    consent_changes: int = 0
    audiences: list[str] = Field(default_factory=list)  # audiences the survivor joins
    emails: list[str] = Field(default_factory=list)  # lookups that will find the survivor
    phones: list[str] = Field(default_factory=list)
    external_ids: list[str] = Field(default_factory=list)
    shopify_customer_ids: list[str] = Field(default_factory=list)
    klaviyo_profile_ids: list[str] = Field(default_factory=list)


class MergePreview(Resource):
    """A dry run: the merged profile field by field, what moves and what blocks the merge."""

    survivor_id: str
    source_ids: list[str]
    consumer: Consumer  # the survivor as the merge would leave it (its aggregates recomputed)
    fields: list[FieldOrigin]
    moves: MergeMoves
    blockers: list[MergeBlocker]
    dry_run: bool = True


class Merge(Resource):
    """A merge job: it runs in steps until every source is merged (or it fails, moving nothing more)."""

    id: str
    object: str = "merge"
    status: MergeStatus
    survivor_id: str
    source_ids: list[str]
    merged_ids: list[str] = Field(default_factory=list)  # the sources merged so far (tombstones now)
    fields: dict[str, str] = Field(default_factory=dict)  # the fields the request chose a profile for
    moves: MergeMoves
    steps: int = 0  # how many steps it has run
    moved_at: Timestamp | None = None  # when a step last handed orders (or other listed items) over
    error: str | None = None
    klaviyo: str | None = None  # the profiles' merge in Klaviyo: merged, not_synced, not_needed or failed: why
    created_at: Timestamp
    finished_at: Timestamp | None = None
