"""
The Clerk's console tasks beyond the first slice, in a real browser (Debian's chromium through
Playwright), on SQLite and PostgreSQL, through the pages alone: the Calendar (record a notice
date, a status that does not lift the period, a day of mourning), Accounts (propose with an
official email, approve, suspend, reinstate, close), manual windows (set, change, end) and a
second Clerk's confirmation of an override. Each task is checked on the page and then through
the API; every page and error state is checked with axe-core (WCAG 2.0, 2.1, 2.2 A and AA)
and at 320 px wide. Screenshots go to var/screenshots/.

The server runs on the real clock (these tests start a `purdah serve`), so dates are worked
out from today: the seeded calendar's 2028 Police and Crime Commissioner election is inside
the Calendar's coming 24 months until 2028.
"""

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.services.keys import create_key
from app.store.engine import make_engine
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, seed_shipped

from .servers import free_port, serve, wait_ready
from .test_console import (
    LONDON,
    browser,  # noqa: F401 - the fixture
    check_accessible,
    fits_320,
    main_text,
    sign_in,
)

pytestmark = [pytest.mark.server, pytest.mark.browser]

PCC = "pcc.devon-and-cornwall.2028-05-04"
PCC_DOM = "pcc-devon-and-cornwall-2028-05-04"
TOWN = "facebook-redruthtowncouncil"


def _api(base: str, key: str, path: str, **params: Any) -> Any:
    answer = httpx.get(
        f"{base}{path}",
        params=params,
        headers={"Authorization": f"Bearer {key}", "Cache-Control": "no-cache"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def console_server(
    shared_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, str, str]]:
    """A served app on Redruth's data; with `second_clerk`, its policy asks a second Clerk."""
    key = seed_shipped(shared_url)
    extra: dict[str, str] = {}
    if getattr(request, "param", None) == "second_clerk":
        folder = tmp_path / "policies"
        folder.mkdir()
        text = (ROOT / "policies" / "redruth.yaml").read_text(encoding="utf-8")
        assert "second_clerk_confirmation: false" in text
        (folder / "redruth.yaml").write_text(
            text.replace("second_clerk_confirmation: false", "second_clerk_confirmation: true"),
            encoding="utf-8",
        )
        extra["PURDAH_POLICY_DIR"] = str(folder)
    port = free_port()
    process = serve(shared_url, port, tmp_path / "server.log", extra)
    try:
        wait_ready(port, process, tmp_path / "server.log")
        yield f"http://127.0.0.1:{port}", key, shared_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _error_state(page: Any, name: str, message: str) -> None:
    """The error summary has focus and says `message`; the page passes axe and fits 320 px."""
    summary = page.locator(".error-summary")
    assert message in summary.inner_text(), summary.inner_text()
    assert page.evaluate("document.activeElement.className") == "error-summary"
    check_accessible(page, name)
    fits_320(page, name)


def test_the_clerk_keeps_the_calendar_accounts_and_manual_windows_by_the_pages_alone(
    console_server: tuple[str, str, str],
    browser: Any,  # noqa: F811 - the imported fixture
) -> None:
    base, key, _url = console_server
    context = browser.new_context(locale="en-GB", viewport={"width": 1024, "height": 800})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    sign_in(page, base, key)

    # --- Calendar: the coming PCC election, its timetable in words ---
    page.click("nav >> text=Calendar")
    election = page.locator(f"#election-{PCC_DOM}")
    text = " ".join(election.inner_text().split())
    assert "Devon and Cornwall Police and Crime Commissioner election" in text
    assert "Polling day Thursday 4 May 2028" in text
    assert "Notice of election by Monday 27 March 2028 at the latest; not yet recorded" in text
    assert "statutory latest day for the notice of election" in text
    assert "March 2028: restricted" in page.inner_text(".timeline")
    check_accessible(page, "calendar")
    fits_320(page, "calendar")

    # a notice date the law does not allow comes back on its field, the form open
    election.locator("summary", has_text="Record the notice").click()
    page.fill(f"#notice-{PCC_DOM}", "2028-04-20")
    page.fill(f"#notice-reason-{PCC_DOM}", "PCC notice page")
    page.click("button:has-text('Record the notice')")
    _error_state(page, "calendar-error", "outside the days the law allows")
    assert page.input_value(f"#notice-reason-{PCC_DOM}") == "PCC notice page"
    page.fill(f"#notice-{PCC_DOM}", "2028-03-20")
    page.click("button:has-text('Record the notice')")
    assert "recorded: Monday 20 March 2028" in page.inner_text("#notice")
    answer = _api(base, key, f"/v1/elections/{PCC}")
    assert answer["notice_published"] == "2028-03-20"
    assert dt.datetime.fromisoformat(answer["restricted_period"]["starts_at"]) == dt.datetime(
        2028, 3, 20, tzinfo=LONDON
    )
    assert answer["restricted_period"]["start_basis"] in page.inner_text(f"#start-basis-{PCC_DOM}")

    # a status: uncontested, with its reason; the period stays
    page.locator(f"#election-{PCC_DOM} summary", has_text="Record a status").click()
    page.select_option(f"#status-{PCC_DOM}", "uncontested")
    page.click("button:has-text('Record the status')")
    _error_state(page, "calendar-status-error", "A status of uncontested needs a reason")
    assert page.input_value(f"#status-{PCC_DOM}") == "uncontested"
    page.fill(f"#status-reason-{PCC_DOM}", "One candidate nominated")
    page.click("button:has-text('Record the status')")
    assert "does not lift the period" in page.inner_text("#notice")
    assert "does not lift the period" in page.inner_text(f"#status-words-{PCC_DOM}")
    answer = _api(base, key, f"/v1/elections/{PCC}")
    assert answer["status"] == "uncontested"
    assert answer["restricted_period"]["ends_at"].startswith("2028-05-04T22:00")
    check_accessible(page, "calendar-recorded")

    # a day of mourning
    page.fill("#dies-non-date", "2028-03-29")
    page.fill("#dies-non-name", "National day of mourning")
    page.click("button:has-text('Add the day')")
    assert "Wednesday 29 March 2028 added" in page.inner_text("#notice")
    assert "Wednesday 29 March 2028: National day of mourning" in page.inner_text("#dies-non-list")
    assert _api(base, key, "/v1/dies-non") == [
        {"date": "2028-03-29", "name": "National day of mourning"}
    ]

    # --- Accounts: propose (official email), approve, suspend, reinstate, close ---
    page.click("nav >> text=Accounts")
    check_accessible(page, "accounts")
    fits_320(page, "accounts")
    assert page.input_value(f"#reason-{TOWN}") == ""  # reasons start empty
    page.fill("#new-name", "Redruth Town Council on TikTok")
    page.fill("#new-account-id", "tiktok-redruth")
    page.fill("#new-platform", "tiktok")
    page.select_option("#new-kind", "profile")
    page.fill("#new-contact-email", "comms@gmail.com")
    page.fill("#new-reason", "To reach younger residents")
    page.click("button:has-text('Propose the account')")
    _error_state(page, "accounts-error", "Policy 5.3a: official accounts must use an official")
    assert page.input_value("#new-name") == "Redruth Town Council on TikTok"
    assert page.input_value("#new-kind") == "profile"
    page.fill("#new-contact-email", "comms@redruth.gov.uk")
    page.click("button:has-text('Propose the account')")
    assert "tiktok-redruth proposed" in page.inner_text("#notice")
    assert page.inner_text("#status-tiktok-redruth") == "Waiting for approval"
    assert _api(base, key, "/v1/accounts/tiktok-redruth")["status"] == "pending"

    page.fill("#reason-tiktok-redruth", "Agreed at the weekly review")
    page.click("#account-tiktok-redruth button[value=approve]")
    assert "approved" in page.inner_text("#notice")
    assert _api(base, key, "/v1/accounts/tiktok-redruth")["status"] == "active"

    page.click(f"#account-{TOWN} button[value=suspend]")
    _error_state(page, "accounts-move-error", "Enter why you suspend the account")
    page.fill(f"#reason-{TOWN}", "Password shared with a contractor")
    page.click(f"#account-{TOWN} button[value=suspend]")
    assert page.inner_text(f"#status-{TOWN}") == "Suspended"
    assert _api(base, key, f"/v1/accounts/{TOWN}")["status"] == "suspended"
    page.fill(f"#reason-{TOWN}", "Password changed")
    page.click(f"#account-{TOWN} button[value=reinstate]")
    assert _api(base, key, f"/v1/accounts/{TOWN}")["status"] == "active"
    page.fill("#reason-tiktok-redruth", "Trial ended")
    page.click("#account-tiktok-redruth button[value=close]")
    assert page.inner_text("#status-tiktok-redruth") == "Closed"
    assert _api(base, key, "/v1/accounts/tiktok-redruth")["status"] == "closed"

    # --- manual windows: set (for one account), change (to all), end ---
    page.click("nav >> text=Restrictions and overrides")
    today = dt.datetime.now(LONDON).date()
    page.fill("#window-start-date", today.isoformat())
    page.fill("#window-start-time", "00:00")
    page.fill("#window-end-date", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#window-end-time", "00:00")
    page.check("#window-scope-some")
    page.click("button:has-text('Set the restriction')")
    _error_state(page, "windows-error", "The end must be after the start")
    assert page.is_checked("#window-scope-some")
    summary = page.inner_text(".error-summary")
    assert "Enter the reason for the restriction" in summary
    assert "Select at least one account, or choose all accounts" in summary
    page.fill("#window-end-date", (today + dt.timedelta(days=7)).isoformat())
    page.fill("#window-end-time", "17:30")
    page.fill("#window-reason", "Content under review")
    page.check(f"#window-account-{TOWN}")
    page.click("button:has-text('Set the restriction')")
    notice = page.inner_text(".notification")
    window_id = notice.split("Restriction ")[1].split(" set.")[0]
    row = page.locator(f"#window-{window_id}")
    assert "In force now" in row.inner_text()
    assert "Redruth Town Council (facebook), from 00:00 on" in row.inner_text()
    got = _api(base, key, f"/v1/windows/{window_id}")
    assert got["account_ids"] == [TOWN]
    ends = dt.datetime.combine(today + dt.timedelta(days=7), dt.time(17, 30), tzinfo=LONDON)
    assert dt.datetime.fromisoformat(got["ends_at"]) == ends
    check_accessible(page, "windows")
    fits_320(page, "windows")

    p = f"window-{window_id}-"
    row.locator("summary", has_text="Change this restriction").click()
    page.fill(f"#{p}end-date", (today + dt.timedelta(days=10)).isoformat())
    page.check(f"#{p}scope-all")
    page.click(f"#window-{window_id} button:has-text('Save the change')")
    _error_state(page, "windows-change-error", "Enter why you are changing the restriction")
    assert page.is_checked(f"#{p}scope-all")  # kept as chosen, in the open form
    page.fill(f"#{p}change-reason", "Review takes longer")
    page.click(f"#window-{window_id} button:has-text('Save the change')")
    assert f"Restriction {window_id} changed." in page.inner_text(".notification")
    got = _api(base, key, f"/v1/windows/{window_id}")
    assert got["account_ids"] is None
    assert dt.datetime.fromisoformat(got["ends_at"]).date() == today + dt.timedelta(days=10)

    page.fill(f"#{p}end-reason", "Review finished")
    page.click(f"#window-{window_id} button:has-text('End now')")
    assert f"Restriction {window_id} ended now." in page.inner_text(".notification")
    assert "Ended" in page.inner_text(f"#window-{window_id}")
    ended = dt.datetime.fromisoformat(_api(base, key, f"/v1/windows/{window_id}")["ends_at"])
    assert abs(ended - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    events = _api(base, key, "/v1/audit", action="window.change")["events"]
    assert any(str(e["actor"]).startswith("Jane Trelawny (") for e in events), events
    assert outside == [], f"requests left the server: {outside}"
    context.close()


def _clerk_key(url: str, base: str, name: str) -> str:
    """A second Clerk's key (as `purdah keys create --role clerk` makes one), once the server knows it."""
    engine = make_engine(url)
    try:
        secret = create_key(
            UnitOfWork(engine), "redruth", Actor("tests", "operator"), role=Role.CLERK,
            name=name, now=dt.datetime.now(dt.UTC),
        ).key  # fmt: skip
    finally:
        engine.dispose()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = httpx.get(f"{base}/v1/accounts", headers={"Authorization": f"Bearer {secret}"})
        if answer.status_code == 200:
            return secret
        time.sleep(0.2)
    pytest.fail("the server never learnt the new Clerk key")


@pytest.mark.parametrize("console_server", ["second_clerk"], indirect=True)
def test_a_second_clerk_confirms_an_override_and_the_first_key_cannot(
    console_server: tuple[str, str, str],
    browser: Any,  # noqa: F811 - the imported fixture
) -> None:
    base, key, url = console_server
    second = _clerk_key(url, base, "Deputy Town Clerk")
    context = browser.new_context(locale="en-GB", viewport={"width": 1024, "height": 800})
    page = context.new_page()
    sign_in(page, base, key, "Jane Trelawny")
    page.click("nav >> text=Restrictions and overrides")
    page.select_option("#account", TOWN)
    page.check("#category-event")
    page.fill("#start-date", "2029-04-09")
    page.fill("#start-time", "09:00")
    page.fill("#end-date", "2029-04-12")
    page.fill("#end-time", "17:00")
    page.fill("#reason", "Redruth street fair")
    page.click("button:has-text('Grant override')")
    assert "takes effect once a second Clerk confirms it" in page.inner_text(".notification")
    waiting = page.inner_text("#awaiting")
    assert "Redruth Town Council (facebook): event" in waiting
    assert "granted by Jane Trelawny" in waiting
    assert "No override is in force." in main_text(page)
    override_id = page.get_attribute("#awaiting li", "id").removeprefix("awaiting-")  # type: ignore[union-attr]
    check_accessible(page, "overrides-awaiting")
    fits_320(page, "overrides-awaiting")

    # the same key under another person's name cannot confirm it
    page.click("button:has-text('Sign out')")
    sign_in(page, base, key, "Kit Pascoe")
    page.goto(f"{base}/console/overrides")
    page.click(f"#confirm-{override_id}")
    _error_state(page, "overrides-confirm-error", "The key that granted an override cannot")
    assert _api(base, key, f"/v1/overrides/{override_id}")["confirmed"] is False
    assert (
        httpx.post(
            f"{base}/v1/overrides/{override_id}/confirm",
            headers={"Authorization": f"Bearer {key}"},
        ).status_code
        == 422
    )

    # a second Clerk, with their own key, confirms it
    page.click("button:has-text('Sign out')")
    sign_in(page, base, second, "Morwenna Hocking")
    page.goto(f"{base}/console/overrides")
    page.click(f"#confirm-{override_id}")
    assert f"Override {override_id} confirmed." in page.inner_text(".notification")
    assert "Redruth Town Council (facebook): event" in page.inner_text("#overrides")
    got = _api(base, key, f"/v1/overrides/{override_id}")
    assert (got["confirmed"], got["in_force"]) == (True, True)
    decided = _api(
        base, key, f"/v1/accounts/{TOWN}/can-publish", at="2029-04-10T10:00:00+01:00",
        category="event",
    )  # fmt: skip
    assert decided["outcome"] == "allow"
    check_accessible(page, "overrides-confirmed")
    context.close()
