"""Schemathesis against docs/openapi.json, every operation, over HTTP on the local stack.

Per operation it sends FUZZ_POSITIVE cases that follow the schema and FUZZ_NEGATIVE cases that break
it (deterministic: hypothesis seeded with FUZZ_SEED and the operation), all with a sandbox key of one
organization that holds a few real resources: path ids and body references (consumerId, programId,
consumerIds, a batch update's ids) are often swapped for real ones so the requests get past `404`.

Every answer goes through schemathesis's checks: not_a_server_error (no 5xx), status_code_conformance,
content_type_conformance, response_headers_conformance and response_schema_conformance. Failures are
counted, not raised one by one: each operation's test fails at the end with all its unexpected
failures, and the session prints the figures (see report.py).
"""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clientele_local.testing import RunningStack
from tests.conftest import ROOT
from tests.e2e.conftest import MintKey
from tests.fuzz.api import TIMEOUT, Api
from tests.fuzz.conftest import env_int
from tests.fuzz.report import FUZZ, TRANSPORT_ERROR, FailureRecord, OperationStats

pytestmark = pytest.mark.e2e

SCHEMA_PATH = ROOT / "docs" / "openapi.json"
SCHEMA = schemathesis.openapi.from_path(SCHEMA_PATH)
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
CHECK_NAMES = frozenset(check.__name__ for check in CHECKS)

POSITIVE = env_int("FUZZ_POSITIVE", 2)
NEGATIVE = env_int("FUZZ_NEGATIVE", 1)
SEED = env_int("FUZZ_SEED", 20261123)
MIN_CASES = env_int("FUZZ_MIN_CASES", 0)  # `make fuzz` asks for 1,000
ORGANIZATION = "fuzz"

Operation = APIOperation[Any, Any, Any, Any]
AnyCase = Case[Any]


def _load_operations() -> tuple[list[Operation], list[str]]:
    operations: list[Operation] = []
    errors: list[str] = []  # an operation schemathesis cannot use is a finding of its own
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:
            errors.append(f"{type(result.err()).__name__}: {result.err()}")
    # Deletions last, so the real resources the other operations are given still exist for them.
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    return operations, errors


OPERATIONS, SCHEMA_ERRORS = _load_operations()


@dataclass
class World:
    """Real resources of the fuzzed tenant, by the path segment that names their kind."""

    api: Api
    ids: dict[str, list[str]] = field(default_factory=dict)

    def pick(self, kind: str) -> st.SearchStrategy[str] | None:
        pool = self.ids.get(kind)
        return st.sampled_from(pool) if pool else None


@pytest.fixture(scope="module")
def world(stack: RunningStack, mint_key: MintKey) -> World:
    api = Api(stack.base_url, mint_key(ORGANIZATION, "sandbox"))
    program = api.ok(
        "POST",
        "/loyalty-programs",
        json={
            "name": "Fuzz rewards",
            "timezone": "Europe/Paris",
            "earning": {"pointsPerUnit": 1},
            "tiers": [{"name": "silver", "minPoints": 0}, {"name": "gold", "minPoints": 100}],
        },
    )
    bodies: list[dict[str, Any]] = [
        {"email": "fuzz-1@example.com", "fullName": "Fuzz One", "phone": "+1 415 555 2671", "externalId": "fz-1"},
        {"email": "fuzz-2@example.com", "fullName": "Fuzz Two", "metadata": {"tier": "vip"}},
        {"externalId": "fz-3", "membership": "member"},
        {"email": "fuzz-4@example.com", "tags": ["a", "b"]},
    ]
    consumers = [api.ok("POST", "/consumers", json=body)["id"] for body in bodies]
    order = api.ok(
        "POST",
        "/orders",
        json={
            "consumerId": consumers[0],
            "externalId": "fz-order-1",
            "amount": "120.00",
            "discountAmount": "20.00",
            "currency": "USD",
            "items": [{"sku": "A-1", "name": "Thing", "quantity": 2, "unitPrice": "60.00"}],
        },
    )
    points = {"programId": program["id"], "points": 50, "reason": "welcome"}
    api.ok("POST", f"/consumers/{consumers[1]}/loyalty/points", json=points)
    api.ok("POST", f"/consumers/{consumers[1]}/balance-adjustments", json={"amount": "10.00", "reason": "gift"})
    audience = api.ok("POST", "/audiences", json={"name": "Fuzzers"})
    api.ok("POST", f"/audiences/{audience['id']}/members", json={"consumerIds": consumers[:2]})
    since = {"after": "2020-01-01T00:00:00Z"}
    exports = [
        api.ok("POST", "/exports", json={})["id"],
        api.ok("POST", f"/consumers/{consumers[0]}/loyalty/transactions/exports", json=since)["id"],
    ]
    upload = api.ok("POST", "/imports", json={})
    return World(
        api,
        {
            "consumers": consumers,
            "orders": [order["id"]],
            "audiences": [audience["id"]],
            "loyalty-programs": [program["id"]],
            "exports": exports,
            "imports": [upload["id"]],
        },
    )


def _kind(operation: Operation) -> str:
    """`/api/v1/consumers/{id}/orders` → consumers: the kind of resource `{id}` names."""
    return operation.path.removeprefix("/api/v1/").split("/", 1)[0]


def _mutated(case: AnyCase) -> ParameterLocation | None:
    """Where a negative case broke the schema (its path parameter must then stay as generated)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return None
    return getattr(meta.phase.data, "parameter_location", None)


def _ground(case: AnyCase, world: World, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
    """Swap generated ids for real ones, often (3 in 4), so the cases reach past the 404."""
    kind = _kind(case.operation)
    real = world.pick(kind)
    params = case.path_parameters
    if params and "id" in params and real is not None and _mutated(case) != ParameterLocation.PATH:
        params["id"] = draw(real) if draw(st.integers(0, 3)) else params["id"]
    body = case.body
    consumers, programs = world.pick("consumers"), world.pick("loyalty-programs")
    if _mutated(case) == ParameterLocation.BODY or consumers is None or programs is None:
        return
    if isinstance(body, dict):
        if isinstance(body.get("consumerId"), str) and draw(st.integers(0, 3)):
            body["consumerId"] = draw(consumers)
        if isinstance(body.get("programId"), str) and draw(st.integers(0, 3)):
            body["programId"] = draw(programs)
        ids = body.get("consumerIds")
        if isinstance(ids, list) and ids and draw(st.integers(0, 3)):
            body["consumerIds"] = draw(st.lists(consumers, min_size=1, max_size=len(ids)))
    elif isinstance(body, list):
        for item in body:
            if isinstance(item, dict) and isinstance(item.get("id"), str) and draw(st.integers(0, 3)):
                item["id"] = draw(consumers)


def _mask(text: str, key: str) -> str:
    return text.replace(key, "sk_test_…")


def _cut(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def _failures(error: BaseException) -> list[Failure]:
    if isinstance(error, FailureGroup):
        return list(error.exceptions)
    return [error] if isinstance(error, Failure) else []


def _send(case: AnyCase, world: World, mode: GenerationMode, stats: OperationStats) -> list[FailureRecord]:
    """One case: call, run the checks, record what failed."""
    label, key = case.operation.label, world.api.key
    headers = world.api.headers
    curl = _mask(case.as_curl_command(headers=headers, base_url=world.api.base_url), key)
    stats.cases[mode.value] += 1
    try:
        response = case.call(base_url=world.api.base_url, session=world.api.session, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as error:
        title = type(error).__name__
        return [FailureRecord(label, mode.value, TRANSPORT_ERROR, title, str(error), None, curl, "", None, "")]
    stats.statuses[f"{response.status_code // 100}xx"] += 1
    try:
        case.validate_response(response, checks=list(CHECKS), headers=headers)
    except (AssertionError, FailureGroup) as error:
        body = _mask(response.content.decode("utf-8", "replace"), key)
        sent = response.request.body
        sent_body = sent.encode("utf-8", "surrogateescape") if isinstance(sent, str) else sent
        sent_body = sent_body if isinstance(sent_body, bytes) else None  # a stream: never for JSON bodies
        records = []
        for failure in _failures(error) or [Failure(operation=label, title=type(error).__name__, message=str(error))]:
            message = str(getattr(failure, "message", failure))
            check = next((name for name in getattr(failure, "checks", ()) if name in CHECK_NAMES), "unknown_check")
            title = str(getattr(failure, "title", type(failure).__name__))
            records.append(
                FailureRecord(
                    label,
                    mode.value,
                    check,
                    title,
                    _mask(message, key),
                    curl,
                    _cut(repr(sent_body), 300),
                    response.status_code,
                    _cut(body),
                )
            )
        return records
    return []


def _fuzz(operation: Operation, mode: GenerationMode, count: int, world: World, stats: OperationStats) -> None:
    strategy = operation.as_strategy(generation_mode=mode)
    operation_seed = SEED ^ zlib.crc32(f"{operation.label} {mode.value}".encode())

    @seed(operation_seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],  # no shrinking: every case is sent once and counted
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(data=st.data())
    def one_case(data: st.DataObject) -> None:
        case = data.draw(strategy, label="case")
        _ground(case, world, data.draw)
        records = _send(case, world, mode, stats)
        stats.failed_cases += 1 if records else 0
        FUZZ.failures.extend(records)

    with contextlib.suppress(Unsatisfiable):  # no case of this mode exists for the operation
        one_case()


def test_every_operation_of_the_document_loads() -> None:
    assert len(OPERATIONS) >= 40, [operation.label for operation in OPERATIONS]
    assert not SCHEMA_ERRORS, SCHEMA_ERRORS


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
def test_operation_holds_to_its_schema(operation: Operation, world: World) -> None:
    FUZZ.settings = {
        "schemathesis": schemathesis.__version__,
        "document": str(SCHEMA_PATH.relative_to(ROOT)),
        "seed": SEED,
        "positive per operation": POSITIVE,
        "negative per operation": NEGATIVE,
    }
    stats = FUZZ.operations.setdefault(operation.label, OperationStats())
    before = len(FUZZ.failures)
    started = time.monotonic()
    for mode, count in ((GenerationMode.POSITIVE, POSITIVE), (GenerationMode.NEGATIVE, NEGATIVE)):
        if count > 0:
            _fuzz(operation, mode, count, world, stats)
    stats.seconds += time.monotonic() - started
    failures = FUZZ.failures[before:]
    assert not failures, "\n\n".join(
        f"{failure.check}: {failure.title} ({failure.mode})\n{failure.request}\n-> {failure.status} "
        f"{failure.response}\n{failure.message}"
        for failure in failures[:5]
    )


def test_enough_cases_ran() -> None:
    """Runs after every operation's test (file order): the run was as big as asked."""
    assert FUZZ.cases >= MIN_CASES, f"{FUZZ.cases} cases run, {MIN_CASES} asked for"
