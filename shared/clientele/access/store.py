"""API key items. Keys are looked up by hash before any tenant is known, so these two items are
the one place where a partition key does not start with the tenant.

  key record   pk=ORG#<organization>        sk=APIKEY#<keyId>   gsi1pk=APIKEY#<keyId> gsi1sk=APIKEY
  key lookup   pk=APIKEYHASH#<sha256(key)>  sk=APIKEYHASH       (deleted on revocation)
  usage key    pk=ORG#<organization>        sk=USAGEKEY         the organization's API Gateway key
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clientele.core import aws
from clientele.core.errors import ApiKeyNotFound
from clientele.core.store import dynamo
from clientele.core.store.entity import Entity
from clientele.core.tenancy import Environment, Scope


class ApiKeyLookup(Entity):
    """A key's hash, pointing at its record: what the authorizer reads (deleted on revocation)."""

    kind = "ApiKeyLookup"
    tenant_scoped = False

    @staticmethod
    def key(secret_hash: str) -> dict[str, str]:
        return {"pk": f"APIKEYHASH#{secret_hash}", "sk": "APIKEYHASH"}


class UsageKey(Entity):
    """The organization's API Gateway key in the usage plan (its usage identifier)."""

    kind = "UsageKey"
    tenant_scoped = False

    @staticmethod
    def key(organization: str) -> dict[str, str]:
        return {"pk": ApiKeyRecord.organization_partition(organization), "sk": "USAGEKEY"}


@dataclass(frozen=True, slots=True)
class ApiKeyRecord(Entity):
    key_id: str
    organization: str
    environment: Environment
    scope: Scope
    hint: str  # e.g. "sk_test_4Xv2…9QzA": identifies a key without revealing it
    secret_hash: str
    created_at: str
    revoked_at: str | None = None
    usage_key: str | None = None  # the organization's API Gateway key value (usage plan identifier)

    kind = "ApiKey"
    tenant_scoped = False
    PREFIX = "APIKEY#"

    @staticmethod
    def organization_partition(organization: str) -> str:
        return f"ORG#{organization}"

    @classmethod
    def key(cls, organization: str, key_id: str) -> dict[str, str]:
        return {"pk": cls.organization_partition(organization), "sk": f"{cls.PREFIX}{key_id}"}

    @classmethod
    def id_key(cls, key_id: str) -> dict[str, str]:
        """gsi1: a key record found by its id alone (revocation names only the id)."""
        return {"gsi1pk": f"{cls.PREFIX}{key_id}", "gsi1sk": "APIKEY"}

    lookup_key = staticmethod(ApiKeyLookup.key)

    def to_item(self) -> dict[str, Any]:
        return {
            **self.key(self.organization, self.key_id),
            **self.id_key(self.key_id),
            "entity": self.kind,
            "keyId": self.key_id,
            "organization": self.organization,
            "environment": str(self.environment),
            "scope": str(self.scope),
            "hint": self.hint,
            "secretHash": self.secret_hash,
            "createdAt": self.created_at,
            "revokedAt": self.revoked_at,
            **({"usageKey": self.usage_key} if self.usage_key else {}),
        }

    def to_lookup_item(self) -> dict[str, Any]:
        return {
            **ApiKeyLookup.key(self.secret_hash),
            "entity": ApiKeyLookup.kind,
            "keyId": self.key_id,
            "organization": self.organization,
            "environment": str(self.environment),
            "scope": str(self.scope),
            "secretHash": self.secret_hash,
            **({"usageKey": self.usage_key} if self.usage_key else {}),  # the authorizer's one read
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ApiKeyRecord:
        return cls(
            key_id=item["keyId"],
            organization=item["organization"],
            environment=Environment(item["environment"]),
            scope=Scope(item["scope"]),
            hint=item["hint"],
            secret_hash=item["secretHash"],
            created_at=item["createdAt"],
            revoked_at=item.get("revokedAt"),
            usage_key=item.get("usageKey"),
        )


def insert(record: ApiKeyRecord) -> None:
    dynamo.transact(
        [
            dynamo.put(record.to_item(), condition="attribute_not_exists(pk)"),
            dynamo.put(record.to_lookup_item(), condition="attribute_not_exists(pk)"),
        ]
    )


def find_by_hash(secret_hash: str) -> dict[str, Any] | None:
    # Strongly consistent: a key works the moment it is created and stops when it is revoked.
    return dynamo.get_item(ApiKeyRecord.lookup_key(secret_hash), consistent=True)


def list_for(organization: str) -> list[ApiKeyRecord]:
    items = dynamo.query(
        key_condition="pk = :pk AND begins_with(sk, :prefix)",
        values={":pk": ApiKeyRecord.organization_partition(organization), ":prefix": ApiKeyRecord.PREFIX},
    )
    return [ApiKeyRecord.from_item(item) for item in items]


def find(key_id: str) -> ApiKeyRecord:
    gsi1 = ApiKeyRecord.id_key(key_id)
    items = dynamo.query(
        index="gsi1",
        key_condition="gsi1pk = :pk AND gsi1sk = :sk",
        values={":pk": gsi1["gsi1pk"], ":sk": gsi1["gsi1sk"]},
    )
    if not items:
        raise ApiKeyNotFound()
    return ApiKeyRecord.from_item(items[0])


def revoke(record: ApiKeyRecord, revoked_at: str) -> None:
    """Marks the record revoked and deletes its lookup item, so the key stops authenticating."""
    try:
        dynamo.transact(
            [
                dynamo.update(
                    ApiKeyRecord.key(record.organization, record.key_id),
                    expression="SET revokedAt = :at",
                    values={":at": revoked_at},
                    condition="attribute_exists(pk) AND attribute_not_exists(revokedAt)",
                ),
                dynamo.delete(ApiKeyRecord.lookup_key(record.secret_hash)),
            ]
        )
    except dynamo.TransactionCancelled:
        raise ApiKeyNotFound("API key not found or already revoked") from None


def usage_key(organization: str, usage_plan_id: str) -> str:
    """The value of the organization's API Gateway key in the usage plan, which the authorizer returns
    as usageIdentifierKey. Created, and added to the plan, the first time the organization gets a key."""
    key = UsageKey.key(organization)
    item = dynamo.get_item(key, consistent=True)
    if item is not None:
        return str(item["value"])
    gateway = aws.client("apigateway")
    created = gateway.create_api_key(name=f"clientele-{organization}", enabled=True)
    gateway.create_usage_plan_key(usagePlanId=usage_plan_id, keyId=created["id"], keyType="API_KEY")
    stored = UsageKey.item(key, {"organization": organization, "apiKeyId": created["id"]})
    stored["value"] = created["value"]
    if not dynamo.put_new(stored):
        # A concurrent first key won: drop this one from the plan and use the stored one.
        gateway.delete_usage_plan_key(usagePlanId=usage_plan_id, keyId=created["id"])
        gateway.delete_api_key(apiKey=created["id"])
        winner = dynamo.get_item(key, consistent=True)
        assert winner is not None
        return str(winner["value"])
    return str(created["value"])
