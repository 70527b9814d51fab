"""What callers send to the webhook endpoints' routes."""

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from clientele.core.models import ApiModel
from clientele.webhooks.models import EventType

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


def _distinct(events: list[EventType]) -> list[EventType]:
    return sorted(set(events))


class WebhookEndpointCreate(ApiModel):
    """Body of `POST /webhook-endpoints`."""

    url: Url
    events: Annotated[list[EventType], Field(min_length=1, max_length=len(EventType))]
    description: Description | None = None
    enabled: bool = True

    _events = field_validator("events")(_distinct)


class WebhookEndpointUpdate(ApiModel):
    """Body of `PUT /webhook-endpoints/{id}`: the fields present change; enabling clears a disabled reason."""

    url: Url | None = None
    events: Annotated[list[EventType], Field(min_length=1, max_length=len(EventType))] | None = None
    description: Description | None = None
    enabled: bool | None = None

    @field_validator("events")
    @classmethod
    def _events(cls, events: list[EventType] | None) -> list[EventType] | None:
        return None if events is None else _distinct(events)


class ReplayRequest(ApiModel):
    """Body of `POST /webhook-endpoints/{id}/replay`: redeliver the stored events since then."""

    since: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
