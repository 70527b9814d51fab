"""What callers send about referrals. Apart from what they get back (referrals/models.py)."""

from typing import Annotated

from pydantic import AwareDatetime, Field

from clientele.core.models import ApiModel
from clientele.referrals.models import ReferralCodeText


class ReferralCodeCreate(ApiModel):
    """Body of `POST /consumers/{id}/referral-codes` (may be empty): no code draws one."""

    code: ReferralCodeText | None = None
    expires_at: AwareDatetime | None = None
    usage_limit: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
