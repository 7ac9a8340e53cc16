"""
The console's Requests, Audit and Feeds-and-keys pages, named keys and the error pages, in
a real browser (Debian's chromium, through Playwright), on SQLite and PostgreSQL: each task
through the pages alone, asserting what the page shows; axe-core (WCAG 2.0, 2.1, 2.2 A and
AA) on every page and error state; each at 320 px without sideways scrolling. Screenshots go
to var/screenshots/. Server-side rules, CSRF, roles and hostile input are in
test_console_pages.py (TestClient).
"""

import csv
import datetime as dt
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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

ACCOUNT = "facebook-redruthtowncouncil"
POST = "Murdoch Day street fair on Fore Street this Saturday, 10am to 4pm."


@pytest.fixture
def served(shared_url: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """A server with a policy folder of its own (so a test can break it): URL, Clerk key, folder."""
    key = seed_shipped(shared_url)
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(ROOT / "policies" / "redruth.yaml", folder)
    port = free_port()
    log = tmp_path / "server.log"
    process = serve(
        shared_url,
        port,
        log,
        {"PURDAH_POLICY_DIR": str(folder), "PURDAH_POLICY_CHECK_INTERVAL": "0.5"},
    )
    try:
        wait_ready(port, process, log)
        yield f"http://127.0.0.1:{port}", key, folder
    finally:
        process.terminate()
        process.wait(timeout=10)


def _api(base: str, key: str, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(
        method, f"{base}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=10, **kwargs
    )


def _minted(base: str, clerk: str, role: str, name: str) -> str:
    made = _api(base, clerk, "POST", "/v1/keys", json={"role": role, "name": name})
    assert made.status_code == 201, made.text
    return str(made.json()["key"])


def _asked(base: str, scheduler: str, at: str) -> str:
    asked = _api(
        base,
        scheduler,
        "POST",
        "/v1/requests",
        json={"account_id": ACCOUNT, "at": at, "category": "event", "text": POST},
    )
    assert asked.status_code == 201, asked.text
    return str(asked.json()["request_id"])


def _both(page: object, name: str) -> None:
    check_accessible(page, name)
    fits_320(page, name)


def test_the_clerk_decides_requests_reads_the_log_and_hands_out_links_and_keys(
    served: tuple[str, str, Path],
    browser: object,  # noqa: F811 - the fixture imported above
) -> None:
    base, clerk, _folder = served
    scheduler = _minted(base, clerk, "scheduler", "Hootsuite")
    first = _asked(base, scheduler, "2029-04-10T12:00:00+01:00")
    second = _asked(base, scheduler, "2029-04-11T15:30:00+01:00")
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="en-GB", viewport={"width": 1024, "height": 800}, accept_downloads=True
    )
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    sign_in(page, base, clerk)

    # Requests: the queue in words
    page.click("nav >> text=Requests")
    queued = page.inner_text(f"#request-{first}")
    assert (
        "Redruth Town Council (facebook): event post planned for 12:00 on Tuesday 10 April 2029"
        in queued
    )
    assert POST in queued
    assert "Asked by Hootsuite (" in queued
    assert page.inner_text(f"#why-{first}").strip() != ""
    assert "15:30 on Wednesday 11 April 2029" in page.inner_text(f"#request-{second}")
    assert page.input_value(f"#approve-reason-{first}") == ""
    assert page.input_value(f"#reject-reason-{first}") == ""
    _both(page, "requests")

    # approve without a reason and with half a time: errors, nothing lost
    page.fill(f"#approve-from-date-{first}", "2029-04-10")
    page.click(f"#request-{first} button:has-text('Approve')")
    summary = page.inner_text(".error-summary")
    assert "Enter the reason for approving the post" in summary
    assert "Enter the not-before time, or leave its date empty too" in summary
    assert page.input_value(f"#approve-from-date-{first}") == "2029-04-10"
    assert page.evaluate("document.activeElement.className") == "error-summary"
    _both(page, "requests-error")
    page.fill(f"#approve-reason-{first}", "Fair approved at the weekly review")
    page.fill(f"#approve-from-time-{first}", "11:00")
    page.fill(f"#approve-until-date-{first}", "2029-04-10")
    page.fill(f"#approve-until-time-{first}", "13:00")
    page.click(f"#request-{first} button:has-text('Approve')")
    assert (
        f"Request {first} approved. The post may go out from 11:00 on Tuesday 10 April 2029 "
        "until 13:00 on Tuesday 10 April 2029." in page.inner_text(".notification")
    )
    page.fill(f"#reject-reason-{second}", "It names a candidate")
    page.click(f"#request-{second} button:has-text('Reject')")
    assert f"Request {second} rejected." in page.inner_text(".notification")
    decided = page.inner_text("#decided")
    assert "Approved by Jane Trelawny" in decided
    assert "Rejected by Jane Trelawny (" in decided
    assert "It names a candidate" in decided
    assert "No requests are waiting." in main_text(page)
    _both(page, "requests-decided")
    approved = _api(base, clerk, "GET", f"/v1/requests/{first}").json()
    assert approved["status"] == "approved"
    assert str(approved["decided_by"]).startswith("Jane Trelawny (")

    # Feeds and keys: a calendar link, shown once, that a calendar app can read
    page.click("nav >> text=Feeds and keys")
    _both(page, "access")
    page.click("button:has-text('Make the link')")
    assert "Enter who or what the link is for" in page.inner_text(".error-summary")
    _both(page, "access-error")
    page.fill("#feed-name", "Communications team")
    page.click("button:has-text('Make the link')")
    url = page.inner_text("#new-feed-url").strip()
    shown = page.inner_text("#new-feed")
    assert "shown only this once" in shown
    for app in ("Outlook", "Google Calendar", "Apple Calendar"):
        assert app in shown
    assert httpx.get(url, timeout=10).text.startswith("BEGIN:VCALENDAR")
    _both(page, "access-link-made")

    # a named auditor's key, shown once
    page.check("#key-role-auditor")
    page.fill("#key-name", "Internal audit 2029")
    page.fill("#key-person", "Morwenna Pascoe")
    page.click("button:has-text('Make the key')")
    secret = page.inner_text("#new-key-secret").strip()
    assert secret.startswith("pdh_")
    assert "shown only this once" in page.inner_text("#new-key")
    _both(page, "access-key-made")
    page.goto(f"{base}/console/access")
    assert secret not in page.content()
    assert url.rsplit("/", 1)[1] not in page.content()
    assert "held by Morwenna Pascoe" in page.inner_text("#keys")

    # revoke the link: a reason, one button; the calendar stops getting it
    page.fill("input[id^=revoke-feed-]", "Team disbanded")
    page.click("#feeds button:has-text('Revoke')")
    assert "revoked" in page.inner_text(".notification")
    assert httpx.get(url, timeout=10).status_code == 404

    # Audit: my own actions first, newest first
    page.click("nav >> text=Audit")
    events = page.inner_text("#events")
    for action in (
        "feed_token.revoke",
        "key.create",
        "feed_token.create",
        "request.reject",
        "request.approve",
    ):
        assert action in events, action
    assert events.index("feed_token.revoke") < events.index("request.approve")
    assert "organisation.create" not in events
    assert "by Jane Trelawny (" in events
    first_event = page.locator("#events details").first
    assert not first_event.locator("dd.code").first.is_visible()  # hashes behind a disclosure
    first_event.locator("summary").click()
    assert re.search(r"[0-9a-f]{64}", first_event.inner_text())
    _both(page, "audit")

    # everyone's, the seed's too, filtered by action, account and plain dates
    today = dt.datetime.now(LONDON).date()
    page.select_option("#who", "all")
    page.select_option("#action", "account.seed")
    page.select_option("#account", ACCOUNT)
    page.fill("#from", f"{today.day}/{today.month}/{today.year}")
    page.fill("#to", today.isoformat())
    page.click("button:has-text('Show events')")
    events = page.inner_text("#events")
    assert f"account.seed: {ACCOUNT}" in events
    assert "by purdah seed (system)" in events
    assert events.count("account.seed") == 1
    assert page.input_value("#from") == f"{today.day}/{today.month}/{today.year}"

    # the export of what the filters select, as a download
    with page.expect_download() as downloaded:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(downloaded.value.path()).read_text())))
    assert [(r["action"], r["target"]) for r in rows] == [("account.seed", ACCOUNT)]

    page.fill("#from", "31/2/2026")
    page.click("button:has-text('Show events')")
    assert "Enter the first day as a date, like 7/5/2026 or 2026-05-07" in page.inner_text(
        ".error-summary"
    )
    assert page.input_value("#from") == "31/2/2026"
    _both(page, "audit-error")

    page.click("button:has-text('Verify the log')")
    assert "The log is intact: all" in page.inner_text("#verification")
    _both(page, "audit-verified")

    # a page that is not there is a page, in words
    page.goto(f"{base}/console/no-such-page")
    assert "Page not found" in main_text(page)
    _both(page, "not-found")
    assert outside == []

    # the auditor signs in with the named key alone: no name asked, the key's person named
    other = browser.new_context(locale="en-GB", viewport={"width": 1024, "height": 800})  # type: ignore[attr-defined]
    auditor = other.new_page()
    auditor.goto(f"{base}/console/sign-in")
    auditor.fill("#key", secret)
    auditor.click("button:has-text('Sign in')")
    auditor.wait_for_url(f"{base}/console")
    assert "Signed in as Morwenna Pascoe (auditor)" in auditor.inner_text("header")
    auditor.click("nav >> text=Requests")
    assert "approve-reason" not in auditor.content()
    assert POST in auditor.inner_text("#decided")
    auditor.click("nav >> text=Feeds and keys")
    assert "Calendar links are shown to the Town Clerk only." in main_text(auditor)
    assert auditor.locator("button:has-text('Make the key')").count() == 0
    _both(auditor, "access-auditor")
    other.close()
    context.close()


def test_a_viewer_is_refused_in_words_and_a_broken_policy_is_a_503_page(
    served: tuple[str, str, Path],
    browser: object,  # noqa: F811 - the fixture imported above
) -> None:
    base, clerk, folder = served
    viewer = _minted(base, clerk, "viewer", "Members")
    context = browser.new_context(locale="en-GB", viewport={"width": 1024, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    sign_in(page, base, viewer, name="Cllr Tom Hocking")
    assert page.locator("nav >> text=Audit").count() == 0  # not offered
    page.goto(f"{base}/console/audit")
    assert "The audit log is for the Town Clerk and auditors" in main_text(page)
    _both(page, "refused-viewer")

    path = folder / "redruth.yaml"
    path.write_text(path.read_text().replace("categories:", "categories: [", 1))
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=15)
    while True:
        answer = page.goto(f"{base}/console")
        if answer is not None and answer.status == 503:
            break
        assert dt.datetime.now(dt.UTC) < deadline, "the broken policy was not noticed"
        page.wait_for_timeout(300)
    text = main_text(page)
    assert "The service cannot answer just now" in text
    assert "scheduling tools are told not to publish" in text
    _both(page, "unavailable")
    context.close()
