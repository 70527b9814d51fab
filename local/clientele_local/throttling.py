"""API Gateway's request limits, read from template.yaml: stage throttling and usage plans.

- MethodSettings' ThrottlingRateLimit/ThrottlingBurstLimit: one token bucket per method of the stage
  (a `/*` `*` entry gives every method the same limit, each its own bucket), as API Gateway applies them;
- a usage plan's Throttle: one token bucket per usage identifier (API key) across the plan's stages;
- a usage plan's Quota: requests per identifier per UTC day, week or month.
Buckets start full and refill continuously. Quota counts live in memory: a restart forgets them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# API Gateway's account-level defaults, for a setting that names only one of rate and burst.
ACCOUNT_RATE = 10_000.0
ACCOUNT_BURST = 5_000


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens added per second
    burst: int  # bucket size: requests accepted at once


@dataclass(frozen=True)
class Quota:
    limit: int
    period: str  # DAY | WEEK | MONTH

    def window(self, when: datetime) -> str:
        """The quota period `when` falls in; the count starts again with the next one."""
        if self.period == "DAY":
            return when.strftime("%Y-%m-%d")
        if self.period == "WEEK":
            year, week, _ = when.isocalendar()
            return f"{year}-W{week:02d}"
        return when.strftime("%Y-%m")


@dataclass(frozen=True)
class MethodLimit:
    resource_path: str  # "/*" or a route template such as /api/v1/consumers/{id}
    http_method: str  # "*" or GET, POST…
    limit: Limit

    def specificity(self, resource_path: str, http_method: str) -> int | None:
        """How closely this setting names the method (higher wins); None if it does not apply."""
        path_hit = self.resource_path == resource_path
        method_hit = self.http_method.upper() == http_method.upper()
        if not (path_hit or self.resource_path == "/*") or not (method_hit or self.http_method == "*"):
            return None
        return 2 * path_hit + method_hit


@dataclass(frozen=True)
class UsagePlan:
    plan_id: str  # the plan's buckets and counts are shared by every API in it
    throttle: Limit | None
    quota: Quota | None


def limit_of(settings: dict[str, Any], rate_key: str, burst_key: str) -> Limit | None:
    if rate_key not in settings and burst_key not in settings:
        return None
    return Limit(
        rate=float(settings.get(rate_key, ACCOUNT_RATE)),
        burst=int(float(settings.get(burst_key, ACCOUNT_BURST))),
    )


def method_limits(method_settings: list[dict[str, Any]]) -> list[MethodLimit]:
    """The throttling entries of a stage's MethodSettings (ResourcePath encodes `/` as `~1`)."""
    found = []
    for entry in method_settings:
        limit = limit_of(entry, "ThrottlingRateLimit", "ThrottlingBurstLimit")
        if limit is not None:
            path = str(entry.get("ResourcePath", "/*"))
            if path.startswith("/~1"):  # /resource/sub is written /~1resource~1sub
                path = path[1:].replace("~1", "/")
            found.append(MethodLimit(path, str(entry.get("HttpMethod", "*")), limit))
    return found


def usage_plan(api_logical_id: str, spec: dict[str, Any] | None) -> UsagePlan | None:
    """SAM's Auth.UsagePlan of an AWS::Serverless::Api (PER_API or SHARED; NONE is no plan)."""
    if not spec or str(spec.get("CreateUsagePlan", "NONE")).upper() == "NONE":
        return None
    shared = str(spec["CreateUsagePlan"]).upper() == "SHARED"
    quota = spec.get("Quota") or {}
    return UsagePlan(
        plan_id="ServerlessUsagePlan" if shared else f"{api_logical_id}UsagePlan",
        throttle=limit_of(spec.get("Throttle") or {}, "RateLimit", "BurstLimit"),
        quota=Quota(int(float(quota["Limit"])), str(quota.get("Period", "DAY")).upper()) if "Limit" in quota else None,
    )


class Throttles:
    """Token buckets and quota counts, created on first use; safe across the gateway's threads."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        calendar: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clock = clock
        self._calendar = calendar
        self._buckets: dict[tuple[str, ...], tuple[float, float]] = {}  # key -> (tokens, as of)
        self._counts: dict[tuple[str, ...], tuple[str, int]] = {}  # key -> (window, requests)
        self._lock = threading.Lock()

    def take(self, key: tuple[str, ...], limit: Limit) -> bool:
        """Takes a token from the bucket `key`; False (throttled) when it is empty."""
        with self._lock:
            now = self._clock()
            tokens, as_of = self._buckets.get(key, (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + (now - as_of) * limit.rate)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            return allowed

    def exhausted(self, key: tuple[str, ...], quota: Quota) -> bool:
        with self._lock:
            window, used = self._counts.get(key, ("", 0))
            return window == quota.window(self._calendar()) and used >= quota.limit

    def count(self, key: tuple[str, ...], quota: Quota) -> None:
        with self._lock:
            current = quota.window(self._calendar())
            window, used = self._counts.get(key, (current, 0))
            self._counts[key] = (current, used + 1 if window == current else 1)
