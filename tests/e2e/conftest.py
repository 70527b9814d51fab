"""E2E tier: a real local stack (moto + gateway + function workers) started once per session,
driven over HTTP with keys minted by the `clientele` CLI, as a newcomer would after `make run`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest

from clientele_local.klaviyo_standin import KlaviyoStandin
from clientele_local.shopify_standin import ShopifyStandin
from clientele_local.testing import RunningStack, running_stack
from tests.conftest import ROOT, UNREACHED_LIMITS, run_cli


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clientele-state")


@pytest.fixture(scope="session")
def klaviyo() -> Iterator[KlaviyoStandin]:
    """The Klaviyo the stack's sync functions talk to (template parameter KlaviyoBaseUrl)."""
    with KlaviyoStandin() as standin:
        yield standin


@pytest.fixture(scope="session")
def shopify() -> Iterator[ShopifyStandin]:
    """The shop the stack's Shopify sync talks to (template parameter ShopifyBaseUrl); tests add customers."""
    with ShopifyStandin() as standin:
        yield standin


@contextlib.contextmanager
def e2e_stack(
    state_dir: Path, klaviyo: KlaviyoStandin, shopify: ShopifyStandin, *more_args: str
) -> Iterator[RunningStack]:
    """A local stack as the e2e tests run it, talking to the given stand-ins."""
    # API Gateway caches an authorizer's answer per key for ReauthorizeEvery seconds, and so does the
    # local stack; the tests want a revocation to show at once.
    # Scheduled functions run on their template rate times this scale: every 3 s instead of 5 min.
    env = {"CLIENTELE_SCHEDULE_SCALE": "0.01"}
    args = ["--no-auth-cache", "-P", f"KlaviyoBaseUrl={klaviyo.base_url}", "-P", f"ShopifyBaseUrl={shopify.base_url}"]
    args += [*UNREACHED_LIMITS, *more_args]
    with running_stack(state_dir=state_dir, cwd=ROOT, extra_args=args, env=env) as running:
        yield running


@pytest.fixture(scope="session")
def stack(state_dir: Path, klaviyo: KlaviyoStandin, shopify: ShopifyStandin) -> Iterator[RunningStack]:
    with e2e_stack(state_dir, klaviyo, shopify) as running:
        yield running


MintKey = Callable[..., str]


def minter(stack: RunningStack) -> MintKey:
    """Mints keys of the stack's, with the `clientele` CLI."""

    def mint(org: str, env: str = "sandbox", read_only: bool = False) -> str:
        args = ["keys", "create", "--org", org, "--env", env] + (["--read-only"] if read_only else [])
        result = run_cli(stack.state_dir, *args)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    return mint


@pytest.fixture(scope="session")
def mint_key(stack: RunningStack) -> MintKey:
    return minter(stack)


def wait_for[Value](check: Callable[[], Value | None], timeout: float = 120.0, interval: float = 0.25) -> Value:
    """`check()`'s answer once it is truthy; fails the test if it is not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not reached within {timeout} s")


STACK_LOG_TAIL = 300


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test's report carries the last lines its local stack printed: CI shows only the report."""
    report = yield
    if report.failed:
        for name, running in getattr(item, "funcargs", {}).items():
            if isinstance(running, RunningStack):
                lines = "\n".join(list(running.output)[-STACK_LOG_TAIL:])
                report.sections.append((f"local stack {name} (last lines)", lines))
    return report
