"""The Klaviyo integration: its settings item, and its API key in AWS Secrets Manager.

settings  pk=<tenant>#INTEGRATION#klaviyo  sk=INTEGRATION  {enabled, listId, keyHint, updatedAt, resync}
secret    clientele/<stage>/<environment>/<organization>/klaviyo   (one per tenant; the key itself)

The table never holds the key: only its last four characters, to show which key is set.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from clientele.core import aws, settings
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.tenancy import Tenant
from clientele.integrations.models import KlaviyoResync, ResyncStatus


class KlaviyoSettingsRecord(Entity):
    kind = "KlaviyoIntegration"  # template.yaml's resync stream filter names this kind

    @staticmethod
    def key(tenant: Tenant) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#INTEGRATION#klaviyo", "sk": "INTEGRATION"}


def secret_name(tenant: Tenant) -> str:
    return f"clientele/{settings.current().stage}/{tenant.environment}/{tenant.organization}/klaviyo"


def store_key(tenant: Tenant, api_key: str) -> None:
    """Creates the tenant's secret, or gives it a new value."""
    secrets = aws.client("secretsmanager")
    try:
        secrets.put_secret_value(SecretId=secret_name(tenant), SecretString=api_key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        secrets.create_secret(
            Name=secret_name(tenant),
            SecretString=api_key,
            Description="Klaviyo private API key of one Clientele organization and environment",
        )


def read_key(tenant: Tenant) -> str:
    return str(aws.client("secretsmanager").get_secret_value(SecretId=secret_name(tenant))["SecretString"])


def get(tenant: Tenant, *, consistent: bool = True) -> dict[str, Any] | None:
    return dynamo.get_item(KlaviyoSettingsRecord.key(tenant), consistent=consistent)


def put_settings(tenant: Tenant, enabled: bool, list_id: str | None, key_hint: str | None, updated_at: str) -> None:
    """The settings, keeping the latest resync (and the key's hint when no new key was given)."""
    fields = {"entity": KlaviyoSettingsRecord.kind, "enabled": enabled, "listId": list_id, "updatedAt": updated_at}
    if key_hint is not None:
        fields["keyHint"] = key_hint
    dynamo.transact([dynamo.set_fields(KlaviyoSettingsRecord.key(tenant), fields)])


def request_resync(tenant: Tenant, resync: KlaviyoResync) -> bool:
    """Records a new resync, unless one is pending or running. Its MODIFY starts the backfill."""
    operation = dynamo.set_fields(
        KlaviyoSettingsRecord.key(tenant),
        {"resync": resync.model_dump(mode="json", by_alias=True, exclude_none=True)},
        condition=(
            "attribute_exists(pk) AND (attribute_not_exists(#resync) OR NOT #resync.#status IN (:pending, :running))"
        ),
        values={":pending": str(ResyncStatus.PENDING), ":running": str(ResyncStatus.RUNNING)},
        names={"#status": "status"},
    )
    try:
        dynamo.transact([operation])
    except dynamo.TransactionCancelled:
        return False
    return True


def move_resync(tenant: Tenant, resync_id: str, expected: ResyncStatus, resync: KlaviyoResync) -> bool:
    """Replaces the resync `resync_id` if it is still `expected` (one runner per resync)."""
    operation = dynamo.set_fields(
        KlaviyoSettingsRecord.key(tenant),
        {"resync": resync.model_dump(mode="json", by_alias=True, exclude_none=True)},
        condition="#resync.#id = :id AND #resync.#status = :expected",
        values={":id": resync_id, ":expected": str(expected)},
        names={"#status": "status", "#id": "id"},
    )
    try:
        dynamo.transact([operation])
    except dynamo.TransactionCancelled:
        return False
    return True


def forget_request(item: dict[str, Any]) -> dict[str, Any] | None:
    """The stored erasure request (a KlaviyoForget item, see privacy.store) a stream record names, if
    it is still there: a redelivered record finds it gone once Klaviyo has it."""
    return dynamo.get_item({"pk": item["pk"], "sk": item["sk"]}, consistent=True)


def drop_forget_request(item: dict[str, Any]) -> None:
    dynamo.batch_write(puts=[], deletes=[{"pk": item["pk"], "sk": item["sk"]}])
