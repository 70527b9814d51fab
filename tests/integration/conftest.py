"""Integration tier: the real functions against moto, the table built from template.yaml."""

from __future__ import annotations

import copy
import importlib.util
import json
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from clientele import aws, keys, settings
from clientele.tenancy import Environment
from clientele_local.atomic import make_moto_dynamodb_atomic
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


class FakeContext:
    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def load_function(name: str) -> ModuleType:
    """Imports functions/<name>/app.py under its own module name (every function has an app.py)."""
    spec = importlib.util.spec_from_file_location(f"functions.{name}.app", ROOT / "functions" / name / "app.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_event(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


Invoke = Callable[..., dict[str, Any]]


@pytest.fixture
def call(table: str) -> Invoke:
    """call(function, principal=..., body=..., path_params=..., headers=...) -> {status, body}."""
    modules: dict[str, ModuleType] = {}

    def invoke(
        function: str,
        *,
        principal: dict[str, str] | None,
        body: Any = None,
        raw_body: str | None = None,
        path_params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        module = modules.setdefault(function, load_function(function))
        event = copy.deepcopy(sample_event(function))
        event["requestContext"]["requestId"] = str(uuid.uuid4())
        event["requestContext"]["authorizer"] = principal
        if raw_body is not None or body is not None:
            event["body"] = raw_body if raw_body is not None else json.dumps(body)
        event["headers"] = {"Content-Type": "application/json", **(headers or {})}
        event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
        if path_params is not None:
            event["pathParameters"] = path_params
            event["path"] = event["resource"].replace("{id}", path_params.get("id", ""))
        response = module.lambda_handler(event, FakeContext())
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
