"""The console's admin pages: Audiences, Imports, Exports, Integrations and Loyalty programs.

Each test signs in to an organization of its own, sets up what it needs through the API, then works
the page as staff do, finding every element by role and accessible name; axe-core checks each page.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in

Seeder = Callable[[str], Seed]


def wait_until[Value](check: Callable[[], Value | None], timeout: float = 60.0) -> Value:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"not reached within {timeout} s")


def open_page(page: Page, name: str) -> None:
    """Through the side navigation, as staff do."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def row(page: Page, text: str) -> Any:
    return page.get_by_role("row", name=re.compile(re.escape(text)))


# ---------------------------------------------------------------- audiences


def test_audiences_create_rename_members_and_delete(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    people = api.post(
        "/consumers/batch",
        [{"email": f"member{i:02d}@example.com", "fullName": f"Member {i:02d}"} for i in range(21)],
    )
    vip = api.post("/audiences", {"name": "VIP", "description": "Our best customers"})
    api.post(f"/audiences/{vip['id']}/members", {"consumerIds": [p["id"] for p in people]})

    sign_in(page, key)
    open_page(page, "Audiences")
    expect(row(page, "VIP")).to_contain_text("21", timeout=60_000)
    assert_accessible(page)

    # create
    page.get_by_role("button", name="Create audience").click()
    dialog = page.get_by_role("dialog", name="Create audience")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.get_by_role("textbox", name="Name", exact=True)).to_have_accessible_description(
        re.compile("Enter a name")
    )
    dialog.get_by_role("textbox", name="Name", exact=True).fill("Newsletter")
    dialog.get_by_role("textbox", name="Description").fill("Weekly news")
    assert_accessible(page)
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text("Created the audience Newsletter")
    expect(page.get_by_role("link", name="Newsletter", exact=True)).to_be_visible()

    # rename
    page.get_by_role("button", name="Rename Newsletter").click()
    dialog = page.get_by_role("dialog", name="Rename Newsletter")
    expect(dialog.get_by_role("textbox", name="Description")).to_have_value("Weekly news")
    dialog.get_by_role("textbox", name="Name", exact=True).fill("Weekly newsletter")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Weekly newsletter", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Newsletter", exact=True)).to_have_count(0)

    # members: the URL holds the audience and the page
    page.get_by_role("link", name="VIP", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/app/audiences\?audience={vip['id']}"))
    expect(page.get_by_role("heading", level=1, name="VIP")).to_be_visible()
    members = page.get_by_role("table", name="Members")
    expect(members.get_by_role("row")).to_have_count(21)  # the header and 20 members
    assert_accessible(page)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"after="))
    expect(members.get_by_role("row")).to_have_count(2)
    page.go_back()
    expect(members.get_by_role("row")).to_have_count(21)
    page.reload()  # the view survives a reload
    expect(page.get_by_role("heading", level=1, name="VIP")).to_be_visible()
    expect(members.get_by_role("row")).to_have_count(21)

    # remove one member
    first_email = members.get_by_role("row").nth(1).get_by_role("cell").nth(1).inner_text()
    page.get_by_role("button", name=f"Remove {first_email}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Removed {first_email} from VIP")
    assert wait_until(lambda: api.get(f"/audiences/{vip['id']}")["memberCount"] == 20)

    # back to the list, delete the renamed one behind its confirmation
    page.get_by_role("link", name="All audiences").click()
    expect(page.get_by_role("heading", level=1, name="Audiences")).to_be_visible()
    page.get_by_role("button", name="Delete Weekly newsletter").click()
    dialog = page.get_by_role("dialog", name="Delete audience")
    expect(dialog).to_contain_text("Weekly newsletter")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Weekly newsletter")).to_be_visible()
    page.get_by_role("button", name="Delete Weekly newsletter").click()
    dialog.get_by_role("button", name="Delete audience").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text("Deleted the audience Weekly newsletter")
    expect(page.get_by_role("link", name="Weekly newsletter")).to_have_count(0)
    names = [a["name"] for a in api.get("/audiences")["data"]]
    assert names == ["VIP"]


# ---------------------------------------------------------------- imports

IMPORT_CSV = (
    "email,fullName,phone\n"
    "new.one@example.com,New One,+14155552671\n"
    "not-an-email,Bad Email,\n"
    "taken@example.com,Taken Updated,\n"
    "new.two@example.com,New Two,\n"
    "no.country@example.com,No Country,4155552671\n"
)


def test_import_a_csv_with_errors(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder, tmp_path: Path
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    api.post("/consumers", {"email": "taken@example.com", "fullName": "Taken"})
    sign_in(page, key)
    open_page(page, "Imports")
    assert_accessible(page)

    page.get_by_role("button", name="Upload").click()  # no file yet: said beside the field
    expect(page.get_by_label("CSV file")).to_have_accessible_description(re.compile("Choose a CSV file"))

    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}]
    )
    page.get_by_role("combobox", name="Duplicates").select_option("update")
    page.get_by_role("button", name="Upload").click()

    expect(page).to_have_url(re.compile(r"/app/imports\?import=imp"), timeout=60_000)
    panel = page.get_by_role("region", name="Import of people.csv")
    expect(panel.get_by_role("progressbar", name="Import progress")).to_be_visible()
    expect(panel.get_by_role("status")).to_contain_text("Finished", timeout=60_000)
    expect(panel.get_by_role("status")).to_contain_text("2 created, 1 updated, 0 skipped, 2 failed")
    expect(panel.get_by_role("progressbar", name="Import progress")).to_have_attribute("value", "1")

    errors = panel.get_by_role("table", name="Errors")
    expect(errors.get_by_role("columnheader")).to_have_text(["Row", "Field", "Message"])
    expect(errors.get_by_role("row")).to_have_count(3)
    expect(errors.get_by_role("row", name=re.compile(r"^3 email"))).to_be_visible()  # the header is row 1
    expect(errors.get_by_role("row", name=re.compile(r"^6 phone"))).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download_info:
        panel.get_by_role("link", name="Download failed rows").click()
    report = tmp_path / "failed.csv"
    download_info.value.save_as(report)
    text = report.read_text(encoding="utf-8-sig")
    assert "not-an-email" in text
    assert "no.country@example.com" in text
    assert "new.one@example.com" not in text

    # the import started here is listed, and the URL shows it again after a reload
    expect(
        page.get_by_role("table", name="Imports started here").get_by_role("link", name="people.csv")
    ).to_be_visible()
    page.reload()
    expect(page.get_by_role("status").filter(has_text="Finished")).to_contain_text("2 created")
    taken = api.get("/consumers/search", email="taken@example.com")["data"][0]
    assert taken["fullName"] == "Taken Updated"


# ---------------------------------------------------------------- exports


def test_exports_list_and_download(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder, tmp_path: Path
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    for name in ("ada", "grace"):
        api.post("/consumers", {"email": f"{name}@example.com", "phone": "+14155552671"})
    job = api.post("/exports", {"format": "csv", "fields": ["phone"], "filters": {}})
    wait_until(lambda: api.get(f"/exports/{job['id']}")["status"] == "succeeded")
    sign_in(page, key)
    open_page(page, "Exports")
    # an Excel job started once the page is open: Refresh shows it, then the page follows it alone
    api.post("/exports", {"format": "xlsx", "fields": [], "filters": {"status": "inactive"}})
    page.get_by_role("button", name="Refresh").click()
    table = page.get_by_role("table", name="Exports")
    expect(table.get_by_role("columnheader")).to_contain_text(["Created", "Kind", "Format", "Status", "Rows"])
    done = table.get_by_role("row", name=re.compile("CSV"))
    expect(done).to_contain_text("Customers")
    expect(done).to_contain_text("Succeeded")
    expect(done.get_by_role("cell").nth(4)).to_have_text("2")
    # the Excel job is polled until it ends
    excel = table.get_by_role("row", name=re.compile("Excel"))
    expect(excel).to_contain_text("Succeeded", timeout=60_000)
    expect(excel.get_by_role("link", name="Download")).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download_info:
        done.get_by_role("link", name="Download").click()
    file = tmp_path / "export.csv"
    download_info.value.save_as(file)
    text = file.read_text(encoding="utf-8-sig")
    assert "ada@example.com" in text
    assert "grace@example.com" in text
    assert "+14155552671" in text


# ---------------------------------------------------------------- integrations


def test_integrations_save_the_klaviyo_settings_and_resync(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    api.post("/consumers", {"email": "ada@example.com"})
    sign_in(page, key)
    open_page(page, "Integrations")
    expect(page.get_by_role("region", name="Klaviyo")).to_contain_text("Not set up")
    expect(page.get_by_role("button", name="Resync")).to_be_disabled()
    assert_accessible(page)

    secret = page.get_by_label("Klaviyo private API key")
    page.get_by_role("button", name="Save").click()  # no key yet
    expect(secret).to_have_accessible_description(re.compile("Enter the Klaviyo private API key"))
    secret.fill("pk_test_0123456789abcd")
    page.get_by_role("textbox", name="List", exact=True).fill("XyZ123")
    switch = page.get_by_role("switch", name="Enabled")
    expect(switch).not_to_be_checked()
    switch.check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_have_text("Saved. The sync is on.")
    expect(secret).to_have_value("")  # write-only: never shown back
    expect(secret).to_have_accessible_description(re.compile("A key is set \\(••••abcd\\)"))
    settings = api.get("/integrations/klaviyo")
    assert settings["enabled"] is True
    assert settings["listId"] == "XyZ123"
    assert settings["apiKey"] == "••••abcd"

    page.reload()  # as stored
    expect(page.get_by_role("switch", name="Enabled")).to_be_checked()
    expect(page.get_by_role("textbox", name="List", exact=True)).to_have_value("XyZ123")
    expect(page.get_by_label("Klaviyo private API key")).to_have_value("")
    assert "pk_test_0123456789abcd" not in page.content()

    page.get_by_role("button", name="Resync").click()
    resync = page.get_by_role("region", name="Resync")
    expect(resync.get_by_role("progressbar", name="Resync progress")).to_be_visible()
    expect(resync).to_contain_text("Latest resync: Succeeded", timeout=60_000)  # through the Klaviyo stand-in
    assert api.get("/integrations/klaviyo")["resync"]["status"] == "succeeded"
    assert_accessible(page)

    # switching the sync off keeps the key
    page.get_by_role("switch", name="Enabled").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_have_text("Saved. The sync is off.")
    assert api.get("/integrations/klaviyo")["apiKey"] == "••••abcd"


# ---------------------------------------------------------------- loyalty programs


def test_loyalty_programs_create_and_edit_with_tiers_and_a_rule(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    sign_in(page, key)
    open_page(page, "Loyalty programs")
    expect(page.get_by_role("table", name="Loyalty programs")).to_contain_text("No loyalty programs yet.")
    assert_accessible(page)

    page.get_by_role("button", name="Create loyalty program").click()
    dialog = page.get_by_role("dialog", name="Create loyalty program")
    dialog.get_by_role("textbox", name="Name", exact=True).fill("Club")
    dialog.get_by_role("combobox", name="Timezone").fill("Europe/Lisbon")
    dialog.get_by_role("combobox", name="Default expiry", exact=True).select_option("relative")
    dialog.get_by_role("spinbutton", name="Default expiry amount").fill("12")
    dialog.get_by_role("combobox", name="Default expiry unit").select_option("months")
    dialog.get_by_role("combobox", name="Default expiry rounding").select_option("end_of_month")
    dialog.get_by_role("button", name="Add earning rule").click()
    dialog.get_by_role("textbox", name="Points per unit").fill("1.5")
    dialog.get_by_role("combobox", name="Earning start", exact=True).select_option("relative")
    dialog.get_by_role("spinbutton", name="Earning start amount").fill("14")
    dialog.get_by_role("button", name="Add tier").click()
    dialog.get_by_role("textbox", name="Tier 1 name").fill("Silver")
    dialog.get_by_role("spinbutton", name="Tier 1 threshold").fill("0")
    dialog.get_by_role("button", name="Add tier").click()
    dialog.get_by_role("textbox", name="Tier 2 name").fill("Gold")
    dialog.get_by_role("spinbutton", name="Tier 2 threshold").fill("-5")
    assert_accessible(page)
    dialog.get_by_role("button", name="Create").click()

    # the API's field error, beside its field
    threshold = dialog.get_by_role("spinbutton", name="Tier 2 threshold")
    expect(threshold).to_have_attribute("aria-invalid", "true")
    expect(threshold).to_have_accessible_description(re.compile("greater than or equal to 0"))
    expect(dialog.get_by_role("alert")).to_contain_text("Validation failed")
    assert api.get("/loyalty-programs")["data"] == []
    threshold.fill("500")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text("Created the loyalty program Club")
    club = row(page, "Club")
    expect(club).to_contain_text("Primary")
    expect(club).to_contain_text("Silver (0+), Gold (500+)")
    expect(club).to_contain_text("1.5 per unit paid")
    expect(club).to_contain_text("After 12 months, end of that month")

    (program,) = api.get("/loyalty-programs")["data"]
    assert program["timezone"] == "Europe/Lisbon"
    assert program["earning"]["start"] == {
        "type": "relative",
        "amount": 14,
        "unit": "days",
        "round": "none",
        "at": None,
    }
    assert program["defaultExpiry"]["unit"] == "months"

    # edit: a bad timezone is refused beside its field; then tiers change and the rule goes
    page.get_by_role("button", name="Edit Club").click()
    dialog = page.get_by_role("dialog", name="Edit Club")
    expect(dialog.get_by_role("textbox", name="Tier 2 name")).to_have_value("Gold")
    expect(dialog.get_by_role("textbox", name="Points per unit")).to_have_value("1.5")
    timezone = dialog.get_by_role("combobox", name="Timezone")
    timezone.fill("Mars/Olympus")
    dialog.get_by_role("button", name="Save").click()
    expect(timezone).to_have_accessible_description(re.compile("not an IANA timezone"))
    timezone.fill("Europe/Lisbon")
    dialog.get_by_role("button", name="Remove tier 1").click()
    dialog.get_by_role("button", name="Add tier").click()
    dialog.get_by_role("textbox", name="Tier 2 name").fill("Platinum")
    dialog.get_by_role("spinbutton", name="Tier 2 threshold").fill("2000")
    dialog.get_by_role("button", name="Remove earning rule").click()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(club).to_contain_text("Gold (500+), Platinum (2,000+)")
    expect(club).to_contain_text("Orders earn none")
    saved = api.get(f"/loyalty-programs/{program['id']}")
    assert saved["tiers"] == [{"name": "Gold", "minPoints": 500}, {"name": "Platinum", "minPoints": 2000}]
    assert saved["earning"] is None


# ---------------------------------------------------------------- read-only


def test_a_read_only_key_sees_the_admin_pages_without_writes(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Seeder
) -> None:
    org = new_org()
    api = seed(mint_key(org))
    api.post("/audiences", {"name": "VIP"})
    api.post("/loyalty-programs", {"name": "Club", "tiers": [{"name": "Gold", "minPoints": 100}]})
    sign_in(page, mint_key(org, read_only=True))
    reason = re.compile("Read-only key")

    open_page(page, "Audiences")
    for name in ("Create audience", "Rename VIP", "Delete VIP"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
        expect(page.get_by_role("button", name=name)).to_have_accessible_description(reason)

    open_page(page, "Imports")
    expect(page.get_by_role("button", name="Upload")).to_be_disabled()
    expect(page.get_by_role("button", name="Upload")).to_have_accessible_description(reason)

    open_page(page, "Integrations")
    for name in ("Save", "Resync"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
        expect(page.get_by_role("button", name=name)).to_have_accessible_description(reason)

    open_page(page, "Loyalty programs")
    for name in ("Create loyalty program", "Edit Club"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
        expect(page.get_by_role("button", name=name)).to_have_accessible_description(reason)
    assert_accessible(page)
