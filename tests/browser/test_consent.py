"""Marketing consent in the console (issue 18): the Profile tab's table of each channel's state, the
"Change consent" dialog (recorded with method console, or as given on a form), the timeline's entry,
the Customers list's consent filters held in the URL, and a read-only key told why it cannot change
it. Elements are found by role and accessible name only, and axe-core checks each new view."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in
from tests.browser.test_customer_detail import Shop, ada_shop, open_customer, open_tab
from tests.browser.test_kefi_rules import event


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    return ada_shop(mint_key, new_org, seed, program=None)


def channel_row(profile: Locator, channel: str) -> Locator:
    table = profile.get_by_role("table", name="Marketing consent")
    return table.get_by_role("row").filter(has=profile.page.get_by_role("rowheader", name=channel, exact=True))


def test_staff_change_a_channels_consent_and_the_timeline_and_list_show_it(page: Page, shop: Shop) -> None:
    open_customer(page, shop)
    profile = open_tab(page, "Profile")
    expect(channel_row(profile, "Email")).to_contain_text("Never subscribed")
    expect(channel_row(profile, "SMS")).to_contain_text("Never subscribed")
    profile.get_by_role("button", name="Change consent").click()
    dialog = page.get_by_role("dialog", name="Change consent")
    dialog.get_by_label("Channel").select_option(label="SMS")
    dialog.get_by_label("Consent").select_option(label="Subscribed")
    dialog.get_by_label("How it was given").select_option(label="On a form")
    dialog.get_by_label("Wording version").fill("sms-optin-v2")
    assert_accessible(page)
    dialog.get_by_role("button", name="Save consent").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="SMS consent saved.")).to_be_visible()
    sms = channel_row(profile, "SMS")
    expect(sms).to_contain_text("Subscribed")
    expect(sms).to_contain_text("Form")
    expect(sms).to_contain_text("sms-optin-v2")
    stored = shop.api.get(f"/consumers/{shop.id}")["consent"]["sms"]
    assert (stored["state"], stored["method"], stored["wordingVersion"]) == ("subscribed", "form", "sms-optin-v2")

    # recorded here, with no method named: the console's own
    profile.get_by_role("button", name="Change consent").click()
    dialog.get_by_label("Consent").select_option(label="Unsubscribed")
    dialog.get_by_role("button", name="Save consent").click()
    expect(dialog).to_be_hidden()
    expect(channel_row(profile, "Email")).to_contain_text("Unsubscribed")
    expect(channel_row(profile, "Email")).to_contain_text("Console")
    log = shop.api.get(f"/consumers/{shop.id}/consent-log")["data"]
    assert [(entry["channel"], entry["method"]) for entry in log] == [("email", "console"), ("sms", "form")]

    timeline = open_tab(page, "Timeline")
    expect(event(timeline, "Marketing consent changed").first).to_contain_text("Email: Never subscribed → Unsubscribed")
    assert_accessible(page)

    # the Customers list's filters, held in the URL
    other = shop.api.post("/consumers", {"email": "grace@example.com", "fullName": "Grace Hopper"})
    page.goto("/app/customers")
    page.get_by_label("SMS consent").select_option(label="Subscribed")
    expect(page).to_have_url(re.compile(r"smsConsent=subscribed"))
    customers = page.get_by_role("table", name=re.compile("Customers"))
    expect(customers.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(customers.get_by_role("link", name="Grace Hopper")).to_have_count(0)
    page.reload()
    expect(page.get_by_label("SMS consent")).to_have_value("subscribed")
    page.get_by_label("SMS consent").select_option(label="Never subscribed")
    expect(customers.get_by_role("link", name=other["fullName"])).to_be_visible()
    expect(customers.get_by_role("link", name="Ada Lovelace")).to_have_count(0)
    assert_accessible(page)


def test_a_suppressed_address_shows_beside_its_consent(page: Page, shop: Shop) -> None:
    shop.api.put(f"/consumers/{shop.id}/suppression", {"channel": "email", "reason": "spam_complaint"})
    open_customer(page, shop)
    profile = open_tab(page, "Profile")
    expect(channel_row(profile, "Email")).to_contain_text("Spam complaint")
    expect(channel_row(profile, "Email")).to_contain_text("Never subscribed")  # the consent is its own
    expect(channel_row(profile, "SMS")).to_contain_text("No")
    assert_accessible(page)


def test_a_read_only_key_cannot_change_consent(page: Page, shop: Shop, mint_key: MintKey) -> None:
    reader = mint_key(shop.org, read_only=True)
    sign_in(page, reader)
    page.goto(f"/app/customers/{shop.id}")
    profile = open_tab(page, "Profile")
    change = profile.get_by_role("button", name="Change consent")
    expect(change).to_be_disabled()
    expect(change).to_have_accessible_description("Read-only key: changes are disabled")
    assert_accessible(page)
