"""The Webhooks page (/app/webhooks, one endpoint at /app/webhooks/:id): add an endpoint (its secret
shown once, and it is the secret that signs the deliveries), the event log and its type filter, edit,
disable and enable, rotate the secret, the deliveries, replay, delete. Deliveries go to a receiver on
127.0.0.1 (the local stack allows it); every element is found by role and name; axe-core on each view."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook

from clientele_local.testing import WebhookReceiver
from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in

Seeder = Callable[[str], Seed]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def wait_until[Value](check: Callable[[], Value | None], timeout: float = 60.0) -> Value:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"not reached within {timeout} s")


def warm(api: Seed) -> None:
    """Starts the functions' workers (a first call is a cold start, slow on a busy machine): the calls
    are refused (nothing exists, the body is bad), so nothing is created."""
    for method, path, body in (
        ("GET", "/webhook-endpoints", None),
        ("GET", "/events", None),
        ("POST", "/webhook-endpoints", {}),
        ("GET", "/webhook-endpoints/whep_none", None),
        ("PUT", "/webhook-endpoints/whep_none", {}),
        ("DELETE", "/webhook-endpoints/whep_none", None),
        ("POST", "/webhook-endpoints/whep_none/rotate-secret", None),
        ("POST", "/webhook-endpoints/whep_none/replay", {}),
        ("GET", "/webhook-endpoints/whep_none/deliveries", None),
    ):
        api.http.request(method, path, json=body)


def test_webhooks_add_an_endpoint_see_events_and_deliveries_rotate_replay_and_delete(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder, receiver: WebhookReceiver
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    warm(api)
    sign_in(page, key)
    page.get_by_role("navigation").get_by_role("link", name="Webhooks").click()
    expect(page).to_have_url(re.compile(r"/app/webhooks$"))
    expect(page.get_by_role("heading", level=1, name="Webhooks")).to_be_visible()
    expect(page.get_by_role("table", name="Endpoints")).to_contain_text("No endpoints yet.")
    assert_accessible(page)

    # ---- Add endpoint: the form's own checks, then the secret shown once
    page.get_by_role("button", name="Add endpoint").click()
    dialog = page.get_by_role("dialog", name="Add endpoint")
    dialog.get_by_role("button", name="Add endpoint").click()
    expect(dialog.get_by_role("textbox", name="URL")).to_have_accessible_description(re.compile("Enter the URL"))
    expect(dialog.get_by_role("group", name="Events")).to_contain_text("Pick at least one event.")
    dialog.get_by_role("textbox", name="URL").fill("ftp://example.com/hook")
    dialog.get_by_role("checkbox", name="Customer created").check()
    dialog.get_by_role("button", name="Add endpoint").click()  # the API's refusal, beside the URL
    expect(dialog.get_by_role("textbox", name="URL")).to_have_accessible_description(re.compile("https URL"))
    assert api.get("/webhook-endpoints")["data"] == []
    assert_accessible(page)

    dialog.get_by_role("textbox", name="URL").fill(receiver.url)
    dialog.get_by_role("checkbox", name="Customer updated").check()
    dialog.get_by_role("textbox", name="Description").fill("The CRM")
    dialog.get_by_role("button", name="Add endpoint").click()
    shown = page.get_by_role("dialog", name="Signing secret")
    secret_box = shown.get_by_role("textbox", name="Signing secret")
    expect(secret_box).to_have_value(re.compile(r"^whsec_"))
    secret = secret_box.input_value()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    shown.get_by_role("button", name="Copy signing secret").click()
    expect(shown.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert_accessible(page)
    shown.get_by_role("button", name="Done").click()
    expect(shown).to_be_hidden()

    (endpoint,) = api.get("/webhook-endpoints")["data"]
    assert (endpoint["url"], endpoint["events"], endpoint["description"], endpoint["enabled"]) == (
        receiver.url,
        ["consumer.created", "consumer.updated"],
        "The CRM",
        True,
    )
    assert "secret" not in api.get(f"/webhook-endpoints/{endpoint['id']}")  # never shown again
    endpoints = page.get_by_role("table", name="Endpoints")
    expect(endpoints.get_by_role("link", name=receiver.url)).to_be_visible()
    expect(endpoints).to_contain_text("Customer created, Customer updated")
    expect(endpoints).to_contain_text("Enabled")
    assert secret not in page.content()

    # ---- an event: delivered, signed with the secret the dialog showed
    consumer = api.post("/consumers", {"email": "hook@example.com"})
    headers, body = wait_until(lambda: receiver.received[0] if receiver.received else None)
    event = Webhook(secret).verify(body, headers)
    assert (event["type"], event["data"]["id"]) == ("consumer.created", consumer["id"])

    # ---- the event log: the event, and the type filter held in the URL
    page.get_by_role("button", name="Refresh events").click()
    events = page.get_by_role("table", name="Event log")
    expect(events.get_by_role("row").filter(has_text=event["id"])).to_contain_text("consumer.created")
    expect(events.get_by_role("link", name=consumer["id"])).to_be_visible()
    page.get_by_role("combobox", name="Event type").select_option(label="Order created")
    expect(page).to_have_url(re.compile(r"type=order\.created"))
    expect(events).to_contain_text("No events of this type in the last 30 days.")
    page.reload()
    expect(page.get_by_role("combobox", name="Event type")).to_have_value("order.created")
    page.get_by_role("combobox", name="Event type").select_option(label="Customer created")
    expect(events.get_by_role("row").filter(has_text=event["id"])).to_be_visible()
    assert_accessible(page)

    # ---- the endpoint's page: its deliveries
    endpoints.get_by_role("link", name=receiver.url).click()
    expect(page).to_have_url(re.compile(rf"/app/webhooks/{endpoint['id']}$"))
    expect(page.get_by_role("heading", level=1, name="Webhook endpoint")).to_be_visible()
    deliveries = page.get_by_role("table", name="Deliveries")

    def delivered() -> bool:
        page.get_by_role("button", name="Refresh deliveries").click()
        expect(deliveries).not_to_contain_text("Loading…")
        return deliveries.get_by_role("row").filter(has_text=event["id"]).count() > 0

    wait_until(delivered, timeout=30)
    row = deliveries.get_by_role("row").filter(has_text=event["id"])
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("204")
    expect(row).to_contain_text(" ms")
    assert_accessible(page)

    # ---- edit: other events and a new description
    page.get_by_role("button", name="Edit endpoint").click()
    edit = page.get_by_role("dialog", name="Edit endpoint")
    expect(edit.get_by_role("textbox", name="URL")).to_have_value(receiver.url)
    expect(edit.get_by_role("checkbox", name="Customer created")).to_be_checked()
    edit.get_by_role("checkbox", name="Customer updated").uncheck()
    edit.get_by_role("checkbox", name="Order created").check()
    edit.get_by_role("textbox", name="Description").fill("The CRM, orders too")
    assert_accessible(page)
    edit.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved the endpoint.")).to_be_visible()
    stored = api.get(f"/webhook-endpoints/{endpoint['id']}")
    assert (stored["events"], stored["description"]) == (["consumer.created", "order.created"], "The CRM, orders too")
    expect(page.get_by_role("region", name=receiver.url)).to_contain_text("Customer created, Order created")

    # ---- disable, enable
    page.get_by_role("button", name="Disable endpoint").click()
    expect(page.get_by_role("button", name="Enable endpoint")).to_be_visible()
    assert api.get(f"/webhook-endpoints/{endpoint['id']}")["enabled"] is False
    expect(page.get_by_role("region", name=receiver.url)).to_contain_text("Disabled")
    page.get_by_role("button", name="Enable endpoint").click()
    expect(page.get_by_role("button", name="Disable endpoint")).to_be_visible()
    assert api.get(f"/webhook-endpoints/{endpoint['id']}")["enabled"] is True

    # ---- rotate: a new secret shown once; the old one keeps working for the overlap
    page.get_by_role("button", name="Rotate secret").click()
    rotate = page.get_by_role("dialog", name="Rotate secret")
    expect(rotate).to_contain_text("The old secret keeps working for 24 hours")
    assert_accessible(page)
    rotate.get_by_role("button", name="Rotate secret").click()
    fresh = page.get_by_role("dialog", name="New signing secret")
    fresh_box = fresh.get_by_role("textbox", name="Signing secret")
    expect(fresh_box).to_have_value(re.compile(r"^whsec_"))
    new_secret = fresh_box.input_value()
    assert new_secret != secret
    expect(fresh).to_contain_text("The old secret keeps working until")
    assert_accessible(page)
    fresh.get_by_role("button", name="Done").click()
    assert api.get(f"/webhook-endpoints/{endpoint['id']}")["secretRotatedAt"]

    # ---- replay since an hour ago: the event again, with its own webhook-id; the old secret still signs
    # (the overlap; the delivery function reads the keys at most once a minute, so the new one joins within it)
    since = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")  # the browser runs in UTC
    page.get_by_role("button", name="Replay", exact=True).click()  # nothing entered
    expect(page.get_by_label("Replay events since")).to_have_accessible_description(re.compile("Enter the date"))
    page.get_by_label("Replay events since").fill(since)
    page.get_by_role("button", name="Replay", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Replaying the events")).to_be_visible()
    headers2, body2 = wait_until(lambda: receiver.received[1] if len(receiver.received) > 1 else None)
    assert headers2["webhook-id"] == event["id"]
    assert Webhook(secret).verify(body2, headers2)["id"] == event["id"]  # the overlap

    def replayed() -> bool:
        page.get_by_role("button", name="Refresh deliveries").click()
        expect(deliveries).not_to_contain_text("Loading…")
        return deliveries.get_by_role("row").filter(has_text="Replay").count() > 0

    wait_until(replayed, timeout=30)
    expect(deliveries.get_by_role("row").filter(has_text="Replay").first).to_contain_text(event["id"])

    # ---- delete, confirmed
    page.get_by_role("button", name="Delete endpoint").click()
    confirm = page.get_by_role("dialog", name="Delete endpoint")
    expect(confirm).to_contain_text(receiver.url)
    assert_accessible(page)
    confirm.get_by_role("button", name="Delete endpoint").click()
    expect(page).to_have_url(re.compile(r"/app/webhooks$"))
    expect(page.get_by_role("status").filter(has_text="Deleted the endpoint")).to_contain_text(receiver.url)
    expect(page.get_by_role("table", name="Endpoints")).to_contain_text("No endpoints yet.")
    assert api.get("/webhook-endpoints")["data"] == []


def test_webhooks_are_read_only_with_a_read_only_key(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder
) -> None:
    org = new_org()
    api = seed(mint_key(org))
    warm(api)
    created = api.post(
        "/webhook-endpoints", {"url": "http://127.0.0.1:9/hook", "events": ["order.created"], "description": None}
    )
    sign_in(page, mint_key(org, read_only=True))
    page.goto("/app/webhooks")
    expect(page.get_by_role("button", name="Add endpoint")).to_be_disabled()
    page.get_by_role("table", name="Endpoints").get_by_role("link", name="http://127.0.0.1:9/hook").click()
    expect(page).to_have_url(re.compile(rf"/app/webhooks/{created['id']}$"))
    for name in ("Edit endpoint", "Disable endpoint", "Rotate secret", "Delete endpoint"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
        expect(page.get_by_role("button", name=name)).to_have_accessible_description(re.compile("Read-only key"))
    assert_accessible(page)
    page.goto("/app/webhooks/whep_missing")
    expect(page.get_by_text("This endpoint does not exist")).to_be_visible()


def test_an_endpoint_disabled_by_clientele_shows_why_and_enabling_clears_it(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder
) -> None:
    with WebhookReceiver(status=410) as gone:  # 410 Gone: Clientele disables the endpoint
        key = mint_key(new_org())
        api = seed(key)
        warm(api)
        endpoint = api.post(
            "/webhook-endpoints", {"url": gone.url, "events": ["consumer.created"], "description": None}
        )
        api.post("/consumers", {"email": "gone@example.com"})
        stored = wait_until(
            lambda: (found := api.get(f"/webhook-endpoints/{endpoint['id']}"))["enabled"] is False and found
        )
        assert stored["disabledReason"]
        sign_in(page, key)
        page.goto("/app/webhooks")
        row = page.get_by_role("table", name="Endpoints").get_by_role("row").filter(has_text=gone.url)
        expect(row).to_contain_text("Disabled")
        expect(row).to_contain_text(f"Disabled by Clientele: {stored['disabledReason']}")
        assert_accessible(page)
        row.get_by_role("link", name=gone.url).click()
        expect(page.get_by_role("region", name=gone.url)).to_contain_text(stored["disabledReason"])
        page.get_by_role("button", name="Enable endpoint").click()
        expect(page.get_by_role("button", name="Disable endpoint")).to_be_visible()
        expect(page.get_by_role("region", name=gone.url)).not_to_contain_text("Disabled by Clientele")
        enabled = api.get(f"/webhook-endpoints/{endpoint['id']}")
        assert (enabled["enabled"], enabled.get("disabledReason")) == (True, None)
