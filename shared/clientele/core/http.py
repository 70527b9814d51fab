"""What every HTTP function shares: the resolver, the error body, the caller, the handler stack.

Domain errors become HTTP here and nowhere else:
`{"error": {"type", "code", "message", "details", "requestId"}}`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.core import actor, clock, coldstart
from clientele.core.errors import (
    AuthenticationRequired,
    ClienteleError,
    RouteNotFound,
    ValidationFailed,
    validation_details,
)
from clientele.core.paging import MAX_PAGE_SIZE, PageRequest
from clientele.core.tenancy import Principal

logger = Logger()
metrics = Metrics()


def error_body(error: ClienteleError, request_id: str | None) -> dict[str, Any]:
    return {
        "error": {
            "type": error.type,
            "code": error.code,
            "message": error.message,
            "details": error.details,
            "requestId": request_id,
            **error.extra,
        }
    }


# The console calls every route under /app (/app/api/v1/…, docs/console.md), through its session
# authorizer: the routes are the same, so the prefix goes before they are matched.
CONSOLE_PREFIX = re.compile(r"^/app(?=/api/)")


def resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, strip_prefixes=[CONSOLE_PREFIX])

    def respond(error: ClienteleError) -> Response[dict[str, Any]]:
        request_id = app.current_event.request_context.request_id
        return json_response(error.status, error_body(error, request_id))

    @app.exception_handler(ClienteleError)
    def _domain_error(error: ClienteleError) -> Response[dict[str, Any]]:
        if error.status >= 500:
            logger.exception("Request failed")  # the cause (e.g. a store error) is chained to it
        return respond(error)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[dict[str, Any]]:
        return respond(ValidationFailed(details=validation_details(list(error.errors()))))

    @app.not_found
    def _no_route(_: Exception) -> Response[dict[str, Any]]:
        return respond(RouteNotFound())

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[dict[str, Any]]:
        logger.exception("Unhandled error")
        return respond(ClienteleError())

    return app


def json_response(status: int, payload: Any, *, version: int | None = None) -> Response[Any]:
    """A JSON answer; with `version`, an ETag the caller can send back as If-Match."""
    headers = {"ETag": f'"{version}"'} if version is not None else None
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=payload, headers=headers)


IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=40, description='The ETag of the consumer as read (`"3"`): 409 if it changed'),
]


def version_of(if_match: str | None) -> int | None:
    """The version an If-Match header names (`"3"`, `W/"3"` or `3`); None without one or for `*`."""
    value = if_match
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ValidationFailed(details=[{"field": "If-Match", "message": 'must be an ETag this API gave, like "3"'}])
    return int(text)


def documented(status: int, model: Any, description: str) -> dict[int, dict[str, Any]]:
    """A route's success answer for the OpenAPI document (errors are added for every route)."""
    return {status: {"description": description, "content": {"application/json": {"model": model}}}}


def also_answers(*errors: type[ClienteleError]) -> dict[int, dict[str, Any]]:
    """Error answers a route gives beyond those every route of its kind documents (such as a 404
    for an id named in the query or body rather than the path), for the OpenAPI document."""
    answers: dict[int, dict[str, Any]] = {}
    for error in errors:
        answers.setdefault(error.status, {"description": []})["description"].append(error.message)
    return {status: {"description": "; ".join(answer["description"])} for status, answer in answers.items()}


def principal(app: APIGatewayRestResolver) -> Principal:
    """The caller, from the authorizer's context; never from the request body."""
    try:
        return Principal.from_context(app.current_event.raw_event["requestContext"].get("authorizer"))
    except (KeyError, TypeError, ValueError):
        raise AuthenticationRequired() from None


def from_console(app: APIGatewayRestResolver) -> bool:
    """The request came through the console's twin of the route (`/app/api/v1/…`), under a staff
    session, rather than straight to the API with a key."""
    event = app.current_event
    return bool(CONSOLE_PREFIX.match(event.resource or event.path))


def over_https(app: APIGatewayRestResolver) -> bool:
    """The caller reached us over HTTPS: API Gateway always does; only the local stack says plain HTTP
    (X-Forwarded-Proto: http). A request that says neither counts as HTTPS, so cookies stay Secure."""
    return (app.current_event.headers.get("x-forwarded-proto") or "https").lower() != "http"


def same_origin(app: APIGatewayRestResolver) -> None:
    """A browser's request from a page of another origin (its Origin header) is refused: with no CORS,
    only the console's own pages may sign in and out."""
    event = app.current_event
    origin = event.headers.get("origin")
    scheme = "https" if over_https(app) else "http"
    if origin is not None and origin != f"{scheme}://{event.headers.get('host')}":
        raise AuthenticationRequired("Sign in from the console's own page")


def json_body(app: APIGatewayRestResolver) -> Any:
    """The request body as JSON; a body that is not JSON is a validation error, not a crash."""
    try:
        return app.current_event.json_body
    except ValueError:
        raise ValidationFailed(details=[{"field": "body", "message": "must be valid JSON"}]) from None


PageSize = Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)]


def page_request(first: int | None, last: int | None, after: str | None, before: str | None) -> PageRequest:
    return PageRequest(first=first, last=last, after=after, before=before)


# Request bodies are JSON; API Gateway's own limit is 10 MB (and Lambda's 6 MB), far more than any
# valid body needs. A bigger one is refused before it is parsed, whatever the route.
MAX_BODY_BYTES = 1024 * 1024


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings aside)."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", _STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


MAX_NESTING = 32  # levels of arrays and objects; no valid body comes near, and a JSON parser recurses


def _refusal(event: dict[str, Any], max_bytes: int = MAX_BODY_BYTES) -> str | None:
    """Why a body cannot be parsed safely, or None. Checked on every route before parsing: a body
    over MAX_BODY_BYTES, one that is not UTF-8 (API Gateway hands such bytes over base64-encoded), or
    one nested deeper than MAX_NESTING (which would exhaust the parser's recursion)."""
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    if size > max_bytes:
        return f"is {size} bytes; at most {max_bytes} bytes ({max_bytes // (1024 * 1024)} MB)"
    try:
        text = base64.b64decode(body).decode() if event.get("isBase64Encoded") else body
    except (binascii.Error, UnicodeDecodeError):
        return "must be JSON encoded as UTF-8"
    if _nesting(text) > MAX_NESTING:
        return f"nests arrays and objects more than {MAX_NESTING} levels deep"
    return None


def refused_body(event: dict[str, Any], max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any] | None:
    """The 400 answer (a proxy response) for a body that cannot be parsed safely; None for any other."""
    message = _refusal(event, max_bytes)
    if message is None:
        return None
    error = ValidationFailed(details=[{"field": "body", "message": message}])
    request_id = (event.get("requestContext") or {}).get("requestId")
    return {
        "statusCode": error.status,
        "multiValueHeaders": {"Content-Type": [content_types.APPLICATION_JSON]},
        "body": json.dumps(error_body(error, request_id)),
        "isBase64Encoded": False,
    }


def _caller(event: dict[str, Any]) -> actor.Actor:
    """Who the request's changes are by: the API key, or the console session's key, and the request."""
    context = event.get("requestContext") or {}
    key_id = (context.get("authorizer") or {}).get("keyId")
    console = CONSOLE_PREFIX.match(event.get("resource") or event.get("path") or "")
    kind = actor.ActorType.CONSOLE if console else actor.ActorType.API_KEY
    return actor.Actor(kind, key_id, context.get("requestId"))


def handler(
    app: APIGatewayRestResolver, *, max_body_bytes: int = MAX_BODY_BYTES
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point for a resolver, with logging and metrics (Tracing: Active traces Lambda itself).
    `max_body_bytes`: a bigger body limit for a route that must take what another system sends."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        with (
            clock.answering_within(context.get_remaining_time_in_millis() / 1000),
            actor.acting(_caller(event)),
        ):
            return refused_body(event, max_body_bytes) or app.resolve(event, context)

    coldstart.initialized()
    return lambda_handler
