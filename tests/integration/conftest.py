"""Integration tier: the real functions against moto, the table built from template.yaml."""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from clientele.access import keys
from clientele.core import aws, settings
from clientele.core.tenancy import Environment
from clientele.integrations import klaviyo, sync
from clientele_local import journal, moto_patches
from clientele_local.filters import matches_any, parse_filters
from clientele_local.inprocess import Context, api_event, load_function
from clientele_local.klaviyo_standin import KlaviyoStandin
from clientele_local.resources import Moto, table_request
from clientele_local.template import Template
from tests.conftest import ROOT

TABLE_NAME = "clientele-test"
EXPORTS_BUCKET = "clientele-exports-test"

moto_patches.apply()


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh moto table with template.yaml's own keys, indexes and stream."""
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    settings.reset()
    aws.reset()
    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        properties = template.resolve(template.properties("Table"))
        boto3.client("dynamodb").create_table(**table_request(properties, TABLE_NAME))
        secret = boto3.client("secretsmanager").create_secret(Name="cursor", SecretString="test-cursor-key")
        monkeypatch.setenv("CURSOR_SECRET_ARN", secret["ARN"])
        boto3.client("s3").create_bucket(Bucket=EXPORTS_BUCKET)
        monkeypatch.setenv("EXPORTS_BUCKET", EXPORTS_BUCKET)
        settings.reset()
        yield TABLE_NAME
    aws.reset()
    settings.reset()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    """The local stack's moto server (patched as `make run`'s is), in this process, over HTTP."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = Moto()
    server.start()
    yield server
    server.stop()


def _empty(server: Moto) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{server.url}/moto-api/reset", method="POST"), timeout=30).close()


def reset(server: Moto) -> None:
    """An empty moto again, with template.yaml's table and the exports bucket in it."""
    _empty(server)
    template = Template.load(ROOT / "template.yaml")
    properties = template.resolve(template.properties("Table"))
    server.client("dynamodb").create_table(**table_request(properties, TABLE_NAME))
    server.client("s3").create_bucket(Bucket=EXPORTS_BUCKET)


@pytest.fixture
def served(moto_server: Moto) -> Iterator[Moto]:
    """The moto server, reset for the test (and after it, so tests with mock_aws start clean)."""
    reset(moto_server)
    yield moto_server
    journal.activate(None)
    _empty(moto_server)


Invoke = Callable[..., dict[str, Any]]


@pytest.fixture
def call(table: str) -> Invoke:
    """call(function, principal=..., body=..., path_params=..., headers=...) -> {status, body, headers}."""
    # One module per function and thread, as each concurrent Lambda execution has an environment of
    # its own (load_function also gives each thread its own Powertools request: inprocess.py).
    modules: dict[tuple[str, int], ModuleType] = {}

    def invoke(function: str, *, principal: dict[str, str] | None, **request: Any) -> dict[str, Any]:
        environment = (function, threading.get_ident())
        if environment not in modules:
            modules[environment] = load_function(function)
        module = modules[environment]
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


def stream_records(table: str, resource: str, event: str) -> Callable[[], list[dict[str, Any]]]:
    """The stream's new records that pass `resource`'s FilterCriteria, as Lambda would hand them to
    the function; each call returns those that arrived since the last one."""
    streams = boto3.client("dynamodbstreams")
    arn = boto3.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterators = {
        shard["ShardId"]: streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for shard in shards
    }
    template = Template.load(ROOT / "template.yaml")
    patterns = parse_filters(template.properties(resource)["Events"][event]["Properties"]["FilterCriteria"])

    def new_records() -> list[dict[str, Any]]:
        found = []
        for shard_id, iterator in iterators.items():
            response = streams.get_records(ShardIterator=iterator)
            iterators[shard_id] = response["NextShardIterator"]
            records = [json.loads(json.dumps(record, default=str)) for record in response["Records"]]
            found += [record for record in records if matches_any(patterns, record)]  # FilterCriteria
        return found

    return new_records


def stream_delivery(table: str, function: str, resource: str, event: str) -> Callable[[], int]:
    """Delivers the stream's new records that pass `resource`'s FilterCriteria to `function`, as
    Lambda would; each call returns how many it delivered."""
    new_records = stream_records(table, resource, event)
    handler = load_function(function)

    def deliver() -> int:
        records = new_records()
        if records:
            answer = handler.lambda_handler({"Records": records}, Context())
            assert answer == {"batchItemFailures": []}
        return len(records)

    return deliver


@pytest.fixture
def index_search(table: str) -> Callable[[], int]:
    """Delivers the stream's new records to the search indexer; returns how many."""
    return stream_delivery(table, "index_search", "IndexSearchFunction", "Changes")


@pytest.fixture
def cleanup_audience(table: str) -> Callable[[], int]:
    """Delivers the stream's audience deletions to the cleanup function; returns how many."""
    return stream_delivery(table, "cleanup_audience", "CleanupAudienceFunction", "Deletions")


@pytest.fixture
def run_export(table: str) -> Callable[[], int]:
    """Delivers the stream's new export jobs to the export function; returns how many."""
    return stream_delivery(table, "run_export", "RunExportFunction", "Jobs")


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[KlaviyoStandin]:
    """A Klaviyo stand-in the sync functions talk to (KLAVIYO_BASE_URL), with fresh client caches."""
    with KlaviyoStandin() as running:
        monkeypatch.setenv("KLAVIYO_BASE_URL", running.base_url)
        settings.reset()  # settings are read once per process, as on Lambda
        klaviyo._CLIENTS.clear()
        sync._KEYS.clear()
        yield running
    klaviyo._CLIENTS.clear()
    sync._KEYS.clear()
