"""
The console's Requests, Audit and Feeds-and-keys pages, and its error pages, through HTTP
(the real app and database, both backends): what each page shows, server-side validation
with nothing lost, CSRF, the API's role rules (viewer and auditor read, cannot write;
a scheduler cannot sign in), and hostile input. The browser flows are in test_console.py.
"""

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.config import Settings
from app.main import check_policies, create_app
from app.store.keys import parse_key
from tests.conftest import ROOT, Keys

from .approval_requests import POST, made
from .conftest import Clock, auth

GRANT = {
    "account": "all",
    "categories": ["event"],
    "start_date": "2029-04-09",
    "start_time": "09:00",
    "end_date": "2029-04-12",
    "end_time": "17:00",
    "reason": "street fair",
}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def _sign_in(client: TestClient, key: str, person: str = "Jane Trelawny") -> str:
    """Sign in; the session's CSRF token."""
    form = client.get("/console/sign-in")
    signed = client.post(
        "/console/sign-in",
        data={"person": person, "key": key, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    return _csrf(client.get("/console").text)


def _text(html: str) -> str:
    """The page's main text, tags dropped, spaces collapsed."""
    main = html.split('<main class="main" id="main-content">', 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).replace("&#39;", "'").split())


def _events(html: str) -> str:
    """The audit page's list of events, in words (not its filters' choices)."""
    return _text(html).split(" Events ", 1)[1]


def _request(client: TestClient, keys: Keys, rid: str) -> dict[str, object]:
    found = client.get(f"/v1/requests/{rid}", headers=auth(keys.clerk))
    assert found.status_code == 200, found.text
    return dict(found.json())


def test_the_clerk_reads_the_queue_and_approves_and_rejects_with_reasons(
    client: TestClient, seeded: Keys
) -> None:
    first = made(client, seeded.scheduler)
    second = made(client, seeded.scheduler, at="2029-04-11T15:30:00+01:00")
    csrf = _sign_in(client, seeded.clerk)

    page = client.get("/console/requests")
    shown = _text(page.text)
    assert page.status_code == 200
    assert "Murdoch Day street fair on Fore Street this Saturday" in shown
    assert (
        "Redruth Town Council (facebook): event post planned for 12:00 on Tuesday 10 April 2029"
        in shown
    )
    assert "15:30 on Wednesday 11 April 2029" in shown
    assert "Why it needs you" in shown
    assert "Clerk" in page.text.split(f'id="why-{first}"', 1)[1].split("</ul>", 1)[0]
    assert f'id="approve-reason-{first}" name="reason" type="text" value=""' in page.text
    assert f'id="reject-reason-{first}" name="reason" type="text" value=""' in page.text

    # no reason, and a start date without its time: errors, and nothing lost
    refused = client.post(
        f"/console/requests/{first}/approve",
        data={"csrf_token": csrf, "reason": "", "from_date": "10/4/2029", "from_time": ""},
    )
    assert refused.status_code == 422
    assert "Enter the reason for approving the post" in refused.text
    assert "Enter the not-before time, or leave its date empty too" in refused.text
    assert f'href="#approve-from-time-{first}"' in refused.text
    assert (
        f'id="approve-from-date-{first}" name="from_date" type="date" value="10/4/2029"'
        in refused.text
    )
    assert _request(client, seeded, first)["status"] == "pending"

    approved = client.post(
        f"/console/requests/{first}/approve",
        data={
            "csrf_token": csrf,
            "reason": "fair approved at the weekly review",
            "from_date": "2029-04-10",
            "from_time": "11:00",
            "until_date": "10/4/2029",
            "until_time": "13:00",
        },
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    notice = _text(client.get(approved.headers["location"]).text)
    assert (
        f"Request {first} approved. The post may go out from 11:00 on Tuesday 10 April 2029 "
        "until 13:00 on Tuesday 10 April 2029." in notice
    )
    done = _request(client, seeded, first)
    key_id = parse_key(seeded.clerk)[0]  # type: ignore[index]
    assert (done["status"], done["decided_by"]) == ("approved", f"Jane Trelawny ({key_id})")
    assert done["not_before"] == "2029-04-10T11:00:00+01:00"

    empty = client.post(
        f"/console/requests/{second}/reject", data={"csrf_token": csrf, "reason": "  "}
    )
    assert empty.status_code == 422
    assert "Enter the reason for rejecting the post" in empty.text
    rejected = client.post(
        f"/console/requests/{second}/reject",
        data={"csrf_token": csrf, "reason": "names a candidate"},
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    shown = _text(client.get("/console/requests").text)
    assert "No requests are waiting." in shown
    assert "Rejected by Jane Trelawny" in shown
    assert "names a candidate" in shown
    # a decided request cannot be decided again: the service's refusal, in words
    again = client.post(
        f"/console/requests/{second}/reject", data={"csrf_token": csrf, "reason": "again"}
    )
    assert again.status_code == 422
    assert "rejected" in _text(again.text).lower()


def test_a_span_the_rules_refuse_comes_back_on_its_field(client: TestClient, seeded: Keys) -> None:
    rid = made(client, seeded.scheduler)
    csrf = _sign_in(client, seeded.clerk)
    refused = client.post(
        f"/console/requests/{rid}/approve",
        data={
            "csrf_token": csrf,
            "reason": "ok",
            "from_date": "2029-04-10",
            "from_time": "13:00",
            "until_date": "2029-04-10",
            "until_time": "11:00",
        },
    )
    assert refused.status_code == 422
    assert f'href="#approve-until-date-{rid}"' in refused.text
    assert 'value="13:00"' in refused.text
    assert _request(client, seeded, rid)["status"] == "pending"


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_viewers_and_auditors_cannot_write_and_read_only_what_the_api_lets_them(
    client: TestClient, seeded: Keys, role: str
) -> None:
    rid = made(client, seeded.scheduler)
    csrf = _sign_in(client, seeded.of(role), person="Reader")
    pages = {p: client.get(f"/console/{p}") for p in ("requests", "audit", "access")}
    if role == "viewer":
        assert {p: r.status_code for p, r in pages.items()} == dict.fromkeys(pages, 403)
        assert "Requests are for the Town Clerk and auditors" in pages["requests"].text
        for export in ("/console/audit/export.csv", "/console/audit/export.jsonl"):
            refused = client.get(export)
            assert refused.status_code == 403
            assert "organisation.create" not in refused.text
    else:
        assert {p: r.status_code for p, r in pages.items()} == dict.fromkeys(pages, 200)
        assert POST.split("\n")[0] in pages["requests"].text
        assert "approve-reason" not in pages["requests"].text  # no forms
        assert "Calendar links are shown to the Town Clerk only." in pages["access"].text
        assert 'action="/console/access/keys"' not in pages["access"].text
    writes = [
        (f"/console/requests/{rid}/approve", {"reason": "ok"}),
        (f"/console/requests/{rid}/reject", {"reason": "no"}),
        ("/console/access/feeds", {"name": "Comms"}),
        ("/console/access/keys", {"role": "viewer", "name": "x"}),
        (f"/console/access/keys/{parse_key(seeded.scheduler)[0]}/revoke", {"reason": "x"}),  # type: ignore[index]
    ]
    for path, data in writes:
        answer = client.post(path, data={**data, "csrf_token": csrf})
        assert answer.status_code == 403, (path, answer.text)
        assert "Only the Town Clerk can do this" in answer.text
    assert _request(client, seeded, rid)["status"] == "pending"
    assert len(client.get("/v1/keys", headers=auth(seeded.clerk)).json()) == 4
    assert client.get("/v1/feeds/tokens", headers=auth(seeded.clerk)).json() == []


def test_every_write_needs_the_sessions_csrf_token(client: TestClient, seeded: Keys) -> None:
    rid = made(client, seeded.scheduler)
    _sign_in(client, seeded.clerk)
    scheduler_id = parse_key(seeded.scheduler)[0]  # type: ignore[index]
    writes = [
        (f"/console/requests/{rid}/approve", {"reason": "ok"}),
        (f"/console/requests/{rid}/reject", {"reason": "no"}),
        ("/console/access/feeds", {"name": "Comms"}),
        ("/console/access/keys", {"role": "viewer", "name": "x"}),
        (f"/console/access/keys/{scheduler_id}/revoke", {"reason": "x"}),
    ]
    for path, data in writes:
        for token in (None, "", "forged"):
            form = data if token is None else {**data, "csrf_token": token}
            answer = client.post(path, data=form)
            assert answer.status_code == 403, (path, token)
            assert "The form could not be accepted" in answer.text
    assert _request(client, seeded, rid)["status"] == "pending"
    assert len(client.get("/v1/keys", headers=auth(seeded.clerk)).json()) == 4


def test_a_scheduler_cannot_sign_in_to_read_any_page(client: TestClient, seeded: Keys) -> None:
    form = client.get("/console/sign-in")
    refused = client.post(
        "/console/sign-in",
        data={"person": "Bot", "key": seeded.scheduler, "csrf_token": _csrf(form.text)},
    )
    assert refused.status_code == 403
    for path in ("/console/requests", "/console/audit", "/console/access"):
        assert (
            client.get(path, follow_redirects=False)
            .headers["location"]
            .endswith("/console/sign-in")
        )


def test_the_audit_page_shows_my_actions_first_and_filters(
    client: TestClient, seeded: Keys
) -> None:
    csrf = _sign_in(client, seeded.clerk)
    granted = client.post(
        "/console/overrides", data={**GRANT, "csrf_token": csrf}, follow_redirects=False
    )
    assert granted.status_code == 303

    mine = _events(client.get("/console/audit").text)
    assert "override.grant" in mine
    assert "by Jane Trelawny" in mine
    assert "organisation.create" not in mine  # the seed's, behind the filter
    page = client.get("/console/audit", params={"who": "all"}).text
    everyone = _events(page)
    assert "organisation.create" in everyone
    assert "by purdah seed (system)" in everyone
    assert everyone.index("override.grant") < everyone.index("organisation.create")  # newest first
    assert "<details" in page
    assert "Previous event's hash" in everyone

    by_action = _events(
        client.get("/console/audit", params={"who": "all", "action": "key.create"}).text
    )
    assert "key.create" in by_action
    assert "override.grant" not in by_action
    by_account = _events(
        client.get(
            "/console/audit", params={"who": "all", "account": "facebook-redruthtowncouncil"}
        ).text
    )
    assert "account.seed: facebook-redruthtowncouncil" in by_account
    assert "account.seed: x-visitredruth" not in by_account
    assert "override.grant" not in by_account  # the grant was for every account
    own = {**GRANT, "account": "facebook-redruthtowncouncil", "reason": "town fair"}
    granted = client.post(
        "/console/overrides", data={**own, "csrf_token": csrf}, follow_redirects=False
    )
    assert granted.status_code == 303, granted.text
    by_account = _events(
        client.get("/console/audit", params={"account": "facebook-redruthtowncouncil"}).text
    )
    assert "override.grant" in by_account
    assert "town fair" in by_account
    assert "street fair" not in by_account
    # plain dates, both ways; the clock's day is 24 November 2026
    for day in ("24/11/2026", "2026-11-24", "24.11.2026"):
        on_day = _events(client.get("/console/audit", params={"from": day, "to": day}).text)
        assert "override.grant" in on_day, day
    later = _text(client.get("/console/audit", params={"from": "25/11/2026"}).text)
    assert "No events match these filters." in later

    wrong = client.get(
        "/console/audit", params={"from": "31/2/2026", "to": "yesterday", "action": "<script>"}
    )
    assert wrong.status_code == 422
    assert "Enter the first day as a date, like 7/5/2026 or 2026-05-07" in wrong.text
    assert "Enter the last day as a date" in wrong.text
    assert "Choose an action from the list" in wrong.text
    assert 'value="31/2/2026"' in wrong.text
    assert "<script>" not in wrong.text


def test_the_audit_page_pages_by_fifty_newest_first(client: TestClient, seeded: Keys) -> None:
    for n in range(60):
        made_key = client.post(
            "/v1/keys",
            json={"role": "viewer", "name": f"reader {n:02d}"},
            headers=auth(seeded.clerk),
        )
        assert made_key.status_code == 201
    _sign_in(client, seeded.clerk)
    first = client.get("/console/audit", params={"who": "people"}).text
    assert first.count('<li class="summary-list__row" id="event-') == 50
    assert "reader 59" in first
    assert "reader 10" in first
    assert "reader 09" not in first
    older = re.search(r'href="/console/audit\?([^"]+)" id="older"', first)
    assert older is not None
    second = client.get(f"/console/audit?{older.group(1).replace('&amp;', '&')}").text
    assert "reader 09" in second
    assert "reader 00" in second
    assert "reader 10" not in second
    assert 'id="older"' not in second


def test_verify_the_log_says_in_words_whether_it_checks_out(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    _sign_in(client, seeded.clerk)
    intact = _text(client.get("/console/audit/verify").text)
    events = client.get("/v1/audit/verify", headers=auth(seeded.auditor)).json()["events"]
    assert f"The log is intact: all {events} events were checked" in intact
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE audit_event SET reason = 'edited' WHERE seq = (SELECT MIN(seq) + 2 FROM audit_event)"
            )
        )
    altered = _text(client.get("/console/audit/verify").text)
    assert "The log has been altered:" in altered
    assert "The first event that does not check out is number" in altered


def test_the_export_streams_the_filtered_events_as_csv_and_json_lines(
    client: TestClient, seeded: Keys
) -> None:
    csrf = _sign_in(client, seeded.clerk)
    client.post("/console/overrides", data={**GRANT, "csrf_token": csrf})
    as_csv = client.get(
        "/console/audit/export.csv", params={"who": "all", "action": "override.grant"}
    )
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"].startswith('attachment; filename="audit-redruth-')
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["action"] for r in rows] == ["override.grant"]
    assert rows[0]["reason"] == "street fair"
    assert len(rows[0]["hash"]) == 64
    lines = client.get("/console/audit/export.jsonl", params={"who": "all"}).text.splitlines()
    events = [json.loads(line) for line in lines]
    assert events[0]["action"] == "organisation.create"  # oldest first, the whole filtered log
    assert events[-1]["action"] == "override.grant"
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    mine = client.get("/console/audit/export.jsonl").text.splitlines()
    assert [json.loads(line)["action"] for line in mine] == ["override.grant"]


def test_a_calendar_link_and_a_key_are_shown_once_and_can_be_revoked(
    client: TestClient, seeded: Keys
) -> None:
    csrf = _sign_in(client, seeded.clerk)
    empty = client.post("/console/access/feeds", data={"csrf_token": csrf, "name": " "})
    assert empty.status_code == 422
    assert "Enter who or what the link is for" in empty.text

    made_feed = client.post(
        "/console/access/feeds", data={"csrf_token": csrf, "name": "Communications team"}
    )
    assert made_feed.status_code == 200
    url = re.search(r'id="new-feed-url">([^<]+)<', made_feed.text)
    assert url is not None
    assert "Outlook" in made_feed.text
    assert "Google Calendar" in made_feed.text
    assert "Apple Calendar" in made_feed.text
    feed_path = url.group(1).removeprefix("http://testserver")
    assert client.get(feed_path).text.startswith("BEGIN:VCALENDAR")
    token = feed_path.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in client.get("/console/access").text  # never again

    made_key = client.post(
        "/console/access/keys",
        data={"csrf_token": csrf, "role": "viewer", "name": "Members' reader", "person": ""},
    )
    assert made_key.status_code == 200
    secret = re.search(r'id="new-key-secret">([^<]+)<', made_key.text)
    assert secret is not None
    assert client.get("/v1/policy", headers=auth(secret.group(1))).status_code == 200
    later = client.get("/console/access").text
    assert secret.group(1) not in later
    assert "Members&#39; reader" in later

    token_id = next(
        t["token_id"] for t in client.get("/v1/feeds/tokens", headers=auth(seeded.clerk)).json()
    )
    no_reason = client.post(f"/console/access/feeds/{token_id}/revoke", data={"csrf_token": csrf})
    assert no_reason.status_code == 422
    assert "Enter why you are revoking the link" in no_reason.text
    revoked = client.post(
        f"/console/access/feeds/{token_id}/revoke",
        data={"csrf_token": csrf, "reason": "team disbanded"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert f"Calendar link {token_id} revoked" in client.get(revoked.headers["location"]).text
    assert client.get(feed_path).status_code == 404

    key_id = parse_key(secret.group(1))[0]  # type: ignore[index]
    gone = client.post(
        f"/console/access/keys/{key_id}/revoke",
        data={"csrf_token": csrf, "reason": "left the council"},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert client.get("/v1/policy", headers=auth(secret.group(1))).status_code == 401
    # the key signed in with has no revoke form; forcing one is refused in words
    own = parse_key(seeded.clerk)[0]  # type: ignore[index]
    assert f'/console/access/keys/{own}/revoke"' not in client.get("/console/access").text
    locked = client.post(
        f"/console/access/keys/{own}/revoke", data={"csrf_token": csrf, "reason": "oops"}
    )
    assert locked.status_code == 422
    assert "would lock you out" in locked.text


def test_hostile_form_input_is_refused_in_words_and_changes_nothing(
    client: TestClient, seeded: Keys
) -> None:
    rid = made(client, seeded.scheduler)
    csrf = _sign_in(client, seeded.clerk)
    keys_before = len(client.get("/v1/keys", headers=auth(seeded.clerk)).json())
    # a repeated field cannot smuggle a Clerk's key past the role check
    repeated = client.post(
        "/console/access/keys",
        content=f"csrf_token={csrf}&role=viewer&role=clerk&name=x&name=y",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert repeated.status_code in (200, 422)
    roles = [k["role"] for k in client.get("/v1/keys", headers=auth(seeded.clerk)).json()]
    assert roles.count("clerk") == 1
    # a control character in a person's name; a NUL in a reason
    person = client.post(
        "/console/access/keys",
        data={"csrf_token": csrf, "role": "viewer", "name": "x", "person": "Jane\u001bTrelawny"},
    )
    assert person.status_code == 422
    assert "control character" in person.text
    nul = client.post(
        f"/console/requests/{rid}/reject", data={"csrf_token": csrf, "reason": "no\u0000"}
    )
    assert nul.status_code == 422
    assert nul.headers["content-type"].startswith("text/html")
    # a huge field: refused before it is read (PURDAH_BODY_MAX_BYTES), as a page
    huge = client.post(
        f"/console/requests/{rid}/reject", data={"csrf_token": csrf, "reason": "x" * 2_000_000}
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("text/html")
    assert "The form was too long" in huge.text
    # a hostile id in a path
    odd = client.post(
        "/console/requests/%3Cscript%3E/approve", data={"csrf_token": csrf, "reason": "x"}
    )
    assert odd.status_code == 404
    assert "<script>" not in odd.text
    assert _request(client, seeded, rid)["status"] == "pending"
    assert len(client.get("/v1/keys", headers=auth(seeded.clerk)).json()) <= keys_before + 1


def test_console_errors_are_pages_and_the_apis_stay_problems(
    client: TestClient, seeded: Keys
) -> None:
    _sign_in(client, seeded.clerk)
    missing = client.get("/console/no-such-page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Page not found" in missing.text
    assert "Signed in as Jane Trelawny" in missing.text
    assert missing.headers["content-security-policy"].startswith("default-src 'none'")
    api = client.get("/v1/no-such-thing", headers=auth(seeded.clerk))
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    not_found_key = client.post(
        "/console/access/keys/000000000000/revoke",
        data={"csrf_token": _csrf(client.get("/console").text), "reason": "x"},
    )
    assert not_found_key.status_code == 404
    assert "Page not found" in not_found_key.text


def test_an_unusable_policy_is_a_503_page_in_the_console(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, tmp_path: Path
) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(ROOT / "policies" / "redruth.yaml", folder)
    settings = Settings(
        database_url=database_url, policy_dir=folder, calendar_dir=ROOT / "calendars",
        gc_freeze=False,
    )  # fmt: skip
    app = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        _sign_in(client, seeded.clerk)
        path = folder / "redruth.yaml"
        path.write_text(path.read_text().replace("categories:", "categories: [", 1))
        check_policies(app.state.services)
        pages = {p: client.get(f"/console{p}") for p in ("", "/requests", "/audit", "/access")}
        api = client.get("/v1/policy", headers=auth(seeded.clerk))
    for name, page in pages.items():
        assert page.status_code == 503, name
        assert page.headers["content-type"].startswith("text/html"), name
        assert "The service cannot answer just now" in page.text, name
        assert "scheduling tools are told not to publish" in page.text, name
    assert api.status_code == 503
    assert api.headers["content-type"] == "application/problem+json"
