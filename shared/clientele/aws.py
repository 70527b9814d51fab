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


def reset() -> None:
    client.cache_clear()
