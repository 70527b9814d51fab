"""`Idempotency-Key` for POSTs, through Powertools Idempotency on the single table.

Records live in the caller's tenant (pk=<tenant>#IDEMPOTENCY, sk=<operation>#<hash of key>) and
expire through the table's TTL. The same key with the same body returns the first result; with
another body it is a 409. Failures (validation, duplicates) are not stored, as with Stripe, so a
corrected retry may reuse the key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele import aws, settings
from clientele.errors import IdempotencyInProgress, IdempotencyKeyReused, ValidationFailed
from clientele.tenancy import Tenant

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
EXPIRES_AFTER_SECONDS = 24 * 60 * 60

_CONFIG = IdempotencyConfig(
    event_key_jmespath="key",
    payload_validation_jmespath="payload",
    expires_after_seconds=EXPIRES_AFTER_SECONDS,
)


def register(context: LambdaContext) -> None:
    """Lets an in-progress record expire with the invocation that wrote it."""
    _CONFIG.register_lambda_context(context)


def once(
    tenant: Tenant, operation: str, key: str | None, payload: Any, work: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Runs `work` once per (tenant, operation, key); without a key it simply runs."""
    if key is None:
        return work()
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(details=[{"field": HEADER, "message": f"must be 1-{MAX_KEY_LENGTH} characters"}])
    store = DynamoDBPersistenceLayer(
        table_name=settings.table_name(),
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=f"{tenant.key_prefix}#IDEMPOTENCY",
        boto3_client=aws.dynamodb(),
    )

    @idempotent_function(data_keyword_argument="request", persistence_store=store, config=_CONFIG, key_prefix=operation)
    def run(request: dict[str, Any]) -> dict[str, Any]:
        return work()

    try:
        result: dict[str, Any] = run(request={"key": key, "payload": payload})
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyInProgress() from None
    return result
