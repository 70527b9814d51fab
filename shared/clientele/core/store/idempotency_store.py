"""Where answers are remembered for Idempotency-Key replays: Powertools' DynamoDB persistence layer,
on the single table, in the caller's tenant (it writes the items itself, without an `entity`).

  answer   pk=<tenant>#IDEMPOTENCY   sk=<operation>#<hash of the key>   (expires through the table's TTL)
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from clientele.core import aws, settings
from clientele.core.store.entity import Entity
from clientele.core.tenancy import Tenant


class IdempotencyRecord(Entity):
    kind = "IdempotencyRecord"

    @staticmethod
    def partition(tenant: Tenant) -> str:
        return f"{tenant.key_prefix}#IDEMPOTENCY"


def persistence_layer(tenant: Tenant) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=settings.table_name(),
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=IdempotencyRecord.partition(tenant),
        boto3_client=aws.dynamodb(),
    )
