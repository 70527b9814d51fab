"""docs/openapi.json is generated from the code; it must be current and a valid OpenAPI 3.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from clientele_local import openapi
from clientele_local.template import FUNCTION, Template
from tests.conftest import ROOT


def test_the_committed_document_is_what_the_code_generates() -> None:
    document = openapi.build()
    breaks = openapi.breaks_against_committed(document)
    assert not breaks, openapi.explain(breaks)  # what breaks clients, by name
    assert (ROOT / "docs" / "openapi.json").read_text() == openapi.render(document), (
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
        if event["Type"] == "Api" and event["Properties"]["Path"].startswith("/api/")  # /app/…: the console's own
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
    ("post", "/api/v1/integrations/klaviyo/pull"): "Klaviyo is not set up",
    ("get", "/api/v1/integrations/shopify"): "Shopify is not set up",
    ("post", "/api/v1/integrations/shopify/sync"): "Shopify is not set up",
}


def test_error_answers_come_from_the_code() -> None:
    document = openapi.build()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (path, method)  # Clientele answers validation with 400
            keyless = operation.get("security") == []  # Shopify's signed webhook deliveries: no key at all
            assert ("403" in responses) == (method != "get" and not keyless)  # read-only keys may not write
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


# ---------------------------------------------------------------- what client generators need


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi.build()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, operations in document["paths"].items() for method, op in operations.items()]


def _routed_functions() -> dict[tuple[str, str], str]:
    """(path, method) -> the folder of the function template.yaml routes it to."""
    template = Template.load(ROOT / "template.yaml")
    return {
        (event["Properties"]["Path"], event["Properties"]["Method"].lower()): Path(
            template.properties(name)["CodeUri"]
        ).name
        for name, resource in template.resources(FUNCTION).items()
        for event in (resource["Properties"].get("Events") or {}).values()
        if event["Type"] == "Api"
    }


def test_a_schema_two_functions_describe_differently_stops_the_merge() -> None:
    schemas: dict[str, Any] = {}
    origins: dict[str, str] = {}
    order = {"type": "object", "properties": {"amount": {"type": "number"}}}
    openapi._add_schemas(schemas, origins, {"Order": order}, "create_order")
    openapi._add_schemas(schemas, origins, {"Order": dict(order)}, "get_order")  # the same: fine
    with pytest.raises(openapi.SchemaConflict, match=r"'Order'.*create_order.*refund_order"):
        openapi._add_schemas(schemas, origins, {"Order": {"type": "object"}}, "refund_order")
    assert schemas["Order"] == order


def test_titles_are_unique_and_no_model_is_split_in_two(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert not [name for name in schemas if name.endswith(("-Input", "-Output"))]
    titles = [schema.get("title", name) for name, schema in schemas.items()]
    assert len(titles) == len(set(titles))
    for model in ("Order", "OrderLine", "EarningRule", "LoyaltyProgram"):
        assert schemas[model]["title"] == model
    with pytest.raises(openapi.SchemaConflict, match="share the title 'EarningRule'"):
        openapi._check_titles({"EarningRule-Input": {"title": "EarningRule"}, "EarningRule": {"title": "EarningRule"}})


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    for reference in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert reference in document["components"]["schemas"], reference


def test_operation_ids_name_the_operation_after_its_function(document: dict[str, Any]) -> None:
    functions = _routed_functions()
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    for path, method, operation in _operations(document):
        assert operation["operationId"] == openapi.operation_id(functions[(path, method)])
    assert {"listConsumers", "createOrder", "getConsumer", "eraseConsumer", "updateLoyaltyProgram"} <= set(ids)
    assert openapi.operation_id("batch_create_consumers") == "batchCreateConsumers"


def test_every_operation_has_one_described_resource_tag(document: dict[str, Any]) -> None:
    assert [tag["name"] for tag in document["tags"]] == [
        *(
            "Consumers",
            "Orders",
            "Coupons",
            "Referrals",
            "Loyalty",
            "Audiences",
            "Exports",
            "Imports",
            "Integrations",
            "Duplicates",
            "Merges",
            "Privacy",
            "Webhooks",
        )
    ]
    assert all(tag["description"] for tag in document["tags"])
    used = {operation["tags"][0] for _, _, operation in _operations(document)}
    assert used == set(openapi.TAGS)  # every tag has operations
    for path, method, operation in _operations(document):
        assert len(operation["tags"]) == 1, (path, method)
        assert operation["tags"][0] in openapi.TAGS, (path, method)
    assert document["paths"]["/api/v1/orders"]["post"]["tags"] == ["Orders"]
    assert document["paths"]["/api/v1/consumers/{id}/erase"]["post"]["tags"] == ["Privacy"]
    assert document["paths"]["/api/v1/consumers/{id}/coupons"]["post"]["tags"] == ["Coupons"]
    with pytest.raises(ValueError, match="one of"):
        openapi._identified({"responses": {}}, "create_order", "/api/v1/orders", "post")  # a route without tags=


def _properties(schema: Any, where: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every property of a schema, nested ones too: (where, name, its schema)."""
    if isinstance(schema, dict):
        for name, value in (schema.get("properties") or {}).items():
            yield where, name, value
            yield from _properties(value, f"{where}.{name}")
        for value in schema.values():
            if isinstance(value, (dict, list)) and value is not schema.get("properties"):
                yield from _properties(value, where)
    elif isinstance(schema, list):
        for value in schema:
            yield from _properties(value, where)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`X | None` -> X (pydantic writes it as anyOf [X, null])."""
    variants = [variant for variant in schema.get("anyOf", []) if variant != {"type": "null"}]
    return variants[0] if len(variants) == 1 and len(schema["anyOf"]) == 2 else schema


# Timestamps whose names do not end in At.
OTHER_TIMESTAMPS = {"asOf", "nextExpiry", "activeOn", "expiresOn", "after", "before"}


def _is_timestamp(name: str) -> bool:
    return name.endswith(("At", "_at")) or name in OTHER_TIMESTAMPS


def _typed(schema: dict[str, Any]) -> bool:
    """Whether the schema says what its value is (a field change's before and after may be any value)."""
    return bool(set(schema) - {"title", "description"})


def test_every_timestamp_is_a_date_time(document: dict[str, Any]) -> None:
    found = [
        (where, name, _without_null(schema))
        for where, name, schema in _properties(document["components"]["schemas"], "#")
        if _is_timestamp(name) and _typed(schema)
    ]
    wrong = [f"{where}.{name}" for where, name, schema in found if schema.get("format") != "date-time"]
    assert not wrong, f"timestamps without format date-time (use core.models.Timestamp): {wrong}"
    names = {name for _, name, _ in found}
    assert {"createdAt", "updatedAt", "placedAt", "occurredAt", "lastActivityAt", "asOf", "nextExpiry"} <= names
    assert len(found) >= 30  # the walk reaches them all (36 today)


def test_the_timestamp_type_documents_without_changing_what_is_accepted() -> None:
    from clientele.audiences.models import Audience

    audience = Audience.model_validate(
        {
            "id": "aud_1",
            "name": "A",
            "description": None,
            "memberCount": 0,
            "createdAt": "x",
            "updatedAt": "y",
            "version": 1,
        }
    )
    assert audience.to_api()["createdAt"] == "x"  # a str, as before: the server writes what it stored


# Money properties by name; PointsRule.amount is a count of days, weeks…, not money.
MONEY_NAMES = re.compile(r"(amount|Amount|Price|Value|Revenue|Discounts|balance|balanceAfter)$")
NOT_MONEY = {(".PointsRule", "amount")}


def test_every_money_field_has_the_money_schema(document: dict[str, Any]) -> None:
    from clientele.core.models import MONEY_SCHEMA

    money = []
    for name, schema in document["components"]["schemas"].items():
        for where, field, value in _properties(schema, f".{name}"):
            described = value.get("description") == MONEY_SCHEMA["description"]
            if (MONEY_NAMES.search(field) and (where, field) not in NOT_MONEY) or described:
                money.append((f"{where}.{field}", _without_null(value)))
    assert len(money) >= 15
    for where, schema in money:
        bare = {key: value for key, value in schema.items() if key not in ("title", "default")}
        assert bare == MONEY_SCHEMA, where
        assert schema.get("default", 0) == 0, where  # a number, never "0"
    assert "integer" not in json.dumps([schema for _, schema in money])


def test_answers_are_the_numbers_and_strings_they_were() -> None:
    from clientele.loyalty.models import EarningRule
    from clientele.orders.models import OrderCreate, Refund

    refund = Refund(id="ref_1", amount=Decimal("10.00"), reason=None, created_at="2024-11-01T10:00:00.000Z")
    assert refund.model_dump(mode="json", by_alias=True)["amount"] == 10
    assert (
        Refund(id="r", amount=Decimal("10.50"), reason=None, created_at="t").model_dump(mode="json")["amount"] == 10.5
    )
    assert (
        EarningRule.model_validate({"pointsPerUnit": 2}).model_dump(mode="json", by_alias=True)["pointsPerUnit"] == "2"
    )
    order = OrderCreate.model_validate({"email": "a@example.com", "amount": "60.00", "currency": "EUR"})
    assert order.amount == Decimal("60.00")  # decimal strings are still accepted
    assert order.discount_amount == Decimal(0)
