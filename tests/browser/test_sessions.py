"""The customer's Sessions tab (seed 003: an order is a session): the paged table of its orders with
their state, items in session, returned items, amounts, refunds and points; "Return items" per line
(the form's own bound, then the API's field error beside the line when the order changed meanwhile),
"Close session" for an open one and "Cancel order" with a reason; the timeline's return (with its
items) and cancellation; a read-only key that cannot act.

Elements are found by role and accessible name only, and axe-core checks each new view."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in
from tests.browser.test_customer_detail import TIMES, Shop, ada_shop, open_customer, open_tab

COLUMNS = (
    "Placed",
    "Order",
    "State",
    "Items in session",
    "Returned items",
    "Amount",
    "Discount",
    "Paid",
    "Refunded",
    "Points earned",
)
READ_ONLY = "Read-only key: changes are disabled"


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    """An organization with a program (a point per unit paid) and Ada, an active member."""
    return ada_shop(mint_key, new_org, seed)


def place_orders(shop: Shop) -> tuple[dict[str, Any], dict[str, Any]]:
    """web-2001, closed: 2 x Earl Grey tea at 10 and 1 x Porcelain cup at 20, 8 off (32 paid);
    web-2002, an open session: 1 x Gift card at 25."""
    closed = shop.api.post(
        "/orders",
        {
            "consumerId": shop.id,
            "externalId": "web-2001",
            "amount": 40,
            "discountAmount": 8,
            "currency": "EUR",
            "items": [
                {"sku": "TEA-1", "name": "Earl Grey tea", "quantity": 2, "unitPrice": 10},
                {"sku": "CUP-9", "name": "Porcelain cup", "quantity": 1, "unitPrice": 20},
            ],
        },
    )
    session = shop.api.post(
        "/orders",
        {
            "consumerId": shop.id,
            "externalId": "web-2002",
            "amount": 25,
            "currency": "EUR",
            "state": "open",
            "items": [{"sku": "GIFT", "name": "Gift card", "quantity": 1, "unitPrice": 25}],
        },
    )
    assert (closed["state"], session["state"]) == ("closed", "open")
    return closed, session


def session_row(panel: Locator, order: str) -> Locator:
    """The Sessions table's row of the order `order` (its external id)."""
    table = panel.get_by_role("region", name="Sessions").get_by_role("table", name="Sessions")
    return table.get_by_role("row").filter(has_text=order)


def expect_cells(row: Locator, **values: str) -> None:
    """The row's cells under the given columns (State="Closed", Items_in_session="3")."""
    for column, value in values.items():
        cell = row.get_by_role("cell").nth(COLUMNS.index(column.replace("_", " ")))
        expect(cell).to_have_text(value)


def event(panel: Locator, title: str) -> Locator:
    """The timeline's events whose title is `title`."""
    events = panel.get_by_role("list", name="Events, newest first")
    return events.get_by_role("listitem").filter(has_text=re.compile(f"^{title}"))


def test_returns_close_and_cancel_from_the_sessions_tab(page: Page, shop: Shop) -> None:
    closed, _ = place_orders(shop)
    open_customer(page, shop)
    sessions = open_tab(page, "Sessions")
    expect(page).to_have_url(re.compile(r"\?tab=sessions$"))
    for column in COLUMNS:
        expect(sessions.get_by_role("columnheader", name=column)).to_be_visible()
    tea_set = session_row(sessions, "web-2001")
    expect_cells(
        tea_set,
        State="Closed",
        Items_in_session="3",
        Returned_items="0",
        Amount="€40.00",
        Discount="€8.00",
        Paid="€32.00",
        Refunded="€0.00",
        Points_earned="32",
    )
    gift = session_row(sessions, "web-2002")
    expect_cells(gift, State="Open", Items_in_session="1", Returned_items="0", Paid="€25.00", Points_earned="Not yet")
    # what each state allows: an open session closes or cancels; a closed order returns or cancels
    expect(gift.get_by_role("button")).to_have_text(["Close session web-2002", "Cancel order web-2002"])
    expect(tea_set.get_by_role("button")).to_have_text(["Return items from web-2001", "Cancel order web-2001"])
    assert_accessible(page)

    # Return items: more than the line holds is refused beside its field, and nothing is sent
    sessions.get_by_role("button", name="Return items from web-2001").click()
    dialog = page.get_by_role("dialog", name="Return items from web-2001")
    tea = dialog.get_by_role("spinbutton", name="Return quantity for Earl Grey tea")
    cup = dialog.get_by_role("spinbutton", name="Return quantity for Porcelain cup")
    expect(tea).to_be_focused()
    lines = dialog.get_by_role("table", name="Lines of web-2001")
    expect(lines.get_by_role("row", name=re.compile("^Earl Grey tea TEA-1 €10.00 2 0"))).to_be_visible()
    tea.fill("3")
    dialog.get_by_role("button", name="Return items").click()
    expect(tea).to_have_attribute("aria-invalid", "true")
    expect(tea).to_have_accessible_description("Only 2 left to return")
    assert shop.api.get(f"/orders/{closed['id']}")["refunds"] == []

    # one tea back, with a reason: a partial return, refunded less its share of the discount (10 * 32/40)
    tea.fill("1")
    expect(dialog).to_contain_text("About €8.00 will be refunded for 1 item.")
    dialog.get_by_label("Reason").fill("wrong flavour")
    assert_accessible(page)
    dialog.get_by_role("button", name="Return items").click()
    expect(dialog).to_be_hidden()
    expect(sessions.get_by_role("status")).to_have_text("1 item of web-2001 returned: €8.00 refunded.")
    expect_cells(tea_set, State="Partially returned", Items_in_session="3", Returned_items="1", Refunded="€8.00")
    expect(tea_set.get_by_role("cell").nth(COLUMNS.index("Points earned"))).to_contain_text("8 taken back")
    after = shop.api.get(f"/orders/{closed['id']}")
    assert (after["state"], after["refundedAmount"]) == ("partially_returned", 8)
    assert after["refunds"][0]["items"] == [{"position": 0, "quantity": 1}]

    # the cup is returned elsewhere while the dialog is open: the API's error shows beside the cup
    # (items.0 of what was sent is line 1), and the dialog catches up with the order
    sessions.get_by_role("button", name="Return items from web-2001").click()
    expect(lines.get_by_role("row", name=re.compile("^Earl Grey tea TEA-1 €10.00 2 1"))).to_be_visible()
    shop.api.post(f"/orders/{closed['id']}/returns", {"items": [{"position": 1, "quantity": 1}]})
    cup.fill("1")
    dialog.get_by_role("button", name="Return items").click()
    expect(cup).to_have_attribute("aria-invalid", "true")
    expect(cup).to_have_accessible_description(re.compile("only 0 of line 1 are left to return"))
    expect(tea).not_to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_role("alert").first).to_contain_text("Check the fields marked below.")
    expect(lines.get_by_role("row", name=re.compile("^Porcelain cup CUP-9 €20.00 1 1"))).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect_cells(tea_set, Returned_items="2", Refunded="€24.00")

    # the open session closes: it counts and earns now; focus stays in its row
    gift.get_by_role("button", name="Close session web-2002").click()
    expect(sessions.get_by_role("status")).to_have_text("Session web-2002 closed: 25 points earned.")
    expect_cells(gift, State="Closed", Points_earned="25")
    expect(gift.get_by_role("button", name="Return items from web-2002")).to_be_focused()
    assert shop.api.get(f"/consumers/{shop.id}")["totalOrders"] == 2

    # the partly returned order is cancelled, with a reason: what was left is refunded
    sessions.get_by_role("button", name="Cancel order web-2001").click()
    dialog = page.get_by_role("dialog", name="Cancel order web-2001")
    expect(dialog).to_contain_text("refunds all that is left (€8.00 of €32.00 paid)")
    dialog.get_by_label("Reason").fill("customer changed their mind")
    assert_accessible(page)
    dialog.get_by_role("button", name="Cancel order").click()
    expect(dialog).to_be_hidden()
    expect(sessions.get_by_role("status")).to_have_text("Order web-2001 cancelled: €8.00 refunded.")
    expect_cells(tea_set, State="Cancelled", Returned_items="2", Refunded="€32.00")
    expect(tea_set.get_by_role("button")).to_have_count(0)  # nothing more to do with it
    assert shop.api.get(f"/orders/{closed['id']}")["state"] == "cancelled"
    assert_accessible(page)

    # the timeline: each return with its items, and the cancellation with its reason
    timeline = open_tab(page, "Timeline")
    returns = event(timeline, "Return")
    expect(returns).to_have_count(2)
    tea_back = returns.filter(has_text="wrong flavour")
    expect(tea_back).to_contain_text("€8.00 refunded")
    expect(tea_back.get_by_role("list", name="Items returned")).to_have_text(f"1 {TIMES} Earl Grey tea")
    expect(returns.filter(has_text="Porcelain cup")).to_contain_text("€16.00 refunded")
    cancelled = event(timeline, "Order cancelled")
    expect(cancelled).to_contain_text("customer changed their mind")
    expect(cancelled).to_contain_text(closed["id"])
    assert_accessible(page)


def test_an_open_session_cancelled_moves_nothing(page: Page, shop: Shop) -> None:
    _, session = place_orders(shop)
    open_customer(page, shop, tab="sessions")
    sessions = page.get_by_role("tabpanel", name="Sessions")
    sessions.get_by_role("button", name="Cancel order web-2002").click()
    dialog = page.get_by_role("dialog", name="Cancel order web-2002")
    expect(dialog).to_contain_text("nothing was counted for it yet")
    dialog.get_by_role("button", name="Keep order").click()  # second thoughts: nothing happens
    expect(dialog).to_be_hidden()
    assert shop.api.get(f"/orders/{session['id']}")["state"] == "open"

    sessions.get_by_role("button", name="Cancel order web-2002").click()
    dialog.get_by_role("button", name="Cancel order").click()
    expect(sessions.get_by_role("status")).to_have_text("Order web-2002 cancelled.")
    gift = session_row(sessions, "web-2002")
    expect_cells(gift, State="Cancelled", Refunded="€0.00", Points_earned="0")  # it never closed
    consumer = shop.api.get(f"/consumers/{shop.id}")
    assert (consumer["totalOrders"], consumer["loyalty"]["points"]) == (1, 32)  # only the closed order counts
    page.reload()  # the URL keeps the tab
    expect(page.get_by_role("tab", name="Sessions")).to_have_attribute("aria-selected", "true")
    expect_cells(gift, State="Cancelled")


def test_a_read_only_key_cannot_act_on_sessions(page: Page, shop: Shop, mint_key: MintKey) -> None:
    place_orders(shop)
    sign_in(page, mint_key(shop.org, read_only=True))
    page.goto(f"/app/customers/{shop.id}?tab=sessions")
    sessions = page.get_by_role("tabpanel", name="Sessions")
    expect_cells(session_row(sessions, "web-2001"), State="Closed")
    names = ("Return items from web-2001", "Cancel order web-2001", "Close session web-2002", "Cancel order web-2002")
    for name in names:
        button = sessions.get_by_role("button", name=name)
        expect(button).to_be_disabled()
        expect(button).to_have_accessible_description(READ_ONLY)
    assert_accessible(page)
