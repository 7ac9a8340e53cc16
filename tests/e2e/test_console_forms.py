"""
The console's Calendar, Accounts and Restrictions forms through HTTP (the real app and
database, a settable clock, SQLite and PostgreSQL): each form's server-side validation (an
error on the field, everything typed kept, nothing written), its CSRF and role checks, and
what the API answers after each change. The browser flows are in test_console_tasks.py.
"""

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.store.keys import Role
from app.store.tables import AuditEventRow
from tests.conftest import Keys

from .approval_requests import new_key
from .conftest import auth
from .test_console_sessions import GRANT, _csrf, sign_in
from .test_request_decisions import two_clerks  # noqa: F401 - fixture: two Clerks' policy

PCC = "pcc.devon-and-cornwall.2028-05-04"
PCC_DOM = "pcc-devon-and-cornwall-2028-05-04"
TOWN = "facebook-redruthtowncouncil"


def _audit_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _text(html: str) -> str:
    """The page's words, tags dropped and white space folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _post(client: TestClient, path: str, page: str, **data: Any):  # type: ignore[no-untyped-def]
    """A console form as a browser sends it, with the session's CSRF token from `page`."""
    token = _csrf(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def _errors(html: str) -> dict[str, str]:
    """The error summary: field id -> message."""
    return {
        m.group(1): unescape(m.group(2))
        for m in re.finditer(r'<li><a href="#([^"]+)">([^<]+)</a></li>', html)
    }


# --- Calendar ---


def test_the_calendar_lists_the_coming_window_with_its_timetable_in_words(
    client: TestClient, seeded: Keys
) -> None:
    """The clock is 24 November 2026: the 2028 PCC election is in the coming 24 months, 2029's is not."""
    sign_in(client, seeded.viewer, "Val Viewer")
    page = client.get("/console/calendar")
    text = _text(page.text)

    assert page.status_code == 200
    assert "Restricted periods from November 2025 to November 2028" in text
    assert "March 2028 Devon and Cornwall Police and Crime Commissioner election Coming" in text
    assert (
        "Restricted from 00:00 on Monday 27 March 2028 until 22:00 on Thursday 4 May 2028" in text
    )
    assert "Notice of election by Monday 27 March 2028 at the latest; not yet recorded" in text
    assert "Close of nominations Tuesday 4 April 2028" in text
    assert "Polling day Thursday 4 May 2028" in text
    assert "statutory latest day for the notice of election, 2028-03-27" in text
    assert "2029" not in text.split("Restricted periods by month")[1].split("Days of mourning")[0]
    assert "March 2028: restricted" in text
    assert "February 2028: not restricted" in text
    assert "November 2026: not restricted (this month)" in text
    # a viewer reads the page but has no forms
    assert "Record the notice" not in text
    assert 'name="status"' not in page.text


def test_recording_a_notice_date_checks_it_and_moves_the_start(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    sign_in(client, seeded.clerk)
    path = f"/console/calendar/elections/{PCC}/notice"
    before = _audit_count(engine)

    empty = _post(client, path, "/console/calendar")
    late = _post(client, path, "/console/calendar", notice_date="2028-04-20",
                 notice_reason="Devon and Cornwall PCC's notice page")  # fmt: skip

    assert empty.status_code == 422
    assert _errors(empty.text) == {
        f"notice-{PCC_DOM}": "Enter the date the notice of election was published",
        f"notice-reason-{PCC_DOM}": "Enter where the notice was published",
    }
    assert late.status_code == 422
    assert "outside the days the law allows" in _errors(late.text)[f"notice-{PCC_DOM}"]
    assert 'value="2028-04-20"' in late.text  # kept as typed
    assert "Devon and Cornwall PCC&#39;s notice page" in late.text
    assert '<details class="details" open>' in late.text  # the form with the error is open
    assert _audit_count(engine) == before

    done = _post(client, path, "/console/calendar", notice_date="20/3/2028",
                 notice_reason="Published on the PCC's website")  # fmt: skip

    assert done.status_code == 303
    shown = _text(client.get(done.headers["location"]).text)
    assert "Notice of election for the Devon and Cornwall Police and Crime Commissioner " \
        "election recorded: Monday 20 March 2028." in shown  # fmt: skip
    assert "published on Monday 20 March 2028 (recorded by the Clerk)" in shown
    answer = client.get(f"/v1/elections/{PCC}", headers=auth(seeded.viewer)).json()
    assert answer["notice_published"] == "2028-03-20"
    assert _instant(answer["restricted_period"]["starts_at"]) == _instant("2028-03-20T00:00+00:00")
    assert "notice of election" in answer["restricted_period"]["start_basis"]
    assert answer["restricted_period"]["start_basis"] in shown


def test_a_status_needs_its_reason_and_does_not_lift_the_period(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    sign_in(client, seeded.clerk)
    path = f"/console/calendar/elections/{PCC}/status"
    period = client.get(f"/v1/elections/{PCC}", headers=auth(seeded.viewer)).json()[
        "restricted_period"
    ]
    before = _audit_count(engine)

    unknown = _post(client, path, "/console/calendar", status="postponed")
    no_reason = _post(client, path, "/console/calendar", status="uncontested")

    assert _errors(unknown.text) == {f"status-{PCC_DOM}": "Choose the election's status"}
    assert _errors(no_reason.text) == {
        f"status-reason-{PCC_DOM}": "A status of uncontested needs a reason"
    }
    assert '<option value="uncontested" selected>' in no_reason.text
    assert _audit_count(engine) == before

    done = _post(client, path, "/console/calendar", status="uncontested",
                 status_reason="One candidate nominated")  # fmt: skip

    assert done.status_code == 303
    shown = _text(client.get(done.headers["location"]).text)
    assert "Status of the Devon and Cornwall Police and Crime Commissioner election recorded: " \
        "uncontested. This does not lift the period: publishing stays restricted until the " \
        "period ends, at 22:00 on Thursday 4 May 2028." in shown  # fmt: skip
    assert "Status uncontested: One candidate nominated. This does not lift the period" in shown
    answer = client.get(f"/v1/elections/{PCC}", headers=auth(seeded.viewer)).json()
    assert (answer["status"], answer["status_reason"]) == ("uncontested", "One candidate nominated")
    assert answer["restricted_period"] == period
    at = "2028-04-20T10:00:00+01:00"
    decided = client.get(f"/v1/accounts/{TOWN}/can-publish",
                         params={"at": at, "category": "event"}, headers=auth(seeded.scheduler))  # fmt: skip
    assert decided.json()["outcome"] == "refer"


def test_a_day_of_mourning_is_added_and_every_period_recomputed(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    sign_in(client, seeded.clerk)
    before = _audit_count(engine)

    empty = _post(client, "/console/calendar/dies-non", "/console/calendar")
    weekend = _post(client, "/console/calendar/dies-non", "/console/calendar",
                    day="2028-03-25", name="National day of mourning")  # fmt: skip

    assert _errors(empty.text) == {
        "dies-non-date": "Enter the date of the day of mourning or thanksgiving",
        "dies-non-name": "Enter what the day is, like 'National day of mourning'",
    }
    assert _errors(weekend.text) == {
        "dies-non-date": "2028-03-25 is a weekend day, never a working day anyway"
    }
    assert 'value="National day of mourning"' in weekend.text
    assert _audit_count(engine) == before

    done = _post(client, "/console/calendar/dies-non", "/console/calendar",
                 day="2028-03-29", name="National day of mourning")  # fmt: skip
    again = _post(client, "/console/calendar/dies-non", "/console/calendar",
                  day="2028-03-29", name="National day of mourning")  # fmt: skip

    assert done.status_code == 303
    shown = _text(client.get(done.headers["location"]).text)
    assert "Wednesday 29 March 2028 added as a day that is not a working day." in shown
    assert "Wednesday 29 March 2028: National day of mourning" in shown
    assert client.get("/v1/dies-non", headers=auth(seeded.viewer)).json() == [
        {"date": "2028-03-29", "name": "National day of mourning"}
    ]
    assert _errors(again.text) == {"dies-non-date": "That day is already a day the Clerk added"}


# --- Accounts ---


def test_an_account_is_proposed_with_an_official_email_and_approved_with_a_reason(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    sign_in(client, seeded.clerk)
    before = _audit_count(engine)
    typed = {
        "name": "Redruth Town Council on TikTok",
        "account_id": "tiktok-redruth",
        "platform": "tiktok",
        "kind": "profile",
        "contact_email": "comms@gmail.com",
        "url": "https://www.tiktok.com/@redruthtc",
        "reason": "To reach younger residents",
    }

    empty = _post(client, "/console/accounts", "/console/accounts")
    bad = _post(client, "/console/accounts", "/console/accounts",
                **{**typed, "account_id": "All", "url": "http://x"})  # fmt: skip
    gmail = _post(client, "/console/accounts", "/console/accounts", **typed)

    assert empty.status_code == 422
    assert list(_errors(empty.text)) == [
        "new-account-id", "new-name", "new-platform", "new-kind", "new-contact-email",
        "new-reason",
    ]  # fmt: skip
    assert set(_errors(bad.text)) == {"new-account-id", "new-url"}
    assert _errors(gmail.text)["new-contact-email"].startswith(
        "Policy 5.3a: official accounts must use an official email address"
    )
    assert 'value="comms@gmail.com"' in gmail.text
    assert "To reach younger residents</textarea>" in gmail.text
    assert _audit_count(engine) == before

    done = _post(client, "/console/accounts", "/console/accounts",
                 **{**typed, "contact_email": "comms@redruth.gov.uk"})  # fmt: skip
    assert done.status_code == 303, _errors(done.text)
    assert "Account tiktok-redruth proposed." in _text(client.get(done.headers["location"]).text)
    got = client.get("/v1/accounts/tiktok-redruth", headers=auth(seeded.viewer)).json()
    assert (got["status"], got["name"]) == ("pending", "Redruth Town Council on TikTok")

    page = client.get("/console/accounts").text
    assert 'id="reason-tiktok-redruth" name="reason" type="text" value=""' in page
    unreasoned = _post(client, "/console/accounts/tiktok-redruth/move", "/console/accounts",
                       action="approve")  # fmt: skip
    assert _errors(unreasoned.text) == {
        "reason-tiktok-redruth": "Enter why you approve the account"
    }
    illegal = _post(client, "/console/accounts/tiktok-redruth/move", "/console/accounts",
                    action="suspend", reason="testing")  # fmt: skip
    assert "allowed moves: approve, close" in _errors(illegal.text)["reason-tiktok-redruth"]
    approved = _post(client, "/console/accounts/tiktok-redruth/move", "/console/accounts",
                     action="approve", reason="Agreed at the weekly review")  # fmt: skip
    assert approved.status_code == 303
    assert "Redruth Town Council on TikTok approved" in _text(
        client.get(approved.headers["location"]).text
    )
    assert (
        client.get("/v1/accounts/tiktok-redruth", headers=auth(seeded.viewer)).json()["status"]
        == "active"
    )


def test_suspend_and_reinstate_change_what_the_api_decides(
    client: TestClient, seeded: Keys
) -> None:
    sign_in(client, seeded.clerk)
    path = f"/console/accounts/{TOWN}/move"

    suspended = _post(client, path, "/console/accounts", action="suspend",
                      reason="Password shared with a contractor")  # fmt: skip

    assert suspended.status_code == 303
    assert (
        client.get(f"/v1/accounts/{TOWN}", headers=auth(seeded.viewer)).json()["status"]
        == "suspended"
    )
    reinstated = _post(client, path, "/console/accounts", action="reinstate",
                       reason="Password changed")  # fmt: skip
    assert reinstated.status_code == 303
    assert (
        client.get(f"/v1/accounts/{TOWN}", headers=auth(seeded.viewer)).json()["status"] == "active"
    )
    audit = client.get("/v1/audit", params={"action": "account.suspend"},
                       headers=auth(seeded.auditor)).json()["events"]  # fmt: skip
    assert audit[0]["actor"].startswith("Jane Trelawny (")
    assert audit[0]["reason"] == "Password shared with a contractor"


# --- manual windows ---


def test_a_manual_window_is_set_changed_and_ended_in_london_time(
    client: TestClient, seeded: Keys, engine: Engine, clock: Any
) -> None:
    sign_in(client, seeded.clerk)
    before = _audit_count(engine)

    bad = _post(client, "/console/overrides/windows", "/console/overrides",
                start_date="2026-11-24", start_time="25:00", end_date="2026-11-20",
                end_time="09:00", scope="some")  # fmt: skip

    assert bad.status_code == 422
    assert _errors(bad.text) == {
        "window-start-time": "Enter the start time in 24-hour form, like 09:00",
        "window-reason": "Enter the reason for the restriction",
        "window-scope": "Select at least one account, or choose all accounts",
    }
    assert 'id="window-start-date" name="start_date" type="date" value="2026-11-24"' in bad.text
    backwards = _post(client, "/console/overrides/windows", "/console/overrides",
                      start_date="2026-11-24", start_time="09:00", end_date="2026-11-20",
                      end_time="09:00", scope="all", reason="x")  # fmt: skip
    assert _errors(backwards.text) == {"window-end-date": "The end must be after the start"}
    assert _audit_count(engine) == before

    made = _post(client, "/console/overrides/windows", "/console/overrides",
                 start_date="24/11/2026", start_time="09:00", end_date="2026-12-01",
                 end_time="17:30", scope="some", accounts=[TOWN],
                 reason="Content under review")  # fmt: skip
    assert made.status_code == 303, _errors(made.text)
    window_id = made.headers["location"].split("window-added=")[1]
    got = client.get(f"/v1/windows/{window_id}", headers=auth(seeded.viewer)).json()
    assert (_instant(got["starts_at"]), _instant(got["ends_at"])) == (
        _instant("2026-11-24T09:00+00:00"),
        _instant("2026-12-01T17:30+00:00"),
    )
    assert (got["account_ids"], got["reason"]) == ([TOWN], "Content under review")
    shown = _text(client.get(made.headers["location"]).text)
    assert f"Restriction {window_id} set." in shown
    assert "Content under review In force now Redruth Town Council (facebook), from 09:00 on " \
        "Tuesday 24 November 2026 until 17:30 on Tuesday 1 December 2026." in shown  # fmt: skip

    change_path = f"/console/overrides/windows/{window_id}/change"
    p = f"window-{window_id}-"
    same = {"start_date": "2026-11-24", "start_time": "09:00", "end_date": "2026-12-01",
            "end_time": "17:30", "scope": "some", "accounts": [TOWN],
            "reason": "Content under review"}  # fmt: skip
    unreasoned = _post(
        client, change_path, "/console/overrides", **{**same, "end_date": "2026-12-05"}
    )
    assert _errors(unreasoned.text) == {
        f"{p}change-reason": "Enter why you are changing the restriction"
    }
    assert f'id="{p}end-date" name="end_date" type="date" value="2026-12-05"' in unreasoned.text
    changed = _post(client, change_path, "/console/overrides",
                    **{**same, "end_date": "2026-12-05", "scope": "all",
                       "change_reason": "Review takes longer"})  # fmt: skip
    assert changed.status_code == 303, _errors(changed.text)
    got = client.get(f"/v1/windows/{window_id}", headers=auth(seeded.viewer)).json()
    assert (_instant(got["ends_at"]), got["account_ids"]) == (
        _instant("2026-12-05T17:30+00:00"),
        None,
    )

    end_path = f"/console/overrides/windows/{window_id}/end"
    no_reason = _post(client, end_path, "/console/overrides")
    assert _errors(no_reason.text) == {
        f"{p}end-reason": "Enter why you are ending the restriction now"
    }
    ended = _post(client, end_path, "/console/overrides", reason="Review finished")
    assert ended.status_code == 303
    got = client.get(f"/v1/windows/{window_id}", headers=auth(seeded.viewer)).json()
    assert _instant(got["ends_at"]) == clock.now
    assert f"Restriction {window_id} ended now." in _text(
        client.get(ended.headers["location"]).text
    )


# --- CSRF and roles, for every new form ---

FORMS = [
    ("/console/calendar/elections/" + PCC + "/notice", {"notice_date": "2028-03-20", "notice_reason": "x"}),
    ("/console/calendar/elections/" + PCC + "/status", {"status": "cancelled", "status_reason": "x"}),
    ("/console/calendar/dies-non", {"day": "2028-03-29", "name": "Mourning"}),
    ("/console/accounts", {"name": "N", "account_id": "n-n", "platform": "x", "kind": "page",
                           "contact_email": "a@redruth.gov.uk", "reason": "x"}),
    (f"/console/accounts/{TOWN}/move", {"action": "suspend", "reason": "x"}),
    ("/console/overrides/windows", {"start_date": "2026-11-24", "start_time": "09:00",
                                    "end_date": "2026-11-25", "end_time": "09:00",
                                    "scope": "all", "reason": "x"}),
    ("/console/overrides/windows/mw-0000000000/change", {"reason": "y", "change_reason": "x"}),
    ("/console/overrides/windows/mw-0000000000/end", {"reason": "x"}),
    ("/console/overrides/ov-0000000000/confirm", {}),
]  # fmt: skip


@pytest.mark.parametrize(("path", "data"), FORMS, ids=[p for p, _ in FORMS])
def test_every_new_form_refuses_a_missing_or_wrong_csrf_token_and_a_viewer(
    client: TestClient, seeded: Keys, engine: Engine, path: str, data: dict[str, str]
) -> None:
    before = _audit_count(engine)
    sign_in(client, seeded.clerk)
    missing = client.post(path, data=data, follow_redirects=False)
    wrong = client.post(path, data={**data, "csrf_token": "x" * 43}, follow_redirects=False)
    client.cookies.clear()
    sign_in(client, seeded.viewer, "Val Viewer")
    viewer = _post(client, path, "/console", **data)

    assert (missing.status_code, wrong.status_code, viewer.status_code) == (403, 403, 403)
    assert "The form could not be accepted" in missing.text
    assert "Only the Town Clerk can do this" in viewer.text
    assert _audit_count(engine) == before


# --- a second Clerk's confirmation ---


def test_the_key_that_granted_an_override_cannot_confirm_it_under_another_name(
    two_clerks: TestClient,  # noqa: F811 - the imported fixture
    seeded: Keys,
    engine: Engine,
) -> None:
    """The console's hole: one key, two people's names. The API refuses it too."""
    client = two_clerks
    sign_in(client, seeded.clerk, "Jane Trelawny")
    granted = _post(client, "/console/overrides", "/console/overrides", **GRANT)
    assert granted.status_code == 303
    assert "awaiting=" in granted.headers["location"]
    override_id = granted.headers["location"].split("awaiting=")[1]
    page = _text(client.get(granted.headers["location"]).text)
    assert "It takes effect once a second Clerk confirms it" in page
    assert "Overrides waiting for a second Clerk" in page
    assert "No override is in force." in page

    # the same key, another name, in the console: refused
    client.cookies.clear()
    sign_in(client, seeded.clerk, "Kit Pascoe")
    same_key = _post(client, f"/console/overrides/{override_id}/confirm", "/console/overrides")
    assert same_key.status_code == 422
    assert _errors(same_key.text) == {
        f"confirm-{override_id}": "The key that granted an override cannot confirm it, whoever "
        "signs in with it: a second Clerk must, with their own key"
    }
    # and through the API with that key (its name differs from "Jane Trelawny")
    api = client.post(f"/v1/overrides/{override_id}/confirm", headers=auth(seeded.clerk))
    assert api.status_code == 422
    assert "the key that granted" in api.json()["detail"]
    assert (
        client.get(f"/v1/overrides/{override_id}", headers=auth(seeded.viewer)).json()["in_force"]
        is False
    )

    # a second Clerk, with their own key, confirms it in the console
    second = new_key(client, engine, Role.CLERK, "Deputy Town Clerk")
    client.cookies.clear()
    sign_in(client, second, "Morwenna Hocking")
    confirmed = _post(client, f"/console/overrides/{override_id}/confirm", "/console/overrides")
    assert confirmed.status_code == 303, _errors(confirmed.text)
    shown = _text(client.get(confirmed.headers["location"]).text)
    assert f"Override {override_id} confirmed." in shown
    assert "Overrides waiting for a second Clerk" not in shown
    got = client.get(f"/v1/overrides/{override_id}", headers=auth(seeded.viewer)).json()
    assert (got["confirmed"], got["in_force"]) == (True, True)
    audit = client.get("/v1/audit", params={"action": "override.confirm"},
                       headers=auth(seeded.auditor)).json()["events"]  # fmt: skip
    assert audit[0]["actor"].startswith("Morwenna Hocking (")


def test_an_override_waiting_for_confirmation_can_be_revoked_from_its_row(
    two_clerks: TestClient,  # noqa: F811 - the imported fixture
    seeded: Keys,
) -> None:
    client = two_clerks
    sign_in(client, seeded.clerk)
    granted = _post(client, "/console/overrides", "/console/overrides", **GRANT)
    override_id = granted.headers["location"].split("awaiting=")[1]

    empty = _post(client, f"/console/overrides/{override_id}/revoke", "/console/overrides")
    revoked = _post(client, f"/console/overrides/{override_id}/revoke", "/console/overrides",
                    reason="Granted for the wrong account")  # fmt: skip

    assert _errors(empty.text) == {
        f"revoke-reason-{override_id}": "Enter why you are revoking the override"
    }
    assert revoked.status_code == 303
    assert "Overrides waiting for a second Clerk" not in client.get("/console/overrides").text
    got = client.get(f"/v1/overrides/{override_id}", headers=auth(seeded.viewer)).json()
    assert got["revoke_reason"] == "Granted for the wrong account"


def test_free_text_is_held_to_the_apis_limits_on_the_field_typed_in(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    """2000 characters of reason, 200 of a name, no control character: as the API's schemas."""
    sign_in(client, seeded.clerk)
    made = _post(client, "/console/overrides/windows", "/console/overrides",
                 start_date="2026-11-24", start_time="09:00", end_date="2026-11-25",
                 end_time="09:00", scope="all", reason="Content under review")  # fmt: skip
    window_id = made.headers["location"].split("window-added=")[1]
    p = f"window-{window_id}-"
    before = _audit_count(engine)
    long = "x" * 2001

    status = _post(client, f"/console/calendar/elections/{PCC}/status", "/console/calendar",
                   status="cancelled", status_reason=long)  # fmt: skip
    notice = _post(client, f"/console/calendar/elections/{PCC}/notice", "/console/calendar",
                   notice_date="2028-03-20", notice_reason="PCC\x00 site")  # fmt: skip
    day = _post(client, "/console/calendar/dies-non", "/console/calendar",
                day="2028-03-29", name="Mourning\nday")  # fmt: skip
    move = _post(client, f"/console/accounts/{TOWN}/move", "/console/accounts",
                 action="suspend", reason=long)  # fmt: skip
    change = _post(client, f"/console/overrides/windows/{window_id}/change", "/console/overrides",
                   start_date="2026-11-24", start_time="09:00", end_date="2026-11-26",
                   end_time="09:00", scope="all", reason="Content under review",
                   change_reason="longer\x1b")  # fmt: skip
    end = _post(client, f"/console/overrides/windows/{window_id}/end", "/console/overrides",
                reason=long)  # fmt: skip

    assert _errors(status.text) == {
        f"status-reason-{PCC_DOM}": "The reason must be 2000 characters or fewer"
    }
    assert _errors(notice.text) == {
        f"notice-reason-{PCC_DOM}": "Where it was published holds the control character "
        "U+0000; only line feeds and tabs are allowed in this text"
    }
    assert _errors(day.text) == {
        "dies-non-name": "What the day is holds the control character U+000A; control "
        "characters are not allowed in this field"
    }
    assert _errors(move.text) == {f"reason-{TOWN}": "The reason must be 2000 characters or fewer"}
    assert list(_errors(change.text)) == [f"{p}change-reason"]
    assert _errors(end.text) == {f"{p}end-reason": "The reason must be 2000 characters or fewer"}
    assert _audit_count(engine) == before


def test_a_restriction_far_ahead_is_listed_with_a_link_to_its_change_form(
    client: TestClient, seeded: Keys
) -> None:
    """Only windows in force or starting within about a year carry their form on the page."""
    sign_in(client, seeded.clerk)
    far = _post(client, "/console/overrides/windows", "/console/overrides",
                start_date="2029-01-08", start_time="09:00", end_date="2029-01-09",
                end_time="09:00", scope="all", reason="Far ahead")  # fmt: skip
    near = _post(client, "/console/overrides/windows", "/console/overrides",
                 start_date="2026-12-08", start_time="09:00", end_date="2026-12-09",
                 end_time="09:00", scope="all", reason="Near")  # fmt: skip
    far_id = far.headers["location"].split("window-added=")[1]
    near_id = near.headers["location"].split("window-added=")[1]

    listed = client.get("/console/overrides").text
    opened = client.get(f"/console/overrides?window={far_id}").text

    assert f'action="/console/overrides/windows/{near_id}/change"' in listed
    assert f'action="/console/overrides/windows/{far_id}/change"' not in listed
    assert f'href="/console/overrides?window={far_id}#window-{far_id}"' in listed
    assert f'action="/console/overrides/windows/{far_id}/change"' in opened
