"""template.yaml is the single source of truth; these rules keep it honest."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clientele.core.errors import (
    AuthenticationRequired,
    ClienteleError,
    PermissionDenied,
    QuotaExceeded,
    RouteNotFound,
    TooManyRequests,
)
from clientele.core.http import error_body
from clientele.jobs import export_reads, exports
from clientele_local.template import Template, load_yaml
from tests.conftest import ROOT

template = Template.load(ROOT / "template.yaml")
prod = Template.load(ROOT / "template.yaml", {"Stage": "prod"})
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


# Before anyone is known: the console's sign-in, sign-out and session, and its files.
UNAUTHENTICATED = {("/app/session", "POST"), ("/app/session", "GET"), ("/app/session", "DELETE")}
UNAUTHENTICATED |= {("/app", "GET"), ("/app/{path+}", "GET")}
# Shopify's webhook deliveries carry no key: their HMAC signature and the unguessable connection id in
# the path stand for one (clientele.shopify.webhooks), and no staff member calls it from the console.
SIGNED = {("/api/v1/integrations/shopify/webhooks/{connectionId}", "POST")}


def routes() -> list[tuple[str, dict[str, Any]]]:
    return [(name, event) for name in functions for event in api_events(template.properties(name))]


def test_every_route_goes_through_an_authorizer() -> None:
    """/api/v1/… through the key authorizer (the default); the console's /app/api/v1/… through the session
    authorizer, and the same function; only the sign-in and the console's files through none."""
    api = template.properties("Api")
    assert api["Auth"]["DefaultAuthorizer"] == "ApiKeyAuthorizer"
    api_routes = {
        (event["Path"], event["Method"]): name
        for name, event in routes()
        if event["Path"].startswith("/api/") and (event["Path"], event["Method"]) not in SIGNED
    }
    console_routes = {}
    for name, event in routes():
        authorizer = (event.get("Auth") or {}).get("Authorizer", "ApiKeyAuthorizer")
        if (event["Path"], event["Method"]) in SIGNED:
            assert (authorizer, event["Auth"].get("ApiKeyRequired")) == ("NONE", False)
        elif event["Path"].startswith("/api/"):
            assert authorizer == "ApiKeyAuthorizer", f"{name} skips the key authorizer"
        elif event["Path"].startswith("/app/api/"):
            assert authorizer == "SessionAuthorizer", f"{name}'s console route skips the session authorizer"
            console_routes[(event["Path"].removeprefix("/app"), event["Method"])] = name
        else:
            assert (event["Path"], event["Method"]) in UNAUTHENTICATED, f"{name}: {event['Path']} is not a known route"
            assert authorizer == "NONE"
    assert console_routes == api_routes  # the console reaches every operation, through the same function


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
        ("THROTTLED", TooManyRequests),
        ("QUOTA_EXCEEDED", QuotaExceeded),
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
    """A job still running from a run older than export_reads.RUN_SECONDS is shown failed: the export
    function's timeout must be no longer, or a run still at work would be taken for a dead one."""
    assert template.properties("RunExportFunction")["Timeout"] <= export_reads.RUN_SECONDS


# ---------------------------------------------------------------- limits and protection


def test_every_method_of_the_stage_is_throttled() -> None:
    (setting,) = template.properties("Api")["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")  # each method its own bucket
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}
    assert float(template.resolve(setting["ThrottlingRateLimit"])) > 0
    assert int(template.resolve(setting["ThrottlingBurstLimit"])) >= 1


def test_each_organization_is_limited_by_the_usage_plan_through_the_authorizer() -> None:
    api = template.properties("Api")
    assert api["ApiKeySourceType"] == "AUTHORIZER"  # the authorizer's usageIdentifierKey, never a header
    assert api["Auth"]["ApiKeyRequired"] is True  # without it API Gateway would skip the usage plan
    for name, event in routes():
        if (event["Path"], event["Method"]) not in UNAUTHENTICATED | SIGNED:  # no organization is known there yet
            assert (event.get("Auth") or {}).get("ApiKeyRequired") is not False, f"{name} escapes the usage plan"
    plan = template.resolve(api["Auth"]["UsagePlan"])
    assert plan["CreateUsagePlan"] == "PER_API"
    stage = template.resolve(api["MethodSettings"][0])
    assert 0 < float(plan["Throttle"]["RateLimit"]) <= float(stage["ThrottlingRateLimit"])
    assert 1 <= int(plan["Throttle"]["BurstLimit"]) <= int(stage["ThrottlingBurstLimit"])
    assert int(plan["Quota"]["Limit"]) >= 1
    assert plan["Quota"]["Period"] == "DAY"  # what QUOTA_EXCEEDED's message promises
    assert template.raw["Outputs"]["UsagePlanId"]["Value"] == {"Ref": "ApiUsagePlan"}  # SAM's name for it


@pytest.mark.parametrize("response_type", ["THROTTLED", "QUOTA_EXCEEDED"])
def test_a_429_says_when_to_retry(response_type: str) -> None:
    response = template.properties("Api")["GatewayResponses"][response_type]
    assert response["StatusCode"] == 429
    seconds = response["ResponseParameters"]["Headers"]["Retry-After"]
    assert seconds[0] == seconds[-1] == "'"  # a static value, quoted for API Gateway
    assert int(seconds.strip("'")) >= 1


def test_the_web_acl_guards_the_stage_in_prod_only() -> None:
    for kind in ("AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation"):
        assert template.resources(kind) == {}, f"{kind} in dev"
        assert len(prod.resources(kind)) == 1, f"no {kind} in prod"
    acl = prod.resolve(prod.properties("ApiWebAcl"))
    assert acl["Scope"] == "REGIONAL"
    (rule,) = acl["Rules"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    assert int(rate["Limit"]) >= 10
    block = rule["Action"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 429
    assert [header["Name"] for header in block["ResponseHeaders"]] == ["Retry-After"]
    body = json.loads(acl["CustomResponseBodies"][block["CustomResponseBodyKey"]]["Content"])["error"]
    expected = error_body(TooManyRequests(), None)["error"]  # WAF knows no request id, and names the address
    assert body == {**expected, "message": body["message"]}
    association = prod.resolve(prod.properties("ApiWebAclAssociation"))
    assert association["ResourceArn"] == f"arn:aws:apigateway:us-east-1::/restapis/{prod.ref('Api')}/stages/prod"
    assert prod.properties("ApiWebAclAssociation")["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}


def test_an_upload_the_import_cannot_start_lands_in_a_watched_queue() -> None:
    config = template.properties("StartImportFunction")["EventInvokeConfig"]
    queue = {"Fn::GetAtt": ["ImportStartFailureQueue", "Arn"]}
    assert config["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": queue}
    assert 0 <= config["MaximumRetryAttempts"] <= 2
    alarms = template.resources("AWS::CloudWatch::Alarm").values()
    watched = [alarm["Properties"]["Dimensions"][0]["Value"] for alarm in alarms]
    assert {"Fn::GetAtt": ["ImportStartFailureQueue", "QueueName"]} in watched


WORKERS = ["RunExportFunction", "StartImportFunction", "RunImportFunction", "RunKlaviyoResyncFunction"]


@pytest.mark.parametrize("name", WORKERS)
def test_bulk_workers_have_a_small_reserved_concurrency(name: str) -> None:
    value = template.properties(name)["ReservedConcurrentExecutions"]
    assert value == {"Ref": "WorkerConcurrency"}
    assert 1 <= int(template.resolve(value)) <= 10


@pytest.mark.parametrize("tpl", [template, prod], ids=["dev", "prod"])
def test_one_rotating_customer_managed_key_encrypts_the_data(tpl: Template) -> None:
    key = {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert tpl.properties("DataKey")["EnableKeyRotation"] is True
    table = tpl.properties("Table")["SSESpecification"]
    assert (table["SSEType"], table["KMSMasterKeyId"]) == ("KMS", key)
    (rule,) = tpl.properties("ExportsBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
    for kind, field in (("AWS::Logs::LogGroup", "KmsKeyId"), ("AWS::SecretsManager::Secret", "KmsKeyId")):
        resources = tpl.resources(kind)
        assert resources
        for name, resource in resources.items():
            assert resource["Properties"][field] == key, name


def test_the_key_policy_lends_the_key_only_through_the_stacks_services() -> None:
    """A statement open to every principal must hold it to this account and to DynamoDB, S3 and Secrets
    Manager (as AWS-managed keys do); CloudWatch Logs only for this stage's log groups."""
    statements = template.resolve(template.properties("DataKey")["KeyPolicy"])["Statement"]
    for statement in statements:
        principal = statement["Principal"]
        if principal == {"AWS": "*"}:
            condition = statement["Condition"]["StringEquals"]
            assert condition["kms:CallerAccount"] == "123456789012"
            assert sorted(condition["kms:ViaService"]) == [
                "dynamodb.us-east-1.amazonaws.com",
                "s3.us-east-1.amazonaws.com",
                "secretsmanager.us-east-1.amazonaws.com",
            ]
        elif "Service" in principal:
            arn = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
            assert arn == "arn:aws:logs:us-east-1:123456789012:log-group:/clientele/dev/*"
        else:
            assert principal == {"AWS": "arn:aws:iam::123456789012:root"}  # IAM policies may grant it


def test_the_files_bucket_logs_its_access() -> None:
    logging = template.properties("ExportsBucket")["LoggingConfiguration"]
    assert logging["DestinationBucketName"] == {"Ref": "AccessLogsBucket"}
    assert all(template.properties("AccessLogsBucket")["PublicAccessBlockConfiguration"].values())


def test_the_layer_is_built_by_its_makefile_into_bytecode_from_the_lock() -> None:
    """sam build runs shared/Makefile's build-<LogicalId> target for a makefile layer: the lock's
    packages with their hashes, and everything compiled (Lambda's /opt is read-only, so a layer
    without .pyc files compiles its modules again at every cold start)."""
    (layer,) = template.resources("AWS::Serverless::LayerVersion")
    resource = template.resources("AWS::Serverless::LayerVersion")[layer]
    assert resource["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "x86_64"}
    assert resource["Properties"]["ContentUri"] == "shared/"
    makefile = (ROOT / "shared" / "Makefile").read_text()
    recipe = makefile.split(f"build-{layer}:\n", 1)[1].split("\n\n", 1)[0]
    assert "--require-hashes" in recipe
    assert "-r requirements.txt" in recipe
    assert "--platform manylinux2014_x86_64" in recipe  # the functions' Architectures
    assert "compileall" in recipe
    assert "--invalidation-mode unchecked-hash" in recipe
    assert load_yaml(ROOT / "template.yaml")["Globals"]["Function"]["Architectures"] == ["x86_64"]
