"""Process configuration, read from the environment template.yaml gives each function."""

from __future__ import annotations

import os
from functools import cache

from clientele.core import aws


class MissingSetting(RuntimeError):
    pass


@cache
def table_name() -> str:
    name = os.environ.get("TABLE_NAME")
    if not name:
        raise MissingSetting("TABLE_NAME is not set: the function needs the single table's name")
    return name


@cache
def cursor_key() -> bytes:
    """The key that signs list cursors, from the secret template.yaml generates (read once per process)."""
    arn = os.environ.get("CURSOR_SECRET_ARN")
    if not arn:
        raise MissingSetting("CURSOR_SECRET_ARN is not set: listing functions need the cursor-signing secret")
    return str(aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]).encode()
