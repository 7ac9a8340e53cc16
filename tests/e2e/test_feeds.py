"""The ICS feed of restriction windows: what calendar clients rely on, and what they are lax about."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import ROOT, Keys

from .calendar_clients import parse_with_home_assistant_ical
from .conftest import Clock, auth

LONDON = ZoneInfo("Europe/London")
FEED = "/v1/feeds/restrictions.ics"
# Reference election: local.cornwall.2025-05-01 (Cornwall published its notice on 14 March 2025,
# recorded in calendars/redruth.ics); polling day 1 May 2025, so the window crosses the change
# to BST on 30 March 2025.
CORNWALL_2025 = "restriction.local.cornwall.2025-05-01@redruth.purdah-controller"
MAY_2029 = "restriction.local.cornwall.2029-05-03@redruth.purdah-controller"


def _feed(client: TestClient, keys: Keys, **params: str) -> icalendar.Calendar:
    response = client.get(FEED, params=params, headers=auth(keys.viewer))
    assert response.status_code == 200, response.text
    return icalendar.Calendar.from_ical(response.content)


def _events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_is_one_event_per_window_in_london_time(client: TestClient, seeded: Keys) -> None:
    windows = client.get("/v1/windows", headers=auth(seeded.viewer)).json()

    events = _events(_feed(client, seeded))

    assert len(events) == len(windows)
    assert events[CORNWALL_2025].decoded("DTSTART") == dt.datetime(2025, 3, 14, 0, 0, tzinfo=LONDON)
    assert events[CORNWALL_2025].decoded("DTEND") == dt.datetime(2025, 5, 1, 22, 0, tzinfo=LONDON)
    assert events[CORNWALL_2025]["DTSTART"].params["TZID"] == "Europe/London"


def test_a_summary_and_description_say_what_a_person_needs(
    client: TestClient, seeded: Keys
) -> None:
    event = _events(_feed(client, seeded))[CORNWALL_2025]

    description = str(event["DESCRIPTION"])

    assert str(event["SUMMARY"]) == (
        "Pre-election period: Cornwall Council and Redruth Town Council elections"
    )
    assert "Still allowed: election information, emergency, service information" in description
    assert (
        "Only with the Town Clerk's written override: consultation, event, new campaign"
        in description
    )
    assert "polling day Thursday 1 May 2025" in description
    assert str(event["URL"]).startswith("http://testserver/v1/windows?from=2025-03-14T00:00:00")


def test_the_calendar_has_the_properties_subscribers_read(client: TestClient, seeded: Keys) -> None:
    response = client.get(FEED, headers=auth(seeded.viewer))

    text = response.content.decode()

    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "\r\nMETHOD:PUBLISH\r\n" in text
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in text
    assert "\r\nX-WR-CALNAME:Redruth Town Council: pre-election periods\r\n" in text


def test_lines_end_in_crlf_and_fold_at_75_octets(client: TestClient, seeded: Keys) -> None:
    body = client.get(FEED, headers=auth(seeded.viewer)).content

    lines = body.split(b"\r\n")

    assert body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # long descriptions were folded


def test_every_tzid_has_its_vtimezone_and_every_event_its_dtstamp_and_end(
    client: TestClient, seeded: Keys
) -> None:
    calendar = _feed(client, seeded, companions="true")

    tzids = {
        prop.params["TZID"]
        for event in calendar.walk("VEVENT")
        for prop in (event["DTSTART"], event["DTEND"])
        if "TZID" in prop.params
    }
    defined = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}

    assert tzids == {"Europe/London"} <= defined
    assert all("DTSTAMP" in e and "UID" in e for e in calendar.walk("VEVENT"))
    assert all(e.decoded("DTSTAMP").tzinfo is not None for e in calendar.walk("VEVENT"))
    assert all(e.decoded("DTEND") > e.decoded("DTSTART") for e in calendar.walk("VEVENT"))


def test_home_assistant_reads_the_feed_with_the_same_times(
    client: TestClient, seeded: Keys
) -> None:
    text = client.get(FEED, headers=auth(seeded.viewer)).text

    parsed = parse_with_home_assistant_ical(text)

    event = next(e for e in parsed.events if e.uid == CORNWALL_2025)
    assert event.dtstart == dt.datetime(2025, 3, 14, 0, 0, tzinfo=LONDON)
    assert event.dtend == dt.datetime(2025, 5, 1, 22, 0, tzinfo=LONDON)
    assert len(parsed.events) == len(client.get("/v1/windows", headers=auth(seeded.viewer)).json())


def test_two_fetches_at_different_times_are_identical(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    first = client.get(FEED, headers=auth(seeded.viewer))
    clock.now += dt.timedelta(hours=5)

    second = client.get(FEED, headers=auth(seeded.viewer))

    assert second.content == first.content  # DTSTAMP comes from the data, not from the fetch
    assert second.headers["etag"] == first.headers["etag"]


def test_uids_survive_a_restart_and_a_recomputation(
    client: TestClient, seeded: Keys, engine, database_url: str, clock: Clock
) -> None:
    before = set(_events(_feed(client, seeded)))
    # Reference: a day of mourning recomputes every period (DESIGN section 2)
    client.post(
        "/v1/dies-non",
        json={"date": "2029-04-10", "name": "National day of mourning"},
        headers=auth(seeded.clerk),
    )
    settings = Settings(database_url=database_url, policy_dir=ROOT / "policies")
    restarted = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)

    with TestClient(restarted) as fresh:
        after = _events(_feed(fresh, seeded))

    assert set(after) == before
    assert after[MAY_2029].decoded("DTSTART").date() == dt.date(2029, 3, 26)
    assert int(after[MAY_2029]["SEQUENCE"]) == 1


def test_a_moved_window_keeps_its_uid_with_a_higher_sequence(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    before = _events(_feed(client, seeded))[MAY_2029]

    moved = client.patch(
        "/v1/elections/local.cornwall.2029-05-03",
        json={
            "notice_published": "2029-03-16",
            "notice_reason": "published by the returning officer",
        },
        headers=auth(seeded.clerk),
    )
    after = _events(_feed(client, seeded))[MAY_2029]

    assert moved.status_code == 200, moved.text
    assert after.decoded("DTSTART") == dt.datetime(2029, 3, 16, 0, 0, tzinfo=LONDON)
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTAMP") == clock.now


def _withdraw_by_election(client: TestClient, keys: Keys) -> str:
    election = "parish.redruth.north.by.2027-02-11"
    added = client.post("/v1/elections", json={"election_id": election}, headers=auth(keys.clerk))
    assert added.status_code == 201, added.text
    ended = client.patch(
        f"/v1/elections/{election}",
        json={
            "ends_at": "2026-12-01T00:00:00Z",
            "end_reason": "the vacancy was filled by co-option",
        },
        headers=auth(keys.clerk),
    )
    assert ended.status_code == 200, ended.text
    return f"restriction.{election}@redruth.purdah-controller"


def test_a_withdrawn_window_stays_cancelled_for_a_while(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    uid = _withdraw_by_election(client, seeded)

    shown = _events(_feed(client, seeded)).get(uid)
    clock.now += dt.timedelta(days=31)
    later = _events(_feed(client, seeded)).get(uid)

    assert shown is not None
    assert str(shown["STATUS"]) == "CANCELLED"
    assert int(shown["SEQUENCE"]) == 1
    assert later is None


def test_if_none_match_answers_304(client: TestClient, seeded: Keys) -> None:
    first = client.get(FEED, headers=auth(seeded.viewer))

    again = client.get(FEED, headers=auth(seeded.viewer) | {"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_if_modified_since_answers_304(client: TestClient, seeded: Keys) -> None:
    first = client.get(FEED, headers=auth(seeded.viewer))

    again = client.get(
        FEED, headers=auth(seeded.viewer) | {"If-Modified-Since": first.headers["last-modified"]}
    )

    assert again.status_code == 304


def test_if_none_match_wins_over_if_modified_since(client: TestClient, seeded: Keys) -> None:
    first = client.get(FEED, headers=auth(seeded.viewer))

    again = client.get(
        FEED,
        headers=auth(seeded.viewer)
        | {"If-None-Match": '"stale"', "If-Modified-Since": first.headers["last-modified"]},
    )

    assert again.status_code == 200


def test_a_change_to_the_windows_changes_the_etag(client: TestClient, seeded: Keys) -> None:
    first = client.get(FEED, headers=auth(seeded.viewer))
    client.patch(
        "/v1/elections/local.cornwall.2029-05-03",
        json={
            "notice_published": "2029-03-16",
            "notice_reason": "published by the returning officer",
        },
        headers=auth(seeded.clerk),
    )

    again = client.get(FEED, headers=auth(seeded.viewer) | {"If-None-Match": first.headers["etag"]})

    assert again.status_code == 200
    assert again.headers["etag"] != first.headers["etag"]


def test_a_client_that_sends_no_accept_header_gets_the_feed(
    client: TestClient, seeded: Keys
) -> None:
    response = client.get(FEED, headers=auth(seeded.viewer) | {"Accept": ""})

    assert response.status_code == 200
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")


def test_an_accounts_feed_includes_its_own_manual_window(client: TestClient, seeded: Keys) -> None:
    made = client.post(
        "/v1/windows",
        json={
            "starts_at": "2027-01-10T09:00:00Z",
            "ends_at": "2027-01-12T09:00:00Z",
            "reason": "Library page under review after a complaint",
            "account_ids": ["instagram-redruthlibrary"],
        },
        headers=auth(seeded.clerk),
    )
    assert made.status_code == 201, made.text

    own = _events(_feed(client, seeded, account_id="instagram-redruthlibrary"))
    shared = _events(_feed(client, seeded))

    uid = (
        f"restriction.{made.json()['window_id']}.instagram-redruthlibrary@redruth.purdah-controller"
    )
    assert uid in own
    assert str(own[uid]["SUMMARY"]).startswith("Publishing restricted by the Clerk")
    assert not any("Library page under review" in str(e["SUMMARY"]) for e in shared.values())


def test_companions_mark_each_polling_day_all_day(client: TestClient, seeded: Keys) -> None:
    events = _events(_feed(client, seeded, companions="true"))

    polling = events["restriction.local.cornwall.2025-05-01.polling-day@redruth.purdah-controller"]

    assert polling.decoded("DTSTART") == dt.date(2025, 5, 1)
    assert str(polling["SUMMARY"]) == "Polling day: Cornwall Council election"


def test_a_token_url_serves_the_feed_without_a_key(client: TestClient, seeded: Keys) -> None:
    made = client.post(
        "/v1/feeds/tokens", json={"name": "Office Outlook"}, headers=auth(seeded.clerk)
    )
    path = made.json()["url"].removeprefix("http://testserver")

    response = client.get(path)

    assert made.status_code == 201
    assert re.fullmatch(r"/v1/feeds/pft_[0-9a-f]{12}_[\w-]+\.ics", path)
    assert response.status_code == 200
    assert response.content == client.get(FEED, headers=auth(seeded.viewer)).content


def test_a_revoked_token_and_an_unknown_one_get_the_same_404(
    client: TestClient, seeded: Keys
) -> None:
    made = client.post(
        "/v1/feeds/tokens", json={"name": "Leaver"}, headers=auth(seeded.clerk)
    ).json()
    revoked = client.post(
        f"/v1/feeds/tokens/{made['token_id']}/revoke",
        json={"reason": "left the council"},
        headers=auth(seeded.clerk),
    )

    gone = client.get(f"/v1/feeds/{made['token']}.ics")
    unknown = client.get("/v1/feeds/pft_0123456789ab_not-a-real-secret.ics")

    assert revoked.status_code == 200
    assert (gone.status_code, unknown.status_code) == (404, 404)
    assert gone.json()["detail"] == unknown.json()["detail"] == "no such feed"


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
def test_only_the_clerk_gives_out_feed_urls(client: TestClient, seeded: Keys, role: str) -> None:
    response = client.post("/v1/feeds/tokens", json={"name": "x"}, headers=auth(seeded.of(role)))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_a_token_for_an_unknown_account_is_refused_and_nothing_written(
    client: TestClient, seeded: Keys
) -> None:
    response = client.post(
        "/v1/feeds/tokens", json={"name": "x", "account_id": "no-such"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 404
    assert client.get("/v1/feeds/tokens", headers=auth(seeded.clerk)).json() == []


def test_the_feed_needs_a_key(client: TestClient, seeded: Keys) -> None:
    response = client.get(FEED)

    assert response.status_code == 401


def test_a_window_that_an_earlier_poll_joins_keeps_its_uid(
    client: TestClient, seeded: Keys
) -> None:
    before = _events(_feed(client, seeded))[MAY_2029]
    # a ward by-election three weeks before the ordinary elections: its period overlaps theirs
    added = client.post(
        "/v1/elections",
        json={"election_id": "parish.redruth.central.by.2029-04-12"},
        headers=auth(seeded.clerk),
    )

    after = _events(_feed(client, seeded, companions="true"))

    assert added.status_code == 201, added.text
    assert MAY_2029 in after
    assert str(after[MAY_2029]["STATUS"]) == "CONFIRMED"
    assert int(after[MAY_2029]["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert "parish.redruth.central.by.2029-04-12" in str(after[MAY_2029]["DESCRIPTION"])


def test_no_two_events_share_a_uid(client: TestClient, seeded: Keys) -> None:
    client.post(
        "/v1/elections",
        json={"election_id": "parish.redruth.central.by.2029-04-12"},
        headers=auth(seeded.clerk),
    )
    _withdraw_by_election(client, seeded)

    calendar = _feed(client, seeded, companions="true")

    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert len(uids) == len(set(uids))


def test_head_answers_with_the_headers_of_the_feed(client: TestClient, seeded: Keys) -> None:
    full = client.get(FEED, headers=auth(seeded.viewer))

    head = client.head(FEED, headers=auth(seeded.viewer))

    assert head.status_code == 200
    assert head.headers["etag"] == full.headers["etag"]
    assert head.headers["content-type"] == "text/calendar; charset=utf-8"


def test_an_accounts_first_own_window_leaves_its_other_events_as_they_were(
    client: TestClient, seeded: Keys
) -> None:
    account = "instagram-redruthlibrary"
    uid = f"restriction.local.cornwall.2029-05-03.{account}@redruth.purdah-controller"
    client.patch(
        "/v1/elections/local.cornwall.2029-05-03",
        json={
            "notice_published": "2029-03-16",
            "notice_reason": "published by the returning officer",
        },
        headers=auth(seeded.clerk),
    )
    before = _events(_feed(client, seeded, account_id=account))[uid]
    client.post(
        "/v1/windows",
        json={
            "starts_at": "2027-01-10T09:00:00Z",
            "ends_at": "2027-01-12T09:00:00Z",
            "reason": "Library page under review",
            "account_ids": [account],
        },
        headers=auth(seeded.clerk),
    )

    after = _events(_feed(client, seeded, account_id=account))[uid]

    assert int(before["SEQUENCE"]) == 1
    assert int(after["SEQUENCE"]) == 1  # never lower: clients would ignore the event
    assert after.decoded("DTSTART") == before.decoded("DTSTART")
