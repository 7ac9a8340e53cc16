"""
The Clerk's console (issue 17) in a real browser (Debian's chromium, through Playwright), on
SQLite and PostgreSQL: sign in, read the Now page's words, grant an override and revoke it
through the pages alone, see a validation error shown again with nothing lost, do the
override task by keyboard alone, read every page at 320 px without scrolling sideways, and
check every page with axe-core for WCAG 2.0, 2.1 and 2.2 A and AA. Screenshots go to
var/screenshots/.
"""

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import ROOT, seed_shipped

from .servers import free_port, serve, wait_ready

pytestmark = [pytest.mark.server, pytest.mark.browser]

CHROMIUM = os.environ.get("PURDAH_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LONDON = ZoneInfo("Europe/London")
ACCOUNT = "facebook-redruthtowncouncil"

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is a dev dependency (make install)"
)
axe_module = pytest.importorskip(
    "axe_playwright_python.sync_playwright", reason="axe-playwright-python is in the browser extra"
)


@pytest.fixture
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        reason = f"no chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        print(f"\nSKIPPING browser test: {reason}")  # noqa: T201 - a skip says why
        pytest.skip(reason)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def server(shared_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    key = seed_shipped(shared_url)
    port = free_port()
    process = serve(shared_url, port, tmp_path / "server.log")
    try:
        wait_ready(port, process, tmp_path / "server.log")
        yield f"http://127.0.0.1:{port}", key
    finally:
        process.terminate()
        process.wait(timeout=10)


def check_accessible(page: object, name: str) -> None:
    """axe-core finds no WCAG 2.0/2.1/2.2 A or AA violation; a screenshot either way."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"), full_page=True)  # type: ignore[attr-defined]
    results = axe_module.Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
    )
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def fits_320(page: object, name: str) -> None:
    """At 320 CSS pixels wide the page needs no sideways scrolling (WCAG 1.4.10 reflow)."""
    page.set_viewport_size({"width": 320, "height": 800})  # type: ignore[attr-defined]
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / f"console-{name}-320.png"), full_page=True)  # type: ignore[attr-defined]
    assert width <= 320, f"{name} is {width} px wide at a 320 px viewport"
    page.set_viewport_size({"width": 1024, "height": 800})  # type: ignore[attr-defined]


def main_text(page: object) -> str:
    return " ".join(page.inner_text("main").split())  # type: ignore[attr-defined]


def london_words(instant: dt.datetime) -> str:
    return instant.astimezone(LONDON).strftime("%H:%M on %A %-d %B %Y")


def can_publish(base: str, key: str, at: str) -> dict[str, object]:
    answer = httpx.get(
        f"{base}/v1/accounts/{ACCOUNT}/can-publish",
        params={"at": at, "category": "event"},
        headers={"Authorization": f"Bearer {key}", "Cache-Control": "no-cache"},
    )
    return dict(answer.json())


def restrict_now(base: str, key: str) -> dt.datetime:
    """A window the Clerk sets by hand, from an hour ago for three days: its end."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ends = (now + dt.timedelta(days=3)).replace(minute=0, second=0)
    made = httpx.post(
        f"{base}/v1/windows",
        json={
            "starts_at": (now - dt.timedelta(hours=1)).isoformat(),
            "ends_at": ends.isoformat(),
            "reason": "a referendum announced late",
        },
        headers={"Authorization": f"Bearer {key}"},
    )
    assert made.status_code == 201, made.text
    return ends


def sign_in(page: object, base: str, key: str, name: str = "Jane Trelawny") -> None:
    page.goto(f"{base}/console/sign-in")  # type: ignore[attr-defined]
    page.fill("#person", name)  # type: ignore[attr-defined]
    page.fill("#key", key)  # type: ignore[attr-defined]
    page.click("button:has-text('Sign in')")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/console")  # type: ignore[attr-defined]


def test_the_clerk_signs_in_reads_now_and_grants_and_revokes_an_override(
    server: tuple[str, str], browser: object
) -> None:
    base, key = server
    ends = restrict_now(base, key)
    context = browser.new_context(locale="en-GB", viewport={"width": 1024, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)

    # a browser asking for / is sent to the console, and to sign in
    page.goto(f"{base}/")
    assert page.url == f"{base}/console/sign-in"
    assert page.inner_text("header").startswith("Redruth Town Council")
    check_accessible(page, "sign-in")
    fits_320(page, "sign-in")

    # a wrong key: the form comes back with the error, the name kept and the key not
    page.fill("#person", "Jane Trelawny")
    page.fill("#key", "pdh_000000000000_wrong")
    page.click("button:has-text('Sign in')")
    assert "There is a problem" in main_text(page)
    assert page.input_value("#person") == "Jane Trelawny"
    assert page.input_value("#key") == ""
    check_accessible(page, "sign-in-error")

    sign_in(page, base, key)
    cookie = next(c for c in context.cookies() if c["name"] == "purdah_console")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # plain http here; https sets Secure (test_console_sessions)
    assert key not in page.content()

    text = main_text(page)
    assert (
        f"Restricted until {london_words(ends)} (restricted by the Clerk: a referendum "
        "announced late)" in text
    )
    assert "Needs the Clerk" in text
    assert "event" in page.inner_text("#needs-clerk")
    assert "party political" in page.inner_text("#never")
    assert "the review is overdue (policy 6.1)" in page.inner_text("#review")
    assert "No override is in force." in text
    check_accessible(page, "now")
    fits_320(page, "now")

    # the override form: a mistake comes back with the error summary and nothing lost
    page.click("nav >> text=Restrictions and overrides")
    check_accessible(page, "overrides")
    fits_320(page, "overrides")
    page.select_option("#account", ACCOUNT)
    page.check("#category-event")
    page.fill("#start-date", "2029-04-09")
    page.fill("#start-time", "09:00")
    page.fill("#end-date", "2029-04-12")
    page.fill("#end-time", "17:00")
    assert page.input_value("#reason") == ""  # the reason starts empty
    page.click("button:has-text('Grant override')")
    summary = page.locator(".error-summary")
    assert "Enter the reason for the override" in summary.inner_text()
    assert page.evaluate("document.activeElement.className") == "error-summary"
    assert page.input_value("#account") == ACCOUNT
    assert page.is_checked("#category-event")
    assert page.input_value("#start-date") == "2029-04-09"
    assert page.input_value("#end-time") == "17:00"
    assert page.get_attribute("#reason", "aria-describedby") == "reason-hint reason-error"
    check_accessible(page, "overrides-error")
    fits_320(page, "overrides-error")
    summary.locator("a").click()  # the summary's link takes you to the field
    assert page.evaluate("document.activeElement.id") == "reason"

    assert can_publish(base, key, "2029-04-10T10:00:00+01:00")["outcome"] == "refer"
    page.fill("#reason", "Redruth street fair")
    page.click("button:has-text('Grant override')")
    assert "granted" in page.inner_text(".notification")
    listed = page.inner_text("#overrides")
    assert "Redruth Town Council (facebook): event" in listed
    assert "From 09:00 on Monday 9 April 2029 until 17:00 on Thursday 12 April 2029." in listed
    assert "granted by Jane Trelawny" in listed
    assert can_publish(base, key, "2029-04-10T10:00:00+01:00")["outcome"] == "allow"
    audit = httpx.get(
        f"{base}/v1/audit",
        params={"action": "override.grant"},
        headers={"Authorization": f"Bearer {key}"},
    ).json()["events"]
    assert any(str(e["actor"]).startswith("Jane Trelawny (") for e in audit), audit
    check_accessible(page, "overrides-granted")
    page.goto(f"{base}/console")
    assert "Redruth Town Council (facebook): event" in page.inner_text("#overrides")

    # revoke from the list: a reason, one button
    page.goto(f"{base}/console/overrides")
    page.click("button:has-text('Revoke')")
    assert "Enter why you are revoking the override" in page.inner_text(".error-summary")
    page.fill("input[id^=revoke-reason-]", "the fair was cancelled")
    page.click("button:has-text('Revoke')")
    assert "revoked" in page.inner_text(".notification")
    assert "No override is in force." in main_text(page)
    assert can_publish(base, key, "2029-04-10T10:00:00+01:00")["outcome"] == "refer"

    # a form without the session's CSRF token changes nothing
    page.fill("#reason", "no token")
    page.eval_on_selector(
        "form[action$='/console/overrides'] input[name=csrf_token]", "e => e.value = ''"
    )
    page.select_option("#account", "all")
    page.check("#category-consultation")
    for field, value in (("#start-date", "2029-04-09"), ("#start-time", "09:00"), ("#end-date", "2029-04-10"), ("#end-time", "09:00")):  # fmt: skip
        page.fill(field, value)
    page.click("button:has-text('Grant override')")
    assert "The form could not be accepted" in page.inner_text("h1")
    check_accessible(page, "refused")
    fits_320(page, "refused")
    page.goto(f"{base}/console/overrides")
    assert "No override is in force." in main_text(page)

    # signing out ends the session: the cookie no longer opens a page
    page.click("button:has-text('Sign out')")
    assert "You have signed out." in main_text(page)
    page.goto(f"{base}/console")
    assert page.url == f"{base}/console/sign-in"
    assert outside == [], f"requests left the server: {outside}"
    context.close()


def test_the_clerk_grants_an_override_by_keyboard_alone(
    server: tuple[str, str], browser: object
) -> None:
    base, key = server
    # Headless chromium lays out date and time inputs as en-US does (month first, AM/PM),
    # whatever the locale asked for; a browser in en-GB shows day first and 24 hours. The
    # keys typed follow the layout: the value the form sends is ISO either way.
    context = browser.new_context(locale="en-US", viewport={"width": 1024, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    sign_in(page, base, key, "Kit Pascoe")
    page.goto(f"{base}/console/overrides")
    keyboard = page.keyboard

    def tab_to(element_id: str) -> None:
        for _ in range(60):
            keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == element_id:
                return
        pytest.fail(f"Tab never reached #{element_id}")

    keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    tab_to("account")
    keyboard.press("ArrowDown")  # "All accounts"
    assert page.input_value("#account") == "all"
    tab_to("category-event")
    keyboard.press("Space")
    tab_to("start-date")
    keyboard.type("04092029")
    tab_to("start-time")
    keyboard.type("0900AM")
    assert page.input_value("#start-time") == "09:00"
    tab_to("end-date")
    keyboard.type("04122029")
    tab_to("end-time")
    keyboard.type("0500PM")
    assert (page.input_value("#start-date"), page.input_value("#end-date")) == (
        "2029-04-09",
        "2029-04-12",
    )
    tab_to("reason")
    keyboard.type("Street fair, agreed by keyboard")
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Grant override"
    with page.expect_navigation():
        keyboard.press("Enter")
    assert "granted" in page.inner_text(".notification")
    listed = page.inner_text("#overrides")
    assert "All accounts: event" in listed
    assert "From 09:00 on Monday 9 April 2029 until 17:00 on Thursday 12 April 2029." in listed
    context.close()
