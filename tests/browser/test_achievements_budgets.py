"""Achievements and budgets (seed 003: "achievements your customer is participating in", "all the
profile budgets applied to this customer profile"): a program's achievement and points budget made in
the Loyalty programs dialog (the API's field error beside its field first); the customer's Achievements
tab moving with orders to Completed with its date, the reward in the Loyalty tab, the Budgets tab's
used and remaining, and the server's budget message when points would pass it; a read-only key sees
both tabs (by URL) and changes nothing.

Elements are found by role and accessible name only, and axe-core checks each new view."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in
from tests.browser.test_admin_pages import open_page, row
from tests.browser.test_customer_detail import Shop, ada_shop, open_tab, points_row
from tests.browser.test_referrals import expect_cells, table, table_row

ACHIEVEMENT_COLUMNS = (
    "Achievement",
    "API name",
    "Program",
    "Progress",
    "Status",
    "Start",
    "Ends / resets",
    "Completed on",
)
BUDGET_COLUMNS = ("Action", "Program", "Limit", "Used", "Remaining", "Period", "Past the limit", "Resets")
THREE_ORDERS = {"key": "three_orders", "name": "Three orders", "metric": "orders", "target": 3, "rewardPoints": 100}
POINTS_BUDGET = {"action": "points_earned", "limit": 150, "period": "day", "overflow": "refuse"}


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    """An organization with Ada, an active member, and no program yet (the test makes it)."""
    return ada_shop(mint_key, new_org, seed, program=None)


def place_orders(shop: Shop, count: int, first: int = 1) -> None:
    """`count` closed orders of Ada's, through the API."""
    for n in range(first, first + count):
        body = {"consumerId": shop.id, "externalId": f"ab-{n}", "amount": 20, "currency": "EUR", "channel": "web"}
        shop.api.post("/orders", body)


def expect_columns(panel: Locator, name: str, columns: tuple[str, ...]) -> None:
    for column in columns:
        expect(table(panel, name).get_by_role("columnheader", name=column, exact=True)).to_be_visible()


def test_an_achievement_and_a_budget_from_the_program_dialog_to_the_customer(page: Page, shop: Shop) -> None:
    # before any program defines them: both tabs (held in the URL) say where they are defined
    sign_in(page, shop.key)
    page.goto(f"/app/customers/{shop.id}?tab=achievements")
    achievements = page.get_by_role("tabpanel", name="Achievements")
    expect(page.get_by_role("tab", name="Achievements")).to_have_attribute("aria-selected", "true")
    expect(achievements).to_contain_text("No achievements yet: add them to a loyalty program in its settings")
    budgets = open_tab(page, "Budgets")
    expect(page).to_have_url(re.compile(r"\?tab=budgets$"))
    expect(budgets).to_contain_text("No budgets apply to this customer: add them to a loyalty program in its settings")
    assert_accessible(page)

    # the program dialog: an achievement with a bad API name and a points budget; the API's error beside it
    open_page(page, "Loyalty programs")
    page.get_by_role("button", name="Create loyalty program").click()
    dialog = page.get_by_role("dialog", name="Create loyalty program")
    dialog.get_by_role("textbox", name="Name", exact=True).fill("Club")
    dialog.get_by_role("button", name="Add achievement").click()
    api_name = dialog.get_by_role("textbox", name="Achievement 1 API name")
    expect(api_name).to_be_focused()
    api_name.fill("Bad Key")
    dialog.get_by_role("textbox", name="Achievement 1 name").fill("Three orders")
    expect(dialog.get_by_role("combobox", name="Achievement 1 metric")).to_have_value("orders")
    dialog.get_by_role("combobox", name="Achievement 1 metric").select_option(label="Orders")
    dialog.get_by_role("textbox", name="Achievement 1 target").fill("3")
    expect(dialog.get_by_role("combobox", name="Achievement 1 repeats")).to_have_value("never")
    dialog.get_by_role("spinbutton", name="Achievement 1 reward points").fill("100")
    dialog.get_by_role("button", name="Add budget").click()
    expect(dialog.get_by_role("combobox", name="Budget 1 action")).to_be_focused()
    dialog.get_by_role("combobox", name="Budget 1 action").select_option(label="Points earned")
    dialog.get_by_role("spinbutton", name="Budget 1 limit").fill("150")
    dialog.get_by_role("combobox", name="Budget 1 period").select_option(label="Per day")
    dialog.get_by_role("combobox", name="Budget 1 past the limit").select_option(label="Refuse")
    assert_accessible(page)
    dialog.get_by_role("button", name="Create").click()
    expect(api_name).to_have_attribute("aria-invalid", "true")
    expect(api_name).to_have_accessible_description(re.compile("pattern"))
    expect(dialog.get_by_role("alert")).to_contain_text("Validation failed")
    assert shop.api.get("/loyalty-programs")["data"] == []
    api_name.fill("three_orders")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text("Created the loyalty program Club")
    expect(row(page, "Club")).to_contain_text("1 achievement · 1 budget")
    (program,) = shop.api.get("/loyalty-programs")["data"]
    (achievement,) = program["achievements"]
    assert {k: achievement[k] for k in ("key", "name", "metric", "period", "rewardPoints")} == {
        "key": "three_orders",
        "name": "Three orders",
        "metric": "orders",
        "period": "never",
        "rewardPoints": 100,
    }
    assert float(achievement["target"]) == 3
    assert program["budgets"] == [POINTS_BUDGET]

    # two orders: 2 of 3, in progress
    place_orders(shop, 2)
    page.goto(f"/app/customers/{shop.id}")
    achievements = open_tab(page, "Achievements")
    expect(page).to_have_url(re.compile(r"\?tab=achievements$"))
    expect_columns(achievements, "Achievements", ACHIEVEMENT_COLUMNS)
    three = table_row(achievements, "Achievements", "Three orders")
    expect_cells(
        three,
        ACHIEVEMENT_COLUMNS,
        **{"API name": "three_orders", "Program": "Club", "Progress": "2 of 3", "Status": "In progress"},
    )
    expect_cells(three, ACHIEVEMENT_COLUMNS, **{"Completed on": "Not yet", "Ends / resets": "Never"})
    bar = three.get_by_role("progressbar", name="Progress of Three orders")
    expect(bar).to_have_attribute("value", "2")
    expect(bar).to_have_attribute("max", "3")
    assert_accessible(page)

    # the third: completed, with its date; the reward in the Loyalty tab
    place_orders(shop, 1, first=3)
    achievements.get_by_role("button", name="Refresh achievements").click()
    expect_cells(three, ACHIEVEMENT_COLUMNS, Progress="3 of 3", Status="Completed")
    completed_on = three.get_by_role("cell").nth(ACHIEVEMENT_COLUMNS.index("Completed on") - 1)
    expect(completed_on).to_contain_text(str(datetime.now(UTC).year))
    loyalty = open_tab(page, "Loyalty")
    reward = points_row(loyalty, "+100")
    expect(reward).to_contain_text("Achievement")
    expect(reward).to_contain_text("Three orders")

    # the budget: 100 of 150 points earned today
    budgets = open_tab(page, "Budgets")
    expect_columns(budgets, "Budgets", BUDGET_COLUMNS)
    points = table_row(budgets, "Budgets", "Points earned")
    expect_cells(
        points,
        BUDGET_COLUMNS,
        **{"Program": "Club", "Limit": "150", "Used": "100", "Remaining": "50", "Period": "per day"},
    )
    expect_cells(points, BUDGET_COLUMNS, **{"Past the limit": "Refused"})
    budget_use: dict[str, Any] = shop.api.get(f"/consumers/{shop.id}/budgets")["budgets"][0]
    assert budget_use["resetsAt"]
    expect(points.get_by_role("cell").nth(BUDGET_COLUMNS.index("Resets") - 1)).to_contain_text(
        str(datetime.fromisoformat(budget_use["resetsAt"]).year)
    )
    bar = points.get_by_role("progressbar", name="Budget used: Points earned, Club")
    expect(bar).to_have_attribute("value", "100")
    assert_accessible(page)

    # 60 more points would pass it: the server's message, beside the points
    loyalty = open_tab(page, "Loyalty")
    loyalty.get_by_role("button", name="Add points").click()
    dialog = page.get_by_role("dialog", name="Add points")
    field = dialog.get_by_label("Points", exact=True)
    field.fill("60")
    dialog.get_by_label("Reason").fill("goodwill")
    dialog.get_by_role("button", name="Add points").click()
    expect(dialog.get_by_role("alert")).to_contain_text("budget for this action is used up")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("100 of the 150 .* allowed this day are used"))
    assert_accessible(page)
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_be_hidden()
    assert shop.api.get(f"/consumers/{shop.id}/budgets")["budgets"][0]["used"] == 100


def test_a_read_only_key_sees_both_tabs(page: Page, shop: Shop, mint_key: MintKey) -> None:
    shop.api.post("/loyalty-programs", {"name": "Club", "achievements": [THREE_ORDERS], "budgets": [POINTS_BUDGET]})
    place_orders(shop, 1)
    sign_in(page, mint_key(shop.org, read_only=True))

    page.goto(f"/app/customers/{shop.id}?tab=achievements")
    achievements = page.get_by_role("tabpanel", name="Achievements")
    three = table_row(achievements, "Achievements", "Three orders")
    expect_cells(three, ACHIEVEMENT_COLUMNS, Progress="1 of 3", Status="In progress")
    assert_accessible(page)

    page.goto(f"/app/customers/{shop.id}?tab=budgets")
    budgets = page.get_by_role("tabpanel", name="Budgets")
    points = table_row(budgets, "Budgets", "Points earned")
    expect_cells(points, BUDGET_COLUMNS, Used="0", Remaining="150", Period="per day")
    expect(budgets.get_by_role("button", name="Refresh budgets")).to_be_enabled()
    assert_accessible(page)

    # the program's settings, where both are defined, stay closed to it
    open_page(page, "Loyalty programs")
    expect(row(page, "Club")).to_contain_text("1 achievement · 1 budget")
    expect(page.get_by_role("button", name="Edit Club")).to_be_disabled()
    expect(page.get_by_role("button", name="Edit Club")).to_have_accessible_description(re.compile("Read-only key"))
