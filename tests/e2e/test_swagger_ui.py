"""
The Town Clerk's flow through Swagger UI, in a real browser (Debian's chromium, driven by
Playwright): authorise, propose and approve an account, record a notice date, grant an
override, check can-publish before and after, revoke it, read the audit trail. Any request
that leaves the server fails the test. Screenshots go to var/screenshots/.
"""

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from app.domain import UTC
from app.services.keys import create_key
from app.store.engine import make_engine
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, seed_shipped

from .servers import free_port, serve, wait_ready

pytestmark = [pytest.mark.server, pytest.mark.browser]

CHROMIUM = os.environ.get("PURDAH_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is a dev dependency (pip install -e '.[dev]')"
)


def leaves_machine(url: str) -> bool:
    """Whether a request the page makes goes anywhere but this server (blob: and data: stay in the page)."""
    if url.startswith("data:"):
        return False
    inner = url.removeprefix("blob:")
    return urlparse(inner).hostname not in ("127.0.0.1", "localhost")


def csp_violations(page: object) -> list[str]:
    """What the page's content security policy blocked, as the browser reported it."""
    seen: list[str] = []
    page.on(  # type: ignore[attr-defined]
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


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


class SwaggerPage:
    """Drives Swagger UI the way a person does: open an operation, fill it in, execute."""

    def __init__(self, page: object, base: str) -> None:
        self.page = page
        self.base = base

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]

    def authorise(self, key: str) -> None:
        page = self.page
        page.click("button.authorize")  # type: ignore[attr-defined]
        page.fill(".modal-ux input[type=text], .modal-ux input[type=password]", key)  # type: ignore[attr-defined]
        page.click(".modal-ux .auth-btn-wrapper button.authorize")  # type: ignore[attr-defined]
        page.click(".modal-ux .auth-btn-wrapper button.btn-done")  # type: ignore[attr-defined]

    def logout(self) -> None:
        """Forget the key, as a person does before signing in with another."""
        page = self.page
        page.click("button.authorize")  # type: ignore[attr-defined]
        page.click(".modal-ux .auth-btn-wrapper button:has-text('Logout')")  # type: ignore[attr-defined]
        page.click(".modal-ux button.close-modal")  # type: ignore[attr-defined]

    def execute(
        self,
        operation_id: str,
        tag: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, object] | None = None,
        shot: str | None = None,
    ) -> tuple[int, dict[str, object]]:
        page = self.page
        block = page.locator(f"#operations-{tag}-{operation_id}")  # type: ignore[attr-defined]
        if "is-open" not in (block.get_attribute("class") or ""):
            block.locator(".opblock-summary").first.click()
        for name, value in (params or {}).items():
            row = block.locator(f'tr[data-param-name="{name}"]')
            select = row.locator("select")
            if select.count():
                select.select_option(value)
            else:
                row.locator("input").fill(value)
        if body is not None:
            block.locator("textarea.body-param__text").fill(json.dumps(body, indent=2))
        clear = block.locator("button.btn-clear")
        if clear.count():
            clear.first.click()  # drop the previous answer, so the one read below is new
        with page.expect_response(lambda response: "/v1/" in response.url):  # type: ignore[attr-defined]
            block.locator("button.execute").click()
        status = block.locator(".live-responses-table .response .response-col_status").first
        status.wait_for(timeout=15_000)
        text = block.locator(
            ".live-responses-table .response-col_description .microlight"
        ).first.inner_text()
        if shot:
            block.scroll_into_view_if_needed()
            self.shot(shot)
        code = int(status.inner_text().strip().split()[0])
        block.locator(".opblock-summary").first.click()  # close it again
        return code, json.loads(text) if text.strip() else {}


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


def test_the_clerks_flow_through_swagger_ui(browser: object, server: tuple[str, str]) -> None:
    base, key = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    off_machine: list[str] = []
    page.on(
        "request",
        lambda request: off_machine.append(request.url) if leaves_machine(request.url) else None,
    )
    blocked = csp_violations(page)
    opened = page.goto(f"{base}/docs")
    page.wait_for_selector("#operations-accounts-proposeAccount")
    ui = SwaggerPage(page, base)
    ui.shot("01-swagger-ui")
    ui.authorise(key)

    proposed, account = ui.execute(
        "proposeAccount",
        "accounts",
        body={"account_id": "tiktok-redruth", "platform": "tiktok", "name": "Redruth on TikTok", "kind": "profile",
              "contact_email": "comms@redruth.gov.uk", "reason": "to reach younger residents"},
    )  # fmt: skip
    approved, approved_body = ui.execute(
        "approveAccount", "accounts",
        params={"account_id": "tiktok-redruth"}, body={"reason": "approved at the weekly review"}, shot="02-approve",
    )  # fmt: skip
    noted, election = ui.execute(
        "updateElection", "elections",
        params={"election_id": "parish.redruth.2029-05-03"}, body={"notice_published": "2029-03-16", "notice_reason": "published by the returning officer"},
    )  # fmt: skip
    ask = {"account_id": "tiktok-redruth", "at": "2029-04-10T12:00:00+01:00", "category": "event"}
    _, before = ui.execute(
        "canPublish",
        "decisions",
        params=ask,
        shot="03-refer",
    )
    granted, override = ui.execute(
        "grantOverride", "overrides",
        body={"account_id": "tiktok-redruth", "starts_at": "2029-04-09T09:00:00+01:00", "ends_at": "2029-04-12T17:00:00+01:00",
              "categories": ["event"], "reason": "Murdoch Day street fair"},
        shot="04-override",
    )  # fmt: skip
    _, after = ui.execute(
        "canPublish",
        "decisions",
        params=ask,
        shot="05-allow",
    )
    revoked, revoked_body = ui.execute(
        "revokeOverride", "overrides",
        params={"override_id": str(override["override_id"])}, body={"reason": "fair postponed"},
    )  # fmt: skip
    _, trail = ui.execute(
        "listAuditEvents",
        "audit",
        params={"action": "override.", "limit": "50"},
        shot="06-audit",
    )

    assert (proposed, account["status"]) == (201, "pending")
    assert (approved, approved_body["status"]) == (200, "active")
    assert noted == 200
    assert str(election["restricted_period"]["starts_at"]).startswith("2029-03-16")  # type: ignore[index]
    assert before["outcome"] == "refer"
    assert granted == 201
    assert (after["outcome"], after["reasons"][0]["override_id"]) == (
        "allow",
        override["override_id"],
    )  # type: ignore[index]
    assert (revoked, revoked_body["in_force"]) == (200, False)
    assert [e["action"] for e in trail["events"]] == ["override.grant", "override.revoke"]  # type: ignore[union-attr]
    assert off_machine == []
    # the whole flow ran under the page's content security policy, and it blocked nothing
    assert "script-src 'self' 'nonce-" in opened.headers["content-security-policy"]
    assert blocked == []


def test_a_request_to_the_clerk_through_swagger_ui(
    browser: object, server: tuple[str, str], shared_url: str
) -> None:
    """
    A scheduling tool's key asks the Clerk to allow one post that would be referred; the
    Clerk, signed in with her own key, reads it and approves it; the post is then allowed,
    and only that post. Inside the estimated period of the 3 May 2029 polls (Reference
    election: local.cornwall.2029-05-03).
    """
    base, clerk_key = server
    engine = make_engine(shared_url)
    try:
        scheduler_key = create_key(
            UnitOfWork(engine), "redruth", Actor("tests", "operator"), role=Role.SCHEDULER,
            name="Hootsuite", now=dt.datetime.now(UTC),
        ).key  # fmt: skip
    finally:
        engine.dispose()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    off_machine: list[str] = []
    page.on(
        "request",
        lambda request: off_machine.append(request.url) if leaves_machine(request.url) else None,
    )
    page.goto(f"{base}/docs")
    page.wait_for_selector("#operations-requests-createRequest")
    ui = SwaggerPage(page, base)
    post = {
        "account_id": "facebook-redruthtowncouncil",
        "at": "2029-04-10T12:00:00+01:00",
        "category": "event",
        "text": "Murdoch Day street fair on Fore Street this Saturday, 10am to 4pm.",
    }
    check = {key: post[key] for key in ("at", "category", "text")}
    # the scheduling tool: refer, so it asks the Clerk
    ui.authorise(scheduler_key)
    asked, request = ui.execute("createRequest", "requests", body=post, shot="07-request")
    ui.logout()
    # the Clerk: what is waiting, then approve it
    ui.authorise(clerk_key)
    _, waiting = ui.execute(
        "listRequests", "requests", params={"status": "pending"}, shot="08-pending"
    )
    request_id = str(request["request_id"])
    approved, decided = ui.execute(
        "approveRequest", "requests",
        params={"request_id": request_id}, body={"reason": "a long-standing community event"},
        shot="09-approved",
    )  # fmt: skip
    _, allowed = ui.execute(
        "canPublishPost", "decisions",
        params={"account_id": post["account_id"]}, body={**check, "request_id": request_id},
        shot="10-allowed",
    )  # fmt: skip
    _, edited = ui.execute(
        "canPublishPost", "decisions",
        params={"account_id": post["account_id"]},
        body={**check, "text": check["text"].replace("4pm", "6pm"), "request_id": request_id},
    )  # fmt: skip

    assert (asked, request["status"]) == (201, "pending")
    assert request["decision"]["outcome"] == "refer"  # type: ignore[index]
    assert [r["request_id"] for r in waiting] == [request_id]  # type: ignore[union-attr]
    assert (approved, decided["status"]) == (200, "approved")
    assert (allowed["outcome"], allowed["reasons"][0]["code"]) == ("allow", "REQUEST_APPROVED")  # type: ignore[index]
    assert edited["outcome"] == "refer"
    assert off_machine == []


def test_redoc_loads_without_leaving_the_machine(browser: object, server: tuple[str, str]) -> None:
    base, _key = server
    page = browser.new_page()  # type: ignore[attr-defined]
    off_machine: list[str] = []
    page.on(
        "request",
        lambda request: off_machine.append(request.url) if leaves_machine(request.url) else None,
    )

    blocked = csp_violations(page)

    opened = page.goto(f"{base}/redoc")
    page.wait_for_selector("text=can-publish", timeout=20_000)
    page.fill("input[placeholder='Search...']", "override")  # the search runs in a worker
    found = page.locator("[data-role='search:results'] label")
    found.first.wait_for(timeout=10_000)

    assert off_machine == []
    assert found.count() > 0
    assert "frame-ancestors 'none'" in opened.headers["content-security-policy"]
    assert blocked == []


__all__ = ["shutil"]
