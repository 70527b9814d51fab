"""Browser tier: the console in Debian's Chromium, driven by Playwright, on a real local stack.

Elements are found by role and accessible name only, as assistive technology finds them, and every
page is checked with axe-core. The stack and the browser start once per session; each test works in
an organization of its own and a fresh browser context (no cookies shared between tests).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from clientele_local.klaviyo_standin import KlaviyoStandin
from clientele_local.testing import RunningStack, running_stack
from tests.conftest import ROOT, UNREACHED_LIMITS, run_cli

CHROMIUM = "/usr/bin/chromium"
# What this machine's closed network needs: no background connections, no component updates, no sync.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
BUILT = ROOT / "functions" / "serve_console" / "static" / "index.html"
# A function's first call on the local stack starts its worker (a cold start): give pages time.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


class Console(NamedTuple):
    stack: RunningStack

    def url(self, path: str) -> str:
        return f"{self.stack.base_url}{path}"


@pytest.fixture(scope="session")
def klaviyo() -> Iterator[KlaviyoStandin]:
    """The Klaviyo the Integrations page's sync and resync talk to."""
    with KlaviyoStandin() as standin:
        yield standin


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory, klaviyo: KlaviyoStandin) -> Iterator[Console]:
    assert BUILT.is_file(), "the console is not built: run `make console`"
    state_dir = tmp_path_factory.mktemp("clientele-browser")
    args = ["--no-auth-cache", "-P", f"KlaviyoBaseUrl={klaviyo.base_url}", *UNREACHED_LIMITS]
    env = {"CLIENTELE_SCHEDULE_SCALE": "0.01"}
    with running_stack(state_dir=state_dir, cwd=ROOT, extra_args=args, env=env, demo_key=False) as stack:
        yield Console(stack)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    # UTC: the date filters' days are the browser's, and the tests compute them in UTC.
    context = browser.new_context(
        base_url=console.stack.base_url, viewport=VIEWPORT, accept_downloads=True, timezone_id="UTC"
    )
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def new_org() -> Callable[[], str]:
    return lambda: f"web{uuid.uuid4().hex[:10]}"


MintKey = Callable[..., str]


@pytest.fixture
def mint_key(console: Console) -> MintKey:
    def mint(org: str, read_only: bool = False, env: str = "sandbox") -> str:
        args = ["keys", "create", "--org", org, "--env", env] + (["--read-only"] if read_only else [])
        result = run_cli(console.stack.state_dir, *args)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    return mint


class Seed:
    """The API with a key (/api/v1/…): what a test sets up before it opens a page. Fails on any error."""

    def __init__(self, base_url: str, key: str) -> None:
        self.http = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=30)

    def _json(self, response: httpx.Response) -> Any:
        assert response.status_code < 300, f"{response.request.method} {response.request.url}: {response.text}"
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self._json(self.http.get(path, params=params))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._json(self.http.post(path, json=body, headers=headers))

    def put(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._json(self.http.put(path, json=body, headers=headers))

    def delete(self, path: str) -> Any:
        return self._json(self.http.delete(path))


@pytest.fixture
def seed(console: Console) -> Callable[[str], Seed]:
    return lambda key: Seed(console.stack.base_url, key)


def sign_in(page: Page, key: str) -> None:
    """Signs in through the form, as staff do, and waits for the customers list."""
    page.goto("/app/customers")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/customers"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


BLOCKING = ("serious", "critical")


def assert_accessible(page: Page) -> None:
    """axe-core on the page as it stands: no serious or critical violation."""
    results = Axe().run(page)
    found = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    summary = [{"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]} for v in found]
    assert not found, json.dumps(summary, indent=1)


SCREENSHOTS = ROOT / "docs"


def screenshot(page: Page, name: str) -> Path:
    """A screenshot for the README (docs/console-<name>.png)."""
    path = SCREENSHOTS / f"console-{name}.png"
    page.screenshot(path=str(path))
    return path
