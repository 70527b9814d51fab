"""Faults half-way through a request leave no orphan: every uniqueness item, phone entry and
audience member copy belongs to a consumer that exists, and every consumer has its own."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from clientele.core.store import dynamo
from tests.integration.conftest import TABLE_NAME, Invoke


def _tenant_items(organization: str = "acme") -> list[dict[str, Any]]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE_NAME)
    items = [dynamo.deserialize(item) for page in pages for item in page["Items"]]
    return [item for item in items if str(item["pk"]).startswith(f"sandbox#{organization}#")]


def _orphans() -> list[str]:
    """What points at a consumer that is not there, or a consumer missing its unique items."""
    items = _tenant_items()
    consumers = {item["id"]: item for item in items if item["sk"] == "PROFILE"}
    found = []
    for item in items:
        kind = item["pk"].split("#")[2]
        if item["sk"] == "UNIQUE" and kind in ("EMAIL", "EXTERNALID") and item["consumerId"] not in consumers:
            found.append(f"unique {item['pk']}")
        if kind == "PHONE" and item["sk"] not in consumers:
            found.append(f"phone entry {item['pk']}")
        if item["sk"].startswith("MEMBER#") and item["id"] not in consumers:
            found.append(f"member copy {item['sk']}")
    claimed = {(item["pk"].split("#", 2)[2], item["consumerId"]) for item in items if item["sk"] == "UNIQUE"}
    for consumer in consumers.values():
        if consumer.get("email") and (f"EMAIL#{consumer['email'].lower()}", consumer["id"]) not in claimed:
            found.append(f"consumer {consumer['id']} without its email claim")
    return found


def test_a_batch_cut_short_by_a_fault_leaves_no_orphan(
    call: Invoke, acme: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = dynamo.transact
    calls = {"n": 0}

    def fails_on_the_second_chunk(operations: list[dict[str, Any]]) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("the network went away mid-batch")
        original(operations)

    monkeypatch.setattr(dynamo, "transact", fails_on_the_second_chunk)
    body = [{"email": f"p{n}@example.com", "phone": "+14155550100", "externalId": f"x{n}"} for n in range(60)]
    answer = call("batch_create_consumers", principal=acme, body=body)
    assert answer["status"] == 409, answer  # cut short: says exactly which were written
    written = [detail for detail in answer["body"]["error"]["details"] if detail["written"]]
    assert 0 < len(written) < 60
    monkeypatch.setattr(dynamo, "transact", original)
    assert _orphans() == []
    stored = {item["id"] for item in _tenant_items() if item["sk"] == "PROFILE"}
    assert stored == {detail["id"] for detail in written}


def test_a_refused_create_or_update_writes_nothing_at_all(call: Invoke, acme: dict[str, str]) -> None:
    first = call("create_consumer", principal=acme, body={"email": "ana@example.com", "phone": "+14155550101"})
    assert first["status"] == 201
    audience = call("create_audience", principal=acme, body={"name": "VIPs"})["body"]
    members = {"consumerIds": [first["body"]["id"]]}
    call("add_audience_members", principal=acme, path_params={"id": audience["id"]}, body=members)
    before = _tenant_items()
    duplicate = {"email": "ANA@example.com", "phone": "+14155550102", "externalId": "new"}
    assert call("create_consumer", principal=acme, body=duplicate)["status"] == 400
    second = call("create_consumer", principal=acme, body={"email": "ben@example.com", "externalId": "b"})["body"]
    taken = {"email": "ana@example.com", "externalId": "moved", "phone": "+14155550199"}
    assert call("update_consumer", principal=acme, path_params={"id": second["id"]}, body=taken)["status"] == 400
    known = {(item["pk"], item["sk"]) for item in before}
    new = [item for item in _tenant_items() if (item["pk"], item["sk"]) not in known]
    # Only Ben's own items came in: the refused create and update left nothing behind.
    assert sorted((item["pk"], item["sk"]) for item in new) == sorted(
        [
            (f"sandbox#acme#CONSUMER#{second['id']}", "PROFILE"),
            (f"sandbox#acme#CONSUMER#{second['id']}", "CHANGE#0000000001"),
            ("sandbox#acme#EMAIL#ben@example.com", "UNIQUE"),
            ("sandbox#acme#EXTERNALID#b", "UNIQUE"),
        ]
    )
    assert _orphans() == []
