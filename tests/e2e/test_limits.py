"""Throttling over HTTP: a stack of its own whose usage plan (template parameters) lets an organization
send 2 requests, then 1 every 1,000 s, so the third is refused however slow the machine is. The session
stack keeps limits no test reaches."""

from __future__ import annotations

from pathlib import Path

import requests

from clientele.core.errors import TooManyRequests
from clientele.core.http import error_body
from clientele_local.testing import running_stack
from tests.conftest import ROOT
from tests.e2e.conftest import run_cli
from tests.e2e.test_api import auth

SMALL_PLAN = ["-P", "OrganizationThrottleRate=0.001", "-P", "OrganizationThrottleBurst=2"]


def test_an_organization_over_its_rate_gets_429_with_the_error_body_and_retry_after(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with running_stack(state_dir=state, cwd=ROOT, demo_key=False, extra_args=SMALL_PLAN) as stack:

        def key_of(organization: str) -> str:
            created = run_cli(state, "keys", "create", "--org", organization, "--env", "sandbox")
            assert created.returncode == 0, created.stderr
            return created.stdout.splitlines()[-1]

        busy, calm = key_of("busy"), key_of("calm")
        url = f"{stack.base_url}/api/v1/consumers"
        answers = [requests.get(url, headers=auth(busy), timeout=30) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 429]
        refused = answers[2]
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["Content-Type"].startswith("application/json")
        assert refused.json() == error_body(TooManyRequests(), refused.json()["error"]["requestId"])
        assert refused.json()["error"]["requestId"]
        # The other environment of the organization shares its plan; another organization does not.
        live = run_cli(state, "keys", "create", "--org", "busy", "--env", "live").stdout.splitlines()[-1]
        assert requests.get(url, headers=auth(live), timeout=30).status_code == 429
        assert requests.get(url, headers=auth(calm), timeout=30).status_code == 200
