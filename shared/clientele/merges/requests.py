"""The merge request on the wire."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from clientele.core.models import ApiModel

MAX_SOURCES = 10

# The fields whose value the request may take from a named profile; the rest follow the survivor rules.
CHOOSABLE = (
    "email",
    "phone",
    "externalId",
    "fullName",
    "firstName",
    "lastName",
    "address",
    "status",
    "membership",
    "metadata",
)


class MergeRequest(ApiModel):
    source_ids: Annotated[list[str], Field(min_length=1, max_length=MAX_SOURCES)] = Field(
        description="The profiles merged into this one (1-10): each is deleted and leaves a tombstone"
    )
    fields: dict[str, str] | None = Field(
        default=None,
        description=(
            'Which profile (the survivor or a source) gives a field, e.g. {"email": "cons_…"}; '
            "for metadata, whose keys win. Unnamed fields follow the survivor rules."
        ),
    )
    dry_run: bool = Field(default=False, description="Answer the merged profile and what moves; write nothing")

    @field_validator("source_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a profile is named twice")
        return value

    @field_validator("fields")
    @classmethod
    def _known(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for name in value or {}:
            if name not in CHOOSABLE:
                raise ValueError(f"{name} cannot be chosen: one of {', '.join(CHOOSABLE)}")
        return value
