"""
A hostile review of the console (issue 17) across councils and roles, through HTTP (the real
app and database, both backends): Penryn's Clerk, signed in, names Redruth's overrides,
windows, requests, accounts, elections, calendar links and keys in paths and form fields;
viewers and auditors post every form; CSRF tokens are left out, forged, or another session's.
Each is refused with a page (404, 403 or 422, never a 500) and Redruth's audit log and the
API's view of Redruth are the same afterwards.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.store.keys import parse_key
from app.store.tables import AuditEventRow
from tests.conftest import Keys

from .approval_requests import made
from .conftest import STREET_FAIR_OVERRIDE, Clock, add_penryn, auth, two_council_app

TOWN = "facebook-redruthtowncouncil"
REDRUTH_ONLY_ELECTION = "parish.redruth.2029-05-03"
WINDOW = {
    "starts_at": "2026-11-24T00:00:00+00:00",
    "ends_at": "2026-12-01T00:00:00+00:00",
    "reason": "Redruth window xq7",
}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def sign_in(client: TestClient, key: str, person: str = "Jane Trelawny") -> str:
    """A new console session in `client`'s cookie jar; its CSRF token."""
    client.cookies.clear()
    form = client.get("/console/sign-in")
    signed = client.post(
        "/console/sign-in",
        data={"person": person, "key": key, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    return _csrf(client.get("/console").text)


def redruth_audit_count(engine: Engine) -> int:
    with Session(engine) as session:
        query = (
            select(func.count())
            .select_from(AuditEventRow)
            .where(AuditEventRow.organisation_id == "redruth")  # type: ignore[arg-type]
        )
        return int(session.execute(query).scalar_one())


def redruth_view(client: TestClient, clerk: str) -> dict[str, Any]:
    """What the API says of Redruth's records (keys without their last use, which reads move)."""
    view = {
        path: client.get(path, headers=auth(clerk)).json()
        for path in (
            "/v1/overrides",
            "/v1/windows",
            "/v1/requests",
            "/v1/feeds/tokens",
            "/v1/accounts",
            "/v1/elections",
        )
    }
    view["/v1/keys"] = [
        {k: v for k, v in key.items() if k != "last_used_at"}
        for key in client.get("/v1/keys", headers=auth(clerk)).json()
    ]
    return view


class Redruth:
    """Redruth's records that another council's Clerk will name."""

    def __init__(self, client: TestClient, keys: Keys) -> None:
        clerk = auth(keys.clerk)
        self.request_id = made(client, keys.scheduler)  # before the override that would allow it
        override = client.post(
            "/v1/overrides",
            json=STREET_FAIR_OVERRIDE | {"reason": "Redruth override xq7"},
            headers=clerk,
        )
        assert override.status_code == 201, override.text
        self.override_id = str(override.json()["override_id"])
        window = client.post("/v1/windows", json=WINDOW, headers=clerk)
        assert window.status_code == 201, window.text
        self.window_id = str(window.json()["window_id"])
        feed = client.post("/v1/feeds/tokens", json={"name": "Comms"}, headers=clerk)
        assert feed.status_code == 201, feed.text
        self.token_id = str(feed.json()["token_id"])
        self.scheduler_key_id = str(parse_key(keys.scheduler)[0])  # type: ignore[index]


@pytest.fixture
def penryn(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, tmp_path: Path
) -> Iterator[tuple[TestClient, str, Redruth]]:
    """The app serving Redruth and Penryn; Penryn's first Clerk key; Redruth's records."""
    with two_council_app(engine, database_url, clock, tmp_path / "policies") as (client, operator):
        penryn_clerk = add_penryn(client, operator)
        yield client, penryn_clerk, Redruth(client, seeded)


def _writes(r: Redruth) -> list[tuple[str, dict[str, Any]]]:
    """Every console form, aimed at Redruth's records (by path or by a form field)."""
    return [
        (f"/console/overrides/{r.override_id}/revoke", {"reason": "mine now"}),
        (f"/console/overrides/{r.override_id}/confirm", {}),
        (
            "/console/overrides",
            {
                "account": TOWN,
                "categories": "event",
                "start_date": "2029-04-09",
                "start_time": "09:00",
                "end_date": "2029-04-12",
                "end_time": "17:00",
                "reason": "theirs",
            },
        ),
        (
            f"/console/overrides/windows/{r.window_id}/change",
            {
                "start_date": "2026-11-24",
                "start_time": "00:00",
                "end_date": "2026-11-25",
                "end_time": "00:00",
                "reason": "shorter",
                "scope": "all",
                "change_reason": "hostile",
            },
        ),
        (f"/console/overrides/windows/{r.window_id}/end", {"reason": "lifted"}),
        (
            "/console/overrides/windows",
            {
                "start_date": "2026-11-24",
                "start_time": "00:00",
                "end_date": "2026-11-25",
                "end_time": "00:00",
                "reason": "theirs",
                "scope": "some",
                "accounts": TOWN,
            },
        ),
        (f"/console/requests/{r.request_id}/approve", {"reason": "fine"}),
        (f"/console/requests/{r.request_id}/reject", {"reason": "no"}),
        (f"/console/accounts/{TOWN}/move", {"action": "suspend", "reason": "hostile"}),
        (
            f"/console/calendar/elections/{REDRUTH_ONLY_ELECTION}/notice",
            {"notice_date": "2029-03-20", "notice_reason": "noticeboard"},
        ),
        (
            f"/console/calendar/elections/{REDRUTH_ONLY_ELECTION}/status",
            {"status": "cancelled", "status_reason": "hostile"},
        ),
        ("/console/access/feeds", {"name": "Theirs", "account": TOWN}),
        (f"/console/access/feeds/{r.token_id}/revoke", {"reason": "hostile"}),
        (f"/console/access/keys/{r.scheduler_key_id}/revoke", {"reason": "hostile"}),
    ]


def test_another_councils_clerk_cannot_touch_any_of_redruths_records(
    penryn: tuple[TestClient, str, Redruth], seeded: Keys, engine: Engine
) -> None:
    client, penryn_clerk, redruth = penryn
    before = (redruth_audit_count(engine), redruth_view(client, seeded.clerk))
    csrf = sign_in(client, penryn_clerk, "Pat Penryn")

    answers = {
        path: client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)
        for path, data in _writes(redruth)
    }

    statuses = {path: a.status_code for path, a in answers.items()}
    assert all(s in (404, 422) for s in statuses.values()), statuses
    assert all(a.headers["content-type"].startswith("text/html") for a in answers.values())
    assert (redruth_audit_count(engine), redruth_view(client, seeded.clerk)) == before


def test_another_councils_clerk_sees_none_of_redruths_records_on_any_page(
    penryn: tuple[TestClient, str, Redruth], seeded: Keys
) -> None:
    client, penryn_clerk, redruth = penryn
    sign_in(client, penryn_clerk, "Pat Penryn")
    pages = [
        "/console",
        "/console/calendar",
        "/console/accounts",
        f"/console/overrides?window={redruth.window_id}",
        f"/console/requests?approved={redruth.request_id}",
        f"/console/accounts?moved={TOWN}&action=suspend",
        f"/console/calendar?recorded=notice&election={REDRUTH_ONLY_ELECTION}",
        f"/console/audit?who=all&account={TOWN}",
        "/console/audit/export.jsonl?who=all",
        "/console/access",
    ]

    answers = {p: client.get(p) for p in pages}

    assert {p: a.status_code for p, a in answers.items()} == {
        **dict.fromkeys(pages, 200),
        f"/console/audit?who=all&account={TOWN}": 422,  # not one of Penryn's accounts
    }
    for page, answer in answers.items():
        for secret in (
            redruth.override_id,
            redruth.window_id,
            redruth.request_id,
            redruth.token_id,
            redruth.scheduler_key_id,
            "Redruth Town Council",
            "xq7",
        ):
            if secret in page:  # the page's own address, shown back in a link or a field
                continue
            assert secret not in answer.text, (page, secret)


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_a_reader_posts_every_form_and_nothing_is_written(
    client: TestClient, seeded: Keys, engine: Engine, role: str
) -> None:
    redruth = Redruth(client, seeded)
    before = (redruth_audit_count(engine), redruth_view(client, seeded.clerk))
    csrf = sign_in(client, seeded.of(role), "Reader")
    writes = [
        *_writes(redruth),
        ("/console/calendar/dies-non", {"day": "2027-01-04", "name": "Day of mourning"}),
        ("/console/accounts", {"account_id": "tiktok-x", "name": "X", "platform": "tiktok"}),
        ("/console/access/keys", {"role": "viewer", "name": "x"}),
    ]

    answers = {path: client.post(path, data={"csrf_token": csrf, **data}) for path, data in writes}

    assert {p: a.status_code for p, a in answers.items()} == dict.fromkeys(answers, 403)
    assert all("Only the Town Clerk can do this" in a.text for a in answers.values())
    assert (redruth_audit_count(engine), redruth_view(client, seeded.clerk)) == before


@pytest.mark.parametrize(
    "token", [None, "", "forged", "other-session"], ids=["missing", "empty", "wrong", "other"]
)
def test_every_form_refuses_a_csrf_token_that_is_not_this_sessions(
    client: TestClient, seeded: Keys, engine: Engine, token: str | None
) -> None:
    redruth = Redruth(client, seeded)
    other = sign_in(client, seeded.clerk, "Another Tab")
    sign_in(client, seeded.clerk)
    before = (redruth_audit_count(engine), redruth_view(client, seeded.clerk))
    given = {"other-session": other, None: None}.get(token, token)
    writes = [
        *_writes(redruth),
        ("/console/calendar/dies-non", {"day": "2027-01-04", "name": "Day of mourning"}),
        ("/console/sign-out", {}),
    ]

    answers = {
        path: client.post(path, data=data | ({} if given is None else {"csrf_token": given}))
        for path, data in writes
    }

    assert {p: a.status_code for p, a in answers.items()} == dict.fromkeys(answers, 403)
    assert all("The form could not be accepted" in a.text for a in answers.values())
    assert (redruth_audit_count(engine), redruth_view(client, seeded.clerk)) == before
    assert client.get("/console", follow_redirects=False).status_code == 200  # still signed in


def test_a_cross_site_post_carries_no_session_and_goes_to_sign_in(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    """SameSite=Strict: another site's form arrives without the cookie, so without a session."""
    redruth = Redruth(client, seeded)
    sign_in(client, seeded.clerk)
    before = redruth_audit_count(engine)
    client.cookies.clear()

    answer = client.post(
        f"/console/overrides/{redruth.override_id}/revoke",
        data={"reason": "x", "csrf_token": "x"},
        headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"},
        follow_redirects=False,
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in"
    assert redruth_audit_count(engine) == before


def test_a_revoked_keys_session_ends_before_its_next_form(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    redruth = Redruth(client, seeded)
    auditor = str(parse_key(seeded.auditor)[0])  # type: ignore[index]
    csrf = sign_in(client, seeded.auditor, "Ann Auditor")
    assert client.get("/console/audit", follow_redirects=False).status_code == 200
    revoked = client.post(
        f"/v1/keys/{auditor}/revoke", json={"reason": "left"}, headers=auth(seeded.clerk)
    )
    assert revoked.status_code == 200, revoked.text
    before = redruth_audit_count(engine)

    pages = [client.get(p, follow_redirects=False) for p in ("/console", "/console/audit")]
    form = client.post(
        f"/console/requests/{redruth.request_id}/reject",
        data={"csrf_token": csrf, "reason": "x"},
        follow_redirects=False,
    )

    assert [p.status_code for p in pages] == [303, 303]
    assert form.status_code == 303
    assert form.headers["location"] == "/console/sign-in"
    assert redruth_audit_count(engine) == before


@pytest.mark.parametrize(
    "cookie",
    ["", "x" * 5000, "%00", "' OR '1'='1", "\u00e9t\u00e9"],
    ids=["empty", "huge", "percent-nul", "quote", "latin-1"],
)
def test_a_forged_session_cookie_is_sent_to_sign_in(client: TestClient, cookie: str) -> None:
    raw = ("purdah_console=" + cookie).encode()  # as sent, even bytes no cookie jar would send

    answer = client.get("/console/audit", headers={"Cookie": raw}, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in"


def test_a_signed_out_sessions_cookie_cannot_be_replayed(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    redruth = Redruth(client, seeded)
    csrf = sign_in(client, seeded.clerk)
    cookie = client.cookies.get("purdah_console")
    assert client.post("/console/sign-out", data={"csrf_token": csrf}).status_code == 200
    before = redruth_audit_count(engine)
    client.cookies.set("purdah_console", str(cookie), path="/console")

    page = client.get("/console", follow_redirects=False)
    form = client.post(
        f"/console/overrides/{redruth.override_id}/revoke",
        data={"csrf_token": csrf, "reason": "replayed"},
        follow_redirects=False,
    )

    assert (page.status_code, form.status_code) == (303, 303)
    assert redruth_audit_count(engine) == before
