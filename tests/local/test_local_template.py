"""Template loading and intrinsic resolution, without starting anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from localstack_support import FIXTURE, TEMPLATE

from clientele_local.gateway import load_apis, policy_allows
from clientele_local.resources import _cors_rule
from clientele_local.template import QUEUE, Template, TemplateError
from clientele_local.workers import function_specs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tpl() -> Template:
    tpl = Template.load(TEMPLATE)
    # Values only known once moto has created the resources.
    tpl.runtime[("FailureQueue", "Ref")] = "http://moto/123456789012/clientele-local-FailureQueue"
    tpl.runtime[("Table", "StreamArn")] = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/1"
    return tpl


def test_short_tags_become_long_form(tpl: Template) -> None:
    props = tpl.raw["Resources"]["EchoFunction"]["Properties"]["Environment"]["Variables"]
    assert props["BUCKET_NAME"] == {"Ref": "Bucket"}
    assert props["QUEUE_NAME"] == {"Fn::GetAtt": ["FailureQueue", "QueueName"]}
    assert props["CONDITIONAL"] == {"Fn::If": ["IsProd", "prod-value", "dev-value"]}


def test_globals_merged_and_intrinsics_resolved(tpl: Template) -> None:
    env = function_specs(tpl, {"AWS_ENDPOINT_URL": "http://moto"})["EchoFunction"].env
    assert env["GLOBAL_VAR"] == "from-globals"
    assert env["OVERRIDDEN"] == "from-function"  # the function's value wins over Globals
    assert env["TABLE_NAME"] == "clientele-local-Table"
    assert env["BUCKET_NAME"] == "clientele-local-bucket"
    assert env["QUEUE_URL"] == "http://moto/123456789012/clientele-local-FailureQueue"
    assert env["QUEUE_NAME"] == "clientele-local-FailureQueue"
    assert env["TABLE_ARN"] == "arn:aws:dynamodb:us-east-1:123456789012:table/clientele-local-Table"
    assert env["SUBBED"] == "clientele-local-Table|dev|us-east-1|arn:aws:s3:::clientele-local-bucket"
    assert env["CONDITIONAL"] == "dev-value"
    assert env["JOINED"] == "a/dev"
    assert env["SELECTED"] == "y"
    assert env["AWS_ENDPOINT_URL"] == "http://moto"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "EchoFunction"


def test_globals_scalars_and_layers(tpl: Template) -> None:
    specs = function_specs(tpl, {})
    assert specs["EchoFunction"].memory_mb == 1024
    assert specs["StreamFunction"].memory_mb == 256
    assert specs["StreamFunction"].timeout_s == 5
    assert specs["EchoFunction"].layer_dirs == (str(FIXTURE / "layer"),)
    assert specs["EchoFunction"].code_dir == str(FIXTURE / "functions" / "echo")


def test_parameter_override_flips_conditions() -> None:
    tpl = Template.load(TEMPLATE, {"Stage": "prod"})
    assert tpl.condition("IsProd")
    assert tpl.resolve(tpl.properties("Table")["DeletionProtectionEnabled"]) is True
    with pytest.raises(TemplateError):
        Template.load(TEMPLATE, {"Nope": "x"})


def test_routes_and_authorizer_from_template(tpl: Template) -> None:
    apis, routes = load_apis(tpl)
    api = apis["Api"]
    assert api.stage == "dev"
    assert api.authorizers["TokenAuthorizer"].function == "AuthorizerFunction"
    assert api.authorizers["TokenAuthorizer"].identity_headers == ("Authorization",)
    by_path = {(r.method, r.path): r for r in routes}
    assert by_path[("GET", "/public")].authorizer is None
    assert by_path[("GET", "/things/{id}")].authorizer == "TokenAuthorizer"
    assert by_path[("GET", "/things/{id}")].match("GET", "/things/42") == {"id": "42"}
    assert by_path[("ANY", "/files/{proxy+}")].match("DELETE", "/files/a/b") == {"proxy": "a/b"}
    assert "application/json" in api.gateway_responses["UNAUTHORIZED"]["ResponseTemplates"]


def test_project_template_loads() -> None:
    """The real template.yaml resolves with the same code (no Clientele-specific knowledge)."""
    tpl = Template.load(ROOT / "template.yaml")
    for queue in tpl.resources(QUEUE):  # a queue's URL exists once the stack has created it
        tpl.runtime[(queue, "Ref")] = f"http://moto/{queue}"
    specs = function_specs(tpl, {})
    assert specs, "template.yaml defines functions"
    for spec in specs.values():
        assert spec.env["TABLE_NAME"] == "clientele-local-Table"
        assert spec.layer_dirs == (str(ROOT / "shared"),)
    apis, routes = load_apis(tpl)
    assert routes
    assert all(r.api in apis for r in routes)


ARN = "arn:aws:execute-api:us-east-1:123456789012:abc/dev/POST/things"


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([], False),
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ARN}], True),
        ([{"Effect": "Allow", "Action": "execute-api:*", "Resource": "arn:aws:execute-api:*:*:abc/*"}], True),
        ([{"Effect": "Allow", "Action": "*", "Resource": ["x", "arn:*:abc/dev/P?ST/*"]}], True),
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:*:abc/dev/GET/*"}], False),
        (
            [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
                {"Effect": "Deny", "Action": ["execute-api:Invoke"], "Resource": "arn:*/POST/*"},
            ],
            False,
        ),
        ([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}], False),
    ],
)
def test_policy_evaluation(statements: list[dict[str, object]], allowed: bool) -> None:
    assert policy_allows({"Version": "2012-10-17", "Statement": statements}, ARN) is allowed


def test_schedules_run_at_their_rate_scaled_and_refuse_what_they_cannot_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from clientele_local.schedules import schedule_sources, scheduled_event

    project = Template.load(ROOT / "template.yaml")
    every = {source.function: source for source in schedule_sources(project)}
    refresh = every["RefreshLoyaltyFunction"]
    assert (refresh.every, every["ScheduleKlaviyoPullsFunction"].every) == (300, 3600)
    monkeypatch.setenv("CLIENTELE_SCHEDULE_SCALE", "0.01")
    scaled = {source.function: source.every for source in schedule_sources(project)}
    assert scaled["RefreshLoyaltyFunction"] == pytest.approx(3)
    assert scheduled_event(refresh)["detail-type"] == "Scheduled Event"
    cron = tmp_path / "template.yaml"
    cron.write_text(
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.h\n"
        "      Events:\n        Nightly:\n          Type: Schedule\n          Properties:\n"
        "            Schedule: cron(0 3 * * ? *)\n"
    )
    with pytest.raises(ValueError, match="rate\\(\\) schedules only"):
        schedule_sources(Template.load(cron))


def test_a_buckets_cors_rules_reach_s3_under_the_s3_apis_names() -> None:
    """The files bucket's rule (the console's uploads) as put_bucket_cors takes it, not CloudFormation's names."""
    tpl = Template.load(ROOT / "template.yaml")
    (rule,) = tpl.resolve(tpl.properties("ExportsBucket")["CorsConfiguration"]["CorsRules"])
    assert _cors_rule(rule) == {
        "AllowedMethods": ["PUT"],
        "AllowedOrigins": ["*"],
        "AllowedHeaders": ["content-type"],
        "MaxAgeSeconds": 3600,
    }
