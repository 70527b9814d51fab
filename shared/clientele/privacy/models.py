"""What an erasure did, on the wire."""

from clientele.core.models import (
    Resource,
    Timestamp,
)

# ---------------------------------------------------------------- privacy


class Erasure(Resource):
    """What `POST /consumers/{id}/erase` did; also the audit entry it leaves (no personal data)."""

    subject: str  # sha256 of the tenant and the consumer id (hex, 32): recomputable, not reversible
    erased_at: Timestamp
    erased_by: str  # the API key that asked
    klaviyo_deletion: str  # requested | not_synced
    anonymized: dict[
        str, int
    ]  # kept without personal fields: orders, ledgerEntries, changes (the history, without values)
    removed: dict[
        str, int
    ]  # idempotencyRecords, exportJobs (scrubbed), importRows, coupons, referrals, loyaltyCards (left)
