"""What callers send to change a consumer's consent."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, StringConstraints, field_validator
from pydantic.json_schema import SkipJsonSchema

from clientele.consumers.enums import ConsentChannel, ConsentMethod, ConsentState, SuppressionReason
from clientele.core.models import ApiModel

# The methods a caller of the API may name; the others (console, import, shopify, klaviyo) are set by
# their own paths.
CallerMethod = Literal["form", "checkout", "api"]


class ConsentUpdate(ApiModel):
    """PUT /consumers/{id}/consent: one channel's new state, and how it was given."""

    channel: ConsentChannel
    state: ConsentState
    method: CallerMethod | None = Field(
        default=None, description="How it was given: form, checkout or api (the default; the console's own is console)"
    )
    wording_version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = (
        Field(default=None, description="The form or wording version the person agreed to")
    )
    source_ip: str | None = Field(default=None, description="The IP address the person gave it from, IPv4 or IPv6")
    # consentedAt is the time of the change: only an import may say an earlier one (the file's own
    # record of when people agreed), so a body that names it is refused with a message that says so.
    consented_at: SkipJsonSchema[None] = Field(default=None, exclude=True)

    @field_validator("consented_at", mode="before")
    @classmethod
    def _not_backdated(cls, _: Any) -> None:
        raise ValueError("is the time of the change: a backdated consentedAt is accepted only from an import")

    @field_validator("method", mode="before")
    @classmethod
    def _callers_method(cls, value: Any) -> Any:
        if isinstance(value, str) and value in set(ConsentMethod) - set(get_args(CallerMethod)):
            raise ValueError(f"must be one of {', '.join(get_args(CallerMethod))} ({value} is set by its own path)")
        return value

    @field_validator("source_ip")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            raise ValueError("must be an IPv4 or IPv6 address") from None


class SuppressionUpdate(ApiModel):
    """PUT /consumers/{id}/suppression: one channel's address suppressed (a reason) or lifted (null)."""

    channel: ConsentChannel
    reason: SuppressionReason | None = Field(
        description="hard_bounce, spam_complaint, invalid or manual; null lifts the channel's suppression"
    )
