"""The API Gateway REQUEST authorizer's rule: a key becomes a principal and an IAM policy."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    HttpVerb,
)
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    parse_api_gateway_arn as parse_arn,
)

from clientele.access import keys, sessions
from clientele.core.tenancy import READ_METHODS, Principal, Scope


def authorize(authorization: str | None, method_arn: str) -> dict[str, Any]:
    """Raises AuthenticationRequired for a missing, malformed, unknown or revoked key.

    The policy depends only on the key (never on the route), so API Gateway may cache it per key:
    secret keys may call every route, read-only keys only GET, HEAD and OPTIONS.
    """
    principal, usage_identifier = keys.identify(keys.bearer_secret(authorization))
    return _policy(principal, usage_identifier, method_arn)


def authorize_session(cookie: str | None, csrf_token: str | None, method_arn: str, *, secure: bool) -> dict[str, Any]:
    """The console's calls (/app/api/v1/…): a live session and its CSRF token stand in for the key, and
    answer the same context and policy, so a function cannot tell the two callers apart."""
    session = sessions.authorize(cookie, csrf_token, secure=secure)
    return _policy(session.principal, session.usage_identifier, method_arn)


def _policy(principal: Principal, usage_identifier: str, method_arn: str) -> dict[str, Any]:
    arn = parse_arn(method_arn)
    policy = APIGatewayAuthorizerResponse(
        principal_id=principal.key_id,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        context=principal.as_context(),
        usage_identifier_key=usage_identifier,  # the usage plan (ApiKeySourceType AUTHORIZER) limits by it
    )
    if principal.scope is Scope.WRITE:
        policy.allow_all_routes()
    else:
        for method in sorted(READ_METHODS):
            policy.allow_route(HttpVerb(method).value, "*")
    return policy.asdict()
