"""template.yaml is the single source of truth; these rules keep it honest."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clientele.core.errors import AuthenticationRequired, ClienteleError, PermissionDenied, RouteNotFound
from clientele.core.http import error_body
from clientele.jobs import exports
from clientele_local.template import Template
from tests.conftest import ROOT

template = Template.load(ROOT / "template.yaml")
functions = template.resources("AWS::Serverless::Function")


def api_events(properties: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["Properties"] for e in (properties.get("Events") or {}).values() if e["Type"] == "Api"]


@pytest.mark.parametrize("name", sorted(functions))
def test_every_function_has_code_and_a_sample_event(name: str) -> None:
    code = ROOT / template.properties(name)["CodeUri"]
    assert (code / "app.py").is_file()
    assert (ROOT / "events" / f"{code.name}.json").is_file(), f"events/{code.name}.json is missing"


# Permissions (read-only endpoints hold no write, no wildcard action, every Resource one of the
# stack's own, the roles SAM generates) are checked in tests/unit/test_security.py.


def test_every_route_goes_through_the_authorizer() -> None:
    api = template.properties("Api")
    assert api["Auth"]["DefaultAuthorizer"] == "ApiKeyAuthorizer"
    for name, _ in functions.items():
        for event in api_events(template.properties(name)):
            assert (event.get("Auth") or {}).get("Authorizer") != "NONE", f"{name} skips the authorizer"


def test_table_keeps_history_and_encryption_and_streams_both_images() -> None:
    table = template.properties("Table")
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert template.resolve(table["DeletionProtectionEnabled"]) is False  # dev default
    prod = Template.load(ROOT / "template.yaml", {"Stage": "prod"})
    assert prod.resolve(prod.properties("Table")["DeletionProtectionEnabled"]) is True


def test_exports_bucket_is_private_and_encrypted() -> None:
    bucket = template.properties("ExportsBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["LifecycleConfiguration"]["Rules"]


@pytest.mark.parametrize(
    ("response_type", "error"),
    [
        ("UNAUTHORIZED", AuthenticationRequired),
        ("ACCESS_DENIED", PermissionDenied),
        ("MISSING_AUTHENTICATION_TOKEN", RouteNotFound),
    ],
)
def test_gateway_responses_speak_the_same_errors_as_the_functions(
    response_type: str, error: type[ClienteleError]
) -> None:
    """API Gateway answers these itself; their bodies must match what the functions would say."""
    response = template.properties("Api")["GatewayResponses"][response_type]
    body = json.loads(response["ResponseTemplates"]["application/json"].replace("$context.requestId", "r-1"))
    assert response["StatusCode"] == error.status
    assert body == error_body(error(), "r-1")


def test_traces_never_capture_responses_or_errors() -> None:
    """Responses carry emails and phones; X-Ray must not record them."""
    variables = template.raw["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert variables["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"


def test_an_export_knows_which_of_its_runs_is_the_last() -> None:
    """exports.RUNS decides when a failed run marks the job failed instead of pending again: it must
    be the stream's first delivery plus its retries, or a job would fail while a retry is still due."""
    (jobs,) = template.properties("RunExportFunction")["Events"].values()
    assert 1 + jobs["Properties"]["MaximumRetryAttempts"] == exports.RUNS


def test_an_export_knows_how_long_a_run_can_last() -> None:
    """A job still running from a run older than exports.RUN_SECONDS is shown failed: the export
    function's timeout must be no longer, or a run still at work would be taken for a dead one."""
    assert template.properties("RunExportFunction")["Timeout"] <= exports.RUN_SECONDS
