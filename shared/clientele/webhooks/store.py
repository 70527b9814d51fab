"""What outbound webhooks keep: endpoints (and their count), events, delivery attempts, and each
endpoint's signing secret in AWS Secrets Manager.

Keys (tenant prefix `<environment>#<organization>`):
  endpoint   pk=<tenant>#WEBHOOKS                         sk=ENDPOINT#<id>
  count      pk=<tenant>#WEBHOOKS                         sk=COUNT                  {count}
  event      pk=<tenant>#WEBHOOKEVENTS#<type>             sk=<createdAt>#<evt id>   gsi1pk=<tenant>#WEBHOOKEVENTS
                                                          gsi1sk=<createdAt>#<evt id>  (TTL `expiration`: 30 days)
  event ref  pk=<tenant>#WEBHOOKEVENTS#CONSUMER#<consumer id>  sk=<evt id>  {eventPk, eventSk}  (an event holding
                                                          the consumer's data; TTL `expiration`: 30 days)
  attempt    pk=<tenant>#WEBHOOK#<endpoint id>#ATTEMPTS   sk=<attemptedAt>#<id>     (TTL `expiration`: 30 days)
  secret     clientele/<stage>/<environment>/<organization>/webhooks/<endpoint id>   (Secrets Manager)

An event's key comes from the stream record that made it, so a redelivered record finds it there
(a conditional put) and makes no second event. A secret is one per endpoint: creating and deleting
an endpoint is then one call each, with no read-modify-write of a secret other endpoints share.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from clientele.core import aws, settings
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.pages import Source, listed, newest_first, prefixed
from clientele.core.tenancy import Tenant
from clientele.privacy.store import ErasureAudit, subject_of

RETENTION_SECONDS = 30 * 24 * 3600  # events and attempts are kept 30 days (the table's TTL)
MAX_ENDPOINTS = 20  # per tenant: a condition in the create's transaction


class WebhookEndpointRecord(Entity):
    kind = "WebhookEndpoint"
    PREFIX = "ENDPOINT#"

    @staticmethod
    def partition(tenant: Tenant) -> str:
        return f"{tenant.key_prefix}#WEBHOOKS"

    @classmethod
    def key(cls, tenant: Tenant, endpoint_id: str) -> dict[str, str]:
        return {"pk": cls.partition(tenant), "sk": f"{cls.PREFIX}{endpoint_id}"}


class WebhookEndpointCount(Entity):
    kind = "WebhookEndpointCount"

    @staticmethod
    def key(tenant: Tenant) -> dict[str, str]:
        return {"pk": WebhookEndpointRecord.partition(tenant), "sk": "COUNT"}


class WebhookEventRecord(Entity):
    kind = "WebhookEvent"

    @staticmethod
    def type_partition(tenant: Tenant, event_type: str) -> str:
        return f"{tenant.key_prefix}#WEBHOOKEVENTS#{event_type}"

    @staticmethod
    def list_partition(tenant: Tenant) -> str:
        """The gsi1 partition of all the tenant's events, by createdAt."""
        return f"{tenant.key_prefix}#WEBHOOKEVENTS"

    @classmethod
    def key(cls, tenant: Tenant, event_type: str, created_at: str, event_id: str) -> dict[str, str]:
        return {"pk": cls.type_partition(tenant, event_type), "sk": f"{created_at}#{event_id}"}

    @classmethod
    def to_item(cls, tenant: Tenant, event: dict[str, Any], expiration: int) -> dict[str, Any]:
        keys = {
            **cls.key(tenant, event["type"], event["createdAt"], event["id"]),
            **listed(cls.list_partition(tenant), event["createdAt"], event["id"]),
        }
        return cls.item(keys, {"event": json.dumps(event, separators=(",", ":")), "expiration": expiration})


class ConsumerEventRef(Entity):
    """Which stored events carry a consumer's data: an erasure removes them (and these) at once."""

    kind = "WebhookEventRef"

    @staticmethod
    def partition(tenant: Tenant, consumer_id: str) -> str:
        return f"{tenant.key_prefix}#WEBHOOKEVENTS#CONSUMER#{consumer_id}"

    @classmethod
    def key(cls, tenant: Tenant, consumer_id: str, event_id: str) -> dict[str, str]:
        return {"pk": cls.partition(tenant, consumer_id), "sk": event_id}


class WebhookAttemptRecord(Entity):
    kind = "WebhookAttempt"

    @staticmethod
    def partition(tenant: Tenant, endpoint_id: str) -> str:
        return f"{tenant.key_prefix}#WEBHOOK#{endpoint_id}#ATTEMPTS"

    @classmethod
    def key(cls, tenant: Tenant, endpoint_id: str, attempted_at: str, attempt_id: str) -> dict[str, str]:
        return {"pk": cls.partition(tenant, endpoint_id), "sk": f"{attempted_at}#{attempt_id}"}


# ---------------------------------------------------------------- endpoints


def endpoint_fields(item: dict[str, Any]) -> dict[str, Any]:
    return WebhookEndpointRecord.fields(item)


def get_endpoint(tenant: Tenant, endpoint_id: str, *, consistent: bool = True) -> dict[str, Any] | None:
    item = dynamo.get_item(WebhookEndpointRecord.key(tenant, endpoint_id), consistent=consistent)
    return None if item is None else endpoint_fields(item)


def endpoints(tenant: Tenant) -> list[dict[str, Any]]:
    """Every endpoint of the tenant (at most MAX_ENDPOINTS): one Query of its partition."""
    items = dynamo.query(
        key_condition="pk = :pk AND begins_with(sk, :prefix)",
        values={":pk": WebhookEndpointRecord.partition(tenant), ":prefix": WebhookEndpointRecord.PREFIX},
    )
    return [endpoint_fields(item) for item in items]


def endpoint_source(tenant: Tenant) -> Source:
    return prefixed(WebhookEndpointRecord.partition(tenant), WebhookEndpointRecord.PREFIX, consistent=True)


class TooManyEndpoints(Exception):
    pass


class EndpointMissing(Exception):
    pass


def insert_endpoint(tenant: Tenant, fields: dict[str, Any]) -> None:
    """The endpoint and the tenant's count, together; refused beyond MAX_ENDPOINTS."""
    count = dynamo.update(
        WebhookEndpointCount.key(tenant),
        expression="SET #entity = :kind ADD #count :one",
        values={":kind": WebhookEndpointCount.kind, ":one": 1, ":max": MAX_ENDPOINTS},
        names={"#entity": "entity", "#count": "count"},
        condition="attribute_not_exists(#count) OR #count < :max",
    )
    item = WebhookEndpointRecord.item(WebhookEndpointRecord.key(tenant, fields["id"]), fields)
    try:
        dynamo.transact([count, dynamo.put(item, condition="attribute_not_exists(pk)")])
    except dynamo.TransactionCancelled as cancelled:
        if 0 in cancelled.failed:
            raise TooManyEndpoints() from None
        raise


def change_endpoint(
    tenant: Tenant, endpoint_id: str, fields: dict[str, Any], *, version: int | None = None
) -> dict[str, Any]:
    """Sets `fields` (None removes one) on the endpoint if it exists (and is at `version` when given);
    returns the endpoint as it is now."""
    condition = "attribute_exists(pk)" + (" AND #version = :read" if version is not None else "")
    operation = dynamo.set_fields(
        WebhookEndpointRecord.key(tenant, endpoint_id),
        fields,
        condition=condition,
        values={":read": version} if version is not None else None,
        names={"#version": "version"} if version is not None else None,
    )
    if dynamo.updated(operation) is None:
        raise EndpointMissing()
    found = get_endpoint(tenant, endpoint_id)
    if found is None:
        raise EndpointMissing()
    return found


def delete_endpoint(tenant: Tenant, endpoint_id: str) -> None:
    count = dynamo.update(
        WebhookEndpointCount.key(tenant),
        expression="ADD #count :minus",
        values={":minus": -1},
        names={"#count": "count"},
    )
    remove = dynamo.delete(WebhookEndpointRecord.key(tenant, endpoint_id), condition="attribute_exists(pk)")
    try:
        dynamo.transact([remove, count])
    except dynamo.TransactionCancelled:
        raise EndpointMissing() from None


def mark_failing(tenant: Tenant, endpoint_id: str, since: str) -> str | None:
    """Records the first failure since the last success; returns when the failures began."""
    operation = dynamo.update(
        WebhookEndpointRecord.key(tenant, endpoint_id),
        expression="SET #failingSince = if_not_exists(#failingSince, :since)",
        values={":since": since},
        names={"#failingSince": "failingSince"},
        condition="attribute_exists(pk)",
    )
    written = dynamo.updated(operation)
    if written is None:
        return None
    if "failingSince" not in written:  # unchanged: some stores answer only the values that changed
        current = get_endpoint(tenant, endpoint_id)
        return None if current is None else current.get("failingSince")
    return str(written["failingSince"])


def mark_succeeded(tenant: Tenant, endpoint_id: str) -> None:
    operation = dynamo.update(
        WebhookEndpointRecord.key(tenant, endpoint_id),
        expression="REMOVE #failingSince",
        values={},
        names={"#failingSince": "failingSince"},
        condition="attribute_exists(#failingSince)",
    )
    dynamo.updated(operation)


def disable(tenant: Tenant, endpoint_id: str, reason: str, at: str) -> bool:
    """Disables an enabled endpoint; False when it was already disabled (or is gone)."""
    operation = dynamo.set_fields(
        WebhookEndpointRecord.key(tenant, endpoint_id),
        {"enabled": False, "disabledReason": reason, "disabledAt": at, "updatedAt": at},
        condition="attribute_exists(pk) AND #enabled = :on",
        values={":on": True},
    )
    return dynamo.updated(operation) is not None


# ---------------------------------------------------------------- events


def put_event(tenant: Tenant, event: dict[str, Any], expiration: int, consumer_id: str | None = None) -> bool:
    """Stores the event once: False when it was already there (a redelivered stream record). With
    `consumer_id`, a reference beside it says the event holds that consumer's data."""
    item = WebhookEventRecord.to_item(tenant, event, expiration)
    operations = [dynamo.put(item, condition="attribute_not_exists(pk)")]
    if consumer_id is not None:
        ref = ConsumerEventRef.item(
            ConsumerEventRef.key(tenant, consumer_id, event["id"]),
            {"eventPk": item["pk"], "eventSk": item["sk"], "expiration": expiration},
        )
        operations.append(dynamo.put(ref))
    try:
        dynamo.transact(operations)
    except dynamo.TransactionCancelled:
        return False
    return True


def forget_consumer_events(tenant: Tenant, consumer_id: str) -> int:
    """Deletes the stored events that hold the consumer's data, and their references; how many."""
    refs = dynamo.query(
        key_condition="pk = :pk", values={":pk": ConsumerEventRef.partition(tenant, consumer_id)}, consistent=True
    )
    events = [{"pk": str(ref["eventPk"]), "sk": str(ref["eventSk"])} for ref in refs]
    dynamo.batch_write(puts=[], deletes=events + [{"pk": str(ref["pk"]), "sk": str(ref["sk"])} for ref in refs])
    return len(events)


def get_event(tenant: Tenant, event_type: str, created_at: str, event_id: str) -> dict[str, Any] | None:
    item = dynamo.get_item(WebhookEventRecord.key(tenant, event_type, created_at, event_id), consistent=True)
    return None if item is None else event_of(item)


def event_of(item: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(item["event"]))


def events_source(tenant: Tenant, event_type: str | None) -> Source:
    """Newest first: all the tenant's events (gsi1), or one type's (its own partition)."""
    if event_type is None:
        return newest_first(WebhookEventRecord.list_partition(tenant))
    return prefixed(WebhookEventRecord.type_partition(tenant, event_type), "", forward=False)


def events_after(tenant: Tenant, after: str, until: str, limit: int) -> list[tuple[str, dict[str, Any]]]:
    """Up to `limit` events of the tenant after the gsi1 mark `after` and up to `until`, oldest first:
    (their mark, the event)."""
    items = dynamo.query(
        key_condition="gsi1pk = :pk AND gsi1sk BETWEEN :low AND :high",
        values={
            ":pk": WebhookEventRecord.list_partition(tenant),
            ":low": after + "\u0001",
            ":high": until + "\U0010ffff",
        },
        index="gsi1",
        limit=limit,
    )
    return [(str(item["gsi1sk"]), event_of(item)) for item in items[:limit]]


def erased(tenant: Tenant, consumer_id: str) -> bool:
    """Whether the consumer was erased (privacy writes its audit entry before it removes the consumer)."""
    return dynamo.get_item(ErasureAudit.key(tenant, subject_of(tenant, consumer_id)), consistent=True) is not None


# ---------------------------------------------------------------- attempts


def put_attempt(tenant: Tenant, endpoint_id: str, attempt: dict[str, Any], expiration: int) -> None:
    keys = WebhookAttemptRecord.key(tenant, endpoint_id, attempt["attemptedAt"], attempt["id"])
    dynamo.transact([dynamo.put(WebhookAttemptRecord.item(keys, {**attempt, "expiration": expiration}))])


def attempts_source(tenant: Tenant, endpoint_id: str) -> Source:
    return prefixed(WebhookAttemptRecord.partition(tenant, endpoint_id), "", forward=False)


def attempt_fields(item: dict[str, Any]) -> dict[str, Any]:
    fields = WebhookAttemptRecord.fields(item)
    fields.pop("expiration", None)
    for name in ("attempt", "statusCode", "durationMs"):
        if fields.get(name) is not None:
            fields[name] = int(fields[name])
    return fields


# ---------------------------------------------------------------- secrets


def secret_name(tenant: Tenant, endpoint_id: str) -> str:
    return f"clientele/{settings.current().stage}/{tenant.environment}/{tenant.organization}/webhooks/{endpoint_id}"


def create_secret(tenant: Tenant, endpoint_id: str, keys: dict[str, Any]) -> None:
    aws.client("secretsmanager").create_secret(
        Name=secret_name(tenant, endpoint_id),
        SecretString=json.dumps(keys),
        Description="Signing secret of one Clientele webhook endpoint",
    )


def put_secret(tenant: Tenant, endpoint_id: str, keys: dict[str, Any]) -> None:
    aws.client("secretsmanager").put_secret_value(
        SecretId=secret_name(tenant, endpoint_id), SecretString=json.dumps(keys)
    )


def read_secret(tenant: Tenant, endpoint_id: str) -> dict[str, Any] | None:
    try:
        answer = aws.client("secretsmanager").get_secret_value(SecretId=secret_name(tenant, endpoint_id))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    return dict(json.loads(answer["SecretString"]))


def delete_secret(tenant: Tenant, endpoint_id: str) -> None:
    try:
        aws.client("secretsmanager").delete_secret(
            SecretId=secret_name(tenant, endpoint_id), ForceDeleteWithoutRecovery=True
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
