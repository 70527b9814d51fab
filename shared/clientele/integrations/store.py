"""The Klaviyo integration: its settings item, and its API key in AWS Secrets Manager.

settings  pk=<tenant>#INTEGRATION#klaviyo  sk=INTEGRATION  {enabled, listId, importListIds, keyHint, updatedAt, resync}
                                                            dueShard=KLAVIYO#PULL dueAt=<updatedAt>  (index byDue:
                                                            only while enabled with import lists; the hourly pull)
pull      pk=<tenant>#INTEGRATION#klaviyo  sk=PULL         the latest pull: counts, checkpoint {chunk, list, cursor}
link      (link_store.py) pk=<tenant>#KLAVIYOPROFILE#<profile id>  sk=LINK
secret    clientele/<stage>/<environment>/<organization>/klaviyo   (one per tenant; the key itself)

The table never holds the key: only its last four characters, to show which key is set.
"""

from __future__ import annotations

from typing import Any

from clientele.core import aws, settings
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.store.keys import tenant_of
from clientele.core.tenancy import Tenant
from clientele.integrations.models import KlaviyoResync, ResyncStatus

PULL_SHARD = "KLAVIYO#PULL"  # byDue's partition of the tenants whose import lists are pulled hourly


class KlaviyoSettingsRecord(Entity):
    kind = "KlaviyoIntegration"  # template.yaml's resync stream filter names this kind
    index_attributes = frozenset({"dueShard", "dueAt"})

    @staticmethod
    def key(tenant: Tenant) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#INTEGRATION#klaviyo", "sk": "INTEGRATION"}

    @staticmethod
    def due_keys(pulled: bool, since: str) -> dict[str, str | None]:
        """Index byDue (KEYS_ONLY, one partition for every tenant, like the loyalty refresh's shards):
        the settings of a tenant whose lists are pulled; None removes them from it."""
        return {"dueShard": PULL_SHARD if pulled else None, "dueAt": since if pulled else None}


class KlaviyoPullRecord(Entity):
    """The tenant's latest pull; template.yaml's pull stream filter names this kind (status running)."""

    kind = "KlaviyoPull"

    @staticmethod
    def key(tenant: Tenant) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#INTEGRATION#klaviyo", "sk": "PULL"}


def secret_name(tenant: Tenant) -> str:
    return f"clientele/{settings.current().stage}/{tenant.environment}/{tenant.organization}/klaviyo"


def store_key(tenant: Tenant, api_key: str) -> None:
    """Creates the tenant's secret, or gives it a new value."""
    description = "Klaviyo private API key of one Clientele organization and environment"
    aws.store_secret(secret_name(tenant), api_key, description)


def read_key(tenant: Tenant) -> str:
    return str(aws.client("secretsmanager").get_secret_value(SecretId=secret_name(tenant))["SecretString"])


def get(tenant: Tenant, *, consistent: bool = True) -> dict[str, Any] | None:
    return dynamo.get_item(KlaviyoSettingsRecord.key(tenant), consistent=consistent)


def put_settings(
    tenant: Tenant,
    enabled: bool,
    list_id: str | None,
    import_list_ids: list[str],
    key_hint: str | None,
    updated_at: str,
) -> None:
    """The settings, keeping the latest resync (and the key's hint when no new key was given)."""
    fields: dict[str, Any] = {
        "entity": KlaviyoSettingsRecord.kind,
        "enabled": enabled,
        "listId": list_id,
        "importListIds": import_list_ids,
        "updatedAt": updated_at,
        **KlaviyoSettingsRecord.due_keys(enabled and bool(import_list_ids), updated_at),
    }
    if key_hint is not None:
        fields["keyHint"] = key_hint
    dynamo.transact([dynamo.set_fields(KlaviyoSettingsRecord.key(tenant), fields)])


def tenants_to_pull(until: str) -> list[Tenant]:
    """Every tenant whose sync is on with import lists (set up by `until`): one Query of byDue's
    pull partition, never a Scan."""
    entries = dynamo.query(
        index="byDue",
        key_condition="dueShard = :shard AND dueAt <= :until",
        values={":shard": PULL_SHARD, ":until": until},
    )
    return [tenant_of(entry) for entry in entries]


# ---------------------------------------------------------------- pulls


def get_pull(tenant: Tenant) -> dict[str, Any] | None:
    return dynamo.get_item(KlaviyoPullRecord.key(tenant), consistent=True)


def start_pull(tenant: Tenant, pull: dict[str, Any], stale_before: str) -> bool:
    """Stores a new pull (its INSERT or MODIFY starts the first chunk), unless one is running: a
    running pull that has not moved since `stale_before` (its chunks gave up) may be replaced."""
    item = KlaviyoPullRecord.item(KlaviyoPullRecord.key(tenant), pull)
    operation = dynamo.put(
        item,
        condition="attribute_not_exists(pk) OR #status <> :running OR heartbeatAt < :stale",
        values={":running": "running", ":stale": stale_before},
    )
    operation["Put"]["ExpressionAttributeNames"] = {"#status": "status"}
    try:
        dynamo.transact([operation])
    except dynamo.TransactionCancelled:
        return False
    return True


def advance_pull(tenant: Tenant, pull_id: str, chunk: int, fields: dict[str, Any]) -> bool:
    """Sets the pull's fields (counts, the next checkpoint or the end) if it is still at chunk
    `chunk`: of two runs of one chunk (a record delivered again), one moves it on."""
    operation = dynamo.set_fields(
        KlaviyoPullRecord.key(tenant),
        fields,
        condition="#id = :id AND #status = :running AND #checkpoint.#chunk = :chunk",
        values={":id": pull_id, ":running": "running", ":chunk": chunk},
        names={"#id": "id", "#status": "status", "#checkpoint": "checkpoint", "#chunk": "chunk"},
    )
    try:
        dynamo.transact([operation])
    except dynamo.TransactionCancelled:
        return False
    return True


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
