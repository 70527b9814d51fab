"""`python -m clientele_local.apidiff OLD.json NEW.json`: the changes from one OpenAPI document to the
next that break a client written against the old one.

A small stand-in for oasdiff, which cannot be installed here (PyPI has no such package; npm's `oasdiff`
is a security placeholder). It knows the shapes this API's documents use: operations, parameters, JSON
bodies and answers, and schemas made of $ref, type, anyOf/oneOf, enum/const, format, properties,
required, additionalProperties, items and bounds.

Direction decides what breaks. What a client sends (parameters, request bodies) breaks when the server
accepts less: a type, an enum value or a property dropped, a new required field, tighter bounds. What a
client reads (answers) breaks when the server may answer something the client was not told of: a new
type (null included), a new enum value, a property dropped or no longer always present, a format
dropped. An operation, a success answer or an operationId (a generated client's function name) that
goes away breaks too.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Direction = Literal["request", "response"]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Bounds that, tightened, refuse requests the old document allowed: (keyword, tighter when the new value is …)
LOWER_BOUNDS = ("minLength", "minItems", "minimum", "exclusiveMinimum", "minProperties")
UPPER_BOUNDS = ("maxLength", "maxItems", "maximum", "exclusiveMaximum", "maxProperties")


@dataclass(frozen=True, order=True)
class Break:
    where: str  # "POST /api/v1/orders request body .items[].unitPrice"
    what: str  # "type number|string -> number"

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Break]:
    """Every change from `old` to `new` that breaks a client of `old`, sorted by where."""
    diff = _Diff(old, new)
    for path, operations in old.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            label = f"{method.upper()} {path}"
            successor = new.get("paths", {}).get(path, {}).get(method)
            if successor is None:
                diff.found(label, "operation removed")
            else:
                diff.operation(label, operation, successor)
    return sorted(set(diff.breaks))


class _Diff:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.breaks: list[Break] = []
        self._seen: set[tuple[str, str, str]] = set()  # (old $ref, new $ref, direction) already compared

    def found(self, where: str, what: str) -> None:
        self.breaks.append(Break(where, what))

    # ------------------------------------------------------------ operations

    def operation(self, label: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old.get("operationId") and old.get("operationId") != new.get("operationId"):
            self.found(
                label, f"operationId {old['operationId']} -> {new.get('operationId')} (a generated client's name)"
            )
        self.parameters(label, old.get("parameters", []), new.get("parameters", []))
        self.request_body(label, old.get("requestBody"), new.get("requestBody"))
        for status, answer in old.get("responses", {}).items():
            successor = new.get("responses", {}).get(status)
            if successor is None:
                if status.startswith("2"):
                    self.found(label, f"{status} answer removed")
                continue
            for media, content in (answer.get("content") or {}).items():
                now = (successor.get("content") or {}).get(media)
                if now is None:
                    self.found(f"{label} {status} answer", f"{media} content removed")
                elif "schema" in content:
                    self.schema(f"{label} {status} answer", content["schema"], now.get("schema", {}), "response")

    def parameters(self, label: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
        before = {(p["in"], p["name"]): p for p in old}
        for parameter in new:
            where = f"{label} {parameter['in']} parameter {parameter['name']}"
            previous = before.get((parameter["in"], parameter["name"]))
            if previous is None:
                if parameter.get("required"):
                    self.found(where, "new required parameter")
                continue
            if parameter.get("required") and not previous.get("required"):
                self.found(where, "now required")
            self.schema(where, previous.get("schema", {}), parameter.get("schema", {}), "request")

    def request_body(self, label: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        where = f"{label} request body"
        if new is None:
            return  # a body the server no longer reads: clients may still send it
        if old is None:
            if new.get("required"):
                self.found(where, "new required body")
            return
        if new.get("required") and not old.get("required"):
            self.found(where, "now required")
        for media, content in (old.get("content") or {}).items():
            now = (new.get("content") or {}).get(media)
            if now is None:
                self.found(where, f"{media} no longer accepted")
            else:
                self.schema(where, content.get("schema", {}), now.get("schema", {}), "request")

    # ------------------------------------------------------------ schemas

    def schema(self, where: str, old: Any, new: Any, direction: Direction) -> None:
        if isinstance(old, dict) and isinstance(new, dict) and "$ref" in old and "$ref" in new:
            # A named schema is compared once per direction and reported under its own name, whichever
            # operations use it (and a recursive one ends).
            key = (old["$ref"], new["$ref"], direction)
            if key in self._seen:
                return
            self._seen.add(key)
            where = f"schema {new['$ref'].rsplit('/', 1)[-1]} ({'sent' if direction == 'request' else 'answered'})"
        old, new = _resolve(self.old, old), _resolve(self.new, new)
        self._types(where, old, new, direction)  # null gained or lost included
        pairs = _paired_refs(old, new)
        if pairs:  # `X | null`: the rest is X's, compared as a named schema
            for old_variant, new_variant in pairs:
                self.schema(where, old_variant, new_variant, direction)
            return
        self._enum(where, old, new, direction)
        self._format(where, old, new, direction)
        if direction == "request":
            self._bounds(where, old, new)
        self._properties(where, old, new, direction)
        old_items, new_items = _single(self.old, old).get("items"), _single(self.new, new).get("items")
        if isinstance(old_items, dict) and isinstance(new_items, dict):
            self.schema(f"{where}[]", old_items, new_items, direction)

    def _types(self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction) -> None:
        before, after = _types(self.old, old), _types(self.new, new)
        if before == after:
            return
        if direction == "request":
            lost = None if before is None else sorted(t for t in before if not _covers(after, t))
            if before is None or lost:
                self.found(where, f"type {_show(before)} -> {_show(after)}: no longer accepts {_show(lost)}")
        else:
            gained = None if after is None else sorted(t for t in after if not _covers(before, t))
            if after is None or gained:
                self.found(where, f"type {_show(before)} -> {_show(after)}: may now answer {_show(gained)}")

    def _enum(self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction) -> None:
        before, after = _enum(self.old, old), _enum(self.new, new)
        if direction == "request" and before is not None:
            removed = before - (after if after is not None else before)
            if after is not None and removed:
                self.found(where, f"enum values removed: {', '.join(sorted(map(str, removed)))}")
        if direction == "request" and before is None and after is not None and _types(self.new, new) != {"null"}:
            self.found(where, f"now limited to {', '.join(sorted(map(str, after)))}")
        if direction == "response" and before is not None:
            added = (after if after is not None else set()) - before
            if added:
                self.found(
                    where, f"enum values added: {', '.join(sorted(map(str, added)))} (clients may not know them)"
                )

    def _format(self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction) -> None:
        before, after = _single(self.old, old).get("format"), _single(self.new, new).get("format")
        if before == after:
            return
        if direction == "request" and after is not None:
            self.found(where, f"format {before} -> {after}")
        if direction == "response" and before is not None:
            self.found(where, f"format {before} -> {after}")

    def _bounds(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        before, after = _single(self.old, old), _single(self.new, new)
        for keyword in (*LOWER_BOUNDS, *UPPER_BOUNDS):
            was, now = before.get(keyword), after.get(keyword)
            if now is None or was == now:
                continue
            tighter = was is None or (now > was if keyword in LOWER_BOUNDS else now < was)
            if tighter:
                self.found(where, f"{keyword} {was} -> {now}")
        if after.get("pattern") is not None and after.get("pattern") != before.get("pattern"):
            self.found(where, f"pattern {before.get('pattern')} -> {after['pattern']}")

    def _properties(self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction) -> None:
        before, after = _single(self.old, old), _single(self.new, new)
        if "properties" not in before and "properties" not in after:
            return
        old_props, new_props = before.get("properties", {}), after.get("properties", {})
        old_required, new_required = set(before.get("required", [])), set(after.get("required", []))
        for name in sorted(old_props.keys() - new_props.keys()):
            if direction == "response":
                self.found(f"{where} .{name}", "property removed")
            elif after.get("additionalProperties") is False:
                self.found(f"{where} .{name}", "property removed (unknown properties are refused)")
        if direction == "request":
            for name in sorted(new_required - old_required):
                self.found(f"{where} .{name}", "new required property" if name not in old_props else "now required")
        else:
            for name in sorted((old_required - new_required) & new_props.keys()):
                self.found(f"{where} .{name}", "no longer always present")
        for name in sorted(old_props.keys() & new_props.keys()):
            self.schema(f"{where} .{name}", old_props[name], new_props[name], direction)


# ---------------------------------------------------------------- schema helpers


def _resolve(document: dict[str, Any], schema: Any) -> dict[str, Any]:
    """A schema with its $ref followed (local refs only, as this API writes them)."""
    seen = set()
    while isinstance(schema, dict) and "$ref" in schema and schema["$ref"] not in seen:
        seen.add(schema["$ref"])
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema if isinstance(schema, dict) else {}


def _paired_refs(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The $ref variants of two unions that name the same schema (`X | null` keeps comparing X)."""

    def refs(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
        union = schema.get("anyOf") or schema.get("oneOf") or []
        return {part["$ref"]: part for part in union if isinstance(part, dict) and "$ref" in part}

    before, after = refs(old), refs(new)
    if len(before) == len(after) == 1:  # X | null -> Y | null: a renamed schema is still the one to compare
        return [(next(iter(before.values())), next(iter(after.values())))]
    return [(before[ref], after[ref]) for ref in before.keys() & after.keys()]


def _variants(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(document, schema)
    union = schema.get("anyOf") or schema.get("oneOf")
    if not union:
        return [schema]
    return [variant for part in union for variant in _variants(document, part)]


def _single(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The one non-null variant of `X | null` (or the schema itself): where properties and items live."""
    variants = [v for v in _variants(document, schema) if v.get("type") != "null"]
    return variants[0] if len(variants) == 1 else _resolve(document, schema)


def _types(document: dict[str, Any], schema: dict[str, Any]) -> frozenset[str] | None:
    """The JSON types a schema allows; None for any."""
    found: set[str] = set()
    for variant in _variants(document, schema):
        declared = variant.get("type")
        if declared is None and "const" in variant:
            declared = _json_type(variant["const"])
        if declared is None and "enum" in variant:
            declared = sorted({_json_type(value) for value in variant["enum"]})
        if declared is None:
            if "properties" in variant:
                declared = "object"
            else:
                return None
        found.update([declared] if isinstance(declared, str) else declared)
    return frozenset(found)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def _covers(types: frozenset[str] | None, wanted: str) -> bool:
    return types is None or wanted in types or (wanted == "integer" and "number" in types)


def _enum(document: dict[str, Any], schema: dict[str, Any]) -> set[Any] | None:
    """The values a schema is limited to (null aside); None when it is not an enum."""
    values: set[Any] = set()
    for variant in _variants(document, schema):
        if variant.get("type") == "null":
            continue
        if "enum" in variant:
            values.update(value for value in variant["enum"] if value is not None)
        elif "const" in variant:
            values.add(variant["const"])
        else:
            return None
    return values or None


def _show(types: Any) -> str:
    return "any" if types is None else "|".join(sorted(types))


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2:
        print("usage: python -m clientele_local.apidiff OLD.json NEW.json", file=sys.stderr)
        return 2
    old, new = (json.loads(Path(arg).read_text(encoding="utf-8")) for arg in args)
    breaks = breaking_changes(old, new)
    for change in breaks:
        print(change)
    print(f"{len(breaks)} breaking change(s)", file=sys.stderr)
    return 1 if breaks else 0


if __name__ == "__main__":
    sys.exit(main())
