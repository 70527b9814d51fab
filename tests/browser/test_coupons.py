"""The customer's Coupons tab (seed 003: the coupons that have the customer as their recipient): the
paged table (code, discount, status, uses, expiry, creation, the orders that redeemed it), "Issue
coupon" with the API's field errors beside their field (a percentage over 100, an expiry in the past, a
code taken) and a drawn code; an order placed with the code shows the coupon redeemed by that order,
the Sessions tab and the timeline name it; a read-only key cannot issue, and the page is in the URL.

Elements are found by role and accessible name only, and axe-core checks each new view."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in
from tests.browser.test_customer_detail import Shop, ada_shop, open_customer, open_tab
from tests.browser.test_sessions import event, session_row

COLUMNS = ("Code", "Discount", "Status", "Uses", "Expires", "Created", "Orders")
READ_ONLY = "Read-only key: changes are disabled"
DRAWN = re.compile(r"^[A-Z0-9]{10}$")


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    """An organization with a program and Ada, an active member."""
    return ada_shop(mint_key, new_org, seed)


def place_order(shop: Shop, external_id: str, **extra: Any) -> dict[str, Any]:
    """An order of 40 EUR (2 x Earl Grey tea at 20)."""
    body = {
        "consumerId": shop.id,
        "externalId": external_id,
        "amount": 40,
        "currency": "EUR",
        "items": [{"sku": "TEA-1", "name": "Earl Grey tea", "quantity": 2, "unitPrice": 20}],
        **extra,
    }
    return shop.api.post("/orders", body)


def coupon_row(panel: Locator, code: str) -> Locator:
    """The Coupons table's row of `code` (its row header)."""
    table = panel.get_by_role("region", name="Coupons").get_by_role("table", name="Coupons")
    return table.get_by_role("row").filter(has=panel.page.get_by_role("rowheader", name=code, exact=True))


def expect_cells(row: Locator, **values: str) -> None:
    """The row's cells under the given columns (Status="Active"); the code is the row's header."""
    for column, value in values.items():
        expect(row.get_by_role("cell").nth(COLUMNS.index(column) - 1)).to_have_text(value)


def coupons_of(shop: Shop) -> list[dict[str, Any]]:
    return list(shop.api.get(f"/consumers/{shop.id}/coupons")["data"])


def test_issuing_coupons_shows_the_api_errors_beside_their_fields(page: Page, shop: Shop) -> None:
    place_order(shop, "web-3000")  # the customer's currency: EUR
    open_customer(page, shop)
    coupons = open_tab(page, "Coupons")
    expect(page).to_have_url(re.compile(r"\?tab=coupons$"))
    for column in COLUMNS:
        expect(coupons.get_by_role("columnheader", name=column)).to_be_visible()
    expect(coupons).to_contain_text("No coupon has been issued to this customer yet.")
    assert_accessible(page)

    # a percentage over 100: the API's rule across fields shows beside the value, and nothing is issued
    opener = coupons.get_by_role("button", name="Issue coupon")
    opener.click()
    dialog = page.get_by_role("dialog", name="Issue coupon")
    code = dialog.get_by_role("textbox", name="Code")
    value = dialog.get_by_role("spinbutton", name="Value")
    expect(code).to_be_focused()
    expect(code).to_have_accessible_description(re.compile("a 10-character code is drawn"))
    expect(dialog.get_by_role("radio", name="Percentage")).to_be_checked()
    expect(dialog.get_by_role("spinbutton", name="Usage limit")).to_have_value("1")
    code.fill("spring-10")
    value.fill("150")
    dialog.get_by_role("button", name="Issue coupon").click()
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(value).to_have_accessible_description(re.compile("at most 100"))
    expect(dialog.get_by_role("alert")).to_contain_text("Check the fields marked below.")
    expect(code).not_to_have_attribute("aria-invalid", "true")
    assert coupons_of(shop) == []
    assert_accessible(page)

    # 10 % off, once: issued in capitals; the status says so and its code takes the focus
    value.fill("10")
    dialog.get_by_role("button", name="Issue coupon").click()
    expect(dialog).to_be_hidden()
    expect(coupons.get_by_role("status")).to_have_text("Coupon SPRING-10 issued: 10% off, 1 use.")
    spring = coupon_row(coupons, "SPRING-10")
    expect(spring.get_by_role("rowheader")).to_be_focused()
    expect_cells(spring, Discount="10% off", Status="Active", Uses="0 of 1", Expires="Never", Orders="None yet")
    [issued] = coupons_of(shop)
    assert (issued["code"], issued["type"], issued["value"], issued["usageLimit"]) == ("SPRING-10", "percent", 10, 1)

    # an expiry in the past, then the same code again: each of the API's refusals beside its field
    opener.click()
    expires = dialog.get_by_label("Expires")
    limit = dialog.get_by_role("spinbutton", name="Usage limit")
    code.fill("Spring-10")
    dialog.get_by_role("radio", name="Fixed amount").check()
    expect(value).to_have_accessible_description(re.compile("in EUR"))
    value.fill("5")
    limit.fill("3")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    expires.fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_role("button", name="Issue coupon").click()
    expect(expires).to_have_attribute("aria-invalid", "true")
    expect(expires).to_have_accessible_description(re.compile("^is in the past"))
    expires.fill("2031-01-01T12:00")
    dialog.get_by_role("button", name="Issue coupon").click()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description(re.compile("^is taken"))
    expect(expires).not_to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_role("alert")).to_contain_text("Another coupon of this environment has this code")
    assert_accessible(page)

    # no code: one is drawn; newest first, and the expiry the browser's local time (UTC here)
    code.fill("")
    dialog.get_by_role("button", name="Issue coupon").click()
    expect(dialog).to_be_hidden()
    expect(coupons.get_by_role("status")).to_have_text(re.compile(r"^Coupon [A-Z0-9]{10} issued: €5.00 off, 3 uses\.$"))
    drawn, _ = coupons_of(shop)
    assert DRAWN.match(drawn["code"]), drawn["code"]
    assert (drawn["type"], drawn["value"], drawn["usageLimit"]) == ("fixed", 5, 3)
    assert drawn["expiresAt"] == "2031-01-01T12:00:00.000Z"
    table = coupons.get_by_role("table", name="Coupons")
    expect(table.get_by_role("rowheader")).to_have_text([drawn["code"], "SPRING-10"])
    row = coupon_row(coupons, drawn["code"])
    expect(row.get_by_role("rowheader")).to_be_focused()
    expect_cells(row, Discount="€5.00 off", Status="Active", Uses="0 of 3")
    expect(row.get_by_role("cell").nth(COLUMNS.index("Expires") - 1)).to_contain_text("2031")
    assert_accessible(page)

    # the timeline: each issue with its code, discount and uses
    timeline = open_tab(page, "Timeline")
    issues = event(timeline, "Coupon issued")
    expect(issues).to_have_count(2)
    expect(issues.filter(has_text="SPRING-10")).to_contain_text("SPRING-10 · 10% off · 1 use")
    expect(issues.filter(has_text=drawn["code"])).to_contain_text(f"{drawn['code']} · €5.00 off · 3 uses")
    assert_accessible(page)


def test_an_order_with_the_code_redeems_the_coupon(page: Page, shop: Shop) -> None:
    shop.api.post(f"/consumers/{shop.id}/coupons", {"code": "SPRING-10", "type": "percent", "value": 10})
    order = place_order(shop, "web-3001", couponCode="spring-10")
    assert (order["couponCode"], order["discountAmount"]) == ("SPRING-10", 4)

    open_customer(page, shop, tab="coupons")
    coupons = page.get_by_role("tabpanel", name="Coupons")
    spring = coupon_row(coupons, "SPRING-10")
    expect_cells(spring, Status="Redeemed", Uses="1 of 1")
    orders = spring.get_by_role("list", name="Orders that redeemed SPRING-10")
    expect(orders.get_by_role("listitem")).to_have_count(1)
    expect(orders.get_by_role("listitem")).to_contain_text(order["id"])
    assert_accessible(page)

    # the Sessions tab names the coupon under the order; the discount is the coupon's
    sessions = open_tab(page, "Sessions")
    web = session_row(sessions, "web-3001")
    expect(web.get_by_role("cell").nth(1)).to_have_text(re.compile("^web-3001 ?Coupon SPRING-10$"))
    expect(web.get_by_role("cell").nth(6)).to_have_text("€4.00")
    assert_accessible(page)

    # the timeline: the issue, and the purchase with its coupon
    timeline = open_tab(page, "Timeline")
    expect(event(timeline, "Coupon issued")).to_contain_text("SPRING-10 · 10% off · 1 use")
    expect(event(timeline, "Purchase")).to_contain_text("Coupon SPRING-10")
    assert_accessible(page)


def test_a_read_only_key_pages_through_coupons_but_cannot_issue(page: Page, shop: Shop, mint_key: MintKey) -> None:
    for n in range(21):
        shop.api.post(f"/consumers/{shop.id}/coupons", {"code": f"GIFT-{n:02d}", "type": "fixed", "value": 5})
    sign_in(page, mint_key(shop.org, read_only=True))
    page.goto(f"/app/customers/{shop.id}?tab=coupons")
    coupons = page.get_by_role("tabpanel", name="Coupons")
    issue = coupons.get_by_role("button", name="Issue coupon")
    expect(issue).to_be_disabled()
    expect(issue).to_have_accessible_description(READ_ONLY)
    # no order yet: no currency known, a plain figure
    expect_cells(coupon_row(coupons, "GIFT-20"), Discount="5.00 off", Status="Active", Uses="0 of 1")
    expect(coupons.get_by_role("rowheader")).to_have_count(20)
    assert_accessible(page)

    # the second page is in the URL: a reload keeps it
    coupons.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"tab=coupons&after="))
    expect(coupons.get_by_role("rowheader")).to_have_text(["GIFT-00"])
    page.reload()
    expect(coupons.get_by_role("rowheader")).to_have_text(["GIFT-00"])
    coupons.get_by_role("button", name="Previous").click()
    expect(coupons.get_by_role("rowheader")).to_have_count(20)
