"""What callers send about audiences: an audience's name and description, and the consumers to add or
remove."""

from typing import Annotated

from pydantic import StringConstraints, model_validator

from clientele.consumers.requests import MAX_IDS_PER_REQUEST, ConsumerSelection
from clientele.core.models import ApiModel

MAX_MEMBERS_PER_REQUEST = MAX_IDS_PER_REQUEST
AudienceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class AudienceCreate(ApiModel):
    name: AudienceName
    description: Description | None = None


class AudienceUpdate(ApiModel):
    """Body of `PUT /audiences/{id}`: the fields present change; `null` clears the description."""

    name: AudienceName | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _name_not_cleared(self) -> "AudienceUpdate":
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null")
        return self


class MembersChange(ConsumerSelection):
    """Body of `POST` and `DELETE /audiences/{id}/members`."""
