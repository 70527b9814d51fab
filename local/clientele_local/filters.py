"""Lambda event filtering (FilterCriteria): the common subset of the event-pattern syntax."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

_MISSING = object()
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def parse_filters(criteria: Any) -> list[dict[str, Any]]:
    """FilterCriteria {Filters: [{Pattern: "<json>"}]} → list of patterns."""
    if not criteria:
        return []
    return [
        json.loads(f["Pattern"]) if isinstance(f["Pattern"], str) else f["Pattern"]
        for f in criteria.get("Filters") or []
    ]


def matches_any(patterns: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    return not patterns or any(_match(p, record) for p in patterns)


def _match(pattern: dict[str, Any], value: Any) -> bool:
    for key, sub in pattern.items():
        field = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        if isinstance(sub, dict):
            if field is _MISSING or not _match(sub, field):
                return False
        elif isinstance(sub, list):
            if not any(_leaf(rule, field) for rule in sub):
                return False
        else:
            raise ValueError(f"filter pattern values must be lists or objects, got {sub!r}")
    return True


def _leaf(rule: Any, field: Any) -> bool:
    if not isinstance(rule, dict):
        if isinstance(field, list):
            return rule in field
        return field is not _MISSING and field == rule
    ((op, arg),) = rule.items()
    if op == "exists":
        return (field is not _MISSING) is bool(arg)
    if field is _MISSING:
        return False
    if op == "prefix":
        return isinstance(field, str) and field.startswith(arg)
    if op == "suffix":
        return isinstance(field, str) and field.endswith(arg)
    if op == "equals-ignore-case":
        return isinstance(field, str) and field.lower() == str(arg).lower()
    if op == "anything-but":
        excluded = arg if isinstance(arg, list) else [arg]
        if isinstance(arg, dict) and "prefix" in arg:
            return not (isinstance(field, str) and field.startswith(arg["prefix"]))
        return field not in excluded
    if op == "numeric":
        try:
            number = float(field)
        except (TypeError, ValueError):
            return False
        pairs = zip(arg[::2], arg[1::2], strict=True)
        return all(_NUMERIC[o](number, float(v)) for o, v in pairs)
    raise ValueError(f"unsupported filter operator {op}")
