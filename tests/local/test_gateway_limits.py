"""The local gateway enforces template.yaml's stage throttling, usage plan and quota, answering as
API Gateway would with the template's GatewayResponses. A stand-in pool answers for the functions
and the clocks are driven by hand, so nothing here waits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from clientele.core.errors import QuotaExceeded, TooManyRequests
from clientele.core.http import error_body
from clientele_local.gateway import Gateway
from clientele_local.template import Template
from clientele_local.throttling import Throttles
from clientele_local.workers import InvokeResult, WorkerPool
from tests.conftest import ROOT

ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": ["*"]}],
}


class Functions:
    """Stands in for the worker pool: the authorizer takes `Bearer <organization>` and returns the
    organization as usageIdentifierKey (as keys without an API Gateway key do); every function answers 200."""

    def __init__(self, usage_identifier: bool = True) -> None:
        self.usage_identifier = usage_identifier
        self.calls: list[str] = []

    def invoke(self, function: str, event: Any, request_id: str | None = None) -> InvokeResult:
        self.calls.append(function)
        if function != "AuthorizerFunction":
            return InvokeResult(ok=True, payload={"statusCode": 200, "body": "{}"})
        organization = event["headers"]["Authorization"].split()[-1]
        answer = {"principalId": "key_1", "policyDocument": ALLOW_ALL, "context": {"organization": organization}}
        if self.usage_identifier:
            answer["usageIdentifierKey"] = organization
        return InvokeResult(ok=True, payload=answer)


class Clocks:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.today = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def gateway(functions: Functions, clocks: Clocks, **limits: str) -> Gateway:
    tpl = Template.load(ROOT / "template.yaml", limits)
    pool: WorkerPool = functions  # type: ignore[assignment]
    throttles = Throttles(clock=lambda: clocks.seconds, calendar=lambda: clocks.today)
    return Gateway(tpl, pool, auth_cache=False, throttles=throttles)


def get(gw: Gateway, organization: str, path: str = "/api/v1/consumers") -> Response:
    request = EnvironBuilder(path=path, headers={"Authorization": f"Bearer {organization}"}).get_request()
    return gw.handle(request)


def assert_429(response: Response, error: TooManyRequests, retry_after: str) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"] == retry_after
    assert json.loads(response.get_data()) == error_body(error, response.headers["x-amzn-RequestId"])


def test_each_organization_has_its_own_bucket() -> None:
    clocks = Clocks()
    gw = gateway(Functions(), clocks, OrganizationThrottleRate="0.5", OrganizationThrottleBurst="2")
    assert [get(gw, "acme").status_code for _ in range(2)] == [200, 200]
    assert_429(get(gw, "acme"), TooManyRequests(), "1")
    assert get(gw, "globex").status_code == 200  # another organization is not slowed down
    clocks.seconds += 2  # one token back at 0.5 per second
    assert [get(gw, "acme").status_code for _ in range(2)] == [200, 429]


def test_stage_throttling_is_per_method_and_refuses_before_the_authorizer_runs() -> None:
    functions = Functions()
    gw = gateway(functions, Clocks(), ApiThrottleRate="0.001", ApiThrottleBurst="1")
    assert get(gw, "acme").status_code == 200
    calls = len(functions.calls)
    assert_429(get(gw, "globex"), TooManyRequests(), "1")  # all callers share the method's bucket
    assert len(functions.calls) == calls  # neither the authorizer nor the function was invoked
    assert get(gw, "acme", "/api/v1/audiences").status_code == 200  # another method, another bucket


def test_the_daily_quota_ends_with_the_day() -> None:
    clocks = Clocks()
    gw = gateway(Functions(), clocks, OrganizationDailyQuota="2")
    assert [get(gw, "acme").status_code for _ in range(2)] == [200, 200]
    assert_429(get(gw, "acme"), QuotaExceeded(), "3600")
    assert get(gw, "globex").status_code == 200
    clocks.today += timedelta(hours=12)  # past 00:00 UTC
    assert get(gw, "acme").status_code == 200


def test_without_a_usage_identifier_the_gateway_refuses_as_api_gateway_does() -> None:
    response = get(gateway(Functions(usage_identifier=False), Clocks()), "acme")
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "ForbiddenException"
