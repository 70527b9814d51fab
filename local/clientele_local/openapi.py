"""`python -m clientele_local.openapi [--check]`: the OpenAPI document of every routed function.

Each function's Powertools resolver describes its own route from the code (models, parameters,
success answer); this merges them, in template.yaml's order, into docs/openapi.json and adds what
the resolvers cannot know: the Bearer key scheme and the error answers every route shares (the
resolvers would say 422 for validation; Clientele answers 400).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from clientele.core.errors import ClienteleError
from clientele_local.inprocess import ROOT, load_function
from clientele_local.template import FUNCTION, Template

DOCUMENT = ROOT / "docs" / "openapi.json"
RESOLVER_ONLY_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "code", "message", "details", "requestId"],
            "properties": {
                "type": {"type": "string", "example": "invalid_request_error"},
                "code": {"type": "string", "example": "validation_failed"},
                "message": {"type": "string", "example": "Validation failed"},
                "details": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                "requestId": {"type": "string"},
            },
        }
    },
}


RETRY_AFTER = {
    "description": "Seconds to wait before retrying (API Gateway's THROTTLED and QUOTA_EXCEEDED answers)",
    "schema": {"type": "integer", "minimum": 1},
}


def _error_messages() -> dict[int, list[str]]:
    """Every domain error's message, by HTTP status: the documented answers come from the code."""
    found: dict[int, list[str]] = {}
    pending = [ClienteleError]
    while pending:
        error = pending.pop()
        pending.extend(error.__subclasses__())
        if error.message not in found.setdefault(error.status, []):
            found[error.status].append(error.message)
    return found


ERROR_MESSAGES = _error_messages()


def _statuses(path: str, method: str) -> list[int]:
    """The error answers an operation can give: writes add 403 (read-only key) and 409; API Gateway's
    throttles and quota (template.yaml) may answer 429 on any."""
    statuses = [400, 401, 429, 503]
    if method != "get":
        statuses += [403, 409]
    if "{" in path:
        statuses.append(404)
    return sorted(statuses)


def build(template_path: Path = ROOT / "template.yaml") -> dict[str, Any]:
    template = Template.load(template_path)
    os.environ.setdefault("TABLE_NAME", "openapi")  # modules never touch the store at import
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for name, resource in template.resources(FUNCTION).items():
        events = (resource.get("Properties") or {}).get("Events") or {}
        if not any(event.get("Type") == "Api" for event in events.values()):
            continue
        code = Path(template.properties(name)["CodeUri"]).name
        module = load_function(code, template_path.parent)
        document = json.loads(module.app.get_openapi_json_schema())
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if "requestBody" not in operation and hasattr(module, "REQUEST_BODY"):
                    # A function that parses its own body (to report per item) declares its shape.
                    operation["requestBody"] = _body(module.REQUEST_BODY, schemas)
                paths.setdefault(path, {})[method] = _with_shared_answers(operation, path, method)
        schemas.update(document.get("components", {}).get("schemas", {}))
    for unused in RESOLVER_ONLY_SCHEMAS:
        schemas.pop(unused, None)
    schemas["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Clientele API",
            "version": "1.0.0",
            "description": "Consumer profiles for organizations. Send `Authorization: Bearer <key>`: "
            "sk_test_/sk_live_ keys read and write, rk_test_/rk_live_ keys only read.",
        },
        "servers": [{"url": "http://127.0.0.1:3000", "description": "make run"}],
        "security": [{"apiKey": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "sk_test_…"}},
        },
    }


def _body(shape: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(shape).json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _with_shared_answers(operation: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    responses = {status: answer for status, answer in operation["responses"].items() if status != "422"}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for status, answer in responses.items():
        if int(status) >= 400:  # declared by the route (api.also_answers)
            answer["content"] = error
    for status in _statuses(path, method):
        if str(status) not in responses:
            responses[str(status)] = {"description": "; ".join(ERROR_MESSAGES[status]), "content": error}
    responses["429"]["headers"] = {"Retry-After": RETRY_AFTER}
    if method == "post":
        operation.setdefault("parameters", []).append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Same key and body: the first answer again, created once (24 h).",
                "schema": {"type": "string", "maxLength": 255},
            }
        )
    return {**operation, "tags": ["Consumers"], "responses": dict(sorted(responses.items()))}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    text = render(build())
    if check:
        if not DOCUMENT.exists() or DOCUMENT.read_text(encoding="utf-8") != text:
            print(f"{DOCUMENT.relative_to(ROOT)} is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(text, encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
