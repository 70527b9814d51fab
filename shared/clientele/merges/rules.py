"""The survivor rules: the merged profile, field by field, and where each value came from. Pure.

- A field the request chose (`fields`) comes from the profile it names.
- Otherwise the survivor's value, or, where the survivor has none, the first source (in the order
  sent) that has one.
- membership: member if any profile is (memberSince: the earliest); verified goes with the email.
- tags: the union; metadata: every key, the survivor's winning (or the chosen profile's).
- consent, per channel: the most recently recorded, so an opt-out given on any profile stands;
  suppressions: any, the earliest; blocked: if any profile is.
- audiences: the union; the id, createdAt and source stay the survivor's. Aggregates are not set
  here: they are recomputed from what the survivor then holds (orders/service.aggregates_of).
"""

from __future__ import annotations

from typing import Any

from clientele.consumers.enums import Membership
from clientele.consumers.models import ChannelConsent, Consent, Consumer, Suppression, Suppressions
from clientele.merges.models import FieldOrigin

# API name -> model attribute: taken whole from one profile.
SINGLE = {
    "email": "email",
    "phone": "phone",
    "externalId": "external_id",
    "fullName": "full_name",
    "firstName": "first_name",
    "lastName": "last_name",
    "address": "address",
}


def _giver(field: str, survivor: Consumer, sources: list[Consumer], chosen: dict[str, str]) -> Consumer:
    """The profile a single-valued field comes from."""
    profiles = {profile.id: profile for profile in (survivor, *sources)}
    if field in chosen:
        return profiles[chosen[field]]
    attribute = SINGLE.get(field, field)
    return next((profile for profile in (survivor, *sources) if getattr(profile, attribute) is not None), survivor)


def _latest_consent(channel: str, profiles: list[Consumer]) -> tuple[ChannelConsent, str]:
    """The channel's most recently recorded consent (the survivor's when none was ever recorded)."""
    recorded = [(getattr(p.consent, channel), p.id) for p in profiles if getattr(p.consent, channel).updated_at]
    if not recorded:
        return getattr(profiles[0].consent, channel), profiles[0].id
    return max(recorded, key=lambda pair: str(pair[0].updated_at))


def _first_suppression(channel: str, profiles: list[Consumer]) -> tuple[Suppression | None, list[str]]:
    held = [(getattr(p.suppressions, channel), p.id) for p in profiles if getattr(p.suppressions, channel)]
    if not held:
        return None, []
    return min(held, key=lambda pair: str(pair[0].suppressed_at))[0], [profile_id for _, profile_id in held]


def merged(survivor: Consumer, sources: list[Consumer], chosen: dict[str, str]) -> tuple[Consumer, list[FieldOrigin]]:
    """The survivor with the sources' fields merged in (same version: the caller writes it), and the
    origin of each merged field. `chosen` names only profiles among them (the caller checked)."""
    profiles = [survivor, *sources]
    update: dict[str, Any] = {}
    origins: list[FieldOrigin] = []

    def record(field: str, value: Any, taken_from: list[str]) -> None:
        origins.append(FieldOrigin(field=field, value=value, taken_from=taken_from))

    for field, attribute in SINGLE.items():
        giver = _giver(field, survivor, sources, chosen)
        update[attribute] = getattr(giver, attribute)
        value = update[attribute]
        record(
            field, value.model_dump(mode="json", by_alias=True) if hasattr(value, "model_dump") else value, [giver.id]
        )
    email_giver = _giver("email", survivor, sources, chosen)
    update["verified"], update["verified_at"] = email_giver.verified, email_giver.verified_at

    status_giver = profiles[0] if "status" not in chosen else _giver("status", survivor, sources, chosen)
    update["status"] = status_giver.status
    record("status", str(status_giver.status), [status_giver.id])

    if "membership" in chosen:
        giver = _giver("membership", survivor, sources, chosen)
        update["membership"], update["member_since"] = giver.membership, giver.member_since
        record("membership", str(giver.membership), [giver.id])
    else:
        members = [p for p in profiles if p.membership == Membership.MEMBER]
        update["membership"] = Membership.MEMBER if members else survivor.membership
        joined = [p.member_since for p in members if p.member_since]
        update["member_since"] = min(joined) if joined else None
        record("membership", str(update["membership"]), [p.id for p in members] or [survivor.id])

    tags = list(dict.fromkeys(tag for p in profiles for tag in p.tags))
    update["tags"] = tags
    record("tags", tags, [p.id for p in profiles if p.tags])

    winner = _giver("metadata", survivor, sources, chosen) if "metadata" in chosen else survivor
    metadata: dict[str, Any] = {}
    for profile in [*reversed(sources), survivor, winner]:
        metadata.update(profile.metadata or {})
    update["metadata"] = metadata or None
    record("metadata", update["metadata"], [p.id for p in profiles if p.metadata])

    consent: dict[str, ChannelConsent] = {}
    suppressions: dict[str, Suppression | None] = {}
    for channel in ("email", "sms"):
        consent[channel], giver_id = _latest_consent(channel, profiles)
        record(f"consent.{channel}", str(consent[channel].state), [giver_id])
        suppressions[channel], holders = _first_suppression(channel, profiles)
        if holders:
            record(f"suppression.{channel}", str(suppressions[channel].reason), holders)  # type: ignore[union-attr]
    update["consent"] = Consent(**consent)
    update["suppressions"] = Suppressions(**suppressions)

    blocked = [p for p in profiles if p.blocked]
    if blocked:
        update.update(blocked=True, blocked_at=blocked[0].blocked_at, blocked_reason=blocked[0].blocked_reason)
        record("blocked", True, [p.id for p in blocked])

    update["klaviyo_profile_id"] = next((p.klaviyo_profile_id for p in profiles if p.klaviyo_profile_id), None)
    update["audience_ids"] = list(dict.fromkeys(audience for p in profiles for audience in p.audience_ids))
    update["last_activity_at"] = max((p.last_activity_at for p in profiles if p.last_activity_at), default=None)
    return survivor.model_copy(update=update), origins
