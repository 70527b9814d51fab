"""The Customers list (seeds 000 and 004): search, sort, every filter, paging, bulk actions, an
Excel export, and adding a customer; each found by role and name, each page checked by axe-core."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import openpyxl
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, screenshot, sign_in

# name, status, membership, verified, points (Rewards: Silver from 100, Gold from 500)
PEOPLE = [
    ("Ada Lovelace", "active", "member", True, 600),
    ("Ada Byron", "active", "member", False, 150),
    ("Ada King", "inactive", "guest", False, 50),
    ("Grace Hopper", "active", "member", True, 0),
    ("Alan Turing", "inactive", "guest", True, 120),
]
FILLERS = 20  # 25 customers in all: two pages of 20


class Shop(NamedTuple):
    key: str
    api: Seed
    ids: dict[str, str]  # name -> id
    audience: str  # "Newsletter": Ada Lovelace and Grace Hopper


def email_of(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.com"


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    key = mint_key(new_org())
    api = seed(key)
    tiers = [{"name": "Silver", "minPoints": 100}, {"name": "Gold", "minPoints": 500}]
    program = api.post("/loyalty-programs", {"name": "Rewards", "tiers": tiers})
    fillers = [{"email": f"filler{n:02}@example.com", "fullName": f"Filler {n:02}"} for n in range(FILLERS)]
    api.post("/consumers/batch", fillers)  # first: the people below are the newest, on the first page
    ids = {}
    for name, status, membership, verified, points in PEOPLE:
        body = {"email": email_of(name), "fullName": name, "membership": membership}
        created = api.post("/consumers", {**body, "verified": verified})
        ids[name] = created["id"]
        if points:
            grant = {"programId": program["id"], "points": points, "reason": "welcome", "start": {"type": "immediate"}}
            api.post(f"/consumers/{created['id']}/loyalty/points", grant)
        if status != "active":  # after the points: an inactive consumer earns none (it keeps what it has)
            api.put(f"/consumers/{created['id']}", {"status": status})
    audience = api.post("/audiences", {"name": "Newsletter"})
    api.post(f"/audiences/{audience['id']}/members", {"consumerIds": [ids["Ada Lovelace"], ids["Grace Hopper"]]})
    return Shop(key, api, ids, audience["id"])


def table(page: Page) -> Locator:
    return page.get_by_role("region", name="Customers").get_by_role("table")


NO_MATCH = "No customers match the search and filters."


def rows(page: Page) -> Locator:
    """The table's data rows: those with a customer's link (not the loading or the empty row)."""
    return table(page).get_by_role("row").filter(has=page.get_by_role("link"))


def names(page: Page, count: int) -> list[str]:
    """The Name column, top to bottom, once the table shows `count` customers."""
    expect(rows(page)).to_have_count(count)
    return [text.strip() for text in rows(page).get_by_role("link").all_inner_texts()]


def expect_names(page: Page, wanted: list[str]) -> None:
    expect(rows(page).get_by_role("link")).to_have_text(wanted)


def sort_by(page: Page, column: str, direction: str) -> None:
    """Clicks the column's header until it sorts in `direction` (aria-sort ascending|descending)."""
    header = table(page).get_by_role("columnheader", name=column)
    for _ in range(3):
        if header.get_attribute("aria-sort") == direction:
            return
        header.get_by_role("button", name=column).click()
    expect(header).to_have_attribute("aria-sort", direction)


@pytest.fixture
def signed_in(page: Page, shop: Shop) -> Page:
    sign_in(page, shop.key)
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    return page


def test_the_list_shows_the_columns_and_the_overview(signed_in: Page, shop: Shop) -> None:
    page = signed_in
    headers = table(page).get_by_role("columnheader")
    for column in ["Name", "Email", "Phone", "Status", "Membership", "Verified", "Points", "Tier", "Amount spent"]:
        expect(headers.filter(has_text=column).first).to_be_visible()
    for column in ["Orders", "Last activity", "Created", "Date joined"]:
        expect(headers.filter(has_text=column).first).to_be_visible()
    overview = page.get_by_role("region", name="Overview")
    page.reload()  # the figures are counted by the stream, a moment after the writes
    expect(overview).to_contain_text(re.compile(r"Total customers\s*25"), timeout=30_000)
    expect(overview).to_contain_text(re.compile(r"Members\s*3"))
    expect(overview).to_contain_text(re.compile(r"Inactive\s*2"))
    expect(overview.get_by_role("img")).to_be_visible()  # new customers per week, with its table
    row = table(page).get_by_role("row").filter(has=page.get_by_role("link", name="Ada Lovelace"))
    expect(row).to_contain_text("Gold")
    expect(row).to_contain_text("600")
    assert_accessible(page)
    screenshot(page, "customers")


def test_search_then_sort_by_points_and_by_name(signed_in: Page, shop: Shop) -> None:
    page = signed_in
    page.get_by_role("searchbox", name="Search customers").fill("ada")
    page.get_by_role("searchbox", name="Search customers").press("Enter")
    expect(rows(page)).to_have_count(3, timeout=30_000)  # the search index is the stream's
    sort_by(page, "Points", "descending")
    expect_names(page, ["Ada Lovelace", "Ada Byron", "Ada King"])
    sort_by(page, "Points", "ascending")
    expect_names(page, ["Ada King", "Ada Byron", "Ada Lovelace"])
    sort_by(page, "Name", "ascending")
    expect_names(page, ["Ada Byron", "Ada King", "Ada Lovelace"])
    assert re.search(r"search=ada", page.url)
    assert re.search(r"sortBy=fullName", page.url)
    page.reload()  # the URL holds the view
    expect_names(page, ["Ada Byron", "Ada King", "Ada Lovelace"])
    page.go_back()  # and Back returns to the view before
    expect_names(page, ["Ada King", "Ada Byron", "Ada Lovelace"])


@pytest.mark.parametrize(
    ("label", "option", "wanted"),
    [
        ("Status", "Inactive", {"Ada King", "Alan Turing"}),
        ("Membership", "Member", {"Ada Lovelace", "Ada Byron", "Grace Hopper"}),
        ("Verified", "Verified", {"Ada Lovelace", "Grace Hopper", "Alan Turing"}),
        ("Tier", "Gold", {"Ada Lovelace"}),
        ("Tier", "Silver", {"Ada Byron", "Alan Turing"}),
        ("Audience", "Newsletter", {"Ada Lovelace", "Grace Hopper"}),
    ],
)
def test_each_filter(signed_in: Page, label: str, option: str, wanted: set[str]) -> None:
    page = signed_in
    page.get_by_role("combobox", name=label).select_option(label=option)
    assert set(names(page, len(wanted))) == wanted
    page.reload()
    expect(page.get_by_role("combobox", name=label)).to_have_value(re.compile(".+"))
    assert set(names(page, len(wanted))) == wanted


@pytest.mark.parametrize("prefix", ["Created", "Last activity"])
def test_the_date_filters(signed_in: Page, prefix: str) -> None:
    page = signed_in
    today = datetime.now(UTC).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    page.get_by_label(f"{prefix} from").fill(tomorrow)
    expect(table(page)).to_contain_text(NO_MATCH)  # nobody yet
    page.get_by_label(f"{prefix} from").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label(f"{prefix} to").fill(tomorrow)
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    page.get_by_label(f"{prefix} to").fill((today - timedelta(days=1)).isoformat())
    expect(table(page)).to_contain_text(NO_MATCH)


def test_paging_forward_and_back(signed_in: Page) -> None:
    page = signed_in
    first_page = names(page, 20)
    page.get_by_role("button", name="Next").click()
    second_page = names(page, 5)
    assert not set(first_page) & set(second_page)
    assert "after=" in page.url
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    page.get_by_role("button", name="Previous").click()
    expect_names(page, first_page)
    page.go_back()
    expect_names(page, second_page)
    page.get_by_role("combobox", name="Page size").select_option("50")
    expect(rows(page)).to_have_count(25)


def test_bulk_add_to_audience_and_status_change(signed_in: Page, shop: Shop) -> None:
    page = signed_in
    page.get_by_role("checkbox", name=f"Select {email_of('Ada Byron')}").check()
    page.get_by_role("checkbox", name=f"Select {email_of('Ada King')}").check()
    page.get_by_role("button", name="Add to audience").click()
    dialog = page.get_by_role("dialog", name=re.compile("Add to audience"))
    dialog.get_by_role("combobox", name="Audience").select_option(label="Newsletter")
    assert_accessible(page)
    dialog.get_by_role("button", name="Add", exact=True).click()
    dialog.get_by_role("button", name="Done").click()
    members = shop.api.get(f"/audiences/{shop.audience}/members")["data"]
    assert {member["id"] for member in members} == {
        shop.ids[n] for n in ("Ada Lovelace", "Grace Hopper", "Ada Byron", "Ada King")
    }

    page.get_by_role("combobox", name="Membership").select_option(label="Member")
    expect(rows(page)).to_have_count(3)
    page.get_by_role("checkbox", name="Select all matching").check()
    page.get_by_role("button", name="Update status").click()
    dialog = page.get_by_role("dialog", name=re.compile("Update status"))
    dialog.get_by_role("combobox", name="New status").select_option(label="Inactive")
    dialog.get_by_role("button", name="Update").click()
    dialog.get_by_role("button", name="Done").click()
    statuses = {name: shop.api.get(f"/consumers/{shop.ids[name]}")["status"] for name in shop.ids}
    assert statuses == {
        "Ada Lovelace": "inactive",
        "Ada Byron": "inactive",
        "Ada King": "inactive",
        "Grace Hopper": "inactive",
        "Alan Turing": "inactive",
    }
    assert len(shop.api.get("/consumers", status="inactive", first=100)["data"]) == 5  # the fillers stay active


def test_an_excel_export_downloads_and_opens(signed_in: Page, tmp_path: Any) -> None:
    page = signed_in
    page.get_by_role("combobox", name="Verified").select_option(label="Verified")
    expect(rows(page)).to_have_count(3)
    page.get_by_role("checkbox", name="Select all matching").check()
    page.get_by_role("button", name="Export").click()
    dialog = page.get_by_role("dialog", name=re.compile("Export"))
    dialog.get_by_role("radio", name="Excel").check()
    dialog.get_by_role("checkbox", name="Loyalty data").check()
    dialog.get_by_role("button", name="Start export").click()
    download_link = dialog.get_by_role("link", name="Download")
    expect(download_link).to_be_visible(timeout=60_000)
    with page.expect_download() as downloading:
        download_link.click()
    path = tmp_path / "customers.xlsx"
    downloading.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    header, *lines = list(sheet.iter_rows(values_only=True))
    assert "Email" in header
    emails = {line[header.index("Email")] for line in lines}
    assert emails == {email_of(n) for n in ("Ada Lovelace", "Grace Hopper", "Alan Turing")}


def test_add_customer_shows_the_field_error_then_saves(signed_in: Page, shop: Shop) -> None:
    page = signed_in
    page.get_by_role("button", name="Add customer").click()
    dialog = page.get_by_role("dialog", name="Add customer")
    expect(dialog.get_by_role("combobox", name="Status")).to_have_value("active")  # the default
    dialog.get_by_role("textbox", name="Email").fill(email_of("Ada Lovelace"))  # taken
    dialog.get_by_role("textbox", name="Full name").fill("Ada Again")
    dialog.get_by_role("button", name="Save").click()
    email = dialog.get_by_role("textbox", name="Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("already used", re.I))
    assert_accessible(page)
    email.fill("ada.again@example.com")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Ada Again")).to_be_visible()
    [added] = shop.api.get("/consumers/search", email="ada.again@example.com")["data"]
    assert (added["fullName"], added["source"]) == ("Ada Again", "console")  # the console's create says so


def test_the_source_filter_is_held_in_the_url(signed_in: Page, shop: Shop) -> None:
    """Seed 000/004: where a customer came from. One added here (source console); the rest by the API."""
    page = signed_in
    page.get_by_role("button", name="Add customer").click()
    dialog = page.get_by_role("dialog", name="Add customer")
    dialog.get_by_role("textbox", name="Email").fill("cora.console@example.com")
    dialog.get_by_role("textbox", name="Full name").fill("Cora Console")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    source = page.get_by_role("combobox", name="Source")
    expect(source.get_by_role("option")).to_have_text(["Any", "API", "Console", "Import", "Klaviyo", "Shopify"])

    source.select_option(label="Console")
    expect(page).to_have_url(re.compile(r"[?&]source=console(&|$)"))
    assert names(page, 1) == ["Cora Console"]
    [held] = shop.api.get("/consumers", source="console")["data"]
    assert (held["fullName"], held["source"]) == ("Cora Console", "console")
    assert_accessible(page)

    page.reload()  # the URL holds it
    expect(page.get_by_role("combobox", name="Source")).to_have_value("console")
    assert names(page, 1) == ["Cora Console"]

    page.get_by_role("combobox", name="Source").select_option(label="API")
    expect(page).to_have_url(re.compile(r"[?&]source=api(&|$)"))
    expect(rows(page).get_by_role("link", name="Cora Console")).to_have_count(0)
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    page.get_by_role("combobox", name="Source").select_option(label="Shopify")
    expect(table(page)).to_contain_text(NO_MATCH)
    page.get_by_role("combobox", name="Membership").select_option(label="Member")  # with another filter
    expect(page).to_have_url(re.compile(r"source=shopify"))
    page.get_by_role("button", name="Clear filters").click()
    expect(page).not_to_have_url(re.compile(r"source="))
    expect(page.get_by_role("combobox", name="Source")).to_have_value("")
    expect(page.get_by_role("link", name="Cora Console")).to_be_visible()
