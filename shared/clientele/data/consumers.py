"""Consumer items and the uniqueness items that keep email and externalId unique per tenant.

Keys (tenant prefix `<environment>#<organization>`):
  consumer        pk=<tenant>#CONSUMER#<id>          sk=PROFILE
                  gsi1pk=<tenant>#CONSUMERS           gsi1sk=<createdAt>#<id>   (newest/oldest first)
  unique value    pk=<tenant>#EMAIL#<lower(email)>    sk=UNIQUE   -> consumerId
                  pk=<tenant>#EXTERNALID#<externalId> sk=UNIQUE   -> consumerId
"""

from __future__ import annotations

import json
from typing import Any

from clientele import normalize
from clientele.data import dynamo
from clientele.errors import ClienteleError, EmailAlreadyExists, ExternalIdAlreadyExists
from clientele.models import Consumer
from clientele.tenancy import Tenant

ENTITY = "Consumer"


class ConsumerRecord:
    """How a Consumer is stored: it builds its own keys and converts to and from items."""

    @staticmethod
    def key(tenant: Tenant, consumer_id: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#CONSUMER#{consumer_id}", "sk": "PROFILE"}

    @staticmethod
    def to_item(tenant: Tenant, consumer: Consumer) -> dict[str, Any]:
        fields = consumer.model_dump(mode="python", by_alias=True)
        # Arbitrary JSON (floats, nesting) is kept as text: DynamoDB numbers would change its types.
        fields["metadata"] = None if consumer.metadata is None else json.dumps(consumer.metadata)
        return {
            **ConsumerRecord.key(tenant, consumer.id),
            "gsi1pk": f"{tenant.key_prefix}#CONSUMERS",
            "gsi1sk": f"{consumer.created_at}#{consumer.id}",
            "entity": ENTITY,
            **fields,
        }

    @staticmethod
    def from_item(item: dict[str, Any]) -> Consumer:
        fields = {name: value for name, value in item.items() if name not in _KEY_ATTRIBUTES}
        if fields.get("metadata") is not None:
            fields["metadata"] = json.loads(fields["metadata"])
        fields["loyalty"]["points"] = int(fields["loyalty"]["points"])
        fields["totalOrders"] = int(fields["totalOrders"])
        # Absent attributes are nulls: serialize() drops None values to keep items small.
        for name, info in Consumer.model_fields.items():
            fields.setdefault(info.alias or name, None)
        return Consumer.model_validate(fields)


_KEY_ATTRIBUTES = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "entity"})


class UniqueValue:
    """Claims one identifying value (email, externalId) of a tenant for one consumer."""

    @staticmethod
    def key(tenant: Tenant, kind: str, value: str) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#{kind}#{value}", "sk": "UNIQUE"}

    @staticmethod
    def claim(tenant: Tenant, kind: str, value: str, consumer_id: str) -> dict[str, Any]:
        item = {**UniqueValue.key(tenant, kind, value), "entity": "Unique", "consumerId": consumer_id}
        return dynamo.put(item, condition="attribute_not_exists(pk)")


def _claims(tenant: Tenant, consumer: Consumer) -> list[tuple[dict[str, Any], type[ClienteleError], str]]:
    """The transaction operations claiming the consumer's unique values, each with the error and
    field to report when another consumer already holds that value."""
    claims: list[tuple[dict[str, Any], type[ClienteleError], str]] = []
    if consumer.email is not None:
        email = normalize.email_identity(consumer.email)
        claims.append((UniqueValue.claim(tenant, "EMAIL", email, consumer.id), EmailAlreadyExists, "email"))
    if consumer.external_id is not None:
        external_id = consumer.external_id
        claims.append(
            (UniqueValue.claim(tenant, "EXTERNALID", external_id, consumer.id), ExternalIdAlreadyExists, "externalId")
        )
    return claims


def insert(tenant: Tenant, consumer: Consumer) -> None:
    """Writes the consumer and claims its email/externalId in one transaction: a taken value
    fails the whole write, and two concurrent creates with one email cannot both succeed."""
    claims = _claims(tenant, consumer)
    operations = [
        dynamo.put(ConsumerRecord.to_item(tenant, consumer), condition="attribute_not_exists(pk)"),
        *(operation for operation, _, _ in claims),
    ]
    try:
        dynamo.transact(operations)
    except dynamo.TransactionCancelled as cancelled:
        taken = [claims[index - 1] for index in cancelled.failed if index > 0]
        if not taken:
            raise
        _, error, field = taken[0]
        raise error(details=[{"field": field, "message": f"{field} is already used by another consumer"}]) from None


def get(tenant: Tenant, consumer_id: str) -> Consumer | None:
    item = dynamo.get_item(ConsumerRecord.key(tenant, consumer_id), consistent=True)  # read-after-write
    return ConsumerRecord.from_item(item) if item else None
