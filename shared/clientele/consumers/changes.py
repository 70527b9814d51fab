"""Field-level change history: what a write changed on a profile, field by field, and by whom.

Every consumer write records it in its own transaction (store.insert_write and replace_write put a
ChangeRecord keyed by the version the write makes), so a change cannot be lost or recorded twice,
and nothing recorded is a change that failed. Tracked are the fields a person or a system states
about the profile; totals, points, activity and sync bookkeeping are not (their own ledgers and the
timeline say how they moved)."""

from __future__ import annotations

import json
from typing import Any

from clientele.consumers.enums import ConsentChannel
from clientele.consumers.models import Consumer
from clientele.core import actor
from clientele.core.models import Resource, Timestamp

# Model attribute -> the field's name on the wire.
TRACKED = {
    "email": "email",
    "phone": "phone",
    "external_id": "externalId",
    "full_name": "fullName",
    "first_name": "firstName",
    "last_name": "lastName",
    "status": "status",
    "membership": "membership",
    "verified": "verified",
    "tags": "tags",
    "metadata": "metadata",
    "address": "address",
    "blocked": "blocked",
}
CONSENT_FIELDS = {f"consent.{channel}": channel for channel in ConsentChannel}  # each channel's state
SUPPRESSION_FIELDS = {f"suppression.{channel}": channel for channel in ConsentChannel}  # each one's reason
FIELD_NAMES = frozenset(TRACKED.values()) | frozenset(CONSENT_FIELDS) | frozenset(SUPPRESSION_FIELDS)


class FieldChange(Resource):
    field: str
    before: Any  # null when the field was empty (and for every field of a created profile)
    after: Any


class ChangeActor(Resource):
    type: actor.ActorType
    id: str | None  # the API key or the console session's key, the import, the pull…


class ProfileChange(Resource):
    """One write's changes to a profile. After an erasure the record stays, under the erased
    subject, with its field names but not their values."""

    version: int  # the profile's version the write made (1: created)
    changes: list[FieldChange]
    actor: ChangeActor
    request_id: str | None  # the API request, for a change made by one
    changed_at: Timestamp


def _values(consumer: Consumer) -> dict[str, Any]:
    values = consumer.model_dump(mode="json", by_alias=True, include=set(TRACKED))
    for name, channel in CONSENT_FIELDS.items():
        values[name] = str(getattr(consumer.consent, channel).state)
    for name, channel in SUPPRESSION_FIELDS.items():
        suppression = getattr(consumer.suppressions, channel)
        values[name] = str(suppression.reason) if suppression else None
    return values


# What a new profile's field says when it was not given (not recorded as a change).
_UNSTATED: tuple[Any, ...] = (None, [], {}, False, "never_subscribed")


def diff(before: Consumer | None, after: Consumer) -> list[FieldChange]:
    """The tracked fields that differ, with their values (a new profile: every field it was given)."""
    old = _values(before) if before is not None else {}
    new = _values(after)
    return [
        FieldChange(field=name, before=old.get(name), after=new[name])
        for name in sorted(new)
        if old.get(name) != new[name] and not (before is None and new[name] in _UNSTATED)
    ]


def item_fields(before: Consumer | None, after: Consumer) -> dict[str, Any] | None:
    """What a ChangeRecord stores for the write from `before` to `after` (None: nothing tracked
    changed). The values are JSON text, as metadata is on the profile."""
    changes = diff(before, after)
    if not changes:
        return None
    by = actor.current()
    return {
        "version": after.version,
        "fieldNames": [change.field for change in changes],  # what the field filter reads
        "changes": json.dumps([change.to_api() for change in changes], separators=(",", ":")),
        "actor": {"type": str(by.type), "id": by.id},
        "requestId": by.request_id,
        "changedAt": after.updated_at,
    }


def from_fields(fields: dict[str, Any]) -> ProfileChange:
    """The change as the API shows it; an erased one (no `changes` text) lists its fields without values."""
    text = fields.get("changes")
    changes = (
        json.loads(text) if text else [{"field": name, "before": None, "after": None} for name in fields["fieldNames"]]
    )
    return ProfileChange.model_validate(
        {
            "version": int(fields["version"]),
            "changes": changes,
            "actor": fields["actor"],
            "requestId": fields.get("requestId"),
            "changedAt": fields["changedAt"],
        }
    )
