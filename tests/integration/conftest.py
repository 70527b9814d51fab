"""Integration tier: the real functions against moto, the table built from template.yaml."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from clientele import aws, keys, settings
from clientele.tenancy import Environment
from clientele_local.atomic import make_moto_dynamodb_atomic
from clientele_local.inprocess import Context, api_event, load_function
from clientele_local.resources import table_request
from clientele_local.template import Template
from tests.conftest import ROOT

TABLE_NAME = "clientele-test"

make_moto_dynamodb_atomic()


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh moto table with template.yaml's own keys, indexes and stream."""
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    settings.table_name.cache_clear()
    aws.reset()
    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        properties = template.resolve(template.properties("Table"))
        boto3.client("dynamodb").create_table(**table_request(properties, TABLE_NAME))
        yield TABLE_NAME
    aws.reset()
    settings.table_name.cache_clear()


Invoke = Callable[..., dict[str, Any]]


@pytest.fixture
def call(table: str) -> Invoke:
    """call(function, principal=..., body=..., path_params=..., headers=...) -> {status, body, headers}."""
    modules: dict[str, ModuleType] = {}

    def invoke(function: str, *, principal: dict[str, str] | None, **request: Any) -> dict[str, Any]:
        module = modules.setdefault(function, load_function(function))
        response = module.lambda_handler(api_event(function, principal=principal, **request), Context())
        return {
            "status": response["statusCode"],
            "body": json.loads(response["body"]),
            "headers": response.get("multiValueHeaders", {}),
        }

    return invoke


def principal_for(organization: str, environment: str = "sandbox", read_only: bool = False) -> dict[str, str]:
    """Creates a real key and returns the authorizer context it resolves to."""
    new = keys.create_key(organization, Environment(environment), read_only=read_only)
    return keys.authenticate(new.secret).as_context()


@pytest.fixture
def acme(table: str) -> dict[str, str]:
    return principal_for("acme")
