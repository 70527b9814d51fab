"""Lazily created, cached boto3 clients.

Nothing here runs at import time: clients are built on first use (short cold starts, and moto
can intercept them in tests). `reset()` drops them when the environment changes under tests.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def dynamodb() -> Any:
    return client("dynamodb")


@cache
def s3() -> Any:
    """SigV4 everywhere: presigned URLs then carry their own expiry (X-Amz-Expires)."""
    config = _CONFIG.merge(Config(signature_version="s3v4"))
    return boto3.session.Session().client("s3", config=config)


def reset() -> None:
    client.cache_clear()
    s3.cache_clear()
