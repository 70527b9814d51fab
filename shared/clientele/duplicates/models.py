"""Duplicate suggestions on the wire."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from clientele.core.models import Resource, Timestamp


class DuplicateReason(StrEnum):
    KLAVIYO_PROFILE = "klaviyo_profile"  # one Klaviyo profile seen on both
    EMAIL = "email"  # the same mailbox up to provider rules (a Gmail address with dots or a +tag)
    PHONE = "phone"
    NAME_POSTAL_CODE = "name_postal_code"  # the same full name at the same postal code
    NAME_CITY = "name_city"
    NAME_EMAIL_DOMAIN = "name_email_domain"  # the same full name with an email at the same (company) domain


# How sure each reason alone makes a pair, out of 100; together: 100 * (1 - product of (1 - weight/100)).
WEIGHTS = {
    DuplicateReason.KLAVIYO_PROFILE: 95,
    DuplicateReason.EMAIL: 90,
    DuplicateReason.PHONE: 80,
    DuplicateReason.NAME_POSTAL_CODE: 75,
    DuplicateReason.NAME_CITY: 60,
    DuplicateReason.NAME_EMAIL_DOMAIN: 55,
}


def score(reasons: set[DuplicateReason]) -> int:
    missed = 1.0
    for reason in reasons:
        missed *= 1 - WEIGHTS[reason] / 100
    return round(100 * (1 - missed))


class DuplicateProfile(Resource):
    """Enough of each profile to tell them apart."""

    id: str
    full_name: str | None
    email: str | None
    phone: str | None
    created_at: Timestamp


class DuplicateSuggestion(Resource):
    id: str  # names the pair: POST /duplicates/{id}/dismiss
    consumer_ids: list[str]  # the two profiles, the older first
    reasons: list[DuplicateReason]
    score: int = Field(description="How sure, 0-100: the reasons' weights combined")
    suggested_at: Timestamp
    consumers: list[DuplicateProfile] = Field(default_factory=list)  # the two, as they are now


class CommonKey(Resource):
    reason: DuplicateReason
    holders: int = Field(description="At least this many profiles share it: too many to compare")


class ConsumerDuplicates(Resource):
    """GET /consumers/{id}/duplicates: the profiles probably the same person, strongest first, and the
    consumer's keys too common to suggest from."""

    data: list[DuplicateSuggestion]
    common_keys: list[CommonKey]
