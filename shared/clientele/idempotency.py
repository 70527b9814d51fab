"""`Idempotency-Key` for POSTs, through Powertools Idempotency on the single table.

Records live in the caller's tenant (pk=<tenant>#IDEMPOTENCY, sk=<operation>#<hash of key>) and
expire through the table's TTL. The same key with the same body returns the first result; with
another body it is a 409. Failures (validation, duplicates) are not stored, as with Stripe, so a
corrected retry may reuse the key.
"""

from __future__ import annotations

import base64
import gzip
import json
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
from aws_lambda_powertools.utilities.idempotency.serialization.base import BaseIdempotencySerializer
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele import aws, settings
from clientele.errors import IdempotencyInProgress, IdempotencyKeyReused, ValidationFailed
from clientele.tenancy import Tenant

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
EXPIRES_AFTER_SECONDS = 24 * 60 * 60


class CompressedJson(BaseIdempotencySerializer):
    """Stores the saved response gzipped: a 500-consumer batch response is ~350 KB of JSON, close to
    DynamoDB's 400 KB item limit, and compresses about tenfold."""

    def to_dict(self, data: Any) -> dict[str, str]:
        packed = gzip.compress(json.dumps(data, separators=(",", ":")).encode())
        return {"gzip": base64.b64encode(packed).decode()}

    def from_dict(self, data: dict[str, str]) -> Any:
        return json.loads(gzip.decompress(base64.b64decode(data["gzip"])))


_CONFIG = IdempotencyConfig(
    event_key_jmespath="key",
    payload_validation_jmespath="payload",
    expires_after_seconds=EXPIRES_AFTER_SECONDS,
)


def register(context: LambdaContext) -> None:
    """Lets an in-progress record expire with the invocation that wrote it."""
    _CONFIG.register_lambda_context(context)


def once(tenant: Tenant, operation: str, key: str | None, payload: Any, work: Callable[[], Any]) -> Any:
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

    @idempotent_function(
        data_keyword_argument="request",
        persistence_store=store,
        config=_CONFIG,
        key_prefix=operation,
        output_serializer=CompressedJson(),
    )
    def run(request: dict[str, Any]) -> Any:
        return work()

    try:
        result = run(request={"key": key, "payload": payload})
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyInProgress() from None
    return result
