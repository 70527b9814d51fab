"""The customer detail page (/app/customers/{id}): its header, its five tabs (Profile, Timeline,
Loyalty, Audiences, Privacy), editing the profile in place, points added with a relative start and
deducted, a subledger, joining and leaving an audience, the transaction log export, the data
export and an erasure behind a typed confirmation; a read-only key's disabled writes.

Elements are found by role and accessible name only, and axe-core checks every tab."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, screenshot, sign_in

TABS = (
    "Profile",
    "Timeline",
    "Sessions",
    "Coupons",
    "Referrals",
    "Loyalty cards",
    "Loyalty",
    "Achievements",
    "Budgets",
    "Audiences",
    "Privacy",
)
TIMES = "\N{MULTIPLICATION SIGN}"


class Shop:
    """An organization with a key, its API, one loyalty program and a customer in it."""

    def __init__(self, org: str, api: Seed, key: str, program: dict[str, Any], customer: dict[str, Any]) -> None:
        self.org = org
        self.api = api
        self.key = key
        self.program = program
        self.customer = customer

    @property
    def id(self) -> str:
        return str(self.customer["id"])


ADA = {"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "membership": "member"}
REWARDS = {"name": "Rewards", "earning": {"pointsPerUnit": 1}}


def ada_shop(
    mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed], program: dict[str, Any] | None = REWARDS
) -> Shop:
    """An organization of its own with Ada, an active member, and the program (a point per unit paid;
    None: none yet)."""
    org = new_org()
    key = mint_key(org)
    api = seed(key)
    made = api.post("/loyalty-programs", program) if program is not None else {}
    return Shop(org, api, key, made, api.post("/consumers", ADA))


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    org = new_org()
    key = mint_key(org)
    api = seed(key)
    program = api.post(
        "/loyalty-programs",
        {
            "name": "Rewards",
            "earning": {"pointsPerUnit": 1},
            "tiers": [{"name": "Bronze", "minPoints": 0}, {"name": "Silver", "minPoints": 100}],
        },
    )
    customer = api.post(
        "/consumers",
        {
            "email": "ada@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "phone": "+44 20 7946 0958",
            "address": {"street": "12 St James's Square", "city": "London", "country": "GB"},
            "tags": ["vip", "newsletter"],
            "metadata": {"plan": "gold", "seats": 3},
            "membership": "member",
            "verified": True,
        },
    )
    return Shop(org, api, key, program, customer)


def open_customer(page: Page, shop: Shop, tab: str | None = None) -> None:
    """Signs in and opens the customer's page (on `tab`, given by its URL)."""
    sign_in(page, shop.key)
    page.goto(f"/app/customers/{shop.id}" + (f"?tab={tab}" if tab else ""))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace", timeout=20_000)


def open_tab(page: Page, name: str) -> Locator:
    """Clicks the tab `name` (exactly: "Loyalty" is not "Loyalty cards"); its panel."""
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")
    return page.get_by_role("tabpanel", name=name, exact=True)


def place_order(shop: Shop) -> dict[str, Any]:
    return shop.api.post(
        "/orders",
        {
            "consumerId": shop.id,
            "externalId": "web-1001",
            "amount": 120,
            "discountAmount": 20,
            "currency": "EUR",
            "channel": "web",
            "checkoutUrl": "https://shop.example.com/checkout/1001",
            "items": [
                {"sku": "TEA-1", "name": "Earl Grey tea", "quantity": 2, "unitPrice": 35},
                {"sku": "CUP-9", "name": "Porcelain cup", "quantity": 1, "unitPrice": 50},
            ],
        },
    )


def add_points(shop: Shop, points: int, reason: str) -> None:
    """Points to the main ledger through the API, active at once (the program's default)."""
    body = {"programId": shop.program["id"], "points": points, "reason": reason}
    shop.api.post(f"/consumers/{shop.id}/loyalty/points", body)


def expect_fact(scope: Page | Locator, label: str, value: str) -> None:
    """A labelled value (a group named by its label) shows `value`."""
    group = scope.get_by_role("group", name=label, exact=True)
    expect(group).to_have_text(f"{label} {value}", use_inner_text=True, ignore_case=True)


def points_row(panel: Locator, points: str) -> Locator:
    """The transactions table's row whose Points cell is `points` ("+100", "-30")."""
    table = panel.get_by_role("region", name="Points transactions").get_by_role("table")
    return table.get_by_role("row").filter(has=panel.page.get_by_role("cell", name=points, exact=True))


def test_every_tab_shows_the_customer_and_is_accessible(page: Page, shop: Shop, tmp_path: Any) -> None:
    order = place_order(shop)
    shop.api.post(f"/orders/{order['id']}/refunds", {"amount": 10, "reason": "chipped cup"})
    shop.api.post(f"/consumers/{shop.id}/balance-adjustments", {"amount": 15, "reason": "goodwill", "currency": "EUR"})
    add_points(shop, 40, "welcome bonus")
    audience = shop.api.post("/audiences", {"name": "Tea lovers", "description": "Bought tea twice"})
    shop.api.post(f"/audiences/{audience['id']}/members", {"consumerIds": [shop.id]})

    open_customer(page, shop)
    # the header: status, membership, verified, created, environment, sync
    header = {"Status": "Active", "Verified": "Verified", "Environment": "Sandbox"}
    for label, value in header.items():
        expect_fact(page, label, value)
    expect(page.get_by_role("group", name="Membership", exact=True)).to_contain_text("Member since")
    created = datetime.fromisoformat(shop.api.get(f"/consumers/{shop.id}")["createdAt"])  # the page shows UTC days
    expect(page.get_by_role("group", name="Created", exact=True)).to_contain_text(
        f"{created:%b} {created.day}, {created.year}"
    )
    expect_fact(page, "Klaviyo sync", "Not synced")
    expect(page.get_by_role("tablist", name="Customer sections")).to_be_visible()
    for name in TABS:
        expect(page.get_by_role("tab", name=name, exact=True)).to_be_visible()

    # Profile (the default tab): names, contact, street and city, tags, metadata
    profile = page.get_by_role("tabpanel", name="Profile")
    expect(page.get_by_role("tab", name="Profile")).to_have_attribute("aria-selected", "true")
    profile_facts = {
        "First name": "Ada",
        "Last name": "Lovelace",
        "Email": "ada@example.com",
        "Phone": "+442079460958",
        "Street": "12 St James's Square",
        "City": "London",
    }
    for label, value in profile_facts.items():
        expect_fact(profile, label, value)
    tags = profile.get_by_role("group", name="Tags", exact=True).get_by_role("listitem")
    expect(tags).to_have_text(["vip", "newsletter"])
    metadata = profile.get_by_role("table", name="Metadata")
    expect(metadata.get_by_role("row", name="plan gold")).to_be_visible()
    expect(metadata.get_by_role("row", name="seats 3")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "customer")

    # Timeline: the purchase (what was bought, the checkout link, the amount), the refund, the figures
    timeline = open_tab(page, "Timeline")
    expect(page).to_have_url(re.compile(r"\?tab=timeline$"))
    events = timeline.get_by_role("list", name="Events, newest first")
    purchase = events.get_by_role("listitem").filter(has_text=re.compile("^Purchase"))
    expect(purchase).to_contain_text("€100.00")  # paid: 120 less the 20 discount
    expect(purchase.get_by_role("list", name="Items bought")).to_contain_text(f"2 {TIMES} Earl Grey tea")
    expect(purchase.get_by_role("list", name="Items bought")).to_contain_text(f"1 {TIMES} Porcelain cup")
    link = purchase.get_by_role("link", name=re.compile("^Checkout link"))
    expect(link).to_have_attribute("href", "https://shop.example.com/checkout/1001")
    refund = events.get_by_role("listitem").filter(has_text=re.compile("^Refund"))
    expect(refund).to_contain_text("€10.00")
    expect(refund).to_contain_text("chipped cup")  # why
    expect(events.get_by_role("listitem").filter(has_text=re.compile("^Balance adjusted"))).to_contain_text("goodwill")
    manual = events.get_by_role("listitem").filter(has_text="welcome bonus")
    expect(manual).to_contain_text("Points added")
    expect(manual).to_contain_text("+40 points")
    joined = events.get_by_role("listitem").filter(has_text=re.compile("^Joined an audience"))
    expect(joined).to_contain_text("Tea lovers")
    consumer = shop.api.get(f"/consumers/{shop.id}")
    figures = {
        "Amount spent": consumer["totalOrderValue"],
        "Orders": consumer["totalOrders"],
        "Average order value": consumer["averageOrderValue"],
        "Balance": consumer["balance"],
        "Net revenue": consumer["netRevenue"],
        "Accrued discounts": consumer["accruedDiscounts"],
    }
    for label, value in figures.items():
        expected = str(value) if label == "Orders" else f"€{float(value):,.2f}"
        expect_fact(timeline, label, expected)
    expect_fact(timeline, "Discounted orders", "1")
    expect_fact(timeline, "Undiscounted orders", "0")
    assert_accessible(page)

    # Loyalty: program, ledger, tier, points and the transactions
    loyalty = open_tab(page, "Loyalty")
    expect(loyalty.get_by_label("Loyalty program")).to_have_value(shop.program["id"])
    expect(loyalty.get_by_label("Ledger")).to_have_value("")  # All ledgers
    expect(loyalty.get_by_role("option", name="All ledgers")).to_be_attached()
    expect(points_row(loyalty, "+40")).to_contain_text("welcome bonus")
    expect(points_row(loyalty, "+40")).to_contain_text("manual")
    expect(points_row(loyalty, "+100")).to_contain_text(order["id"])  # earned by the order: 100 paid, 1 a unit
    for column in ("Created on", "Points", "Ledger", "Reason", "Expires on", "Active on", "Order"):
        expect(loyalty.get_by_role("columnheader", name=column)).to_be_visible()
    assert_accessible(page)

    # Audiences
    audiences = open_tab(page, "Audiences")
    expect(audiences.get_by_role("row", name=re.compile("Tea lovers"))).to_be_visible()
    expect(audiences.get_by_role("button", name="Leave Tea lovers")).to_be_enabled()
    assert_accessible(page)

    # Privacy: the data export is a JSON file made in the browser
    privacy = open_tab(page, "Privacy")
    with page.expect_download() as download:
        privacy.get_by_role("button", name="Download data export").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["consumer"]["email"] == "ada@example.com"
    assert [a["name"] for a in data["audiences"]] == ["Tea lovers"]
    expect(privacy.get_by_role("status")).to_have_text("The data export was downloaded.")
    expect(privacy.get_by_role("button", name="Erase customer")).to_be_enabled()
    assert_accessible(page)


def test_tabs_keep_to_the_url_and_move_with_the_arrow_keys(page: Page, shop: Shop) -> None:
    open_customer(page, shop, tab="loyalty")
    expect(page.get_by_role("tab", name="Loyalty", exact=True)).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Loyalty", exact=True).focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Achievements")).to_be_focused()
    expect(page.get_by_role("tab", name="Achievements")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="Loyalty", exact=True)).to_have_attribute("aria-selected", "false")
    expect(page).to_have_url(re.compile(r"\?tab=achievements$"))
    page.keyboard.press("End")
    expect(page.get_by_role("tab", name="Privacy")).to_be_focused()
    page.keyboard.press("ArrowRight")  # wraps round
    expect(page.get_by_role("tab", name="Profile")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Privacy")).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel", name="Privacy")
    expect(panel).to_be_visible()
    assert page.get_by_role("tab", name="Privacy").get_attribute("aria-controls") == panel.get_attribute("id")
    page.reload()  # the URL keeps the tab
    expect(page.get_by_role("tab", name="Privacy")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Timeline").click()  # a click is a step of history
    expect(page).to_have_url(re.compile(r"\?tab=timeline$"))
    page.go_back()
    expect(page.get_by_role("tab", name="Privacy")).to_have_attribute("aria-selected", "true")


def test_editing_the_profile_in_place_shows_a_field_error_then_saves(page: Page, shop: Shop) -> None:
    open_customer(page, shop)
    profile = page.get_by_role("tabpanel", name="Profile")
    profile.get_by_role("button", name="Edit").click()
    expect(profile.get_by_label("First name")).to_be_focused()
    email = profile.get_by_label("Email")
    expect(email).to_have_value("ada@example.com")
    email.fill("not-an-email")
    profile.get_by_label("City").fill("Paris")
    profile.get_by_role("button", name="Save").click()
    # the API's field error beside its field; nothing saved
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("email", re.I))
    expect(profile.get_by_role("alert").first).to_be_visible()
    assert shop.api.get(f"/consumers/{shop.id}")["address"]["city"] == "London"
    assert_accessible(page)

    email.fill("ada.lovelace@example.com")
    profile.get_by_label("Tags").fill("vip, patron")
    profile.get_by_label("Metadata").fill('{"plan": "platinum"}')
    profile.get_by_role("button", name="Save").click()
    expect(profile.get_by_role("status")).to_have_text("Profile saved.")
    expect(profile.get_by_role("button", name="Edit")).to_be_focused()
    expect_fact(profile, "Email", "ada.lovelace@example.com")
    expect_fact(profile, "City", "Paris")
    tags = profile.get_by_role("group", name="Tags", exact=True).get_by_role("listitem")
    expect(tags).to_have_text(["vip", "patron"])
    saved = shop.api.get(f"/consumers/{shop.id}")
    assert saved["email"] == "ada.lovelace@example.com"
    assert saved["address"] == {**shop.customer["address"], "city": "Paris"}  # the rest of the address kept
    assert saved["tags"] == ["vip", "patron"]
    assert saved["metadata"] == {"plan": "platinum"}
    assert saved["phone"] == shop.customer["phone"]  # untouched fields are not sent

    # an edit from a page that read an older version is refused, not applied over the newer one
    profile.get_by_role("button", name="Edit").click()
    shop.api.put(f"/consumers/{shop.id}", {"lastName": "King"})
    profile.get_by_label("First name").fill("Augusta Ada")
    profile.get_by_role("button", name="Save").click()
    expect(profile.get_by_role("alert")).to_contain_text("changed")
    profile.get_by_role("button", name="Load the latest version").click()
    expect_fact(profile, "Last name", "King")
    assert shop.api.get(f"/consumers/{shop.id}")["firstName"] == "Ada"


def test_points_added_with_a_relative_start_and_deducted(page: Page, shop: Shop) -> None:
    open_customer(page, shop, tab="loyalty")
    loyalty = page.get_by_role("tabpanel", name="Loyalty", exact=True)
    expect(loyalty.get_by_label("Loyalty program")).to_have_value(shop.program["id"])
    expect(loyalty.get_by_role("cell", name="No transactions in this ledger yet.")).to_be_visible()

    # 100 points at once
    loyalty.get_by_role("button", name="Add points").click()
    dialog = page.get_by_role("dialog", name="Add points")
    expect(dialog.get_by_label("Ledger")).to_have_value("main")
    dialog.get_by_label("Points", exact=True).fill("100")
    dialog.get_by_label("Reason").fill("welcome bonus")
    dialog.get_by_label("Reward start").select_option(label="Immediate")
    assert_accessible(page)
    dialog.get_by_role("button", name="Add points").click()
    expect(dialog).to_be_hidden()
    expect(loyalty.get_by_role("status")).to_have_text("100 points added to main.")
    expect(points_row(loyalty, "+100")).to_contain_text("welcome bonus")

    # 50 points that start 2 days from now, at the start of that day, and expire 1 month after
    loyalty.get_by_role("button", name="Add points").click()
    dialog = page.get_by_role("dialog", name="Add points")
    dialog.get_by_label("Points", exact=True).fill("50")
    dialog.get_by_label("Reason").fill("review written")
    dialog.get_by_label("Reward start").select_option(label="Relative")
    dialog.get_by_label("Start after").fill("0")
    dialog.get_by_label("Start unit").select_option(label="Days")
    dialog.get_by_role("button", name="Add points").click()
    expect(dialog.get_by_label("Start after")).to_have_attribute("aria-invalid", "true")  # checked before sending
    dialog.get_by_label("Start after").fill("2")
    dialog.get_by_label("Start rounding").select_option(label="Start of that day")
    dialog.get_by_label("Reward expiry").select_option(label="Relative")
    dialog.get_by_label("Expire after").fill("1")
    dialog.get_by_label("Expiry unit").select_option(label="Months")
    assert_accessible(page)
    dialog.get_by_role("button", name="Add points").click()
    expect(dialog).to_be_hidden()
    expect(points_row(loyalty, "+50")).to_contain_text("review written")
    expect(points_row(loyalty, "+50")).to_contain_text("manual")
    expect_fact(loyalty, "Current pending points", "50")
    expect_fact(loyalty, "Current active points", "100")
    (relative,) = [t for t in shop.api.get(f"/consumers/{shop.id}/loyalty/transactions")["data"] if t["points"] == 50]
    active_on = datetime.fromisoformat(relative["activeOn"])
    created = datetime.fromisoformat(relative["createdAt"])
    assert timedelta(days=1) < active_on - created <= timedelta(days=2)  # start of the day 2 days on (UTC program)
    assert active_on.astimezone(UTC).time().isoformat() == "00:00:00"
    assert relative["expiresOn"] is not None

    # more than the active points is refused, beside the field; 30 are deducted
    loyalty.get_by_role("button", name="Deduct points").click()
    dialog = page.get_by_role("dialog", name="Deduct points")
    expect(dialog.get_by_label("Ledger")).to_have_accessible_description("100 active points in main")
    dialog.get_by_label("Points", exact=True).fill("130")
    dialog.get_by_label("Reason").fill("redeemed a voucher")
    dialog.get_by_role("button", name="Deduct points").click()
    expect(dialog.get_by_label("Points", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Points", exact=True)).to_have_accessible_description(re.compile("100 active points"))
    dialog.get_by_label("Points", exact=True).fill("30")
    dialog.get_by_role("button", name="Deduct points").click()
    expect(dialog).to_be_hidden()
    expect(loyalty.get_by_role("status")).to_have_text("30 points deducted from main.")
    expect(points_row(loyalty, "-30")).to_contain_text("redeemed a voucher")
    expect_fact(loyalty, "Current active points", "70")
    expect_fact(loyalty, "Current pending points", "50")
    assert shop.api.get(f"/consumers/{shop.id}")["loyalty"]["points"] == 70
    screenshot(page, "loyalty")


def test_a_subledger_is_created_and_the_ledger_selector_narrows_the_table(page: Page, shop: Shop) -> None:
    add_points(shop, 10, "first")
    open_customer(page, shop, tab="loyalty")
    loyalty = page.get_by_role("tabpanel", name="Loyalty", exact=True)
    loyalty.get_by_role("button", name="Create subledger").click()
    dialog = page.get_by_role("dialog", name="Create subledger")
    dialog.get_by_label("Subledger ID").fill("summer 2025")
    dialog.get_by_label("Points", exact=True).fill("25")
    dialog.get_by_label("Reason").fill("summer campaign")
    dialog.get_by_label("Reward expiry").select_option(label="Absolute")
    dialog.get_by_label("Expire at").fill((datetime.now() + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_role("button", name="Create subledger").click()
    expect(dialog.get_by_label("Subledger ID")).to_have_attribute("aria-invalid", "true")  # a space is not allowed
    dialog.get_by_label("Subledger ID").fill("summer-2025")
    dialog.get_by_role("button", name="Create subledger").click()
    expect(dialog).to_be_hidden()
    expect(loyalty.get_by_role("status")).to_have_text("Subledger summer-2025 created with 25 points.")
    expect(points_row(loyalty, "+25")).to_contain_text("summer-2025")
    expect(points_row(loyalty, "+10")).to_be_visible()
    loyalty.get_by_label("Ledger").select_option("summer-2025")
    expect(page).to_have_url(re.compile(r"ledger=summer-2025"))
    expect(points_row(loyalty, "+25")).to_be_visible()
    expect(points_row(loyalty, "+10")).to_have_count(0)
    expect_fact(loyalty, "Current active points", "25")
    loyalty.get_by_label("Ledger").select_option(label="All ledgers")
    expect_fact(loyalty, "Current active points", "35")


def test_the_transaction_log_export_downloads_a_file(page: Page, shop: Shop, tmp_path: Any) -> None:
    add_points(shop, 70, "birthday")
    add_points(shop, 30, "referral")
    open_customer(page, shop, tab="loyalty")
    loyalty = page.get_by_role("tabpanel", name="Loyalty", exact=True)
    loyalty.get_by_role("button", name="Export transaction log").click()
    dialog = page.get_by_role("dialog", name="Export transaction log")
    expect(dialog.get_by_label("After")).not_to_have_value("")  # from the customer's creation
    dialog.get_by_label("Date format").select_option("yyyy-mm-dd")
    assert_accessible(page)
    dialog.get_by_role("button", name="Export").click()
    download_link = dialog.get_by_role("link", name="Download")
    expect(download_link).to_be_visible(timeout=60_000)
    expect(dialog).to_contain_text("2 transactions")
    with page.expect_download() as download:
        download_link.click()
    saved = tmp_path / "log.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "birthday" in text
    assert "referral" in text
    assert re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)


def test_joining_and_leaving_an_audience(page: Page, shop: Shop) -> None:
    shop.api.post("/audiences", {"name": "Tea lovers"})
    shop.api.post("/audiences", {"name": "Coffee club"})
    open_customer(page, shop, tab="audiences")
    audiences = page.get_by_role("tabpanel", name="Audiences")
    expect(audiences.get_by_role("cell", name="This customer is in no audience.")).to_be_visible()
    join = audiences.get_by_role("button", name="Join")
    expect(join).to_be_disabled()  # nothing chosen yet
    audiences.get_by_label("Audience", exact=True).select_option(label="Tea lovers")
    join.click()
    expect(audiences.get_by_role("status")).to_have_text("Joined Tea lovers.")
    expect(audiences.get_by_role("button", name="Leave Tea lovers")).to_be_visible()
    expect(audiences.get_by_label("Audience", exact=True).get_by_role("option", name="Tea lovers")).to_have_count(0)
    audiences.get_by_label("Audience", exact=True).select_option(label="Coffee club")
    join.click()
    expect(audiences.get_by_role("button", name="Leave Coffee club")).to_be_visible()
    assert len(shop.api.get(f"/consumers/{shop.id}")["audienceIds"]) == 2
    assert_accessible(page)

    audiences.get_by_role("button", name="Leave Tea lovers").click()
    expect(audiences.get_by_role("status")).to_have_text("Left Tea lovers.")
    expect(audiences.get_by_role("button", name="Leave Tea lovers")).to_have_count(0)
    expect(audiences.get_by_role("button", name="Leave Coffee club")).to_be_visible()
    expect(audiences.get_by_label("Audience", exact=True).get_by_role("option", name="Tea lovers")).to_have_count(1)
    (left,) = shop.api.get(f"/consumers/{shop.id}", include="audiences")["audiences"]
    assert left["name"] == "Coffee club"


def test_a_read_only_key_sees_the_page_with_every_write_disabled(page: Page, shop: Shop, mint_key: MintKey) -> None:
    audience = shop.api.post("/audiences", {"name": "Tea lovers"})
    shop.api.post(f"/audiences/{audience['id']}/members", {"consumerIds": [shop.id]})
    read_only = mint_key(shop.org, read_only=True)
    sign_in(page, read_only)
    page.goto(f"/app/customers/{shop.id}")
    reason = "Read-only key: changes are disabled"

    def disabled_with_reason(control: Locator) -> None:
        expect(control).to_be_disabled()
        expect(control).to_have_accessible_description(reason)

    disabled_with_reason(page.get_by_role("tabpanel", name="Profile").get_by_role("button", name="Edit"))
    loyalty = open_tab(page, "Loyalty")
    for name in ("Add points", "Deduct points", "Create subledger", "Export transaction log"):
        disabled_with_reason(loyalty.get_by_role("button", name=name))
    audiences = open_tab(page, "Audiences")
    disabled_with_reason(audiences.get_by_role("button", name="Join"))
    disabled_with_reason(audiences.get_by_role("button", name="Leave Tea lovers"))
    privacy = open_tab(page, "Privacy")
    disabled_with_reason(privacy.get_by_role("button", name="Erase customer"))
    expect(privacy.get_by_role("button", name="Download data export")).to_be_enabled()  # a read
    assert_accessible(page)


def test_erasing_a_customer_needs_its_email_typed(page: Page, shop: Shop) -> None:
    open_customer(page, shop, tab="privacy")
    privacy = page.get_by_role("tabpanel", name="Privacy")
    privacy.get_by_role("button", name="Erase customer").click()
    dialog = page.get_by_role("dialog", name="Erase customer")
    erase = dialog.get_by_role("button", name="Erase")
    expect(erase).to_be_disabled()
    confirm = dialog.get_by_label("Type the email to confirm")
    confirm.fill("ada@example.co")
    expect(erase).to_be_disabled()
    assert_accessible(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert shop.api.get(f"/consumers/{shop.id}")["email"] == "ada@example.com"  # nothing happened

    privacy.get_by_role("button", name="Erase customer").click()
    dialog.get_by_label("Type the email to confirm").fill("ADA@example.com")  # case does not matter
    expect(erase).to_be_enabled()
    erase.click()
    expect(page).to_have_url(re.compile(r"/app/customers$"))
    # the list says what happened (a one-shot message: nothing personal in the URL, gone on reload)
    expect(page.get_by_role("status").filter(has_text="The customer was erased.")).to_be_visible()
    assert shop.api.http.get(f"/consumers/{shop.id}").status_code == 404
    page.reload()
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    expect(page.get_by_text("The customer was erased.")).to_have_count(0)
    page.goto(f"/app/customers/{shop.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer not found")
