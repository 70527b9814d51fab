"""API Gateway (REST, Lambda proxy) emulation over the template's Api events.

Routes, the authorizer, stage, throttling, usage plans and gateway responses all come from
template.yaml. With ApiKeySourceType AUTHORIZER the usage identifier is the authorizer's
`usageIdentifierKey`; there is no API key registry here, so any identifier the authorizer returns
is taken as a key of the plan (API Gateway answers 403 for one that is not).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from clientele_local import docs
from clientele_local.template import ACCOUNT_ID, API, FUNCTION, REGION, Template, function_name_from_arn
from clientele_local.throttling import MethodLimit, Throttles, UsagePlan, method_limits, usage_plan
from clientele_local.workers import WorkerPool

log = logging.getLogger("clientele_local")

IMPLICIT_API = "ServerlessRestApi"

# API Gateway's default status codes for the gateway response types we can produce.
DEFAULT_STATUS = {
    "ACCESS_DENIED": 403,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_BODY": 400,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "DEFAULT_5XX": 502,
}
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|x-www-form-urlencoded|.*\+json|.*\+xml))", re.I)


# ----------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Authorizer:
    name: str
    function: str
    identity_headers: tuple[str, ...]
    identity_query: tuple[str, ...]
    ttl: int


@dataclass
class ApiConfig:
    logical_id: str
    api_id: str
    stage: str
    authorizers: dict[str, Authorizer]
    default_authorizer: str | None
    gateway_responses: dict[str, dict[str, Any]]
    binary_media_types: list[str]
    stage_variables: dict[str, str] | None
    method_limits: list[MethodLimit] = field(default_factory=list)
    usage_plan: UsagePlan | None = None
    api_key_source: str = "HEADER"  # or AUTHORIZER: the authorizer's usageIdentifierKey
    api_key_required: bool = False  # the default of the API's methods

    def method_limit(self, resource_path: str, http_method: str) -> MethodLimit | None:
        """The most specific throttling setting for the method, if any."""
        scored = [(s, m) for m in self.method_limits if (s := m.specificity(resource_path, http_method)) is not None]
        return max(scored, key=lambda pair: pair[0])[1] if scored else None


@dataclass(frozen=True)
class Route:
    api: str
    method: str
    path: str
    function: str
    authorizer: str | None  # None = no authorization
    api_key_required: bool
    regex: re.Pattern[str] = field(compare=False)
    rank: tuple[tuple[int, ...], int] = field(compare=False)  # literal < {param} < {proxy+}; ANY last

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        m = self.regex.fullmatch(path)
        return None if m is None else {k.removesuffix("__greedy"): v for k, v in m.groupdict().items()}


def _compile(path: str) -> tuple[re.Pattern[str], tuple[int, ...]]:
    parts, rank = [], []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}__greedy>.+)")
            rank.append(2)
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
            rank.append(1)
        else:
            parts.append(re.escape(segment))
            rank.append(0)
    return re.compile("/" + "/".join(parts)), tuple(rank)


def load_apis(tpl: Template) -> tuple[dict[str, ApiConfig], list[Route]]:
    apis: dict[str, ApiConfig] = {}
    for logical_id, res in tpl.resources(API).items():
        props = res.get("Properties") or {}
        auth = props.get("Auth") or {}
        authorizers = {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            identity = spec.get("Identity") or {}
            authorizers[name] = Authorizer(
                name=name,
                function=function_name_from_arn(str(tpl.resolve(spec["FunctionArn"]))),
                identity_headers=tuple(tpl.resolve(identity.get("Headers") or [])),
                identity_query=tuple(tpl.resolve(identity.get("QueryStrings") or [])),
                ttl=int(tpl.resolve(identity.get("ReauthorizeEvery", 300))),
            )
        default = tpl.resolve(auth.get("DefaultAuthorizer"))
        apis[logical_id] = ApiConfig(
            logical_id=logical_id,
            api_id=str(tpl.ref(logical_id)),
            stage=str(tpl.resolve(props.get("StageName", "Prod"))),
            authorizers=authorizers,
            default_authorizer=None if default in (None, "NONE", "AWS_IAM") else str(default),
            gateway_responses=tpl.resolve(props.get("GatewayResponses") or {}),
            binary_media_types=[str(t).replace("~1", "/") for t in tpl.resolve(props.get("BinaryMediaTypes") or [])],
            stage_variables=tpl.resolve(props.get("Variables")) or None,
            method_limits=method_limits(tpl.resolve(props.get("MethodSettings") or [])),
            usage_plan=usage_plan(logical_id, tpl.resolve(auth.get("UsagePlan"))),
            api_key_source=str(tpl.resolve(props.get("ApiKeySourceType", "HEADER"))).upper(),
            api_key_required=bool(tpl.resolve(auth.get("ApiKeyRequired", False))),
        )

    routes: list[Route] = []
    for function, res in tpl.resources(FUNCTION).items():
        for event in ((res.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") != "Api":
                continue
            props = event.get("Properties") or {}
            rest_api = props.get("RestApiId")
            api_name = rest_api["Ref"] if isinstance(rest_api, dict) else IMPLICIT_API
            if api_name not in apis:  # SAM's implicit API: stage Prod, no auth
                apis[api_name] = ApiConfig(api_name, "implicitapi", "Prod", {}, None, {}, [], None)
            api = apis[api_name]
            authorizer = api.default_authorizer
            override = (props.get("Auth") or {}).get("Authorizer")
            if override is not None:
                authorizer = None if override in ("NONE", "AWS_IAM") else str(override)
            key_required = bool(tpl.resolve((props.get("Auth") or {}).get("ApiKeyRequired", api.api_key_required)))
            path = str(tpl.resolve(props["Path"]))
            regex, rank = _compile(path)
            method = str(tpl.resolve(props["Method"])).upper()
            routes.append(
                Route(
                    api_name,
                    method,
                    path,
                    function,
                    authorizer,
                    key_required,
                    regex,
                    (rank, 1 if method == "ANY" else 0),
                )
            )
    return apis, routes


# ----------------------------------------------------------------------------- policy


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.S)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def policy_allows(policy: dict[str, Any], method_arn: str) -> bool:
    """IAM evaluation for execute-api:Invoke on one method ARN: explicit Deny wins, default deny."""
    allowed = False
    for stmt in _as_list(policy.get("Statement")):
        actions = _as_list(stmt.get("Action"))
        if not any(_wildcard(str(a).lower()).fullmatch("execute-api:invoke") for a in actions):
            continue
        if not any(_wildcard(str(r)).fullmatch(method_arn) for r in _as_list(stmt.get("Resource"))):
            continue
        if stmt.get("Effect") == "Deny":
            return False
        if stmt.get("Effect") == "Allow":
            allowed = True
    return allowed


class AuthorizerError(Exception):
    def __init__(self, response_type: str, message: str) -> None:
        super().__init__(message)
        self.response_type = response_type
        self.message = message


# ----------------------------------------------------------------------------- gateway


class Gateway:
    def __init__(
        self, tpl: Template, pool: WorkerPool, auth_cache: bool = True, throttles: Throttles | None = None
    ) -> None:
        self.project_root = tpl.root
        self.pool = pool
        self.throttles = throttles or Throttles()
        self.apis, routes = load_apis(tpl)
        self.routes = sorted(routes, key=lambda r: r.rank)
        self.auth_cache_enabled = auth_cache
        self._auth_cache: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = {}
        self._cache_lock = threading.Lock()
        self.server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- server

    def start(self, host: str, port: int) -> int:
        self.server = make_server(host, port, self.wsgi, threaded=True)
        self._thread = threading.Thread(target=self.server.serve_forever, name="gateway", daemon=True)
        self._thread.start()
        return int(self.server.server_port)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        started = time.monotonic()
        response = self.handle(request)
        log.info(
            "%s %s -> %s (%.0f ms)",
            request.method,
            request.path,  # never the query string: it can carry emails and phones
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response(environ, start_response)

    # -- request handling

    def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        if request.path == "/_local/health":
            return Response('{"ok": true}', 200, content_type="application/json")
        documentation = docs.serve(request, self.project_root)
        if documentation is not None:
            return documentation
        method, path = request.method.upper(), request.path
        route, params = self._match(method, path)
        if route is None:
            api = next(iter(self.apis.values()), None)
            return self.gateway_response(
                api, "MISSING_AUTHENTICATION_TOKEN", request_id, "Missing Authentication Token"
            )
        api = self.apis[route.api]
        # Stage throttling comes first: a flood is refused before it costs an authorizer call.
        limit = api.method_limit(route.path, method)
        if limit is not None and not self.throttles.take(("method", api.logical_id, route.path, method), limit.limit):
            return self.gateway_response(api, "THROTTLED", request_id, "Too Many Requests")
        context = self._request_context(api, route, request, request_id)
        event = self._base_event(api, route, request, params)

        authorizer_context: dict[str, Any] | None = None
        usage_identifier: str | None = None
        if route.authorizer is not None:
            try:
                authorizer_context, usage_identifier = self._authorize(api, route, request, event, context)
            except AuthorizerError as exc:
                return self.gateway_response(api, exc.response_type, request_id, exc.message)
        if route.api_key_required:
            if api.api_key_source != "AUTHORIZER":
                usage_identifier = request.headers.get("x-api-key")
            refusal = self._usage_refusal(api, usage_identifier)
            if refusal is not None:
                return self.gateway_response(api, refusal[0], request_id, refusal[1])
        context["authorizer"] = authorizer_context
        event["requestContext"] = context
        body, is_b64 = self._body(api, request)
        event["body"], event["isBase64Encoded"] = body, is_b64

        result = self.pool.invoke(route.function, event)
        if not result.ok:
            log.error("%s failed: %s", route.function, result)
            kind = "INTEGRATION_TIMEOUT" if result.error_type == "Sandbox.Timedout" else "DEFAULT_5XX"
            return self.gateway_response(api, kind, request_id, "Internal server error")
        try:
            return self._proxy_response(result.payload, request_id)
        except (TypeError, ValueError, KeyError) as exc:
            log.error("%s returned a malformed proxy response: %s", route.function, exc)
            return self.gateway_response(api, "DEFAULT_5XX", request_id, "Internal server error")

    def _usage_refusal(self, api: ApiConfig, identifier: str | None) -> tuple[str, str] | None:
        """(gateway response type, message) when the usage plan refuses the request, else None."""
        if not identifier:
            return "INVALID_API_KEY", "Forbidden"
        plan = api.usage_plan
        if plan is None:
            return None
        key = ("plan", plan.plan_id, identifier)
        if plan.quota is not None and self.throttles.exhausted(key, plan.quota):
            return "QUOTA_EXCEEDED", "Limit Exceeded"
        if plan.throttle is not None and not self.throttles.take(key, plan.throttle):
            return "THROTTLED", "Too Many Requests"
        if plan.quota is not None:
            self.throttles.count(key, plan.quota)
        return None

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None, {}

    def _base_event(self, api: ApiConfig, route: Route, request: Request, params: dict[str, str]) -> dict[str, Any]:
        headers, multi_headers = _headers(request)
        query = MultiDict(request.args)
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method.upper(),
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: query.getlist(k)[-1] for k in query} or None,
            "multiValueQueryStringParameters": {k: query.getlist(k) for k in query} or None,
            "pathParameters": params or None,
            "stageVariables": api.stage_variables,
        }

    def _request_context(self, api: ApiConfig, route: Route, request: Request, request_id: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "accountId": ACCOUNT_ID,
            "apiId": api.api_id,
            "resourceId": _short(route.path),
            "resourcePath": route.path,
            "httpMethod": request.method.upper(),
            # The path as the caller sent it: the local gateway serves the stage at the root, as API
            # Gateway does behind a custom domain (the default endpoint would put /<stage> in front).
            "path": request.path,
            "stage": api.stage,
            "requestId": request_id,
            "extendedRequestId": base64.b32encode(uuid.UUID(request_id).bytes[:10]).decode()[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "identity": {
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent"),
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "user": None,
                "userArn": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
            },
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0].split(":")[0],
        }

    def _body(self, api: ApiConfig, request: Request) -> tuple[str | None, bool]:
        raw = request.get_data(cache=True)
        if not raw:
            return None, False
        content_type = request.mimetype or ""
        binary = any(_wildcard(t).fullmatch(content_type) for t in api.binary_media_types)
        if not binary and (not content_type or TEXT_TYPES.match(content_type) or not api.binary_media_types):
            try:
                return raw.decode("utf-8"), False
            except UnicodeDecodeError:
                pass
        return base64.b64encode(raw).decode(), True

    # -- authorizer

    def _authorize(
        self, api: ApiConfig, route: Route, request: Request, event: dict[str, Any], context: dict[str, Any]
    ) -> tuple[dict[str, Any], str | None]:
        """(the context handed to the integration, the answer's usageIdentifierKey)."""
        authorizer = api.authorizers.get(route.authorizer or "")
        if authorizer is None:
            raise AuthorizerError("AUTHORIZER_CONFIGURATION_ERROR", "Internal server error")
        identity = [request.headers.get(h) for h in authorizer.identity_headers]
        identity += [request.args.get(q) for q in authorizer.identity_query]
        if any(not v for v in identity):  # API Gateway answers without calling the authorizer
            raise AuthorizerError("UNAUTHORIZED", "Unauthorized")
        method_arn = (
            f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api.api_id}/{api.stage}/"
            f"{request.method.upper()}/{request.path.lstrip('/')}"
        )
        cache_key = (api.logical_id, authorizer.name, *[str(v) for v in identity])
        cacheable = self.auth_cache_enabled and authorizer.ttl > 0 and bool(identity)
        answer = self._cached(cache_key) if cacheable else None
        if answer is None:
            auth_event = {
                "type": "REQUEST",
                "methodArn": method_arn,
                **event,
                "requestContext": {**context, "authorizer": None},
            }
            result = self.pool.invoke(authorizer.function, auth_event)
            if not result.ok:
                if result.error_message == "Unauthorized":
                    raise AuthorizerError("UNAUTHORIZED", "Unauthorized")
                log.error("authorizer %s failed: %s", authorizer.function, result)
                raise AuthorizerError("AUTHORIZER_FAILURE", "Internal server error")
            answer = result.payload
            if not isinstance(answer, dict) or not isinstance(answer.get("policyDocument"), dict):
                log.error("authorizer %s returned no policyDocument", authorizer.function)
                raise AuthorizerError("AUTHORIZER_CONFIGURATION_ERROR", "Internal server error")
            if cacheable:
                with self._cache_lock:
                    self._auth_cache[cache_key] = (time.monotonic() + authorizer.ttl, answer)
        if not policy_allows(answer["policyDocument"], method_arn):
            raise AuthorizerError("ACCESS_DENIED", "User is not authorized to access this resource")
        out: dict[str, Any] = {"principalId": answer.get("principalId")}
        for key, value in (answer.get("context") or {}).items():
            if isinstance(value, (dict, list)):
                log.error("authorizer context values must be string, number or boolean (%s)", key)
                raise AuthorizerError("AUTHORIZER_CONFIGURATION_ERROR", "Internal server error")
            # REST APIs hand context values to the integration as strings.
            out[key] = json.dumps(value) if isinstance(value, bool) else str(value)
        out["integrationLatency"] = 0
        usage = answer.get("usageIdentifierKey")
        return out, (str(usage) if usage else None)

    def _cached(self, key: tuple[str, ...]) -> dict[str, Any] | None:
        with self._cache_lock:
            hit = self._auth_cache.get(key)
            if hit is None or hit[0] < time.monotonic():
                self._auth_cache.pop(key, None)
                return None
            return hit[1]

    # -- responses

    def _proxy_response(self, payload: Any, request_id: str) -> Response:
        if not isinstance(payload, dict):
            raise TypeError("proxy response must be an object")
        status = int(payload.get("statusCode", 200))
        body = payload.get("body")
        if body is not None and not isinstance(body, str):
            raise TypeError("body must be a string")
        data = base64.b64decode(body) if payload.get("isBase64Encoded") and body else (body or "").encode()
        response = Response(data, status)
        response.headers.pop("Content-Type", None)
        for name, values in (payload.get("multiValueHeaders") or {}).items():
            for value in _as_list(values):
                response.headers.add(name, str(value))
        for name, value in (payload.get("headers") or {}).items():
            response.headers[name] = str(value)
        if "Content-Type" not in response.headers:
            response.headers["Content-Type"] = "application/json"
        response.headers["x-amzn-RequestId"] = request_id
        return response

    def gateway_response(self, api: ApiConfig | None, response_type: str, request_id: str, message: str) -> Response:
        """Render a gateway response the way API Gateway does, from the Api's GatewayResponses."""
        default_status = DEFAULT_STATUS.get(response_type, 500)
        configured = (api.gateway_responses if api else {}) or {}
        spec = configured.get(response_type)
        fallback = configured.get("DEFAULT_4XX" if default_status < 500 else "DEFAULT_5XX") or {}
        status = int((spec or {}).get("StatusCode") or default_status)
        template = ((spec or {}).get("ResponseTemplates") or fallback.get("ResponseTemplates") or {}).get(
            "application/json", DEFAULT_TEMPLATE
        )
        values = {
            "requestId": request_id,
            "error.message": message,
            "error.messageString": json.dumps(message),
            "error.responseType": response_type,
            "apiId": api.api_id if api else "",
            "stage": api.stage if api else "",
        }
        body = re.sub(r"\$context\.([A-Za-z.]+[A-Za-z])", lambda m: str(values.get(m.group(1), "")), template)
        response = Response(body, status, content_type="application/json")
        params = (spec or fallback).get("ResponseParameters") or {}
        for name, value in (params.get("Headers") or {}).items():
            response.headers[name] = str(value).strip("'")
        response.headers["x-amzn-RequestId"] = request_id
        response.headers["x-amzn-ErrorType"] = _error_type(response_type)
        return response


def _error_type(response_type: str) -> str:
    return {
        "UNAUTHORIZED": "UnauthorizedException",
        "ACCESS_DENIED": "AccessDeniedException",
        "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
        "THROTTLED": "TooManyRequestsException",
        "QUOTA_EXCEEDED": "LimitExceededException",
        "INVALID_API_KEY": "ForbiddenException",
    }.get(response_type, "InternalServerErrorException")


def _headers(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    multi: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        multi.setdefault(name, []).append(value)
    multi.setdefault("X-Forwarded-For", [request.remote_addr or "127.0.0.1"])
    multi.setdefault("X-Forwarded-Proto", [request.scheme])
    multi.setdefault("X-Forwarded-Port", [str(request.environ.get("SERVER_PORT", ""))])
    return {k: v[-1] for k, v in multi.items()}, multi


def _short(text: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, text).hex[:6]
