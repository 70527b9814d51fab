"""Least privilege, read from template.yaml (issue 5, "Prove it holds: security").

Every function's policy is checked statement by statement:
- a read-only endpoint (every Api event a GET, HEAD or OPTIONS) may only read: each of its actions must
  be on the list of read actions below, so a new or unknown action fails rather than slips through;
- no action is a wildcard, and IAM's case-insensitivity does not hide one (`dynamodb:putitem`);
- every Resource is one of the stack's own: the table and its indexes, the files bucket under a prefix
  the code writes, the failure queue, the cursor secret, and the `clientele/${Stage}/*` secrets; the
  action's service must be the resource's;
- policies are inline statements only: a SAM policy template, a managed policy or a `Role` could not be
  checked here, so they fail.
The roles SAM generates from the template are checked as well, with the managed policies SAM adds by
itself named and bounded (docs/security.md lists them under "Known gaps").
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import inspect
import json
import math
import os
import string
from decimal import Decimal
from typing import Any

import pytest

from clientele.access import keys
from clientele.access import store as api_key_store
from clientele.audiences import store as audience_store
from clientele.audiences.models import Audience
from clientele.consumers import search_index
from clientele.consumers import store as consumer_store
from clientele.consumers.enums import Membership, Source, Status, SyncStatus
from clientele.consumers.models import Consumer, Loyalty, TimelineEvent, TimelineEventType
from clientele.core import settings
from clientele.core.store.entity import Entity, registered
from clientele.core.tenancy import Environment, Principal, Tenant, valid_organization
from clientele.integrations import store as integrations
from clientele.jobs import export_store, import_store
from clientele.jobs.models import ExportFormat, ExportJob, ExportKind, ExportStatus
from clientele.shopify import compliance, webhook_store
from clientele_local.template import Template
from tests.conftest import ROOT

Json = dict[str, Any]

STAGES = ("dev", "prod")
templates = {stage: Template.load(ROOT / "template.yaml", {"Stage": stage}) for stage in STAGES}
template = templates["dev"]
FUNCTIONS = sorted(template.resources("AWS::Serverless::Function"))

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Actions that change nothing. Anything else is a write as far as a read-only endpoint is concerned
# (IAM action names are case-insensitive, so they are compared lower-cased).
READ_ACTIONS = frozenset(
    action.lower()
    for action in (
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DescribeTable",
        "s3:GetObject",
        "s3:ListBucket",
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    )
)

# The issue's list of writes, every one of which a read-only endpoint must be refused.
WRITES = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:TransactWriteItems",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "secretsmanager:CreateSecret",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DeleteSecret",
    "sqs:SendMessage",
    "dynamodb:putitem",
    "dynamodb:*",
    "s3:Put*",
    "*",
)

# The prefixes under which the code keeps files (clientele.jobs.export_store / clientele.jobs.import_store).
FILE_PREFIXES = (
    "exports/",
    import_store.UPLOADS,
    import_store.REPORTS,
    f"{webhook_store.BODY_PREFIX}/",  # Shopify webhook bodies too big for their receipt
    f"{compliance.DATA_REQUEST_PREFIX}/",  # Shopify customers/data_request exports
)

# Managed policies SAM attaches to the roles it generates, whatever the template says: logs, X-Ray,
# and for stream consumers the stream reads. Their Resource is "*" (see docs/security.md, Known gaps).
SAM_MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}
SAM_STREAM_MANAGED = "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"
SAM_QUEUE_MANAGED = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
API_GATEWAY_LOGS = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def is_write(action: str) -> bool:
    return action.lower() not in READ_ACTIONS


def allowed_resources(tpl: Template) -> dict[str, str]:
    """{ARN (as the template resolves it): the service whose actions may use it}."""
    table = tpl.arn("Table")
    indexes = [index["IndexName"] for index in tpl.properties("Table")["GlobalSecondaryIndexes"]]
    bucket = tpl.arn("ExportsBucket")
    secrets = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:clientele/${Stage}/*"
    return {
        table: "dynamodb",
        f"{table}/index/*": "dynamodb",  # the table's own indexes, and only those
        **{f"{table}/index/{index}": "dynamodb" for index in indexes},
        bucket: "s3",
        **{f"{bucket}/{prefix}*": "s3" for prefix in FILE_PREFIXES},
        tpl.arn("StreamFailureQueue"): "sqs",
        tpl.arn("ImportStartFailureQueue"): "sqs",  # StartImportFunction's on-failure destination
        tpl.arn("WebhookQueue"): "sqs",  # outbound webhooks' deliveries (and their delayed retries)
        str(tpl.resolve({"Ref": "CursorSecret"})): "secretsmanager",
        str(tpl.resolve({"Fn::Sub": secrets})): "secretsmanager",
    }


def api_methods(properties: Json) -> list[str]:
    """The methods a function serves (its route and the console's copy of it under /app count once)."""
    events = (properties.get("Events") or {}).values()
    return sorted({str(event["Properties"]["Method"]).upper() for event in events if event["Type"] == "Api"})


def is_read_only_endpoint(properties: Json) -> bool:
    methods = api_methods(properties)
    return bool(methods) and set(methods) <= READ_METHODS


def statements(name: str, properties: Json) -> tuple[list[Json], list[str]]:
    """(the function's Allow statements, what makes its policy uncheckable)."""
    problems = []
    if "Role" in properties:
        problems.append(f"{name} brings its own Role: its permissions are not in this template")
    found = []
    for policy in as_list(properties.get("Policies") or []):
        if not (isinstance(policy, dict) and "Statement" in policy and set(policy) <= {"Version", "Statement"}):
            problems.append(f"{name}: {policy!r} is not an inline policy (a SAM policy template or managed policy)")
            continue
        for statement in as_list(policy["Statement"]):
            if {"NotAction", "NotResource", "Principal"} & set(statement):
                problems.append(f"{name}: NotAction, NotResource and Principal are not allowed: {statement}")
            if statement.get("Effect") == "Allow":
                found.append(statement)
    return found, problems


def violations(tpl: Template, name: str) -> list[str]:
    """Everything wrong with function `name`'s permissions; [] when it is least privilege."""
    properties = tpl.properties(name)
    allowed = allowed_resources(tpl)
    found, problems = statements(name, properties)
    read_only = is_read_only_endpoint(properties) or name == "AuthorizerFunction"
    for statement in found:
        actions = [str(action) for action in as_list(statement.get("Action", []))]
        for action in actions:
            if "*" in action or "?" in action:
                problems.append(f"{name}: wildcard action {action}")
            if read_only and is_write(action):
                problems.append(f"{name} only serves reads but may {action}")
        for raw in as_list(statement.get("Resource", [])):
            resource = str(tpl.resolve(raw))
            service = allowed.get(resource)
            if service is None:
                problems.append(f"{name}: {resource} is not one of the stack's own resources")
                continue
            others = [action for action in actions if action.split(":", 1)[0].lower() != service]
            if others:
                problems.append(f"{name}: {others} on {resource}, a {service} resource")
    return problems


# ---------------------------------------------------------------- the template

READ_ONLY_ENDPOINTS = [name for name in FUNCTIONS if is_read_only_endpoint(template.properties(name))]


def test_the_read_only_endpoints_are_found() -> None:
    assert {"GetConsumerFunction", "ListConsumersFunction", "SearchConsumersFunction"} <= set(READ_ONLY_ENDPOINTS)
    assert "CreateConsumerFunction" not in READ_ONLY_ENDPOINTS


@pytest.mark.parametrize("name", READ_ONLY_ENDPOINTS)
def test_read_only_endpoints_hold_no_write_permission(name: str) -> None:
    properties = template.properties(name)
    found, problems = statements(name, properties)
    assert problems == []
    writes = [action for s in found for action in as_list(s.get("Action", [])) if is_write(str(action))]
    assert writes == [], f"{name} serves only {api_methods(properties)} but may {writes}"


def test_the_authorizer_only_reads() -> None:
    found, problems = statements("AuthorizerFunction", template.properties("AuthorizerFunction"))
    assert problems == []
    assert [action for s in found for action in as_list(s["Action"])] == ["dynamodb:GetItem"]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_permission_is_least_privilege(stage: str, name: str) -> None:
    assert violations(templates[stage], name) == []


def test_functions_take_no_permissions_from_globals() -> None:
    function_globals = template.raw["Globals"]["Function"]
    assert "Policies" not in function_globals
    assert "Role" not in function_globals


def test_presigning_an_upload_is_the_one_api_s3_write() -> None:
    """A presigned PUT is signed with the presigner's own permission: create_import (a POST) holds
    s3:PutObject, on imports/ only, and no other endpoint may write to the bucket."""
    writers = {}
    for name in FUNCTIONS:
        properties = template.properties(name)
        if not api_methods(properties):
            continue
        for statement in statements(name, properties)[0]:
            for action in as_list(statement["Action"]):
                if str(action).lower().startswith("s3:") and is_write(str(action)):
                    writers[name] = [str(template.resolve(r)) for r in as_list(statement["Resource"])]
    assert writers == {
        "CreateImportFunction": [f"{template.arn('ExportsBucket')}/{import_store.UPLOADS}*"],
        # Shopify's webhook receiver keeps a body too big for its receipt (no presigning: its own write).
        "ReceiveShopifyWebhookFunction": [f"{template.arn('ExportsBucket')}/{webhook_store.BODY_PREFIX}/*"],
    }
    assert api_methods(template.properties("CreateImportFunction")) == ["POST"]


# ---------------------------------------------------------------- the checker catches what it should

BAD_POLICIES: list[tuple[str, Json]] = [
    (
        "put on a GET",
        {"Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": {"Fn::GetAtt": ["Table", "Arn"]}},
    ),
    ("lower-cased", {"Action": "dynamodb:putitem", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}),
    ("transaction", {"Action": "dynamodb:TransactWriteItems", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}),
    ("batch write", {"Action": "dynamodb:BatchWriteItem", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}),
    ("s3 put", {"Action": "s3:PutObject", "Resource": {"Fn::Sub": "${ExportsBucket.Arn}/exports/*"}}),
    ("s3 delete", {"Action": "s3:DeleteObject", "Resource": {"Fn::Sub": "${ExportsBucket.Arn}/exports/*"}}),
    ("secret put", {"Action": "secretsmanager:PutSecretValue", "Resource": {"Ref": "CursorSecret"}}),
    ("sqs send", {"Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}}),
    ("service wildcard", {"Action": "dynamodb:Get*", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}),
    ("star resource", {"Action": "dynamodb:GetItem", "Resource": "*"}),
    ("any table", {"Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/*"}),
    ("whole bucket", {"Action": "s3:GetObject", "Resource": {"Fn::Sub": "${ExportsBucket.Arn}/*"}}),
    ("any secret", {"Action": "secretsmanager:GetSecretValue", "Resource": {"Fn::Sub": "arn:aws:secretsmanager:*"}}),
    ("wrong service", {"Action": "s3:GetObject", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}),
]


def _with_policy(name: str, policies: Any, **extra: Any) -> Template:
    raw = copy.deepcopy(template.raw)
    properties = raw["Resources"][name]["Properties"]
    properties["Policies"] = policies
    properties.update(extra)
    return Template(path=template.path, raw=raw, parameters=dict(template.parameters))


@pytest.mark.parametrize(("label", "statement"), BAD_POLICIES, ids=[label for label, _ in BAD_POLICIES])
def test_the_check_refuses_a_bad_statement_on_a_read_only_endpoint(label: str, statement: Json) -> None:
    tpl = _with_policy("GetConsumerFunction", [{"Statement": [{"Effect": "Allow", **statement}]}])
    assert violations(tpl, "GetConsumerFunction"), label


@pytest.mark.parametrize("action", WRITES)
def test_every_write_of_the_issue_counts_as_a_write(action: str) -> None:
    assert is_write(action)


@pytest.mark.parametrize(
    "policies",
    [
        ["AmazonDynamoDBFullAccess"],
        [{"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table"}}}],
        {"Statement": [{"Effect": "Allow", "NotAction": "dynamodb:DeleteTable", "Resource": "*"}]},
    ],
)
def test_the_check_refuses_what_it_cannot_read(policies: Any) -> None:
    assert violations(_with_policy("CreateConsumerFunction", policies), "CreateConsumerFunction")


def test_the_check_refuses_a_role_of_its_own() -> None:
    tpl = _with_policy("CreateConsumerFunction", [], Role="arn:aws:iam::123456789012:role/admin")
    assert violations(tpl, "CreateConsumerFunction")


# ---------------------------------------------------------------- the code stays inside its grants


def test_the_secrets_the_code_names_are_inside_the_granted_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    assert template.raw["Globals"]["Function"]["Environment"]["Variables"]["STAGE"] == {"Ref": "Stage"}
    for stage, tpl in templates.items():
        monkeypatch.setenv("STAGE", stage)
        settings.reset()  # settings are read once per process; this test changes the stage under them
        granted = allowed_resources(tpl)
        pattern = next(arn for arn, service in granted.items() if service == "secretsmanager" and arn.endswith("*"))
        name = integrations.secret_name(Tenant("acme", Environment.LIVE))
        assert name == f"clientele/{stage}/live/acme/klaviyo"
        # A secret's ARN is its name plus a random 6-character suffix.
        assert fnmatch.fnmatchcase(f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf", pattern)
        other_stage = next(s for s in STAGES if s != stage)
        assert not fnmatch.fnmatchcase(
            f"arn:aws:secretsmanager:us-east-1:123456789012:secret:clientele/{other_stage}/x", pattern
        )
    settings.reset()


def test_the_file_keys_the_code_builds_are_under_granted_prefixes() -> None:
    tenant = Tenant("acme", Environment.SANDBOX)
    job = ExportJob(
        id="exp_1",
        kind=ExportKind.CONSUMERS,
        format=ExportFormat.CSV,
        status=ExportStatus.PENDING,
        parameters={},
        row_count=None,
        error=None,
        created_at="2024-01-01T00:00:00.000Z",
        completed_at=None,
    )
    keys = {
        export_store.object_key(tenant, job): "exports/",
        import_store.upload_key(tenant, "imp_1"): import_store.UPLOADS,
        import_store.report_key(tenant, "imp_1"): import_store.REPORTS,
        webhook_store.ShopifyWebhookRecord.body_object(tenant, "evt-1"): f"{webhook_store.BODY_PREFIX}/",
        compliance.data_request_key(tenant, "77"): f"{compliance.DATA_REQUEST_PREFIX}/",
    }
    for key, prefix in keys.items():
        assert key.startswith(prefix)
        assert prefix in FILE_PREFIXES
        assert key.startswith(f"{prefix}{tenant.environment}/{tenant.organization}/"), key  # tenant-scoped


# ---------------------------------------------------------------- the roles SAM generates


def _sam_roles() -> dict[str, Json]:
    """The IAM roles `sam deploy` would create, from SAM's own translator (offline)."""
    from samtranslator.translator.transform import transform

    raw = copy.deepcopy(template.raw)
    for resource in raw["Resources"].values():
        properties = resource.get("Properties") or {}
        for uri in ("CodeUri", "ContentUri"):
            if uri in properties:
                properties[uri] = "s3://bucket/key"  # what `sam package` puts there

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    region = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    try:
        output = transform(raw, {}, NoManagedPolicies())
    finally:
        if region is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = region
    return {name: r for name, r in output["Resources"].items() if r["Type"] == "AWS::IAM::Role"}


def test_the_roles_sam_generates_add_only_the_known_managed_policies_and_our_own_statements() -> None:
    roles = _sam_roles()
    # The one role not a function's: API Gateway's, for access logs (checked below).
    roles.pop("ApiGatewayLoggingRole")
    streams = {
        name
        for name in FUNCTIONS
        if any(e["Type"] == "DynamoDB" for e in (template.properties(name).get("Events") or {}).values())
    }
    assert set(roles) == {f"{name}Role" for name in FUNCTIONS}
    allowed = allowed_resources(template)
    for role_name, role in roles.items():
        function = role_name.removesuffix("Role")
        managed = set(role["Properties"].get("ManagedPolicyArns", []))
        expected = SAM_MANAGED | ({SAM_STREAM_MANAGED} if function in streams else set())
        if any(e["Type"] == "SQS" for e in (template.properties(function).get("Events") or {}).values()):
            expected |= {SAM_QUEUE_MANAGED}  # receive and delete on its queue (DeliverWebhooksFunction)
        assert managed == expected, role_name
        for policy in role["Properties"].get("Policies", []):
            for statement in as_list(policy["PolicyDocument"]["Statement"]):
                for raw in as_list(statement["Resource"]):
                    assert str(template.resolve(raw)) in allowed, (role_name, raw)
                for action in as_list(statement["Action"]):
                    assert "*" not in str(action), (role_name, action)


def test_the_api_gateway_logging_role_only_writes_logs() -> None:
    """API Gateway's account-wide role for access logs: assumed by API Gateway alone, holding only the
    AWS policy that writes CloudWatch Logs."""
    properties = template.properties("ApiGatewayLoggingRole")
    (statement,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert [str(template.resolve(arn)) for arn in properties["ManagedPolicyArns"]] == [API_GATEWAY_LOGS]
    assert "Policies" not in properties
    assert template.properties("ApiGatewayAccount")["CloudWatchRoleArn"] == {
        "Fn::GetAtt": ["ApiGatewayLoggingRole", "Arn"]
    }


# ---------------------------------------------------------------- tenant isolation by key construction

TENANT = Tenant("acme", Environment.LIVE)
PREFIX = f"{TENANT.key_prefix}#"  # "live#acme#": an organization id holds no "#", so nothing can fake it


def _consumer() -> Consumer:
    return Consumer(
        id="cons_1",
        email="ana@example.com",
        phone="+14155552671",
        full_name="Ana Lima",
        first_name=None,
        last_name=None,
        metadata=None,
        external_id="ext-1",
        status=Status.ACTIVE,
        membership=Membership.MEMBER,
        verified=False,
        verified_at=None,
        tags=[],
        address=None,
        source=Source.API,
        sync_status=SyncStatus.NOT_SYNCED,
        loyalty=Loyalty(points=5, tier="gold", next_change_at="2030-01-01T00:00:00.000Z"),
        total_orders=0,
        total_order_value=Decimal(0),
        last_order_at=None,
        last_activity_at=None,
        created_at="2024-01-01T00:00:00.000Z",
        updated_at="2024-01-01T00:00:00.000Z",
        version=1,
    )


def _partition_attributes() -> set[str]:
    """The table's partition key and every index's: the attributes a Query or GetItem names exactly."""
    table = template.properties("Table")
    schemas = [table["KeySchema"], *(index["KeySchema"] for index in table["GlobalSecondaryIndexes"])]
    return {part["AttributeName"] for schema in schemas for part in schema if part["KeyType"] == "HASH"}


# The one partition attribute that does not start with the tenant: index byDue (KEYS_ONLY) spreads
# every tenant's consumers whose points change by themselves over DUE#<n> shards for the scheduled
# refresh, which takes the tenant back from each entry's own pk (clientele.consumers.store.tenant_of).
CROSS_TENANT_PARTITIONS = {"dueShard"}


def test_every_stored_item_is_partitioned_under_its_tenant() -> None:
    consumer = _consumer()
    audience = Audience(
        id="aud_1",
        name="VIP",
        description=None,
        member_count=0,
        created_at="2024-01-01T00:00:00.000Z",
        updated_at="2024-01-01T00:00:00.000Z",
        version=1,
    )
    items = [
        consumer_store.ConsumerRecord.to_item(TENANT, consumer),
        *search_index.entries(TENANT, consumer).values(),
        audience_store.AudienceRecord.to_item(TENANT, audience),
    ]
    attributes = _partition_attributes()
    assert attributes == {"pk", "gsi1pk", "fStatus", "fMember", "fTier", "dueShard"}
    for item in items:
        for attribute in sorted((attributes - CROSS_TENANT_PARTITIONS) & set(item)):
            assert str(item[attribute]).startswith(PREFIX), (attribute, item[attribute])
    assert consumer_store.ConsumerRecord.to_item(TENANT, consumer)["dueShard"].startswith("DUE#")


def _key_builders(entity: type[Entity]) -> list[str]:
    """The entity's methods that build keys, by the naming rule core.store.entity states."""
    return [
        name
        for name in dir(entity)
        if not name.startswith("_")
        and (name in ("key", "partition") or name.endswith(("_key", "_partition")))
        and callable(getattr(entity, name))
    ]


def _sample(parameter: inspect.Parameter) -> Any:
    """A value for a key builder's parameter, by its annotation."""
    samples = {"Tenant": TENANT, "Consumer": _consumer(), "str": "x_1", "int": 1, "TimelineEvent": _event()}
    return samples[str(parameter.annotation)]


def _event() -> TimelineEvent:
    return TimelineEvent(
        id="evt_1", type=TimelineEventType.ORDER_PLACED, occurred_at="2024-01-01T00:00:00.000Z", details={}
    )


def _partitions(key: Any) -> list[str]:
    """A built key's partition values: a string, or every *pk attribute of a key dict."""
    return [key] if isinstance(key, str) else [str(value) for name, value in key.items() if name.endswith("pk")]


def test_every_key_the_data_layer_builds_starts_with_the_tenant() -> None:
    """Walks every registered entity (core.store.entity) and calls each of its key builders."""
    entities = registered()
    assert {"Consumer", "Order", "Audience", "AudienceMember", "LoyaltyProgram", "Wallet", "Export", "Import"} <= set(
        entities
    )
    checked = 0
    for kind, entity in sorted(entities.items()):
        builders = _key_builders(entity)
        assert builders, f"{kind} builds no key"
        for name in builders:
            builder = getattr(entity, name)
            arguments = [_sample(parameter) for parameter in inspect.signature(builder).parameters.values()]
            for partition in _partitions(builder(*arguments)):
                checked += 1
                if entity.tenant_scoped:
                    assert partition.startswith(PREFIX), (kind, name, partition)
                else:
                    assert TENANT.key_prefix not in partition, (kind, name, partition)
    assert checked >= 30


def test_the_walk_sees_a_key_that_forgets_its_tenant() -> None:
    """The check itself: an entity registered with a key outside the tenant is caught."""

    class Leaky(Entity):
        kind = "LeakyForTest"

        @staticmethod
        def key(tenant: Tenant, thing_id: str) -> dict[str, str]:
            return {"pk": f"THING#{thing_id}", "sk": "THING"}

    try:
        assert "LeakyForTest" in registered()
        with pytest.raises(AssertionError, match="LeakyForTest"):
            test_every_key_the_data_layer_builds_starts_with_the_tenant()
    finally:
        Entity.registry.pop("LeakyForTest", None)


def test_api_keys_are_the_one_documented_exception() -> None:
    """Looked up by hash before any tenant is known: `APIKEYHASH#<sha256>` and `ORG#<organization>`."""
    assert api_key_store.ApiKeyRecord.lookup_key("ab" * 32)["pk"] == "APIKEYHASH#" + "ab" * 32
    assert api_key_store.ApiKeyRecord.key("acme", "key_1")["pk"] == "ORG#acme"


@pytest.mark.parametrize("organization", ["acme#live", "ACME", "", "-acme", "a" * 65, "acme/x", "acme live"])
def test_an_organization_id_cannot_reach_into_another_key(organization: str) -> None:
    with pytest.raises(ValueError, match="organization"):
        valid_organization(organization)
    with pytest.raises((ValueError, KeyError)):
        Principal.from_context({"organization": organization, "environment": "live", "scope": "write", "keyId": "k"})


def test_the_tenant_comes_from_the_authorizer_context_only() -> None:
    context: dict[str, object] = {"organization": "acme", "environment": "sandbox", "scope": "read", "keyId": "k"}
    assert Principal.from_context(context).tenant.key_prefix == "sandbox#acme"
    with pytest.raises(ValueError, match="staging"):
        Principal.from_context({**context, "environment": "staging"})


# ---------------------------------------------------------------- API keys, the authorizer's cache, logs


def test_api_keys_are_high_entropy_and_stored_as_a_sha256() -> None:
    assert string.ascii_letters + string.digits == keys._ALPHABET
    assert keys._SECRET_LENGTH * math.log2(len(keys._ALPHABET)) > 190  # 32 characters of 62: 190.5 bits
    secret = "sk_live_" + "A" * 32
    assert keys.secret_hash(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert keys.hint(secret) == "sk_live_AAAA…AAAA"  # what the table keeps to identify a key: 8 of 32 characters


def test_the_authorizer_answer_is_cached_per_key_for_60_seconds() -> None:
    authorizer = template.properties("Api")["Auth"]["Authorizers"]["ApiKeyAuthorizer"]
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    assert authorizer["Identity"]["Headers"] == ["Authorization"]  # the cache key is the whole header
    assert authorizer["Identity"]["ReauthorizeEvery"] == 60  # so a revoked key may work for up to 60 s


def test_functions_log_no_events_and_no_debug() -> None:
    variables = template.raw["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"  # the event holds the body and query string
    assert variables["POWERTOOLS_LOG_LEVEL"] == "INFO"
    guarded = {"POWERTOOLS_LOGGER_LOG_EVENT", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_TRACER_CAPTURE_RESPONSE"}
    guarded |= {"POWERTOOLS_TRACER_CAPTURE_ERROR", "POWERTOOLS_DEV", "POWERTOOLS_DEBUG"}
    for name in FUNCTIONS:
        own = ((template.raw["Resources"][name]["Properties"].get("Environment") or {}).get("Variables")) or {}
        assert not guarded & set(own), f"{name} overrides {guarded & set(own)}"


# What an access log line may say: who, which route (its template, never the path with its ids or the
# query string with its cursors and searches), the outcome. Anything else fails until it is added here.
ACCESS_LOG_VARIABLES = {
    "$context.requestId",
    "$context.requestTime",
    "$context.identity.sourceIp",
    "$context.httpMethod",
    "$context.resourcePath",
    "$context.status",
    "$context.responseLength",
    "$context.responseLatency",
    "$context.authorizer.organization",
    "$context.authorizer.environment",
    "$context.authorizer.keyId",
    "$context.error.responseType",
}


def test_api_gateway_does_not_log_request_bodies() -> None:
    api = template.properties("Api")
    for setting in api.get("MethodSettings") or []:
        assert setting.get("DataTraceEnabled") is not True
        assert setting.get("LoggingLevel", "OFF") == "OFF"  # execution logs would hold requests


def test_access_logs_name_routes_and_outcomes_never_paths_or_query_strings() -> None:
    setting = template.properties("Api")["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(setting["Format"])  # one JSON object per request
    assert set(line.values()) <= ACCESS_LOG_VARIABLES, set(line.values()) - ACCESS_LOG_VARIABLES
    assert {"$context.resourcePath", "$context.status", "$context.authorizer.organization"} <= set(line.values())
    for unsafe in ("$context.path", "$input", "requestOverride", "responseOverride", "$method.request"):
        assert unsafe not in setting["Format"].replace("$context.resourcePath", "")
