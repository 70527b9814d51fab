"""Loyalty cards (seed 003: "the loyalty cards registered by the customer"): "Issue card" on the Loyalty
programs page (a code taken refused beside the code, then the card issued and named in the status);
the customer's Loyalty cards tab: "Link a card" with the API's refusals beside the code (no such card, a
card full, a card blocked), the card's program, status, registration and users; "Block card" (points
by card then refused) and "Activate card"; "Unlink" behind a confirmation; the timeline's events; a
read-only key sees the cards, pages through them (the page in the URL) and changes nothing.

Elements are found by role and accessible name only, and axe-core checks each new view."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in
from tests.browser.test_admin_pages import open_page
from tests.browser.test_customer_detail import Shop, ada_shop, open_tab
from tests.browser.test_referrals import expect_cells, table, table_row
from tests.browser.test_sessions import event

COLUMNS = ("Code", "Program", "Status", "Registered", "Users")
READ_ONLY = "Read-only key: changes are disabled"


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    """An organization with a program and Ada, an active member."""
    return ada_shop(mint_key, new_org, seed)


def card_row(panel: Locator, code: str) -> Locator:
    return table_row(panel, "Loyalty cards", code)


def card(shop: Shop, code: str) -> dict[str, Any]:
    return dict(shop.api.get(f"/loyalty-cards/{code}"))


def link_dialog(panel: Locator, code: str) -> tuple[Locator, Locator]:
    """Opens "Link a card", types `code` and submits: the dialog and its code field."""
    panel.get_by_role("button", name="Link a card").click()
    dialog = panel.page.get_by_role("dialog", name="Link a card")
    field = dialog.get_by_role("textbox", name="Card code")
    expect(field).to_be_focused()
    field.fill(code)
    dialog.get_by_role("button", name="Link card").click()
    return dialog, field


def test_issue_link_block_and_unlink_a_card(page: Page, shop: Shop) -> None:
    shop.api.post(f"/loyalty-programs/{shop.program['id']}/cards", {"code": "CARD-0001"})
    grace = shop.api.post("/consumers", {"email": "grace@example.com", "fullName": "Grace Hopper"})

    # Issue card on the Loyalty programs page: a code taken, beside the code; then the card, named in the status
    sign_in(page, shop.key)
    open_page(page, "Loyalty programs")
    page.get_by_role("button", name="Issue card Rewards").click()
    dialog = page.get_by_role("dialog", name="Issue a card of Rewards")
    code = dialog.get_by_role("textbox", name="Card code")
    limit = dialog.get_by_role("spinbutton", name="Users per card")
    expect(code).to_be_focused()
    expect(code).to_have_accessible_description(re.compile("a 10-character code is drawn"))
    expect(limit).to_have_value("1")
    code.fill("card-0001")
    dialog.get_by_role("button", name="Issue card").click()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description(re.compile("taken"))
    expect(dialog.get_by_role("alert")).to_contain_text("Another loyalty card of this environment has this code")
    assert_accessible(page)
    code.fill("card-0002")
    dialog.get_by_role("button", name="Issue card").click()
    expect(dialog).to_be_hidden()
    issued_status = re.compile(r"^Issued the card CARD-0002 of Rewards: up to 1 customer\.")
    expect(page.get_by_role("status")).to_have_text(issued_status)
    issued = card(shop, "card-0002")
    assert (issued["code"], issued["status"], issued["usersPerCardLimit"], issued["consumers"]) == (
        "CARD-0002",
        "active",
        1,
        [],
    )

    # Ada's Loyalty cards tab: empty; an unknown code refused beside the field, then CARD-0002 linked
    page.goto(f"/app/customers/{shop.id}")
    cards = open_tab(page, "Loyalty cards")
    expect(page).to_have_url(re.compile(r"\?tab=cards$"))
    for column in COLUMNS:
        expect(table(cards, "Loyalty cards").get_by_role("columnheader", name=column, exact=True)).to_be_visible()
    expect(cards).to_contain_text("No loyalty card is linked to this customer yet.")
    assert_accessible(page)
    dialog, field = link_dialog(cards, "NOPE-404")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("^no loyalty card has this code"))
    expect(dialog.get_by_role("alert")).to_contain_text("Loyalty card not found")
    assert_accessible(page)
    field.fill("card-0002")
    dialog.get_by_role("button", name="Link card").click()
    expect(dialog).to_be_hidden()
    expect(cards.get_by_role("status")).to_have_text("Card CARD-0002 linked to this customer (1 of 1 users).")
    row = card_row(cards, "CARD-0002")
    expect(row.get_by_role("rowheader")).to_be_focused()
    expect_cells(row, COLUMNS, Program="Rewards", Status="Active", Users="1 of 1")
    [holder] = card(shop, "CARD-0002")["consumers"]
    assert holder["consumerId"] == shop.id
    expect(row.get_by_role("cell").nth(COLUMNS.index("Registered") - 1)).to_contain_text(holder["registeredAt"][:4])

    # Grace cannot link it too: one user per card
    page.goto(f"/app/customers/{grace['id']}?tab=cards")
    others = page.get_by_role("tabpanel", name="Loyalty cards")
    dialog, field = link_dialog(others, "CARD-0002")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("linked to 1 of its usersPerCardLimit 1"))
    expect(dialog.get_by_role("alert")).to_contain_text("Check the fields marked below.")
    assert_accessible(page)
    dialog.get_by_role("button", name="Cancel").click()

    # Block it on Ada's tab: Blocked, the focus on "Activate card", and points by card refused
    page.goto(f"/app/customers/{shop.id}?tab=cards")
    cards = page.get_by_role("tabpanel", name="Loyalty cards")
    cards.get_by_role("button", name="Block card CARD-0002").click()
    expect(cards.get_by_role("status")).to_have_text("Card CARD-0002 blocked.")
    expect_cells(card_row(cards, "CARD-0002"), COLUMNS, Status="Blocked")
    expect(cards.get_by_role("button", name="Activate card CARD-0002")).to_be_focused()
    refused = shop.api.http.post("/loyalty-cards/CARD-0002/points", json={"points": 10, "reason": "visit"})
    assert refused.status_code == 409, refused.text
    assert card(shop, "CARD-0002")["status"] == "blocked"
    assert_accessible(page)

    # a blocked card links no one: Grace is told so beside the code
    page.goto(f"/app/customers/{grace['id']}?tab=cards")
    others = page.get_by_role("tabpanel", name="Loyalty cards")
    dialog, field = link_dialog(others, "card-0002")
    expect(field).to_have_accessible_description(re.compile("the card is blocked"))
    dialog.get_by_role("button", name="Cancel").click()

    # activate it again, then unlink it behind a confirmation
    page.goto(f"/app/customers/{shop.id}?tab=cards")
    cards = page.get_by_role("tabpanel", name="Loyalty cards")
    cards.get_by_role("button", name="Activate card CARD-0002").click()
    expect(cards.get_by_role("status")).to_have_text("Card CARD-0002 activated.")
    expect_cells(card_row(cards, "CARD-0002"), COLUMNS, Status="Active")
    expect(cards.get_by_role("button", name="Block card CARD-0002")).to_be_focused()
    cards.get_by_role("button", name="Unlink CARD-0002").click()
    confirm = page.get_by_role("dialog", name="Unlink card")
    expect(confirm).to_contain_text("Unlink the card CARD-0002 from this customer?")
    assert_accessible(page)
    confirm.get_by_role("button", name="Unlink card").click()
    expect(confirm).to_be_hidden()
    expect(cards.get_by_role("status")).to_have_text("Card CARD-0002 unlinked from this customer.")
    expect(cards).to_contain_text("No loyalty card is linked to this customer yet.")
    expect(cards.get_by_role("region", name="Loyalty cards")).to_be_focused()
    assert card(shop, "CARD-0002")["consumers"] == []

    # the timeline: linked and unlinked, each with the card's code
    timeline = open_tab(page, "Timeline")
    expect(event(timeline, "Loyalty card linked")).to_contain_text("Card CARD-0002")
    expect(event(timeline, "Loyalty card unlinked")).to_contain_text("Card CARD-0002")
    assert_accessible(page)


def test_a_read_only_key_pages_through_cards_but_cannot_act(page: Page, shop: Shop, mint_key: MintKey) -> None:
    for n in range(21):
        issued = shop.api.post(f"/loyalty-programs/{shop.program['id']}/cards", {"code": f"CARD-{n:02d}"})
        shop.api.post(f"/loyalty-cards/{issued['code']}/consumers", {"consumerId": shop.id})
    sign_in(page, mint_key(shop.org, read_only=True))
    page.goto(f"/app/customers/{shop.id}?tab=cards")
    cards = page.get_by_role("tabpanel", name="Loyalty cards")
    rows = table(cards, "Loyalty cards").get_by_role("rowheader")
    expect(rows).to_have_count(20)
    expect_cells(card_row(cards, "CARD-00"), COLUMNS, Program="Rewards", Status="Active", Users="1 of 1")
    for name in ("Link a card", "Block card CARD-00", "Unlink CARD-00"):
        control = cards.get_by_role("button", name=name)
        expect(control).to_be_disabled()
        expect(control).to_have_accessible_description(READ_ONLY)
    assert_accessible(page)

    # the second page is in the URL under its own name: a reload keeps it
    cards.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"tab=cards&cardsAfter="))
    expect(rows).to_have_count(1)
    page.reload()
    expect(rows).to_have_count(1)
    cards.get_by_role("button", name="Previous").click()
    expect(rows).to_have_count(20)

    # the Loyalty programs page: no card issued by a read-only key
    open_page(page, "Loyalty programs")
    issue = page.get_by_role("button", name="Issue card Rewards")
    expect(issue).to_be_disabled()
    expect(issue).to_have_accessible_description(READ_ONLY)
