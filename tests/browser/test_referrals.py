"""The customer's Referrals tab (seed 003: "your customer's referral codes" and the customers it
referred): "Create referral code" with the API's field errors beside their field (a usage limit out of
range, a code taken), a typed code kept in capitals and a drawn one; a program's referral points set
on the Loyalty programs page; a friend who joins with the code and one who orders with it listed under
Referred customers, both sides' points given, and the events on both timelines; a read-only key
cannot create codes, and each table's page is in the URL.

Elements are found by role and accessible name only, and axe-core checks each new view."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in
from tests.browser.test_admin_pages import open_page, row, wait_until
from tests.browser.test_customer_detail import Shop, ada_shop, open_customer, open_tab, points_row
from tests.browser.test_sessions import event

CODE_COLUMNS = ("Code", "Status", "Uses", "Expires", "Created")
REFERRED_COLUMNS = ("Referred customer", "Code", "Came with", "Points (advocate / referred)", "Date")
READ_ONLY = "Read-only key: changes are disabled"
DRAWN = re.compile(r"^[A-Z0-9]{10}$")


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    """An organization with a program (no referral rule) and Ada, an active member."""
    return ada_shop(mint_key, new_org, seed)


def table(panel: Locator, name: str) -> Locator:
    """The tab's table `name` ("Referral codes", "Referred customers"), inside its scroll region."""
    return panel.get_by_role("region", name=name).get_by_role("table", name=name)


def table_row(panel: Locator, name: str, header: str) -> Locator:
    """The row of table `name` whose row header is `header`."""
    rows = table(panel, name).get_by_role("row")
    return rows.filter(has=panel.page.get_by_role("rowheader", name=header, exact=True))


def expect_cells(row: Locator, columns: tuple[str, ...], **values: str) -> None:
    """The row's cells under the given columns (Status="Active"); the first column is the row header."""
    for column, value in values.items():
        expect(row.get_by_role("cell").nth(columns.index(column) - 1)).to_have_text(value)


def codes_of(api: Seed, consumer_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/consumers/{consumer_id}/referral-codes")["data"])


def test_creating_referral_codes_shows_the_api_errors_beside_their_fields(page: Page, shop: Shop) -> None:
    open_customer(page, shop)
    referrals = open_tab(page, "Referrals")
    expect(page).to_have_url(re.compile(r"\?tab=referrals$"))
    for column in CODE_COLUMNS:
        expect(table(referrals, "Referral codes").get_by_role("columnheader", name=column, exact=True)).to_be_visible()
    for column in REFERRED_COLUMNS:
        header = table(referrals, "Referred customers").get_by_role("columnheader", name=column, exact=True)
        expect(header).to_be_visible()
    expect(referrals).to_contain_text("This customer has no referral code yet.")
    expect(referrals).to_contain_text("Nobody has come with this customer")
    assert_accessible(page)

    # a usage limit of 0: the API's refusal beside the field, nothing created
    opener = referrals.get_by_role("button", name="Create referral code")
    opener.click()
    dialog = page.get_by_role("dialog", name="Create referral code")
    code = dialog.get_by_role("textbox", name="Code")
    limit = dialog.get_by_role("spinbutton", name="Usage limit")
    expect(code).to_be_focused()
    expect(code).to_have_accessible_description(re.compile("a 10-character code is drawn"))
    expect(limit).to_have_value("")
    expect(limit).to_have_accessible_description(re.compile("Empty: unlimited"))
    code.fill("ana-friends")
    limit.fill("0")
    dialog.get_by_role("button", name="Create referral code").click()
    expect(limit).to_have_attribute("aria-invalid", "true")
    expect(limit).to_have_accessible_description(re.compile("greater than or equal to 1"))
    expect(dialog.get_by_role("alert")).to_contain_text("Check the fields marked below.")
    expect(code).not_to_have_attribute("aria-invalid", "true")
    assert codes_of(shop.api, shop.id) == []
    assert_accessible(page)

    # ten uses: created in capitals; the status says so and the new code takes the focus
    limit.fill("10")
    dialog.get_by_role("button", name="Create referral code").click()
    expect(dialog).to_be_hidden()
    expect(referrals.get_by_role("status")).to_have_text("Referral code ANA-FRIENDS created: up to 10 uses.")
    friends = table_row(referrals, "Referral codes", "ANA-FRIENDS")
    expect(friends.get_by_role("rowheader")).to_be_focused()
    expect_cells(friends, CODE_COLUMNS, Status="Active", Uses="0 of 10", Expires="Never")
    [created] = codes_of(shop.api, shop.id)
    assert (created["code"], created["usageLimit"], created["expiresAt"]) == ("ANA-FRIENDS", 10, None)

    # the same code again, in other letters: taken, beside the code
    opener.click()
    code.fill("Ana-Friends")
    dialog.get_by_role("button", name="Create referral code").click()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description(re.compile("^is taken"))
    expect(dialog.get_by_role("alert")).to_contain_text("Another referral code of this environment is this code")
    assert_accessible(page)

    # no code and no limit, an expiry: a drawn code, unlimited; newest first
    code.fill("")
    dialog.get_by_label("Expires").fill("2031-01-01T12:00")
    dialog.get_by_role("button", name="Create referral code").click()
    expect(dialog).to_be_hidden()
    status = re.compile(r"^Referral code [A-Z0-9]{10} created: unlimited uses, until .*2031.*\.$")
    expect(referrals.get_by_role("status")).to_have_text(status)
    drawn, _ = codes_of(shop.api, shop.id)
    assert DRAWN.match(drawn["code"]), drawn["code"]
    assert (drawn["usageLimit"], drawn["expiresAt"]) == (None, "2031-01-01T12:00:00.000Z")
    expect(table(referrals, "Referral codes").get_by_role("rowheader")).to_have_text([drawn["code"], "ANA-FRIENDS"])
    row = table_row(referrals, "Referral codes", drawn["code"])
    expect(row.get_by_role("rowheader")).to_be_focused()
    expect_cells(row, CODE_COLUMNS, Status="Active", Uses="0 · unlimited")
    expect(row.get_by_role("cell").nth(CODE_COLUMNS.index("Expires") - 1)).to_contain_text("2031")
    assert_accessible(page)


def test_friends_who_come_with_the_code_are_listed_and_both_sides_get_points(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    ada = api.post("/consumers", {"email": "ada@example.com", "fullName": "Ada Lovelace", "membership": "member"})
    sign_in(page, key)

    # the program's referral points, on the Loyalty programs page: a negative figure refused beside its field
    open_page(page, "Loyalty programs")
    page.get_by_role("button", name="Create loyalty program").click()
    dialog = page.get_by_role("dialog", name="Create loyalty program")
    dialog.get_by_role("textbox", name="Name", exact=True).fill("Club")
    advocate = dialog.get_by_role("spinbutton", name="Referral points for the advocate")
    referred = dialog.get_by_role("spinbutton", name="Referral points for the referred customer")
    expect(advocate).to_have_value("")
    expect(referred).to_have_value("")
    advocate.fill("-5")
    referred.fill("20")
    dialog.get_by_role("button", name="Create").click()
    expect(advocate).to_have_attribute("aria-invalid", "true")
    expect(advocate).to_have_accessible_description(re.compile("greater than or equal to 0"))
    expect(referred).not_to_have_attribute("aria-invalid", "true")
    assert api.get("/loyalty-programs")["data"] == []
    advocate.fill("50")
    assert_accessible(page)
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden()
    club = row(page, "Club")
    expect(club).to_contain_text("Referral: 50 / 20 points (advocate / referred)")
    (program,) = api.get("/loyalty-programs")["data"]
    assert program["referral"] == {"advocatePoints": 50, "referredPoints": 20}
    page.get_by_role("button", name="Edit Club").click()
    dialog = page.get_by_role("dialog", name="Edit Club")
    expect(dialog.get_by_role("spinbutton", name="Referral points for the advocate")).to_have_value("50")
    expect(dialog.get_by_role("spinbutton", name="Referral points for the referred customer")).to_have_value("20")
    dialog.get_by_role("button", name="Cancel").click()

    # Grace joins with Ada's code; Alan orders with it; each side's points arrive a moment later
    api.post(f"/consumers/{ada['id']}/referral-codes", {"code": "ANA-FRIENDS", "usageLimit": 5})
    grace = api.post(
        "/consumers", {"email": "grace@example.com", "fullName": "Grace Hopper", "referralCode": "ANA-FRIENDS"}
    )
    alan = api.post("/consumers", {"email": "alan@example.com", "fullName": "Alan Turing", "externalId": "crm-7"})
    order = api.post(
        "/orders",
        {"consumerId": alan["id"], "amount": 30, "currency": "EUR", "referralCode": "ANA-FRIENDS"},
    )
    wait_until(lambda: api.get(f"/consumers/{ada['id']}")["loyalty"]["points"] == 100, timeout=30)
    wait_until(lambda: api.get(f"/consumers/{grace['id']}")["loyalty"]["points"] == 20, timeout=30)

    page.goto(f"/app/customers/{ada['id']}?tab=referrals")
    referrals = page.get_by_role("tabpanel", name="Referrals")
    people = table(referrals, "Referred customers")
    expect(people.get_by_role("rowheader")).to_have_text(["Alan Turing crm-7", "Grace Hopper"])  # newest first
    alan_row = table_row(referrals, "Referred customers", "Alan Turing crm-7")
    came_with = f"Order {order['id']}"
    expect_cells(alan_row, REFERRED_COLUMNS, Code="ANA-FRIENDS", **{"Came with": came_with})
    grace_row = table_row(referrals, "Referred customers", "Grace Hopper")
    expect_cells(grace_row, REFERRED_COLUMNS, Code="ANA-FRIENDS", **{"Came with": "Sign-up"})
    for person in (alan_row, grace_row):
        expect(person.get_by_role("cell").nth(2)).to_have_text("50 / 20")
    expect_cells(table_row(referrals, "Referral codes", "ANA-FRIENDS"), CODE_COLUMNS, Uses="2 of 5")
    assert_accessible(page)

    # the advocate's ledger: twice 50 points, of kind Referral, with the code as the reason
    loyalty = open_tab(page, "Loyalty")
    expect(points_row(loyalty, "+50")).to_have_count(2)
    expect(points_row(loyalty, "+50").first).to_contain_text("Referral ANA-FRIENDS")

    # the advocate's timeline: the two referrals (the sign-up and the order) and the points
    timeline = open_tab(page, "Timeline")
    recorded = event(timeline, "Referred someone")
    expect(recorded).to_have_count(2)
    expect(recorded.filter(has_text="joined")).to_contain_text("Someone joined with code ANA-FRIENDS")
    expect(recorded.filter(has_text="ordered")).to_contain_text(f"Someone ordered with code ANA-FRIENDS · {came_with}")
    expect(event(timeline, "Referral points").first).to_contain_text("+50 points")
    assert_accessible(page)

    # the referred customer's page, through its link: its event and its points
    open_tab(page, "Referrals")
    link = people.get_by_role("link", name="Grace Hopper")
    expect(link).to_have_attribute("href", f"/app/customers/{grace['id']}")
    link.click()
    expect(page).to_have_url(re.compile(f"/app/customers/{grace['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    timeline = open_tab(page, "Timeline")
    expect(event(timeline, "Came with a referral code")).to_contain_text("Came with code ANA-FRIENDS")
    loyalty = open_tab(page, "Loyalty")
    expect(points_row(loyalty, "+20")).to_contain_text("Referral ANA-FRIENDS")
    assert_accessible(page)

    # the rule goes when both fields are emptied (both 0 is refused: a rule gives some points)
    open_page(page, "Loyalty programs")
    page.get_by_role("button", name="Edit Club").click()
    dialog = page.get_by_role("dialog", name="Edit Club")
    advocate = dialog.get_by_role("spinbutton", name="Referral points for the advocate")
    referred = dialog.get_by_role("spinbutton", name="Referral points for the referred customer")
    advocate.fill("0")
    referred.fill("0")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("group", name="Referrals")).to_contain_text("a referral rule gives")
    expect(dialog.get_by_role("alert")).to_contain_text("Check the fields marked below.")
    advocate.fill("")
    referred.fill("")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(club).not_to_contain_text("Referral")
    assert api.get(f"/loyalty-programs/{program['id']}")["referral"] is None


def test_a_read_only_key_pages_through_codes_but_cannot_create(page: Page, shop: Shop, mint_key: MintKey) -> None:
    for n in range(21):
        shop.api.post(f"/consumers/{shop.id}/referral-codes", {"code": f"FRIEND-{n:02d}", "usageLimit": 3})
    sign_in(page, mint_key(shop.org, read_only=True))
    page.goto(f"/app/customers/{shop.id}?tab=referrals")
    referrals = page.get_by_role("tabpanel", name="Referrals")
    create = referrals.get_by_role("button", name="Create referral code")
    expect(create).to_be_disabled()
    expect(create).to_have_accessible_description(READ_ONLY)
    codes = table(referrals, "Referral codes")
    expect(codes.get_by_role("rowheader")).to_have_count(20)
    expect_cells(table_row(referrals, "Referral codes", "FRIEND-20"), CODE_COLUMNS, Status="Active", Uses="0 of 3")
    assert_accessible(page)

    # the codes' second page is in the URL, apart from the referred customers' page: a reload keeps it
    pager = referrals.get_by_role("navigation", name="Pages of referral codes")
    pager.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"tab=referrals&codesAfter="))
    expect(codes.get_by_role("rowheader")).to_have_text(["FRIEND-00"])
    referred = referrals.get_by_role("navigation", name="Pages of referred customers")
    expect(referred.get_by_role("button", name="Next")).to_be_disabled()
    page.reload()
    expect(codes.get_by_role("rowheader")).to_have_text(["FRIEND-00"])
    pager.get_by_role("button", name="Previous").click()
    expect(codes.get_by_role("rowheader")).to_have_count(20)
    # another tab and back: the first page again
    pager.get_by_role("button", name="Next").click()
    expect(codes.get_by_role("rowheader")).to_have_text(["FRIEND-00"])
    open_tab(page, "Timeline")
    open_tab(page, "Referrals")
    expect(page).to_have_url(re.compile(r"\?tab=referrals$"))
    expect(codes.get_by_role("rowheader")).to_have_count(20)
