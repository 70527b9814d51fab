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


# Routes without an id in the path that still answer 404, for an id named in the query or body.
NOT_FOUND_BY_QUERY_OR_BODY = {
    ("get", "/api/v1/consumers"): "Audience not found",  # audienceId
    ("post", "/api/v1/exports"): "Audience not found",  # filters.audienceId
    ("post", "/api/v1/orders"): "Consumer not found",  # consumerId, consumerExternalId
    ("get", "/api/v1/integrations/klaviyo"): "Klaviyo is not set up",
    ("post", "/api/v1/integrations/klaviyo/resync"): "Klaviyo is not set up",
}


def test_error_answers_come_from_the_code() -> None:
    document = openapi.build()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (path, method)  # Clientele answers validation with 400
            assert ("403" in responses) == (method != "get")  # read-only keys may not write
            assert ("404" in responses) == ("{" in path or (method, path) in NOT_FOUND_BY_QUERY_OR_BODY), (path, method)
            for status, answer in responses.items():
                if int(status) >= 400:
                    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    get = document["paths"]["/api/v1/consumers/{id}"]["get"]["responses"]
    assert "Consumer not found" in get["404"]["description"]
    for (method, path), message in NOT_FOUND_BY_QUERY_OR_BODY.items():
        assert document["paths"][path][method]["responses"]["404"]["description"].startswith(message)
    batch = document["paths"]["/api/v1/consumers/batch"]["post"]["responses"]
    assert "Max batch size is 500" in batch["400"]["description"]
    create = document["paths"]["/api/v1/consumers"]["post"]
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Consumer"
    }
    assert any(parameter["name"] == "Idempotency-Key" for parameter in create["parameters"])


def test_batch_bodies_are_described() -> None:
    paths = openapi.build()["paths"]["/api/v1/consumers/batch"]
    for method, model in (("post", "ConsumerCreate"), ("put", "ConsumerBatchUpdate")):
        schema = paths[method]["requestBody"]["content"]["application/json"]["schema"]
        assert schema["type"] == "array"
        assert schema["maxItems"] == 500
        assert schema["items"] == {"$ref": f"#/components/schemas/{model}"}


def test_every_operation_documents_429_and_its_retry_after() -> None:
    """API Gateway's throttles and quota (template.yaml) may refuse any operation before it runs."""
    for path, operations in openapi.build()["paths"].items():
        for method, operation in operations.items():
            answer = operation["responses"]["429"]
            assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer", (path, method)
            assert "Retry-After" in answer["description"], (path, method)
