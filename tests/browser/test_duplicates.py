"""The Duplicates page (issue 18): the organization's suggestions, strongest first, with both
customers, why and how sure; "Not the same person" dismisses a pair for good; a read-only key sees
the page with the button disabled. Found by role and accessible name; axe-core checks the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in
from tests.browser.test_admin_pages import open_page, row, wait_until


def _organization(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> tuple[str, Seed]:
    """A new organization's key, and the API with it."""
    key = mint_key(new_org())
    return key, seed(key)


def _ana_and_anna(api: Seed) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two customers who share a phone: a suggested pair once the stream has compared them."""
    ana = api.post("/consumers", {"email": "ana@example.com", "fullName": "Ana Silva", "phone": "+14155550101"})
    anna = api.post("/consumers", {"email": "anna.s@example.com", "fullName": "Anna Silva", "phone": "+14155550101"})
    return ana, anna


def test_staff_see_probable_duplicates_and_keep_a_pair_apart(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]
) -> None:
    key, api = _organization(mint_key, new_org, seed)
    ana, anna = _ana_and_anna(api)
    api.post("/consumers", {"email": "ben@example.com", "fullName": "Ben Ode"})
    wait_until(lambda: api.get("/duplicates")["data"])  # the stream has compared them

    sign_in(page, key)
    open_page(page, "Duplicates")
    table = page.get_by_role("table", name="Duplicate suggestions")
    pair = row(page, "Ana Silva")
    expect(pair).to_contain_text("Anna Silva")
    expect(pair).to_contain_text("The same phone")
    expect(pair.get_by_role("cell", name="80", exact=True)).to_be_visible()
    expect(table.get_by_role("link", name="Ben Ode")).to_have_count(0)
    assert_accessible(page)

    pair.get_by_role("link", name="Anna Silva").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anna Silva")
    page.go_back()
    page.get_by_role("button", name="Not the same person: Ana Silva and Anna Silva").click()
    expect(page.get_by_role("status")).to_have_text("Ana Silva and Anna Silva are kept apart.")
    expect(table.get_by_text("No duplicates suggested.")).to_be_visible()
    assert api.get("/duplicates")["data"] == []
    assert api.get(f"/consumers/{ana['id']}/duplicates")["data"] == []
    assert api.get(f"/consumers/{anna['id']}/duplicates")["data"] == []


def test_a_read_only_key_cannot_dismiss(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]
) -> None:
    org = new_org()
    api = seed(mint_key(org))
    api.post("/consumers", {"email": "cy@gmail.com", "fullName": "Cy Young"})
    api.post("/consumers", {"email": "c.y+shop@gmail.com", "fullName": "C Young"})
    wait_until(lambda: api.get("/duplicates")["data"])
    sign_in(page, mint_key(org, read_only=True))
    page.goto("/app/duplicates")
    button = page.get_by_role("button", name="Not the same person: Cy Young and C Young")
    expect(button).to_be_disabled()
    expect(button).to_have_accessible_description("Read-only key: changes are disabled")
    expect(row(page, "Cy Young")).to_contain_text("The same mailbox")
    assert_accessible(page)


def test_a_customers_profile_names_its_possible_duplicates(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]
) -> None:
    key, api = _organization(mint_key, new_org, seed)
    ana = api.post("/consumers", {"email": "ana@acme.example", "fullName": "Ana Silva"})
    api.post("/consumers", {"email": "a.silva@acme.example", "fullName": "Ana Silva"})
    wait_until(lambda: api.get(f"/consumers/{ana['id']}/duplicates")["data"])
    sign_in(page, key)
    page.goto(f"/app/customers/{ana['id']}")
    profile = page.get_by_role("tabpanel", name="Profile")
    section = profile.get_by_role("region", name="Possible duplicates")
    expect(section).to_contain_text("The same name and email domain · score 55")
    expect(section.get_by_role("link", name="Ana Silva")).to_be_visible()
    assert_accessible(page)
    section.get_by_role("button", name="Not the same person as Ana Silva").click()
    expect(profile.get_by_role("status")).to_have_text("Kept apart from Ana Silva.")
    expect(section).to_be_hidden()
    assert api.get("/duplicates")["data"] == []


def _field(table: Locator, label: str) -> Locator:
    """The merged customer's row of one field (its row header names it)."""
    return table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=label, exact=True))


def test_staff_merge_a_pair_after_seeing_what_moves(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]
) -> None:
    key, api = _organization(mint_key, new_org, seed)
    ana, anna = _ana_and_anna(api)
    for number in range(2):
        api.post(
            "/orders", {"consumerId": anna["id"], "amount": "10.00", "currency": "EUR", "externalId": f"m-{number}"}
        )
    wait_until(lambda: api.get("/duplicates")["data"])

    sign_in(page, key)
    open_page(page, "Duplicates")
    row(page, "Ana Silva").get_by_role("button", name="Merge Ana Silva and Anna Silva").click()
    dialog = page.get_by_role("dialog", name="Merge customers")
    expect(dialog.get_by_role("radio", name="Ana Silva")).to_be_checked()
    merged = dialog.get_by_role("region", name="The merged customer")
    expect(_field(merged, "Email")).to_contain_text("ana@example.com")
    expect(dialog.get_by_role("list", name="Moves to Ana Silva")).to_contain_text("2 orders")
    dialog.get_by_role("combobox", name="Full name").select_option(label="Anna Silva (Anna Silva)")
    expect(_field(merged, "Full name")).to_contain_text("Anna Silva")
    assert_accessible(page)
    assert api.get(f"/consumers/{anna['id']}")["fullName"] == "Anna Silva"  # the dry runs wrote nothing

    dialog.get_by_role("button", name="Merge into Ana Silva").click()
    notice = page.get_by_role("status").filter(has_text="was merged into")
    expect(notice).to_have_text("Anna Silva was merged into Ana Silva.")
    kept = api.get(f"/consumers/{ana['id']}")
    assert (kept["fullName"], kept["totalOrders"]) == ("Anna Silva", 2)
    assert api.get("/duplicates")["data"] == []
    page.goto(f"/app/customers/{ana['id']}")
    timeline = page.get_by_role("tab", name="Timeline")
    timeline.click()
    expect(page.get_by_role("tabpanel", name="Timeline")).to_contain_text("Merged with a duplicate")


def test_a_customer_takes_in_its_possible_duplicate_from_its_profile(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]
) -> None:
    key, api = _organization(mint_key, new_org, seed)
    ana = api.post("/consumers", {"email": "ana@acme.example", "fullName": "Ana Silva"})
    other = api.post("/consumers", {"email": "a.silva@acme.example", "fullName": "Ana Silva", "tags": ["vip"]})
    api.post("/orders", {"consumerId": other["id"], "amount": "10.00", "currency": "EUR"})
    wait_until(lambda: api.get(f"/consumers/{ana['id']}/duplicates")["data"])
    sign_in(page, key)
    page.goto(f"/app/customers/{ana['id']}")
    profile = page.get_by_role("tabpanel", name="Profile")
    profile.get_by_role("region", name="Possible duplicates").get_by_role("button", name="Merge with Ana Silva").click()
    dialog = page.get_by_role("dialog", name="Merge customers")
    expect(dialog.get_by_role("list", name="Moves to Ana Silva")).to_contain_text("1 order,")
    dialog.get_by_role("button", name="Merge into Ana Silva").click()
    expect(dialog).to_be_hidden()  # closed by itself once the merge is done
    expect(profile.get_by_role("status")).to_have_text("Ana Silva was merged into this customer.")
    assert api.get(f"/consumers/{ana['id']}")["tags"] == ["vip"]
    gone = api.http.get(f"/consumers/{other['id']}")
    assert gone.status_code == 410
    assert gone.json()["error"]["mergedInto"] == ana["id"]
