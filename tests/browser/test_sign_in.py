"""Signing in and out of the console, the key kept away from page scripts, and a read-only key."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import MintKey, Seed, assert_accessible, sign_in


def test_sign_in_then_out(page: Page, mint_key: MintKey, new_org: Callable[[], str]) -> None:
    org = new_org()
    key = mint_key(org)
    page.goto("/app/customers")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()  # not signed in: the form
    assert_accessible(page)
    page.get_by_label("API key").fill("sk_test_" + "x" * 32)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()  # an unknown key is refused, in words
    sign_in(page, key)
    banner = page.get_by_role("banner")
    expect(banner).to_contain_text("Sandbox")
    expect(banner).to_contain_text(org)
    page.reload()  # the session outlives a reload: the cookie, and the token fetched again
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    session_cookies = page.context.cookies()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    page.context.add_cookies(session_cookies)  # the old cookie back: the server ended the session too
    status = page.evaluate("async () => (await fetch('/app/session')).status")
    assert status == 401
    page.goto("/app/customers")
    expect(page.get_by_label("API key")).to_be_visible()


def test_after_sign_in_no_page_script_can_read_the_key_or_the_session(
    page: Page, mint_key: MintKey, new_org: Callable[[], str]
) -> None:
    key = mint_key(new_org())
    sign_in(page, key)
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    seen = page.evaluate(
        """async () => JSON.stringify({
            cookie: document.cookie,
            local: Object.entries(localStorage),
            session: Object.entries(sessionStorage),
            url: location.href,
            dom: document.documentElement.outerHTML,
            inputs: [...document.querySelectorAll('input, textarea')].map((field) => field.value),
            answer: await (await fetch('/app/session')).text(),
        })"""
    )
    assert key not in seen
    assert key[-12:] not in seen  # not even most of it
    assert "clientele_session" not in seen  # HttpOnly
    cookies = page.context.cookies()
    (session,) = [cookie for cookie in cookies if cookie["name"] == "clientele_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"


FORGE = """async (token) => (await fetch('/app/api/v1/consumers', {
    method: 'POST',
    headers: {'Content-Type': 'application/json', ...(token ? {'X-CSRF-Token': token} : {})},
    body: JSON.stringify({email: 'forged@example.com'}),
})).status"""


def test_a_call_without_the_pages_token_is_refused(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]
) -> None:
    """What a forged request would be: the browser sends the cookie, but not the page's CSRF token."""
    key = mint_key(new_org())
    sign_in(page, key)
    assert page.evaluate(FORGE, None) == 401  # no token: API Gateway refuses before the authorizer
    assert page.evaluate(FORGE, "0" * 64) == 401  # a wrong one: the session authorizer refuses
    token = page.evaluate("async () => (await (await fetch('/app/session')).json()).csrfToken")
    assert page.evaluate(FORGE, token) == 201  # the page's own token: the same call goes through
    assert seed(key).get("/consumers/search", email="forged@example.com")["data"][0]["email"] == "forged@example.com"


def test_a_read_only_key_gives_a_console_without_writes(
    page: Page, mint_key: MintKey, new_org: Callable[[], str], seed: Callable[[str], Seed]
) -> None:
    org = new_org()
    seed(mint_key(org)).post("/consumers", {"email": "ada@example.com", "fullName": "Ada Lovelace"})
    sign_in(page, mint_key(org, read_only=True))
    expect(page.get_by_role("link", name=re.compile("Ada Lovelace|ada@example.com")).first).to_be_visible()
    add = page.get_by_role("button", name="Add customer")
    expect(add).to_be_disabled()
    expect(add).to_have_accessible_description(re.compile("read-only", re.I))
    assert_accessible(page)
    # and the server refuses a write from this session, whatever the page does
    token = page.evaluate("async () => (await (await fetch('/app/session')).json()).csrfToken")
    assert page.evaluate(FORGE, token) == 403
