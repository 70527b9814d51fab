"""Lazily created, cached boto3 clients.

Nothing here runs at import time: clients are built on first use (short cold starts, and moto
can intercept them in tests). `reset()` drops them when the environment changes under tests.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

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


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def store_secret(name: str, value: str, description: str) -> None:
    """Gives the Secrets Manager secret `name` the value, creating it the first time. Two first
    writes at once: the one whose create lost gives it its value too (the last write wins)."""
    secrets = client("secretsmanager")
    try:
        secrets.put_secret_value(SecretId=name, SecretString=value)
        return
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
    try:
        secrets.create_secret(Name=name, SecretString=value, Description=description)
    except ClientError as race:
        if _code(race) != "ResourceExistsException":
            raise
        secrets.put_secret_value(SecretId=name, SecretString=value)


def reset() -> None:
    client.cache_clear()
    s3.cache_clear()
