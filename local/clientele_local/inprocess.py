"""Run a function's handler in this process: what the integration tests and the bench share.

No gateway and no worker process: the handler gets an API Gateway event built from the sample
in events/ (with the caller's authorizer context) and a stand-in Lambda context.
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import threading
import uuid
from abc import ABCMeta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# Offline AWS settings: dummy credentials, no tracing, the moto-friendly endpoint mode.
OFFLINE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "clientele",
    "POWERTOOLS_METRICS_NAMESPACE": "Clientele",
}


class Context:
    """The parts of Lambda's context object the handlers and Powertools read."""

    function_name = "in-process"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:in-process"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


class _PerThread:
    """A data descriptor with one value per thread."""

    def __init__(self, name: str) -> None:
        self.name, self.values = name, threading.local()

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        try:
            return self.values.value
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: object, value: Any) -> None:
        self.values.value = value


@cache
def requests_per_thread() -> None:
    """Powertools keeps the request being answered on its BaseRouter class (`BaseRouter.current_event`),
    shared by every resolver in the process: right for Lambda, which answers one request per process,
    wrong for tests that answer requests in threads side by side (one thread's handler would read
    another's body). Here each thread gets its own: the descriptor sits in the class (for reads and
    writes through a resolver) and in a metaclass (for Powertools' writes to the class itself)."""
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    class PerThreadRouter(ABCMeta):
        pass

    for name in ("current_event", "lambda_context"):
        descriptor = _PerThread(name)
        setattr(BaseRouter, name, descriptor)
        setattr(PerThreadRouter, name, descriptor)
    BaseRouter.__class__ = PerThreadRouter  # type: ignore[method-assign,assignment]


def load_function(name: str, root: Path = ROOT) -> ModuleType:
    """Imports functions/<name>/app.py under its own module name (every function has an app.py)."""
    requests_per_thread()
    spec = importlib.util.spec_from_file_location(f"functions.{name}.app", root / "functions" / name / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"functions/{name}/app.py not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_event(name: str, root: Path = ROOT) -> dict[str, Any]:
    """A fresh copy of events/<name>.json (read once: the bench builds events in its timed loop)."""
    return copy.deepcopy(_read_event(root / "events" / f"{name}.json"))


@cache
def _read_event(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def api_event(
    function: str,
    *,
    principal: dict[str, str] | None,
    body: Any = None,
    raw_body: str | bytes | None = None,
    path_params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The function's sample REST proxy event, re-aimed at this call."""
    event = sample_event(function)
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {name: [value] for name, value in query.items()} if query else None
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    event["requestContext"]["authorizer"] = principal
    if isinstance(raw_body, bytes):  # as API Gateway hands over bytes it cannot pass as text
        event["body"], event["isBase64Encoded"] = base64.b64encode(raw_body).decode(), True
    elif raw_body is not None or body is not None:
        event["body"] = raw_body if raw_body is not None else json.dumps(body)
    event["headers"] = {"Content-Type": "application/json", **(headers or {})}
    event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
    if path_params is not None:
        event["pathParameters"] = path_params
        path = event["resource"]
        for name, value in path_params.items():
            path = path.replace(f"{{{name}}}", value)
        event["path"] = path
    return event
