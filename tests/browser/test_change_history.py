"""The change history in the console (issue 18): the Timeline tab's table of the profile's field
changes, newest first, each with its values before and after and who made them (the API key, the
console), a field filter held in the URL. Found by role and accessible name; axe-core checks the view."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible
from tests.browser.test_customer_detail import Shop, ada_shop, open_customer, open_tab


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    return ada_shop(mint_key, new_org, seed, program=None)


def test_the_timeline_shows_each_fields_change_and_who_made_it_filtered_by_field(page: Page, shop: Shop) -> None:
    open_customer(page, shop)
    profile = open_tab(page, "Profile")
    profile.get_by_role("button", name="Edit").click()
    profile.get_by_label("City").fill("Paris")
    profile.get_by_role("button", name="Save").click()
    expect(profile.get_by_role("status")).to_have_text("Profile saved.")
    shop.api.put(f"/consumers/{shop.id}", {"lastName": "King"})
    page.reload()

    timeline = open_tab(page, "Timeline")
    history = timeline.get_by_role("table", name="Change history")
    rows = history.get_by_role("row")
    expect(rows).to_have_count(4)  # the heading row, then three writes, newest first
    expect(rows.nth(1)).to_contain_text("Last name: Lovelace → King")
    expect(rows.nth(1)).to_contain_text("Full name: Ada Lovelace → Ada King")
    expect(rows.nth(1)).to_contain_text("API key")
    expect(rows.nth(2)).to_contain_text("Address")
    expect(rows.nth(2)).to_contain_text('"city":"Paris"')
    expect(rows.nth(2)).to_contain_text("Console")
    expect(rows.nth(3)).to_contain_text("Email: — → ada@example.com")
    assert_accessible(page)

    timeline.get_by_label("Field").select_option(label="Last name")
    expect(page).to_have_url(re.compile(r"changeField=lastName"))
    expect(rows).to_have_count(3)  # the change, and the creation that first gave it
    expect(rows.nth(1)).to_contain_text("Lovelace → King")
    page.reload()
    expect(page.get_by_role("tabpanel", name="Timeline").get_by_label("Field")).to_have_value("lastName")
    timeline.get_by_label("Field").select_option(label="SMS consent")
    expect(timeline.get_by_text("No change of SMS consent recorded.")).to_be_visible()
