"""Kefi's rules in the console (issue 19): blocking a customer (seed 004's Block customer) with a
reason, which the header and the timeline show and which stops points being added or deducted until
the customer is unblocked; the API's 409 shown when the page did not know yet (blocked or made
inactive since it loaded); the loyalty summary's lifetime earned and redeemed points; a program's
sign-up points, set on the Loyalty programs page and given to a customer who becomes a member.

Elements are found by role and accessible name only, and axe-core checks each new view."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in
from tests.browser.test_admin_pages import open_page, row, wait_until
from tests.browser.test_customer_detail import Shop, ada_shop, expect_fact, open_customer, open_tab, points_row

BLOCKED = "This customer is blocked: it earns and redeems no points until it is unblocked."
INACTIVE = "This customer is inactive: it earns and redeems no points until its status is active again."
POINTS_WRITES = ("Add points", "Deduct points", "Create subledger")


@pytest.fixture
def shop(mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]) -> Shop:
    """An organization with one program (no sign-up rule) and Ada, an active member."""
    return ada_shop(mint_key, new_org, seed)


def day(iso: str) -> str:
    """An instant as the page shows its day (en-US, UTC): "Dec 7, 2026"."""
    when = datetime.fromisoformat(iso)
    return f"{when:%b} {when.day}, {when.year}"


def event(panel: Locator, title: str) -> Locator:
    """The timeline's event whose title is `title`."""
    events = panel.get_by_role("list", name="Events, newest first")
    return events.get_by_role("listitem").filter(has_text=re.compile(f"^{title}"))


def expect_points_refused(loyalty: Locator, reason: str) -> None:
    """The points writes are disabled, each described by the reason the panel shows; the export is not."""
    for name in POINTS_WRITES:
        expect(loyalty.get_by_role("button", name=name)).to_be_disabled()
        expect(loyalty.get_by_role("button", name=name)).to_have_accessible_description(reason)
    expect(loyalty).to_contain_text(reason)
    expect(loyalty.get_by_role("button", name="Export transaction log")).to_be_enabled()


def add_points_in_dialog(page: Page, loyalty: Locator, points: int, reason: str) -> Locator:
    """Fills and sends "Add points"; the dialog."""
    loyalty.get_by_role("button", name="Add points").click()
    dialog = page.get_by_role("dialog", name="Add points")
    dialog.get_by_label("Points", exact=True).fill(str(points))
    dialog.get_by_label("Reason").fill(reason)
    dialog.get_by_role("button", name="Add points").click()
    return dialog


def test_blocking_with_a_reason_stops_points_until_unblocked(page: Page, shop: Shop) -> None:
    open_customer(page, shop)
    page.get_by_role("button", name="Block customer").click()
    dialog = page.get_by_role("dialog", name="Block customer")
    reason = dialog.get_by_label("Reason")
    expect(reason).to_be_focused()
    expect(reason).to_have_accessible_description(re.compile("Optional"))
    reason.fill("Chargeback on order 1001")
    assert_accessible(page)
    dialog.get_by_role("button", name="Block customer").click()
    expect(dialog).to_be_hidden()

    # the header: a Blocked badge beside the status, since when and why; the action turns to Unblock
    expect(page.get_by_role("status").filter(has_text="Customer blocked.")).to_be_visible()
    expect(page.get_by_role("button", name="Unblock customer")).to_be_focused()
    expect_fact(page, "Status", "Active Blocked")
    blocked = shop.api.get(f"/consumers/{shop.id}")
    assert blocked["blocked"] is True
    assert blocked["blockedReason"] == "Chargeback on order 1001"
    expect_fact(page, "Blocked", f"Since {day(blocked['blockedAt'])} · Chargeback on order 1001")
    assert_accessible(page)

    # the timeline: the block and its reason
    timeline = open_tab(page, "Timeline")
    expect(event(timeline, "Blocked")).to_contain_text("Chargeback on order 1001")

    # loyalty: no points added or deducted, and the page says why
    loyalty = open_tab(page, "Loyalty")
    expect_points_refused(loyalty, BLOCKED)
    assert_accessible(page)

    # unblocked: points can be added again
    page.get_by_role("button", name="Unblock customer").click()
    expect(page.get_by_role("status").filter(has_text="Customer unblocked")).to_be_visible()
    expect(page.get_by_role("button", name="Block customer")).to_be_focused()
    expect_fact(page, "Status", "Active")
    expect(page.get_by_role("group", name="Blocked", exact=True)).to_have_count(0)
    expect(loyalty).not_to_contain_text(BLOCKED)
    dialog = add_points_in_dialog(page, loyalty, 25, "welcome back")
    expect(dialog).to_be_hidden()
    expect(loyalty.get_by_role("status")).to_have_text("25 points added to main.")
    expect(points_row(loyalty, "+25")).to_contain_text("welcome back")
    expect(points_row(loyalty, "+25")).to_contain_text("Added")
    unblocked = shop.api.get(f"/consumers/{shop.id}")
    assert unblocked["blocked"] is False
    assert unblocked["blockedReason"] is None
    assert unblocked["loyalty"]["points"] == 25
    timeline = open_tab(page, "Timeline")
    expect(event(timeline, "Unblocked")).to_be_visible()
    expect(event(timeline, "Blocked")).to_contain_text("Chargeback on order 1001")
    assert_accessible(page)


def test_the_servers_refusal_shows_when_the_page_did_not_know(page: Page, shop: Shop) -> None:
    shop.api.post(
        f"/consumers/{shop.id}/loyalty/points", {"programId": shop.program["id"], "points": 40, "reason": "gift"}
    )
    open_customer(page, shop, tab="loyalty")
    loyalty = page.get_by_role("tabpanel", name="Loyalty", exact=True)
    expect(loyalty.get_by_role("button", name="Add points")).to_be_enabled()

    # blocked elsewhere (no reason) while the page is open: the 409 in the dialog, then the page catches up
    shop.api.post(f"/consumers/{shop.id}/block", {})
    dialog = add_points_in_dialog(page, loyalty, 10, "too late")
    expect(dialog.get_by_role("alert")).to_contain_text(
        "The consumer is blocked: it earns and redeems no points until it is unblocked"
    )
    expect_fact(page, "Status", "Active Blocked")
    expect(page.get_by_role("group", name="Blocked", exact=True)).to_contain_text("No reason given")
    assert_accessible(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect_points_refused(loyalty, BLOCKED)

    # unblocked, then made inactive elsewhere: "Deduct points" gets the inactive 409
    shop.api.post(f"/consumers/{shop.id}/unblock")
    page.reload()
    expect(loyalty.get_by_role("button", name="Deduct points")).to_be_enabled()
    shop.api.put(f"/consumers/{shop.id}", {"status": "inactive"})
    loyalty.get_by_role("button", name="Deduct points").click()
    dialog = page.get_by_role("dialog", name="Deduct points")
    dialog.get_by_label("Points", exact=True).fill("5")
    dialog.get_by_label("Reason").fill("voucher")
    dialog.get_by_role("button", name="Deduct points").click()
    expect(dialog.get_by_role("alert")).to_contain_text(
        "The consumer is inactive: it earns and redeems no points until its status is active again"
    )
    expect_fact(page, "Status", "Inactive")
    dialog.get_by_role("button", name="Cancel").click()
    expect_points_refused(loyalty, INACTIVE)
    assert shop.api.get(f"/consumers/{shop.id}")["loyalty"]["points"] == 40  # nothing moved


def test_lifetime_earned_and_redeemed_follow_adds_and_deductions(page: Page, shop: Shop) -> None:
    open_customer(page, shop, tab="loyalty")
    loyalty = page.get_by_role("tabpanel", name="Loyalty", exact=True)
    expect_fact(loyalty, "Lifetime earned", "0")
    expect_fact(loyalty, "Lifetime redeemed", "0")

    expect(add_points_in_dialog(page, loyalty, 100, "welcome bonus")).to_be_hidden()
    expect_fact(loyalty, "Lifetime earned", "100")
    expect_fact(loyalty, "Lifetime redeemed", "0")

    loyalty.get_by_role("button", name="Deduct points").click()
    dialog = page.get_by_role("dialog", name="Deduct points")
    dialog.get_by_label("Points", exact=True).fill("30")
    dialog.get_by_label("Reason").fill("redeemed a voucher")
    dialog.get_by_role("button", name="Deduct points").click()
    expect(dialog).to_be_hidden()
    expect(points_row(loyalty, "-30")).to_contain_text("Deducted")
    expect_fact(loyalty, "Current active points", "70")
    expect_fact(loyalty, "Lifetime earned", "100")
    expect_fact(loyalty, "Lifetime redeemed", "30")

    # points not active yet count as earned, not yet in the (activated) lifetime figure
    pending = {"type": "relative", "amount": 2, "unit": "days", "round": "none"}
    body = {"programId": shop.program["id"], "points": 50, "reason": "review", "start": pending}
    shop.api.post(f"/consumers/{shop.id}/loyalty/points", body)
    page.reload()
    expect_fact(loyalty, "Current pending points", "50")
    expect_fact(loyalty, "Lifetime", "100")
    expect_fact(loyalty, "Lifetime earned", "150")
    expect_fact(loyalty, "Lifetime redeemed", "30")
    (summary,) = [b for b in shop.api.get(f"/consumers/{shop.id}/loyalty")["programs"] if b["ledger"] is None]
    assert (summary["lifetimeEarnedPoints"], summary["lifetimeRedeemedPoints"]) == (150, 30)
    assert_accessible(page)


def test_a_programs_sign_up_points_go_to_a_new_member(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]
) -> None:
    key = mint_key(new_org())
    api = seed(key)
    sign_in(page, key)
    open_page(page, "Loyalty programs")

    page.get_by_role("button", name="Create loyalty program").click()
    dialog = page.get_by_role("dialog", name="Create loyalty program")
    dialog.get_by_role("textbox", name="Name", exact=True).fill("Club")
    sign_up = dialog.get_by_role("spinbutton", name="Sign-up points")
    expect(sign_up).to_have_value("")
    expect(sign_up).to_have_accessible_description(re.compile("becomes a member"))
    sign_up.fill("0")
    dialog.get_by_role("button", name="Create").click()
    expect(sign_up).to_have_attribute("aria-invalid", "true")  # the API's field error, beside it
    assert api.get("/loyalty-programs")["data"] == []
    sign_up.fill("250")
    assert_accessible(page)
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden()
    club = row(page, "Club")
    expect(club).to_contain_text("Sign-up: 250 points")  # beside the earning rule
    (program,) = api.get("/loyalty-programs")["data"]
    assert program["signUp"]["points"] == 250
    assert program["signUp"]["start"]["type"] == "default"  # the program's own rules

    page.get_by_role("button", name="Edit Club").click()
    dialog = page.get_by_role("dialog", name="Edit Club")
    expect(dialog.get_by_role("spinbutton", name="Sign-up points")).to_have_value("250")
    dialog.get_by_role("button", name="Cancel").click()

    # a customer created a member gets them once, a moment later (the stream grants them)
    member = api.post("/consumers", {"email": "grace@example.com", "fullName": "Grace Hopper", "membership": "member"})
    wait_until(lambda: api.get(f"/consumers/{member['id']}")["loyalty"]["points"] == 250, timeout=30)
    page.goto(f"/app/customers/{member['id']}?tab=loyalty")
    loyalty = page.get_by_role("tabpanel", name="Loyalty", exact=True)
    expect(points_row(loyalty, "+250")).to_contain_text("Sign-up")
    expect_fact(loyalty, "Current active points", "250")
    expect_fact(loyalty, "Lifetime earned", "250")
    assert_accessible(page)
    timeline = open_tab(page, "Timeline")
    expect(event(timeline, "Sign-up points")).to_contain_text("+250 points")

    # a guest who joins through the profile gets them too
    guest = api.post("/consumers", {"email": "alan@example.com", "fullName": "Alan Turing"})
    page.goto(f"/app/customers/{guest['id']}")
    profile = page.get_by_role("tabpanel", name="Profile")
    profile.get_by_role("button", name="Edit").click()
    profile.get_by_label("Membership").select_option(label="Member")
    profile.get_by_role("button", name="Save").click()
    expect(profile.get_by_role("status")).to_have_text("Profile saved.")
    wait_until(lambda: api.get(f"/consumers/{guest['id']}")["loyalty"]["points"] == 250, timeout=30)
    loyalty = open_tab(page, "Loyalty")
    expect(points_row(loyalty, "+250")).to_contain_text("Sign-up")

    # emptied, the rule goes
    open_page(page, "Loyalty programs")
    page.get_by_role("button", name="Edit Club").click()
    dialog = page.get_by_role("dialog", name="Edit Club")
    dialog.get_by_role("spinbutton", name="Sign-up points").fill("")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(club).not_to_contain_text("Sign-up")
    assert api.get(f"/loyalty-programs/{program['id']}")["signUp"] is None


def test_a_read_only_key_cannot_block(page: Page, shop: Shop, mint_key: MintKey) -> None:
    shop.api.post(f"/consumers/{shop.id}/block", {"reason": "fraud"})
    sign_in(page, mint_key(shop.org, read_only=True))
    page.goto(f"/app/customers/{shop.id}")
    unblock = page.get_by_role("button", name="Unblock customer")
    expect(unblock).to_be_disabled()
    expect(unblock).to_have_accessible_description("Read-only key: changes are disabled")
    expect_fact(page, "Status", "Active Blocked")
    loyalty = open_tab(page, "Loyalty")
    for name in POINTS_WRITES:  # both reasons
        expect(loyalty.get_by_role("button", name=name)).to_have_accessible_description(
            f"Read-only key: changes are disabled {BLOCKED}"
        )
    assert_accessible(page)
