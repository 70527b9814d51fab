"""`Idempotency-Key` for POSTs, through Powertools Idempotency on the single table.

Records live in the caller's tenant (core.store.idempotency_store) and expire through the table's
TTL. The same key with the same body returns the first answer; with another body it is a 409.
Failures that wrote nothing (validation, duplicates) are not stored, as with Stripe, so a corrected
retry may reuse the key; a failure after some writes (a batch cut short) is stored and replayed, so a
retry cannot write the same items twice.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.base import BaseIdempotencySerializer
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.core import http
from clientele.core.errors import ClienteleError, IdempotencyInProgress, IdempotencyKeyReused, ValidationFailed
from clientele.core.store import idempotency_store
from clientele.core.tenancy import Tenant

logger = Logger(child=True)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
EXPIRES_AFTER_SECONDS = 24 * 60 * 60


MAX_STORED = 300_000  # characters of stored answer: DynamoDB items end at 400 KB


def _pack(data: Any) -> str:
    return base64.b64encode(gzip.compress(json.dumps(data, separators=(",", ":")).encode())).decode()


def _unpack(packed: str) -> Any:
    return json.loads(gzip.decompress(base64.b64decode(packed)))


def stored_text(item: dict[str, Any]) -> str:
    """The answer a record keeps, as text (for erasure: stored answers may hold personal data)."""
    try:
        stored = json.loads(item.get("data") or "{}")
    except ValueError:
        return ""
    packed = stored.get("gzip") or stored.get("shrunk")
    return json.dumps(_unpack(packed)) if packed else ""


class StoredAnswer(BaseIdempotencySerializer):
    """Stores the answer gzipped (a 500-consumer batch is ~350 KB of JSON). An answer too big even
    so is stored as `shrink(result)` and rebuilt on replay by `expand`."""

    def __init__(self, shrink: Callable[[Any], Any] | None, expand: Callable[[Any], Any] | None) -> None:
        self.shrink, self.expand = shrink, expand

    def to_dict(self, data: dict[str, Any]) -> dict[str, str]:
        packed = _pack(data)
        if len(packed) > MAX_STORED and self.shrink is not None and "result" in data:
            return {"shrunk": _pack(self.shrink(data["result"]))}
        return {"gzip": packed}

    def from_dict(self, data: dict[str, str]) -> dict[str, Any]:
        if "shrunk" in data:
            assert self.expand is not None
            return {"result": self.expand(_unpack(data["shrunk"]))}
        return dict(_unpack(data["gzip"]))


_CONFIG = IdempotencyConfig(
    event_key_jmespath="key",
    payload_validation_jmespath="payload",
    expires_after_seconds=EXPIRES_AFTER_SECONDS,
)


def register(context: LambdaContext) -> None:
    """Lets an in-progress record expire with the invocation that wrote it."""
    _CONFIG.register_lambda_context(context)


def once(
    tenant: Tenant,
    operation: str,
    key: str | None,
    payload: Any,
    work: Callable[[], Any],
    *,
    shrink: Callable[[Any], Any] | None = None,
    expand: Callable[[Any], Any] | None = None,
) -> Any:
    """Runs `work` once per (tenant, operation, key); without a key it simply runs."""
    if key is None:
        return work()
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(details=[{"field": HEADER, "message": f"must be 1-{MAX_KEY_LENGTH} characters"}])
    store = idempotency_store.persistence_layer(tenant)
    outcome: dict[str, Any] = {}

    @idempotent_function(
        data_keyword_argument="request",
        persistence_store=store,
        config=_CONFIG,
        key_prefix=operation,
        output_serializer=StoredAnswer(shrink, expand),
    )
    def run(request: dict[str, Any]) -> dict[str, Any]:
        try:
            outcome["result"] = work()
        except ClienteleError as error:
            if not error.remembered:
                raise  # nothing was written: not stored, a retry runs again
            outcome["error"] = {name: getattr(error, name) for name in _ERROR_FIELDS}
        return dict(outcome)

    try:
        answer = run(request={"key": key, "payload": payload})
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyInProgress() from None
    except IdempotencyPersistenceLayerError:
        if not outcome:
            raise
        # The work is done; only remembering it failed. Answer it rather than invite a second run.
        logger.warning("Idempotency record not saved", extra={"operation": operation})
        answer = outcome
    if "error" in answer:
        raise ClienteleError.replayed(**answer["error"])
    return answer["result"]


_ERROR_FIELDS = ("status", "type", "code", "message", "details")


def idempotency_key(app: APIGatewayRestResolver) -> str | None:
    return app.current_event.headers.get(HEADER)


def remembered(app: APIGatewayRestResolver, operation: str, work: Callable[[Tenant], Any], **options: Any) -> Any:
    """`work`'s answer for the caller's tenant, run once per `Idempotency-Key` (a retry with the key
    gets the first answer again). `options` go to once (shrink/expand of big answers)."""
    register(app.lambda_context)
    tenant = http.principal(app).tenant
    return once(tenant, operation, idempotency_key(app), http.json_body(app), lambda: work(tenant), **options)
