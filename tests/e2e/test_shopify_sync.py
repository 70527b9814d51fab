"""The Shopify full sync on the local stack: the "Sync Customers" button over HTTP, the job's chunks
run by real stream delivery, against the session's Shopify stand-in (template parameter ShopifyBaseUrl).

It runs on a stack of its own (`sync_stack`, thrown away without saving its state): 5,000 new
consumers leave minutes of stream work behind them (events, duplicate checks, segments), and a test
of the session's stack that waits for a webhook or a sync must not wait behind it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from clientele_local.klaviyo_standin import KlaviyoStandin
from clientele_local.shopify_standin import ShopifyStandin
from clientele_local.testing import RunningStack
from tests.e2e.conftest import e2e_stack, minter, wait_for
from tests.e2e.test_api import auth

CUSTOMERS = int(os.environ.get("E2E_SHOPIFY_CUSTOMERS", "5000"))  # the figure (~4 min on its own)


def _call(stack: RunningStack, key: str, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{stack.base_url}/api/v1{path}", json=body, headers=auth(key), timeout=60)


def _finished(stack: RunningStack, key: str, job_id: str) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []

    def done() -> dict[str, Any] | None:
        job = dict(_call(stack, key, "GET", f"/integrations/shopify/sync/{job_id}").json())
        seen[:] = [job]
        return job if job["status"] != "running" else None

    try:
        return wait_for(done, timeout=2400, interval=2.0)
    except AssertionError:
        raise AssertionError(f"the sync did not finish: {seen}") from None


def _consumers(stack: RunningStack, key: str) -> int:
    """How many consumers the tenant has, every page of the list read."""
    count, after = 0, None
    while True:
        params = {"first": 100, **({"after": after} if after else {})}
        url = f"{stack.base_url}/api/v1/consumers"
        page = requests.get(url, params=params, headers=auth(key), timeout=60).json()
        count += len(page["data"])
        after = page["pageInfo"]["endCursor"]
        if not after:
            return count


def _start(stack: RunningStack, key: str, body: dict[str, Any]) -> dict[str, Any]:
    """Starts a sync; when the daily reconciliation (every 864 s at the session's schedule scale) holds
    the tenant's one running sync, waits for it first."""
    while True:
        answer = _call(stack, key, "POST", "/integrations/shopify/sync", body)
        if answer.status_code != 409:
            assert answer.status_code == 202, answer.text
            return dict(answer.json())
        _finished(stack, key, answer.json()["error"]["details"][0]["message"])


@pytest.fixture(scope="module")
def sync_stack(
    tmp_path_factory: pytest.TempPathFactory, klaviyo: KlaviyoStandin, shopify: ShopifyStandin
) -> Iterator[RunningStack]:
    with e2e_stack(tmp_path_factory.mktemp("clientele-sync-state"), klaviyo, shopify, "--no-persist") as running:
        yield running


def test_a_full_sync_of_the_shops_customers_completes_with_exact_counts(
    sync_stack: RunningStack, shopify: ShopifyStandin
) -> None:
    stack = sync_stack
    shopify.generate(CUSTOMERS)
    key = minter(stack)(f"shopify-{uuid.uuid4().hex[:8]}")
    settings = {
        "shopDomain": "kefi.myshopify.com",
        "accessToken": "shpat_e2e0123456789abcdef0123456789",
        "webhookSecret": "whsec_e2e0123456789abcdef01234567",
        "enabled": True,
    }
    assert _call(stack, key, "PUT", "/integrations/shopify", settings).status_code == 200
    job = _start(stack, key, {"mode": "bulk"} if CUSTOMERS <= 2500 else {})  # auto picks bulk above 2,500
    second = _call(stack, key, "POST", "/integrations/shopify/sync", {"mode": "bulk"})
    assert second.status_code == 409
    assert second.json()["error"]["details"] == [{"field": "jobId", "message": job["id"]}]
    done = _finished(stack, key, job["id"])
    assert (done["status"], done["method"]) == ("succeeded", "bulk"), done
    assert done["counts"] == {"created": CUSTOMERS, "updated": 0, "unchanged": 0, "failed": 0}
    assert done["progress"] == {"processed": CUSTOMERS, "total": CUSTOMERS}
    assert _consumers(stack, key) == CUSTOMERS
    shown = _call(stack, key, "GET", "/integrations/shopify").json()
    assert shown["lastFullSync"]["id"] == job["id"]

    rerun = _finished(stack, key, _start(stack, key, {"mode": "bulk"})["id"])
    assert rerun["status"] == "succeeded", rerun
    assert rerun["counts"] == {"created": 0, "updated": 0, "unchanged": CUSTOMERS, "failed": 0}
    assert _consumers(stack, key) == CUSTOMERS  # nothing doubled
