"""What every HTTP function shares: the resolver, the error body, the caller, the handler stack.

Domain errors become HTTP here and nowhere else:
`{"error": {"type", "code", "message", "details", "requestId"}}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele import idempotency
from clientele.errors import (
    AuthenticationRequired,
    ClienteleError,
    RouteNotFound,
    ValidationFailed,
    validation_details,
)
from clientele.paging import MAX_PAGE_SIZE, PageRequest
from clientele.tenancy import Principal, Tenant

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def error_body(error: ClienteleError, request_id: str | None) -> dict[str, Any]:
    return {
        "error": {
            "type": error.type,
            "code": error.code,
            "message": error.message,
            "details": error.details,
            "requestId": request_id,
        }
    }


def resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)

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


def json_response(status: int, payload: Any) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=payload)


def documented(status: int, model: Any, description: str) -> dict[int, dict[str, Any]]:
    """A route's success answer for the OpenAPI document (errors are added for every route)."""
    return {status: {"description": description, "content": {"application/json": {"model": model}}}}


def principal(app: APIGatewayRestResolver) -> Principal:
    """The caller, from the authorizer's context; never from the request body."""
    try:
        return Principal.from_context(app.current_event.raw_event["requestContext"].get("authorizer"))
    except (KeyError, TypeError, ValueError):
        raise AuthenticationRequired() from None


def json_body(app: APIGatewayRestResolver) -> Any:
    """The request body as JSON; a body that is not JSON is a validation error, not a crash."""
    try:
        return app.current_event.json_body
    except ValueError:
        raise ValidationFailed(details=[{"field": "body", "message": "must be valid JSON"}]) from None


def idempotency_key(app: APIGatewayRestResolver) -> str | None:
    return app.current_event.headers.get(idempotency.HEADER)


def remembered(app: APIGatewayRestResolver, operation: str, work: Callable[[Tenant], Any], **options: Any) -> Any:
    """`work`'s answer for the caller's tenant, run once per `Idempotency-Key` (a retry with the key
    gets the first answer again). `options` go to idempotency.once (shrink/expand of big answers)."""
    tenant = principal(app).tenant
    return idempotency.once(tenant, operation, idempotency_key(app), json_body(app), lambda: work(tenant), **options)


PageSize = Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)]


def page_request(first: int | None, last: int | None, after: str | None, before: str | None) -> PageRequest:
    return PageRequest(first=first, last=last, after=after, before=before)


def handler(app: APIGatewayRestResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point for a resolver, with logging, tracing and metrics around it."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        idempotency.register(context)
        return app.resolve(event, context)

    return lambda_handler
