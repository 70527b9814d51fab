"""Every environment variable the layer reads, in one typed object read once per process.

template.yaml gives each function the variables it needs; a setting a function uses but lacks is
a MissingSetting naming it. Tests change the environment and call `reset()`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import NamedTuple

from clientele.core import aws


class MissingSetting(RuntimeError):
    pass


class Settings(NamedTuple):
    table_name: str | None  # TABLE_NAME: the single table (every function)
    cursor_secret_arn: str | None  # CURSOR_SECRET_ARN: the secret that signs list cursors (list functions)
    exports_bucket: str | None  # EXPORTS_BUCKET: exports, imports and their reports (bulk functions)
    stage: str  # STAGE: dev or prod; names the stage's secrets
    klaviyo_base_url: str  # KLAVIYO_BASE_URL: empty for Klaviyo itself; the stand-in's URL locally
    shopify_base_url: str  # SHOPIFY_BASE_URL: empty for https://<shopDomain> itself; the stand-in's URL locally
    usage_plan_id: str | None  # CLIENTELE_USAGE_PLAN_ID: the API's usage plan (the CLI's key creation on AWS)
    webhook_queue_url: str | None  # WEBHOOK_QUEUE_URL: the outbound webhooks' delivery queue (webhook functions)
    webhooks_allow_local: bool  # WEBHOOKS_ALLOW_LOCAL=1: http and loopback webhook URLs (set by the local stack only)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Settings:
        return cls(
            table_name=environ.get("TABLE_NAME") or None,
            cursor_secret_arn=environ.get("CURSOR_SECRET_ARN") or None,
            exports_bucket=environ.get("EXPORTS_BUCKET") or None,
            stage=environ.get("STAGE") or "dev",
            klaviyo_base_url=(environ.get("KLAVIYO_BASE_URL") or "").rstrip("/"),
            shopify_base_url=(environ.get("SHOPIFY_BASE_URL") or "").rstrip("/"),
            usage_plan_id=environ.get("CLIENTELE_USAGE_PLAN_ID") or None,
            webhook_queue_url=environ.get("WEBHOOK_QUEUE_URL") or None,
            webhooks_allow_local=environ.get("WEBHOOKS_ALLOW_LOCAL") == "1",
        )


@cache
def current() -> Settings:
    return Settings.from_environment(os.environ)


def in_lambda() -> bool:
    """A Lambda execution environment, or the local stack's worker standing in for one."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def _required(value: str | None, variable: str, why: str) -> str:
    if not value:
        raise MissingSetting(f"{variable} is not set: {why}")
    return value


def table_name() -> str:
    return _required(current().table_name, "TABLE_NAME", "the function needs the single table's name")


def webhook_queue_url() -> str:
    return _required(current().webhook_queue_url, "WEBHOOK_QUEUE_URL", "the function sends to the webhook queue")


def exports_bucket() -> str:
    return _required(current().exports_bucket, "EXPORTS_BUCKET", "the function needs the exports bucket's name")


@cache
def cursor_key() -> bytes:
    """The key that signs list cursors, from the secret template.yaml generates (read once per process)."""
    arn = _required(
        current().cursor_secret_arn, "CURSOR_SECRET_ARN", "listing functions need the cursor-signing secret"
    )
    return str(aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]).encode()


def reset() -> None:
    """Forget what was read from the environment (tests change it); AWS clients have `aws.reset()`."""
    current.cache_clear()
    cursor_key.cache_clear()
