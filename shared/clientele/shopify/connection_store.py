"""The Shopify connection: its settings item, the item its connection id names, and the shop's
token and webhook secret in AWS Secrets Manager.

settings    pk=<tenant>#INTEGRATION#shopify   sk=INTEGRATION
            {shopDomain, enabled, connectionId, tokenHint | clientId, secretHint, webhookUrl, updatedAt,
             webhooksReceived, webhookFailures, lastReceivedAt, lastFailureAt, lastFailure,
             lastFullSync (JSON text)}
connection  pk=SHOPIFYCONN#<connectionId>      sk=CONNECTION   {organization, environment, enabled}
            gsi1pk=SHOPIFY#ENABLED              gsi1sk=<connectionId>   (only while enabled)
secret      clientele/<stage>/<environment>/<organization>/shopify   {"accessToken" | "clientId", "webhookSecret"}

The connection item is the one Shopify item outside the tenant's keys: a webhook names only the
connection id, and the daily reconciliation needs every enabled tenant (one gsi1 Query). Both
items are written in one transaction, so the connection id never names a tenant whose settings
say otherwise. The table never holds the token or the secret, only their last four characters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from clientele.core import aws, settings
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.tenancy import Environment, Tenant

ENABLED_PARTITION = "SHOPIFY#ENABLED"


class ShopifySettingsRecord(Entity):
    kind = "ShopifyIntegration"

    @staticmethod
    def key(tenant: Tenant) -> dict[str, str]:
        return {"pk": f"{tenant.key_prefix}#INTEGRATION#shopify", "sk": "INTEGRATION"}


class ShopifyConnectionRecord(Entity):
    """A connection id pointing at its tenant: looked up before any tenant is known (a webhook)."""

    kind = "ShopifyConnection"
    tenant_scoped = False

    @staticmethod
    def key(connection_id: str) -> dict[str, str]:
        return {"pk": f"SHOPIFYCONN#{connection_id}", "sk": "CONNECTION"}

    @staticmethod
    def enabled_key(connection_id: str) -> dict[str, str]:
        """gsi1: every enabled connection of every tenant, in one partition."""
        return {"gsi1pk": ENABLED_PARTITION, "gsi1sk": connection_id}


# ---------------------------------------------------------------- the secret


def secret_name(tenant: Tenant) -> str:
    return f"clientele/{settings.current().stage}/{tenant.environment}/{tenant.organization}/shopify"


def read_secret(tenant: Tenant) -> dict[str, str]:
    """{"accessToken" or "clientId", "webhookSecret"}; {} when the tenant has none."""
    try:
        value = aws.client("secretsmanager").get_secret_value(SecretId=secret_name(tenant))["SecretString"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return {}
        raise
    return dict(json.loads(value))


def store_secret(tenant: Tenant, values: dict[str, str]) -> None:
    """Creates the tenant's secret, or gives it a new value."""
    description = "Shopify Admin API token and webhook secret of one Clientele organization and environment"
    aws.store_secret(secret_name(tenant), json.dumps(values), description)


# ---------------------------------------------------------------- the items


def get(tenant: Tenant, *, consistent: bool = True) -> dict[str, Any] | None:
    return dynamo.get_item(ShopifySettingsRecord.key(tenant), consistent=consistent)


def put_settings(tenant: Tenant, fields: dict[str, Any], connection_id: str, *, first: bool) -> None:
    """The settings and the connection item, in one transaction. `first`: the settings hold no
    connection id yet (two first PUTs at once: one wins, the other fails its condition and reads
    again); otherwise they must still hold `connection_id`. Raises TransactionCancelled."""
    condition = "attribute_not_exists(#connectionId)" if first else "#connectionId = :connectionId"
    settings_write = dynamo.set_fields(
        ShopifySettingsRecord.key(tenant),
        {"entity": ShopifySettingsRecord.kind, **fields, "connectionId": connection_id},
        condition=condition,
    )
    enabled = bool(fields["enabled"])
    connection = ShopifyConnectionRecord.item(
        ShopifyConnectionRecord.key(connection_id),
        {
            "organization": tenant.organization,
            "environment": str(tenant.environment),
            "enabled": enabled,
            **(ShopifyConnectionRecord.enabled_key(connection_id) if enabled else {}),
        },
    )
    # The id names this tenant or nobody yet: no PUT can take over another tenant's id.
    connection_write = dynamo.put(
        connection,
        condition="attribute_not_exists(pk) OR (organization = :organization AND environment = :environment)",
        values={":organization": tenant.organization, ":environment": str(tenant.environment)},
    )
    dynamo.transact([settings_write, connection_write])


def tenant_for(connection_id: str) -> Tenant | None:
    item = dynamo.get_item(ShopifyConnectionRecord.key(connection_id))
    if item is None:
        return None
    return Tenant(organization=str(item["organization"]), environment=Environment(str(item["environment"])))


def enabled_tenants() -> Iterator[Tenant]:
    """Every tenant whose connection is enabled (gsi1, partition SHOPIFY#ENABLED), page by page."""
    params: dict[str, Any] = {
        "TableName": settings.table_name(),
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :enabled",
        "ExpressionAttributeValues": dynamo.serialize({":enabled": ENABLED_PARTITION}),
    }
    while True:
        response = aws.dynamodb().query(**params)
        for item in map(dynamo.deserialize, response.get("Items", [])):
            yield Tenant(organization=str(item["organization"]), environment=Environment(str(item["environment"])))
        if "LastEvaluatedKey" not in response:
            return
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def record_webhook(tenant: Tenant, *, ok: bool, at: str, reason: str | None) -> bool:
    """Counts one delivery (and a failure when not ok) on the settings; False when there are none."""
    expression = "SET #lastReceivedAt = :at ADD #webhooksReceived :one"
    names = {"#lastReceivedAt": "lastReceivedAt", "#webhooksReceived": "webhooksReceived"}
    values: dict[str, Any] = {":at": at, ":one": 1}
    if not ok:
        expression = "SET #lastReceivedAt = :at, #lastFailureAt = :at, #lastFailure = :reason "
        expression += "ADD #webhooksReceived :one, #webhookFailures :one"
        names |= {
            "#lastFailureAt": "lastFailureAt",
            "#lastFailure": "lastFailure",
            "#webhookFailures": "webhookFailures",
        }
        values[":reason"] = (reason or "failed")[:500]
    operation = dynamo.update(
        ShopifySettingsRecord.key(tenant),
        expression=expression,
        values=values,
        names=names,
        condition="attribute_exists(pk)",
    )
    return dynamo.updated(operation) is not None


def _number(value: Any) -> Any:
    """A number DynamoDB gave back (a Decimal) as JSON's number."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def record_full_sync(tenant: Tenant, summary: dict[str, Any]) -> bool:
    operation = dynamo.set_fields(
        ShopifySettingsRecord.key(tenant),
        {"lastFullSync": json.dumps(summary, default=_number)},  # as text, numbers as numbers
        condition="attribute_exists(pk)",
    )
    return dynamo.updated(operation) is not None
