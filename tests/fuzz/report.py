"""What the fuzz tier ran and found, gathered while it runs and printed at the end of the session
(conftest's pytest_terminal_summary), also as JSON under .pytest_cache/d/fuzz/."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

SERVER_ERROR_CHECKS = ("not_a_server_error",)
SCHEMA_CHECKS = (
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
TRANSPORT_ERROR = "transport_error"  # no HTTP answer at all (connection refused or reset, timeout)


@dataclass
class FailureRecord:
    operation: str
    mode: str
    check: str
    title: str
    message: str
    request: str  # as a curl command, the key masked
    request_body: str  # repr() of the bytes sent (cut): curl cannot show a body that is not text
    status: int | None
    response: str  # the body, cut


@dataclass
class OperationStats:
    cases: Counter[str] = field(default_factory=Counter)  # per generation mode
    statuses: Counter[str] = field(default_factory=Counter)  # "2xx", "4xx", …
    failed_cases: int = 0
    seconds: float = 0.0


@dataclass
class FuzzReport:
    started: float = field(default_factory=time.monotonic)
    settings: dict[str, Any] = field(default_factory=dict)
    operations: dict[str, OperationStats] = field(default_factory=dict)
    failures: list[FailureRecord] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return sum(sum(stats.cases.values()) for stats in self.operations.values())

    def count(self, checks: tuple[str, ...]) -> int:
        return sum(1 for failure in self.failures if failure.check in checks)

    def lines(self) -> list[str]:
        if not self.operations:
            return []
        modes: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        for stats in self.operations.values():
            modes.update(stats.cases)
            statuses.update(stats.statuses)
        lines = [
            f"schemathesis fuzz: {self.settings}",
            f"operations: {len(self.operations)}; cases run: {self.cases} "
            f"({', '.join(f'{mode} {count}' for mode, count in sorted(modes.items()))}); "
            f"responses: {', '.join(f'{status} {count}' for status, count in sorted(statuses.items()))}",
            f"server errors (5xx): {self.count(SERVER_ERROR_CHECKS)}; "
            f"schema violations: {self.count(SCHEMA_CHECKS)} "
            f"({', '.join(f'{check} {self.count((check,))}' for check in SCHEMA_CHECKS)}); "
            f"transport errors: {self.count((TRANSPORT_ERROR,))}",
            f"failures: {len(self.failures)} in {sum(s.failed_cases for s in self.operations.values())} cases; "
            f"fuzz time {sum(s.seconds for s in self.operations.values()):.1f} s",
        ]
        per_operation = sorted(self.operations.items(), key=lambda item: -item[1].seconds)
        slowest = (f"{label} {stats.seconds:.1f} s/{sum(stats.cases.values())}" for label, stats in per_operation[:5])
        lines.append("slowest operations (time/cases): " + ", ".join(slowest))
        seen: set[tuple[str, str, str]] = set()
        for failure in self.failures:
            key = (failure.operation, failure.check, failure.title)
            if key in seen:
                continue
            seen.add(key)
            same = sum(1 for other in self.failures if (other.operation, other.check, other.title) == key)
            lines += [
                f"- {failure.operation} [{failure.check}] {failure.title} x{same} ({failure.mode})",
                f"    request:  {failure.request}",
                f"    body:     {failure.request_body}",
                f"    response: {failure.status} {failure.response}",
                *(f"    {line}" for line in failure.message.strip().splitlines()[:12]),
            ]
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "cases": self.cases,
            "operations": {
                label: {
                    "cases": dict(stats.cases),
                    "statuses": dict(stats.statuses),
                    "failedCases": stats.failed_cases,
                    "seconds": round(stats.seconds, 2),
                }
                for label, stats in self.operations.items()
            },
            "failures": [asdict(failure) for failure in self.failures],
        }


@dataclass
class IsolationReport:
    settings: dict[str, Any] = field(default_factory=dict)
    examples: int = 0
    steps: Counter[str] = field(default_factory=Counter)  # per rule
    requests: int = 0
    responses_scanned: int = 0
    foreign_probes: int = 0  # requests naming another tenant's id, email, cursor or audience
    exact_counts: int = 0  # list walks, memberCounts, totals and points compared with the model
    tenants: dict[str, dict[str, int]] = field(default_factory=dict)  # what each tenant holds at the end
    seconds: float = 0.0

    def lines(self) -> list[str]:
        if not self.examples:
            return []
        return [
            f"isolation property: {self.settings}",
            f"examples: {self.examples}; steps: {sum(self.steps.values())}; HTTP requests: {self.requests}; "
            f"responses scanned for other tenants' data: {self.responses_scanned}; "
            f"cross-tenant probes: {self.foreign_probes}; exact counts checked: {self.exact_counts}; "
            f"time {self.seconds:.1f} s",
            "steps per rule: " + ", ".join(f"{rule} {count}" for rule, count in sorted(self.steps.items())),
            "tenants at the end: "
            + "; ".join(
                f"{tenant} " + " ".join(f"{kind}={count}" for kind, count in held.items())
                for tenant, held in self.tenants.items()
            ),
        ]

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"steps": dict(self.steps)}


FUZZ = FuzzReport()
ISOLATION = IsolationReport()
