"""The store layer owns every DynamoDB and S3 call and every key string: outside it, no module calls
the store's I/O, makes a DynamoDB or S3 client, builds a string on a tenant's key prefix, or splits a
key on "#". The store layer is core/store/ and each domain's store modules (core.store.entity names them)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from clientele.core.store.entity import STORE_MODULES
from tests.conftest import ROOT

LAYER = ROOT / "shared" / "clientele"
STORE_IO = {"get_item", "get_named", "batch_get", "batch_write", "query", "transact", "updated"}
CLIENTS = {"dynamodb", "s3"}


def in_store_layer(path: Path) -> bool:
    relative = path.relative_to(LAYER)
    return relative.parts[:2] == ("core", "store") or path.stem in STORE_MODULES or path.stem.endswith("_store")


def breaches(source: str) -> list[str]:
    """What in `source` belongs in the store layer, one line each."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value.id if isinstance(node.func.value, ast.Name) else None
            method = node.func.attr
            if owner == "dynamo" and method in STORE_IO:
                found.append(f"line {node.lineno}: dynamo.{method}")
            service = getattr(node.args[0], "value", None) if method == "client" and node.args else method
            if owner == "aws" and service in CLIENTS:
                found.append(f"line {node.lineno}: an AWS {service} client")
            if method in ("split", "rsplit", "partition") and node.args and getattr(node.args[0], "value", None) == "#":
                found.append(f"line {node.lineno}: a key split on '#'")
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.FormattedValue) and getattr(first.value, "attr", None) == "key_prefix":
                found.append(f"line {node.lineno}: a key built on the tenant's prefix")
    return found


MODULES = sorted(path for path in LAYER.rglob("*.py") if not in_store_layer(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(LAYER)))
def test_no_store_work_outside_the_store_layer(path: Path) -> None:
    assert breaches(path.read_text()) == []


def test_the_layer_has_both_sides() -> None:
    stores = [path for path in LAYER.rglob("*.py") if in_store_layer(path)]
    assert len(stores) >= 10
    assert len(MODULES) >= 30


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("dynamo.query(key_condition='pk = :pk')", "dynamo.query"),
        ("aws.client('dynamodb').put_item()", "an AWS dynamodb client"),
        ("aws.s3().put_object()", "an AWS s3 client"),
        ("entry['pk'].rsplit('#', 1)[1]", "a key split on '#'"),
        ("key = f'{tenant.key_prefix}#ORDER#{order_id}'", "a key built on the tenant's prefix"),
    ],
)
def test_the_check_sees_each_kind_of_breach(source: str, what: str) -> None:
    assert [line.split(": ", 1)[1] for line in breaches(source)] == [what]
