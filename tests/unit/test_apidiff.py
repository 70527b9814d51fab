"""The breaking-change check (clientele_local.apidiff) and how `make openapi` uses it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from clientele_local import apidiff, openapi
from clientele_local.apidiff import Break, breaking_changes
from tests.conftest import ROOT


def _document() -> dict[str, Any]:
    """A small API in the shapes Clientele's document uses."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/orders": {
                "post": {
                    "operationId": "createOrder",
                    "parameters": [
                        {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderCreate"}}},
                    },
                    "responses": {
                        "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}},
                        "404": {"description": "Consumer not found"},
                    },
                }
            },
            "/orders/{id}": {
                "get": {
                    "operationId": "getOrder",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}}
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "OrderCreate": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["amount"],
                    "properties": {
                        "amount": {"anyOf": [{"type": "number"}, {"type": "string"}]},
                        "currency": {"type": "string", "maxLength": 8},
                        "channel": {"anyOf": [{"$ref": "#/components/schemas/Channel"}, {"type": "null"}]},
                        "note": {"type": "string"},
                    },
                },
                "Channel": {"type": "string", "enum": ["web", "store"]},
                "Order": {
                    "type": "object",
                    "required": ["id", "amount", "status", "createdAt"],
                    "properties": {
                        "id": {"type": "string"},
                        "amount": {"type": "integer"},
                        "status": {"$ref": "#/components/schemas/OrderStatus"},
                        "createdAt": {"type": "string", "format": "date-time"},
                        "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                    },
                },
                "OrderStatus": {"type": "string", "enum": ["placed", "refunded"]},
                "Line": {
                    "type": "object",
                    "properties": {"sku": {"type": "string"}, "next": {"$ref": "#/components/schemas/Line"}},
                },
            }
        },
    }


def _changed(change: Any) -> list[str]:
    new = _document()
    change(new)
    return [str(found) for found in breaking_changes(_document(), new)]


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["schemas"]


def test_the_same_document_breaks_nothing() -> None:
    assert breaking_changes(_document(), _document()) == []
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert breaking_changes(committed, copy.deepcopy(committed)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["paths"].pop("/orders/{id}"), "GET /orders/{id}: operation removed"),
        (lambda d: d["paths"]["/orders"]["post"]["responses"].pop("201"), "POST /orders: 201 answer removed"),
        (
            lambda d: d["paths"]["/orders/{id}"]["get"].update(operationId="fetchOrder"),
            "GET /orders/{id}: operationId getOrder -> fetchOrder (a generated client's name)",
        ),
        (
            lambda d: d["paths"]["/orders"]["post"]["parameters"].append(
                {"name": "shop", "in": "query", "required": True, "schema": {"type": "string"}}
            ),
            "POST /orders query parameter shop: new required parameter",
        ),
        (
            lambda d: d["paths"]["/orders"]["post"]["parameters"][0].update(required=True),
            "POST /orders header parameter Idempotency-Key: now required",
        ),
        (
            lambda d: _schemas(d)["OrderCreate"]["required"].append("currency"),
            "schema OrderCreate (sent) .currency: now required",
        ),
        (
            lambda d: _schemas(d)["OrderCreate"]["properties"].update(amount={"type": "number"}),
            "schema OrderCreate (sent) .amount: type number|string -> number: no longer accepts string",
        ),
        (
            lambda d: _schemas(d)["OrderCreate"]["properties"]["currency"].update(maxLength=3),
            "schema OrderCreate (sent) .currency: maxLength 8 -> 3",
        ),
        (
            lambda d: _schemas(d)["OrderCreate"]["properties"]["currency"].update(pattern="^[A-Z]{3}$"),
            "schema OrderCreate (sent) .currency: pattern None -> ^[A-Z]{3}$",
        ),
        (
            lambda d: _schemas(d)["OrderCreate"]["properties"].pop("note"),
            "schema OrderCreate (sent) .note: property removed (unknown properties are refused)",
        ),
        (
            lambda d: _schemas(d)["Channel"].update(enum=["web"]),
            "schema Channel (sent): enum values removed: store",
        ),
        (
            lambda d: _schemas(d)["Order"]["properties"].pop("createdAt"),
            "schema Order (answered) .createdAt: property removed",
        ),
        (
            lambda d: _schemas(d)["Order"]["required"].remove("createdAt"),
            "schema Order (answered) .createdAt: no longer always present",
        ),
        (
            lambda d: _schemas(d)["Order"]["properties"].update(amount={"type": "number"}),
            "schema Order (answered) .amount: type integer -> number: may now answer number",
        ),
        (
            lambda d: _schemas(d)["Order"]["properties"].update(id={"anyOf": [{"type": "string"}, {"type": "null"}]}),
            "schema Order (answered) .id: type string -> null|string: may now answer null",
        ),
        (
            lambda d: _schemas(d)["OrderStatus"]["enum"].append("lost"),
            "schema OrderStatus (answered): enum values added: lost (clients may not know them)",
        ),
        (
            lambda d: _schemas(d)["Order"]["properties"]["createdAt"].pop("format"),
            "schema Order (answered) .createdAt: format date-time -> None",
        ),
        (
            lambda d: _schemas(d)["Line"]["properties"].update(sku={"type": "integer"}),
            "schema Line (answered) .sku: type string -> integer: may now answer integer",
        ),
    ],
)
def test_a_breaking_change_is_named(change: Any, expected: str) -> None:
    assert _changed(change) == [expected]


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["paths"]["/orders"].update(get={"operationId": "listOrders", "responses": {}}),  # new operation
        lambda d: d["paths"]["/orders"]["post"]["responses"].pop("404"),  # an error it no longer gives
        lambda d: d["paths"]["/orders"]["post"]["parameters"].append(
            {"name": "shop", "in": "query", "required": False, "schema": {"type": "string"}}
        ),
        lambda d: _schemas(d)["OrderCreate"]["properties"].update(tip={"type": "number"}),  # optional field
        lambda d: _schemas(d)["OrderCreate"]["properties"]["currency"].update(maxLength=16),  # looser bound
        lambda d: _schemas(d)["OrderCreate"]["properties"].update(amount={"type": ["number", "string", "null"]}),
        lambda d: _schemas(d)["Channel"]["enum"].append("app"),  # a value more accepted
        lambda d: _schemas(d)["OrderStatus"].update(enum=["placed"]),  # a value never answered any more
        lambda d: _schemas(d)["Order"]["properties"].update(total={"type": "number"}),  # answered in addition
        lambda d: _schemas(d)["Order"]["properties"]["id"].update(format="ulid"),  # answers described better
        lambda d: _schemas(d)["Order"]["properties"].update(amount={"type": "integer", "description": "cents"}),
    ],
)
def test_a_compatible_change_is_not_a_break(change: Any) -> None:
    assert _changed(change) == []


def test_a_schema_used_by_many_operations_is_reported_once() -> None:
    new = _document()
    _schemas(new)["Order"]["properties"].pop("id")
    assert breaking_changes(_document(), new) == [Break("schema Order (answered) .id", "property removed")]


def test_the_command_line_prints_the_breaks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(_document()))
    changed = _document()
    changed["paths"].pop("/orders/{id}")
    new.write_text(json.dumps(changed))
    assert apidiff.main([str(old), str(old)]) == 0
    assert apidiff.main([str(old), str(new)]) == 1
    assert "GET /orders/{id}: operation removed" in capsys.readouterr().out


# ---------------------------------------------------------------- make openapi [ACCEPT=…] and --check


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """openapi.main on a committed document in tmp_path, with the code's document replaceable."""
    state: dict[str, Any] = {"code": _document()}
    monkeypatch.setattr(openapi, "ROOT", tmp_path)
    monkeypatch.setattr(openapi, "DOCUMENT", tmp_path / "openapi.json")
    monkeypatch.setattr(openapi, "CHANGES", tmp_path / "api-changes.md")
    monkeypatch.setattr(openapi, "build", lambda: state["code"])
    (tmp_path / "openapi.json").write_text(openapi.render(_document()))
    (tmp_path / "api-changes.md").write_text("# API changes that break clients\n")
    return state


def test_a_breaking_document_is_refused_until_accepted(
    workspace: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace["code"]["paths"].pop("/orders/{id}")
    committed = (tmp_path / "openapi.json").read_text()

    assert openapi.main([]) == 1
    err = capsys.readouterr().err
    assert "GET /orders/{id}: operation removed" in err
    assert 'make openapi ACCEPT="why"' in err
    assert (tmp_path / "openapi.json").read_text() == committed  # not written

    assert openapi.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "stale" in err
    assert "GET /orders/{id}: operation removed" in err  # says what breaks, not only that it differs

    assert openapi.main(["--accept", "getOrder moved to /v2"]) == 0
    assert (tmp_path / "openapi.json").read_text() == openapi.render(workspace["code"])
    changes = (tmp_path / "api-changes.md").read_text()
    assert changes.startswith("# API changes that break clients\n\n## ")
    assert ": getOrder moved to /v2\n\n- `GET /orders/{id}`: operation removed\n" in changes
    assert openapi.main(["--check"]) == 0  # the accepted document is the new baseline


def test_a_compatible_document_is_written_without_ceremony(workspace: dict[str, Any], tmp_path: Path) -> None:
    _schemas(workspace["code"])["Order"]["properties"]["total"] = {"type": "number"}
    assert openapi.main(["--check"]) == 1  # stale all the same
    assert openapi.main([]) == 0
    assert (tmp_path / "api-changes.md").read_text() == "# API changes that break clients\n"
    assert openapi.main(["--check"]) == 0
