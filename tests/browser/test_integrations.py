"""The Integrations page's issue-17 parts: Klaviyo lists as a source ("Lists to import from", "Pull
now", the last pull) and Shopify (connect, secrets masked and never echoed, the webhook URL with Copy,
webhook health, "Sync Customers" followed to its end, the last full sync). This module's stack talks
to a Shopify stand-in too (template parameter ShopifyBaseUrl). Every element is found by role and
accessible name; axe-core checks each view; what the API then holds is checked after each action."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from clientele_local import shopify_sender as payloads
from clientele_local.klaviyo_standin import KlaviyoStandin
from clientele_local.shopify_sender import ShopifySender
from clientele_local.shopify_standin import ShopifyStandin
from clientele_local.testing import running_stack
from tests.browser.conftest import BUILT, Console, MintKey, Seed, assert_accessible, sign_in
from tests.conftest import ROOT, UNREACHED_LIMITS

Seeder = Callable[[str], Seed]
SHOP_CUSTOMERS = 12
SLOW_MS = 90_000  # a job's chain of functions on a busy machine


@pytest.fixture(scope="module")
def shopify() -> Iterator[ShopifyStandin]:
    """The shop "Sync Customers" reads."""
    with ShopifyStandin(customers=SHOP_CUSTOMERS) as standin:
        yield standin


@pytest.fixture(scope="module")
def console(
    tmp_path_factory: pytest.TempPathFactory, klaviyo: KlaviyoStandin, shopify: ShopifyStandin
) -> Iterator[Console]:
    """The browser tier's stack, with the Shopify stand-in as ShopifyBaseUrl."""
    assert BUILT.is_file(), "the console is not built: run `make console`"
    state_dir = tmp_path_factory.mktemp("clientele-browser-integrations")
    args = [
        "--no-auth-cache",
        "-P",
        f"KlaviyoBaseUrl={klaviyo.base_url}",
        "-P",
        f"ShopifyBaseUrl={shopify.base_url}",
        *UNREACHED_LIMITS,
    ]
    env = {"CLIENTELE_SCHEDULE_SCALE": "0.01"}
    with running_stack(state_dir=state_dir, cwd=ROOT, extra_args=args, env=env, demo_key=False) as stack:
        yield Console(stack)


def wait_until[Value](check: Callable[[], Value | None], timeout: float = 90.0) -> Value:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not reached within {timeout} s")


def warm(api: Seed) -> None:
    """Starts the page's functions' workers (a first call is a cold start, slow on a busy machine); reads
    only, or calls refused for want of a body: nothing changes."""
    for method, path, body in (
        ("GET", "/integrations/klaviyo", None),
        ("GET", "/integrations/shopify", None),
        ("GET", "/consumers/stats", None),
        ("PUT", "/integrations/shopify", {}),
        ("GET", "/integrations/shopify/sync/shs_none", None),
    ):
        api.http.request(method, path, json=body)


def open_integrations(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", level=1, name="Integrations")).to_be_visible()
    expect(page.get_by_text("Loading…")).to_have_count(0, timeout=SLOW_MS)


def figure(region: Locator, name: str) -> Locator:
    """A figure's value (<dt>name</dt><dd>value</dd>) in a region."""
    return region.locator(f"xpath=.//dt[normalize-space()='{name}']/following-sibling::dd[1]")


def test_klaviyo_lists_to_import_from_and_pull_now(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder, klaviyo: KlaviyoStandin
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    lists = [f"L{uuid.uuid4().hex[:8]}", f"L{uuid.uuid4().hex[:8]}"]
    tag = uuid.uuid4().hex[:6]
    klaviyo.put_in_list(lists[0], {"email": f"zoe-{tag}@example.com", "first_name": "Zoe"})
    klaviyo.put_in_list(lists[1], {"email": f"yan-{tag}@example.com", "first_name": "Yan"})
    api.put("/integrations/klaviyo", {"apiKey": "pk_test_0123456789abcd", "enabled": True})
    warm(api)
    sign_in(page, key)
    open_integrations(page)

    pull = page.get_by_role("region", name="Pull from lists")
    expect(pull).to_contain_text("No pull yet.")
    pull_now = pull.get_by_role("button", name="Pull now")
    expect(pull_now).to_be_disabled()
    expect(pull_now).to_have_accessible_description("Add lists to import from and save first.")
    assert_accessible(page)

    field = page.get_by_role("textbox", name="Lists to import from")
    expect(field).to_have_value("")
    field.fill(f"{lists[0]}, {lists[1]}, {lists[0]}")  # a repeat counts once
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_have_text("Saved. The sync is on.")
    assert api.get("/integrations/klaviyo")["importListIds"] == lists
    expect(field).to_have_value(", ".join(lists))
    page.reload()
    expect(page.get_by_role("textbox", name="Lists to import from")).to_have_value(", ".join(lists))

    pull = page.get_by_role("region", name="Pull from lists")
    expect(pull).to_contain_text(f"Lists: {lists[0]}, {lists[1]}.")
    pull.get_by_role("button", name="Pull now").click()
    expect(pull).to_contain_text("Last pull: Succeeded", timeout=SLOW_MS)  # polled until it ends
    expect(figure(pull, "Created")).to_have_text("2")
    expect(figure(pull, "Failed")).to_have_text("0")
    expect(figure(pull, "Updated")).to_have_text("0")
    expect(figure(pull, "Unchanged")).to_have_text("0")
    last = api.get("/integrations/klaviyo")["lastPull"]
    assert (last["status"], last["created"], last["failed"], last["listIds"]) == ("succeeded", 2, 0, lists)
    pulled = api.get("/consumers", source="klaviyo")["data"]
    assert sorted(c["email"] for c in pulled) == [f"yan-{tag}@example.com", f"zoe-{tag}@example.com"]
    assert_accessible(page)

    # emptied: nothing is pulled any more
    page.get_by_role("textbox", name="Lists to import from").fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    assert api.get("/integrations/klaviyo")["importListIds"] == []
    expect(page.get_by_role("button", name="Pull now")).to_be_disabled()


def test_shopify_connect_webhook_health_and_sync_customers(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder, shopify: ShopifyStandin
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    warm(api)
    sign_in(page, key)
    open_integrations(page)

    region = page.get_by_role("region", name="Shopify", exact=True)
    expect(region).to_contain_text("Not connected.")
    sync = page.get_by_role("region", name="Sync Customers")
    expect(sync.get_by_role("button", name="Sync Customers")).to_be_disabled()
    expect(sync.get_by_role("button", name="Sync Customers")).to_have_accessible_description("Connect Shopify first.")
    expect(sync).to_contain_text("No full sync yet.")
    assert_accessible(page)

    # the form's own checks, then the API's (a domain that is not <name>.myshopify.com)
    region.get_by_role("button", name="Connect Shopify").click()
    expect(region.get_by_role("textbox", name="Shop domain")).to_have_accessible_description(
        re.compile("Enter the shop.s domain")
    )
    expect(region.get_by_label("Access token")).to_have_accessible_description(re.compile("Enter the Admin API"))
    expect(region.get_by_label("Webhook secret")).to_have_accessible_description(re.compile("Enter the custom app"))
    token, secret = "shpat_browser_0123456789abcdef", "shpss_browser_secret_9876wxyz"
    region.get_by_role("textbox", name="Shop domain").fill("kefi.example.com")
    region.get_by_label("Access token").fill(token)
    region.get_by_label("Webhook secret").fill(secret)
    region.get_by_role("button", name="Connect Shopify").click()
    expect(region.get_by_role("textbox", name="Shop domain")).to_have_accessible_description(
        re.compile("myshopify.com")
    )
    assert_accessible(page)

    shop = f"kefi-{uuid.uuid4().hex[:8]}.myshopify.com"
    region.get_by_role("textbox", name="Shop domain").fill(shop)
    switch = region.get_by_role("switch", name="Keep customers in sync")
    expect(switch).to_be_checked()
    region.get_by_role("button", name="Connect Shopify").click()
    expect(region.get_by_role("status").filter(has_text="Saved")).to_have_text(f"Saved. Shopify is on for {shop}.")
    stored = api.get("/integrations/shopify")
    assert (stored["shopDomain"], stored["enabled"]) == (shop, True)
    assert (stored["accessToken"], stored["webhookSecret"]) == ("••••cdef", "••••wxyz")
    # write-only: masked on the page, never echoed back
    expect(region.get_by_label("Access token")).to_have_value("")
    expect(region.get_by_label("Webhook secret")).to_have_value("")
    expect(region.get_by_label("Access token")).to_have_accessible_description(
        re.compile(r"A token is set \(••••cdef\)")
    )
    expect(region).to_contain_text("••••wxyz")
    page.reload()
    assert token not in page.content()
    assert secret not in page.content()

    # the webhook URL to register, with Copy
    hooks = page.get_by_role("region", name="Shopify webhooks")
    url_box = hooks.get_by_role("textbox", name="Webhook URL")
    expect(url_box).to_have_value(stored["webhookUrl"])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    hooks.get_by_role("button", name="Copy webhook URL").click()
    expect(hooks.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == stored["webhookUrl"]
    expect(figure(hooks, "Received")).to_have_text("0")
    expect(figure(hooks, "Last received")).to_have_text("Never")

    # webhook health: a good delivery and a forged one
    sender = ShopifySender(stored["webhookUrl"], secret, shop_domain=shop)
    email = f"bob-{uuid.uuid4().hex[:6]}@example.com"
    assert sender.deliver("customers/create", payloads.customer(990001, email)).status == 200
    forged = sender.deliver("customers/update", payloads.customer(990001, email, first_name="Mallory"), bad_hmac=True)
    assert forged.status == 401
    page.reload()
    hooks = page.get_by_role("region", name="Shopify webhooks")
    expect(figure(hooks, "Received")).to_have_text("2")
    expect(figure(hooks, "Failures")).to_have_text("1")
    expect(figure(hooks, "Last failure")).not_to_have_text("None")
    health = api.get("/integrations/shopify")["webhooks"]
    assert (health["received"], health["failures"]) == (2, 1)
    expect(hooks).to_contain_text(f"Last failure: {health['lastFailure']}")
    assert_accessible(page)

    # Sync Customers: the job followed until it ends, its counts, then the last full sync
    sync = page.get_by_role("region", name="Sync Customers")
    sync.get_by_role("button", name="Sync Customers").click()
    expect(page).to_have_url(re.compile(r"shopifySync=\w+"))
    expect(sync.get_by_role("progressbar", name="Sync progress")).to_be_visible()
    expect(sync).to_contain_text("This sync: Succeeded", timeout=SLOW_MS)
    job_id = re.search(r"shopifySync=([^&]+)", page.url).group(1)  # type: ignore[union-attr]
    job = api.get(f"/integrations/shopify/sync/{job_id}")
    assert job["status"] == "succeeded"
    counts = job["counts"]
    assert counts["created"] + counts["updated"] + counts["unchanged"] == SHOP_CUSTOMERS
    assert counts["failed"] == 0
    expect(sync.get_by_role("status").filter(has_text="Finished")).to_have_text(
        f"Finished: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, 0 failed."
    )
    expect(figure(sync, "Processed").first).to_have_text(str(SHOP_CUSTOMERS))
    from_shop = wait_until(lambda: len(api.get("/consumers", source="shopify", first=100)["data"]) > SHOP_CUSTOMERS - 1)
    assert from_shop
    expect(sync.get_by_role("heading", name="Last full sync")).to_be_visible()
    expect(sync).not_to_contain_text("No full sync yet.")
    assert api.get("/integrations/shopify")["lastFullSync"]["id"] == job_id
    assert_accessible(page)

    # a reload follows the same job (its id is in the URL)
    page.reload()
    expect(page.get_by_role("region", name="Sync Customers")).to_contain_text("This sync: Succeeded")

    # switched off: the secrets are kept, and Sync Customers says why it is disabled
    region = page.get_by_role("region", name="Shopify", exact=True)
    region.get_by_role("switch", name="Keep customers in sync").uncheck()
    region.get_by_role("button", name="Update connection").click()
    expect(region.get_by_role("status").filter(has_text="Saved")).to_have_text(f"Saved. Shopify is off for {shop}.")
    off = api.get("/integrations/shopify")
    assert (off["enabled"], off["accessToken"], off["webhookSecret"]) == (False, "••••cdef", "••••wxyz")
    expect(page.get_by_role("button", name="Sync Customers")).to_be_disabled()
