"""Referral codes and referrals on the wire, as callers get them back. (What callers send is
referrals/requests.py.)"""

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from clientele.core.models import Resource, Timestamp

ReferralCodeText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$"),
    AfterValidator(str.upper),  # codes are read out and typed: one case
]


class ReferralCodeStatus(StrEnum):
    ACTIVE = "active"
    USED_UP = "used_up"  # used as often as its usage limit allows
    EXPIRED = "expired"


class ReferralCode(Resource):
    code: str
    advocate_id: str  # the consumer who shares it
    expires_at: Timestamp | None
    usage_limit: int | None  # null: any number of referred people
    usage_count: int
    status: ReferralCodeStatus  # at the time of the answer
    created_at: Timestamp
    updated_at: Timestamp


class Referral(Resource):
    """A referred consumer: recorded once per person, by the create or order that carried the code."""

    code: str
    advocate_id: str
    referred_id: str
    order_id: str | None  # null: it came with the consumer's create
    created_at: Timestamp
    advocate_points: int = 0  # what the program's referral rule gave each side
    referred_points: int = 0
    rewarded_at: Timestamp | None = None
