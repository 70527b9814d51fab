"""Fuzz tier: schemathesis against docs/openapi.json, and a tenant-isolation property with hypothesis,
both over HTTP on the e2e tier's local stack (its fixtures are reused as they are, not copied).

Sizes and seeds come from the environment (the Makefile's `fuzz-smoke` and `fuzz` set them):
FUZZ_POSITIVE / FUZZ_NEGATIVE cases per operation, FUZZ_SEED; ISOLATION_EXAMPLES,
ISOLATION_STEPS, ISOLATION_SEED.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.e2e import conftest as e2e
from tests.fuzz.report import FUZZ, ISOLATION

# The e2e tier's session fixtures: one local stack (moto, gateway, workers, Klaviyo and Shopify
# stand-ins) and keys minted by the `clientele` CLI.
state_dir = e2e.state_dir
klaviyo = e2e.klaviyo
shopify = e2e.shopify
stack = e2e.stack
mint_key = e2e.mint_key


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


_FROM_WORKERS: dict[str, list[str]] = {}  # summary lines the xdist workers sent back (make e2e runs two)


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller prints the summary
        workeroutput["fuzz summary"] = FUZZ.lines()
        workeroutput["isolation summary"] = ISOLATION.lines()


def pytest_testnodedown(node: object, error: object) -> None:
    for title, lines in getattr(node, "workeroutput", {}).items():
        if title.endswith(" summary") and lines:
            _FROM_WORKERS.setdefault(title, []).extend(lines)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for title, lines in (("fuzz summary", FUZZ.lines()), ("isolation summary", ISOLATION.lines())):
        lines = lines or _FROM_WORKERS.get(title, [])
        if lines:
            terminalreporter.write_sep("=", title)
            for line in lines:
                terminalreporter.write_line(line)
    cache = getattr(terminalreporter.config, "cache", None)
    if cache is not None and (FUZZ.operations or ISOLATION.examples):
        path = cache.mkdir("fuzz") / "report.json"
        path.write_text(json.dumps({"fuzz": FUZZ.as_json(), "isolation": ISOLATION.as_json()}, indent=1))
        terminalreporter.write_line(f"fuzz report: {path}")
