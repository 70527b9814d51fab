"""A small JSON-over-HTTP client for one tenant's key, shared by the fuzz tier's tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

TIMEOUT = 60.0  # a function's first call is a cold start: seconds on a busy laptop


@dataclass
class Api:
    """Calls `base_url` + `/api/v1` + path with `Authorization: Bearer <key>`."""

    base_url: str
    key: str
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> requests.Response:
        return self.session.request(
            method, f"{self.base_url}/api/v1{path}", json=json, params=params, headers=self.headers, timeout=TIMEOUT
        )

    def ok(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """The JSON body of a 2xx answer; anything else fails the test with the answer."""
        response = self.call(method, path, json=json, params=params)
        assert 200 <= response.status_code < 300, f"{method} {path} -> {response.status_code} {response.text}"
        return response.json()
