"""docs/openapi.json is generated from the code; it must be current and a valid OpenAPI 3.1."""

from __future__ import annotations

from openapi_spec_validator import validate

from clientele_local import openapi
from clientele_local.template import FUNCTION, Template
from tests.conftest import ROOT


def test_the_committed_document_is_what_the_code_generates() -> None:
    assert (ROOT / "docs" / "openapi.json").read_text() == openapi.render(openapi.build()), (
        "docs/openapi.json is stale: run `make openapi` and commit it"
    )


def test_the_document_is_valid_and_covers_every_route() -> None:
    document = openapi.build()
    validate(document)
    template = Template.load(ROOT / "template.yaml")
    routes = {
        (event["Properties"]["Path"], event["Properties"]["Method"].lower())
        for resource in template.resources(FUNCTION).values()
        for event in (resource["Properties"].get("Events") or {}).values()
        if event["Type"] == "Api"
    }
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert documented == routes


def test_errors_are_400_not_422_and_writes_document_403() -> None:
    document = openapi.build()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (path, method)
            assert "400" in operation["responses"]
            assert ("403" in operation["responses"]) == (method != "get")
    create = document["paths"]["/api/v1/consumers"]["post"]
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Consumer"
    }
    assert any(parameter["name"] == "Idempotency-Key" for parameter in create["parameters"])
