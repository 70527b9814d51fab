"""`python -m clientele_local.openapi [--check | --accept REASON]`: the OpenAPI document of every routed function.

Each function's Powertools resolver describes its own route from the code (models, parameters,
success answer); this merges them, in template.yaml's order, into docs/openapi.json and adds what
the resolvers cannot know: the Bearer key scheme and the error answers every route shares (the
resolvers would say 422 for validation; Clientele answers 400).

The committed document is what clients are built against: a new one that would break them (see
clientele_local.apidiff) is written only with `--accept REASON` (`make openapi ACCEPT="why"`), which
records the breaks in docs/api-changes.md; `--check` lists them beside "stale".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import Schema
from pydantic import TypeAdapter

from clientele.core.errors import ClienteleError
from clientele_local import apidiff
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
    if path.startswith("/api/v1/consumers/{id}"):
        statuses.append(410)  # a merged-away id: consumer_merged, with mergedInto
    return sorted(statuses)


def build(template_path: Path = ROOT / "template.yaml") -> dict[str, Any]:
    template = Template.load(template_path)
    os.environ.setdefault("TABLE_NAME", "openapi")  # modules never touch the store at import
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    origins: dict[str, str] = {}  # schema name -> the function that first described it
    for name, resource in template.resources(FUNCTION).items():
        events = (resource.get("Properties") or {}).get("Events") or {}
        paths_of = [
            str((event.get("Properties") or {}).get("Path")) for event in events.values() if event.get("Type") == "Api"
        ]
        if not any(path.startswith("/api/") for path in paths_of):
            continue  # the console's own routes (/app/…) are not part of the public API
        keyless = {  # routes that take no key (Shopify's webhook deliveries: signed instead)
            str(event["Properties"]["Path"])
            for event in events.values()
            if event.get("Type") == "Api" and ((event["Properties"].get("Auth") or {}).get("Authorizer") == "NONE")
        }
        code = Path(template.properties(name)["CodeUri"]).name
        module = load_function(code, template_path.parent)
        document = json.loads(module.app.get_openapi_json_schema())
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if "requestBody" not in operation and hasattr(module, "REQUEST_BODY"):
                    # A function that parses its own body (to report per item) declares its shape.
                    operation["requestBody"], defs = _body(module.REQUEST_BODY)
                    _add_schemas(schemas, origins, defs, code)
                operation = _with_shared_answers(operation, path, method, keyless=path in keyless)
                paths.setdefault(path, {})[method] = _identified(operation, code, path, method)
        _add_schemas(schemas, origins, document.get("components", {}).get("schemas", {}), code)
    for unused in RESOLVER_ONLY_SCHEMAS:
        schemas.pop(unused, None)
    schemas["Error"] = ERROR_SCHEMA
    _check_titles(schemas)
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
        "tags": [{"name": name, "description": description} for name, description in TAGS.items()],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "sk_test_…"}},
        },
    }


def _body(shape: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request body a shape describes, and the schemas it refers to."""
    schema = TypeAdapter(shape).json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    defs = {name: _as_resolver_writes(definition) for name, definition in schema.pop("$defs", {}).items()}
    return {"required": True, "content": {"application/json": {"schema": _as_resolver_writes(schema)}}}, defs


def _as_resolver_writes(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema as the resolvers' documents write it (through Powertools' model, Nones dropped), so the
    same model described here and by a resolver compares equal."""
    return Schema.model_validate(schema).model_dump(mode="json", by_alias=True, exclude_none=True)


def _with_shared_answers(operation: dict[str, Any], path: str, method: str, *, keyless: bool = False) -> dict[str, Any]:
    """The answers every operation shares; a `keyless` one (no API key: its caller signs the body) has
    no security requirement, no read-only 403 and no Idempotency-Key."""
    responses = {status: answer for status, answer in operation["responses"].items() if status != "422"}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for status, answer in responses.items():
        if int(status) >= 400:  # declared by the route (api.also_answers)
            answer["content"] = error
    for status in _statuses(path, method):
        if keyless and status == 403:
            continue
        if str(status) not in responses:
            responses[str(status)] = {"description": "; ".join(ERROR_MESSAGES[status]), "content": error}
    responses["429"]["headers"] = {"Retry-After": RETRY_AFTER}
    if keyless:
        operation["security"] = []
    elif method == "post":
        operation.setdefault("parameters", []).append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Same key and body: the first answer again, created once (24 h).",
                "schema": {"type": "string", "maxLength": 255},
            }
        )
    return {**operation, "responses": dict(sorted(responses.items()))}


# ---------------------------------------------------------------- names, tags and schemas
# What makes the merged document one that client generators accept: every schema name means one thing,
# every title is one schema's, every operation has a stable name and one tag.

# Every operation has exactly one of these (its route's `tags=`); generators group operations by tag.
TAGS = {
    "Consumers": "Profiles: create, read, update, delete, list, search, batches and the timeline.",
    "Orders": "Orders as sessions (open, closed, returned, cancelled), refunds, returns, the stored balance.",
    "Coupons": "Coupons issued to one consumer, redeemed by its orders.",
    "Referrals": "Referral codes an advocate shares, and the consumers referred with them.",
    "Loyalty": "Loyalty programs, points added and deducted, and each consumer's standing.",
    "Audiences": "Named groups of consumers and their members.",
    "Exports": "CSV and Excel exports of consumers and of points transaction logs, run in the background.",
    "Imports": "Consumers from a CSV file, uploaded to a presigned URL and imported in the background.",
    "Integrations": "The Klaviyo profile sync: its settings and full resyncs.",
    "Duplicates": "Profiles that are probably one person: suggestions with their reasons and score, dismissal.",
    "Merges": "One profile per person: merge others into it (dry run, survivor rules), the merge job, tombstones.",
    "Privacy": "Data-subject requests: everything held about a consumer, and erasure.",
    "Webhooks": "Outbound webhooks: endpoints with their signing secrets, events, delivery attempts and replays.",
}


class SchemaConflict(ValueError):
    """Two functions describe one schema name differently: a merge would keep one and lose the other."""


def operation_id(function: str) -> str:
    """The operation's name, from its function's folder (unique in template.yaml): `list_consumers` ->
    `listConsumers`. Stable across code changes, unlike the framework's default (handler + path)."""
    first, *rest = function.split("_")
    return first + "".join(word.capitalize() for word in rest)


def _identified(operation: dict[str, Any], function: str, path: str, method: str) -> dict[str, Any]:
    tags = operation.get("tags") or []
    if len(tags) != 1 or tags[0] not in TAGS:
        raise ValueError(f"{method.upper()} {path} ({function}): tags={tags}; give its route one of {list(TAGS)}")
    return {**operation, "operationId": operation_id(function)}


def _add_schemas(schemas: dict[str, Any], origins: dict[str, str], found: dict[str, Any], function: str) -> None:
    """Adds a function's schemas; a name another function describes differently is an error, not an overwrite."""
    for name, schema in found.items():
        if name in schemas and schemas[name] != schema:
            raise SchemaConflict(
                f"schema {name!r} differs between functions {origins[name]} and {function}: "
                "give the model one JSON schema for validation and serialization (see core/models.py: Money)"
            )
        schemas.setdefault(name, schema)
        origins.setdefault(name, function)


def _check_titles(schemas: dict[str, Any]) -> None:
    """Generators name classes by title: two schemas with one title would become one class."""
    names: dict[str, str] = {}
    for name, schema in schemas.items():
        title = schema.get("title", name)
        if title in names:
            raise SchemaConflict(f"schemas {names[title]!r} and {name!r} share the title {title!r}")
        names[title] = name


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- breaking changes
# The committed document is the contract clients were built against: a change that breaks them is
# written only when accepted, and then recorded.

CHANGES = ROOT / "docs" / "api-changes.md"


def breaks_against_committed(document: dict[str, Any]) -> list[apidiff.Break]:
    if not DOCUMENT.exists():
        return []
    return apidiff.breaking_changes(json.loads(DOCUMENT.read_text(encoding="utf-8")), document)


def explain(breaks: list[apidiff.Break]) -> str:
    lines = [f"{len(breaks)} change(s) break clients of the committed {DOCUMENT.relative_to(ROOT)}:"]
    lines += [f"  - {change}" for change in breaks]
    lines.append(
        f'If deliberate: `make openapi ACCEPT="why"` records them in {CHANGES.relative_to(ROOT)} and writes '
        "the document; commit both."
    )
    return "\n".join(lines)


def record(breaks: list[apidiff.Break], reason: str) -> None:
    """Appends an entry for an accepted break to docs/api-changes.md."""
    entry = [f"## {datetime.now(UTC).date().isoformat()}: {reason.strip()}", ""]
    entry += [f"- `{change.where}`: {change.what}" for change in breaks]
    text = CHANGES.read_text(encoding="utf-8").rstrip("\n") + "\n\n" if CHANGES.exists() else ""
    CHANGES.write_text(text + "\n".join(entry) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clientele_local.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/openapi.json is not what the code says")
    parser.add_argument("--accept", metavar="REASON", help="write it even if it breaks clients, recording why")
    args = parser.parse_args(argv)
    document = build()
    text = render(document)
    breaks = breaks_against_committed(document)
    if args.check:
        if not DOCUMENT.exists() or DOCUMENT.read_text(encoding="utf-8") != text:
            print(f"{DOCUMENT.relative_to(ROOT)} is stale: run `make openapi`", file=sys.stderr)
            if breaks:
                print(explain(breaks), file=sys.stderr)
            return 1
        return 0
    if breaks and not (args.accept or "").strip():
        print(explain(breaks), file=sys.stderr)
        return 1
    if breaks:
        record(breaks, args.accept)
        print(f"recorded {len(breaks)} breaking change(s) in {CHANGES.relative_to(ROOT)}")
    DOCUMENT.write_text(text, encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
