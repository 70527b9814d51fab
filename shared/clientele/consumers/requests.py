"""What callers send about consumers: the bodies of creates, updates, batches and bulk requests, with
the checks they make. Apart from the consumer they answer with (consumers/models.py), so that a route
that takes none of them does not build them."""

import json
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from clientele.consumers.enums import Membership, Source, Status
from clientele.consumers.models import NEEDS_IDENTIFIER, Address, derived_full_name
from clientele.core.models import ApiModel, Email, ExternalId, Phone, Reason, Tag, Text
from clientele.referrals.models import ReferralCodeText

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def _check_metadata(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    if metadata is None:
        return None
    if len(metadata) > METADATA_MAX_KEYS:
        raise ValueError(f"metadata may have at most {METADATA_MAX_KEYS} keys")
    for key, value in metadata.items():
        if not key or len(key) > METADATA_MAX_KEY_LENGTH:
            raise ValueError(f"metadata keys must be 1-{METADATA_MAX_KEY_LENGTH} characters: {key[:50]!r}")
        if len(json.dumps(value)) > METADATA_MAX_VALUE_LENGTH:
            raise ValueError(f"metadata value of {key!r} is longer than {METADATA_MAX_VALUE_LENGTH} characters")
    return metadata


Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]

Tags = Annotated[list[Tag], Field(max_length=100), AfterValidator(lambda tags: list(dict.fromkeys(tags)))]


class ProfileFields(ApiModel):
    """The profile fields a caller may set, on create and on update alike (all may be null)."""

    email: Email | None = None
    phone: Phone | None = None
    full_name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    metadata: Metadata | None = None
    external_id: ExternalId | None = None
    address: Address | None = None


ARRIVALS = (Source.API, Source.CONSOLE, Source.IMPORT, Source.KLAVIYO, Source.SHOPIFY)


class ConsumerCreate(ProfileFields):
    """Body of `POST /consumers`: seed 001's fields plus the profile fields of the other seeds."""

    status: Status = Status.ACTIVE
    membership: Membership = Membership.GUEST
    verified: bool = False
    tags: Tags = Field(default_factory=list)
    # `source` is the path the consumer came in through (create_consumer's `source`), never the caller's
    # word: a body that names it is refused with a message that says so.
    source: SkipJsonSchema[None] = Field(default=None, exclude=True)
    referral_code: ReferralCodeText | None = None  # records the new consumer as referred (POST /consumers only)

    @field_validator("source", mode="before")
    @classmethod
    def _source_is_the_path(cls, _: Any) -> None:
        paths = ", ".join(str(source) for source in ARRIVALS)
        raise ValueError(f"is set by the path the consumer came in through ({paths}), never in the body")

    @model_validator(mode="after")
    def _identified(self) -> "ConsumerCreate":
        if self.email is None and self.phone is None and self.external_id is None:
            raise ValueError(NEEDS_IDENTIFIER)
        return self

    def display_name(self) -> str | None:
        """fullName as given, else built from firstName/lastName."""
        return self.full_name if self.full_name is not None else derived_full_name(self.first_name, self.last_name)


class ConsumerUpdate(ProfileFields):
    """Body of `PUT /consumers/{id}`: the fields present change; `null` clears a field."""

    status: Status | None = None
    membership: Membership | None = None
    verified: bool | None = None
    tags: Tags | None = None  # null clears: no tags

    @model_validator(mode="after")
    def _required_fields_not_cleared(self) -> "ConsumerUpdate":
        sent = self.changes()
        cleared = [name for name in ("status", "membership", "verified") if name in sent and sent[name] is None]
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, by Python name, with their (normalized) values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class ConsumerBatchUpdate(ConsumerUpdate):
    """One item of `PUT /consumers/batch`. `version` is the batch's If-Match: the version the caller
    read; the batch is refused (409) if the consumer is at another."""

    id: str
    version: Annotated[int, Field(ge=1)] | None = None

    def changes(self) -> dict[str, Any]:
        return {name: value for name, value in super().changes().items() if name not in ("id", "version")}


MAX_IDS_PER_REQUEST = 500
ConsumerIds = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=40)]], Field(min_length=1)]


class ConsumerSelection(ApiModel):
    """The consumers a bulk request names: at most 500 consumerIds (repeats count once)."""

    consumer_ids: ConsumerIds

    @model_validator(mode="after")
    def _bounded(self) -> "ConsumerSelection":
        if len(self.consumer_ids) > MAX_IDS_PER_REQUEST:
            raise ValueError(f"at most {MAX_IDS_PER_REQUEST} consumerIds")
        self.consumer_ids = list(dict.fromkeys(self.consumer_ids))
        return self


class BulkStatus(ConsumerSelection):
    """Body of `POST /consumers/bulk-status`: at most 500 consumerIds (repeats count once)."""

    status: Status


class ConsumerBlock(ApiModel):
    """Body of `POST /consumers/{id}/block` (may be empty): why, shown on the profile and its timeline."""

    reason: Reason | None = None
