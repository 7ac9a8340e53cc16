"""
A hostile review of the console's input (issue 17), through HTTP (the real app and database,
both backends): control characters, huge and repeated fields, odd encodings, hostile ids in
paths, dates and times no calendar has, the audit page's filters and export, redirects,
response headers and secrets shown after the page that made them. Never a 500; what is
refused changes nothing.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import Keys

from .conftest import auth
from .test_console_hostile_councils import TOWN, Redruth, redruth_audit_count, sign_in

OVERRIDE = {
    "account": TOWN,
    "categories": "event",
    "start_date": "2029-04-09",
    "start_time": "09:00",
    "end_date": "2029-04-12",
    "end_time": "17:00",
    "reason": "street fair",
}
WINDOW_FORM = {
    "start_date": "2027-06-01",
    "start_time": "00:00",
    "end_date": "2027-06-08",
    "end_time": "00:00",
    "reason": "content under review",
    "scope": "all",
}
PCC = "pcc.devon-and-cornwall.2028-05-04"


def _forms(r: Redruth) -> dict[str, tuple[str, dict[str, str], str]]:
    """Each form: its path, a valid body, and the free-text field an attack goes in."""
    return {
        "grant": ("/console/overrides", OVERRIDE, "reason"),
        "revoke": (f"/console/overrides/{r.override_id}/revoke", {"reason": "done"}, "reason"),
        "add-window": ("/console/overrides/windows", WINDOW_FORM, "reason"),
        "change-window": (
            f"/console/overrides/windows/{r.window_id}/change",
            {**WINDOW_FORM, "change_reason": "moved"},
            "change_reason",
        ),
        "end-window": (f"/console/overrides/windows/{r.window_id}/end", {"reason": "x"}, "reason"),
        "approve": (f"/console/requests/{r.request_id}/approve", {"reason": "ok"}, "reason"),
        "reject": (f"/console/requests/{r.request_id}/reject", {"reason": "no"}, "reason"),
        "move": (f"/console/accounts/{TOWN}/move", {"action": "suspend", "reason": "x"}, "reason"),
        "propose": (
            "/console/accounts",
            {
                "account_id": "tiktok-redruth",
                "name": "Redruth on TikTok",
                "platform": "tiktok",
                "kind": "profile",
                "contact_email": "comms@redruth.gov.uk",
                "reason": "r",
            },
            "name",
        ),
        "notice": (
            f"/console/calendar/elections/{PCC}/notice",
            {"notice_date": "2028-03-20", "notice_reason": "noticeboard"},
            "notice_reason",
        ),
        "status": (
            f"/console/calendar/elections/{PCC}/status",
            {"status": "uncontested", "status_reason": "one candidate"},
            "status_reason",
        ),
        "dies-non": (
            "/console/calendar/dies-non",
            {"day": "2027-01-04", "name": "Day of mourning"},
            "name",
        ),
        "feed": ("/console/access/feeds", {"name": "Comms"}, "name"),
        "feed-revoke": (f"/console/access/feeds/{r.token_id}/revoke", {"reason": "x"}, "reason"),
        "key": ("/console/access/keys", {"role": "viewer", "name": "Reader"}, "name"),
        "key-person": (
            "/console/access/keys",
            {"role": "viewer", "name": "Reader", "person": "Ann"},
            "person",
        ),
        "key-revoke": (
            f"/console/access/keys/{r.scheduler_key_id}/revoke",
            {"reason": "x"},
            "reason",
        ),
    }


FORMS = [
    "grant",
    "revoke",
    "add-window",
    "change-window",
    "end-window",
    "approve",
    "reject",
    "move",
    "propose",
    "notice",
    "status",
    "dies-non",
    "feed",
    "feed-revoke",
    "key",
    "key-person",
    "key-revoke",
]
HOSTILE = {
    "nul": "before\x00after",
    "carriage-return": "before\r\nSet-Cookie: x=y",
    "escape": "\x1b[2Jcleared",
    "c1": "next\x85line",
    "long": "x" * 100_000,
}


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("form", FORMS)
def test_a_hostile_value_in_any_free_text_field_is_refused_and_changes_nothing(
    client: TestClient, seeded: Keys, engine: Engine, form: str, value: str
) -> None:
    redruth = Redruth(client, seeded)
    csrf = sign_in(client, seeded.clerk)
    path, body, field = _forms(redruth)[form]
    before = redruth_audit_count(engine)

    answer = client.post(path, data={"csrf_token": csrf, **body, field: value})

    assert answer.status_code == 422, answer.text[-2000:]
    assert answer.headers["content-type"].startswith("text/html")
    assert redruth_audit_count(engine) == before


@pytest.mark.parametrize("form", FORMS)
def test_each_valid_form_body_used_by_the_hostile_tests_is_accepted(
    client: TestClient, seeded: Keys, engine: Engine, form: str
) -> None:
    """The bodies the hostile values go into are valid: the refusals above are the values'."""
    redruth = Redruth(client, seeded)
    csrf = sign_in(client, seeded.clerk)
    path, body, _field = _forms(redruth)[form]
    before = redruth_audit_count(engine)

    answer = client.post(path, data={"csrf_token": csrf, **body}, follow_redirects=False)

    assert answer.status_code in (200, 303), answer.text[-3000:]
    assert redruth_audit_count(engine) > before


def _urlencoded(client: TestClient, path: str, body: str) -> Any:
    return client.post(
        path,
        content=body.encode("latin-1") if isinstance(body, str) else body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def test_repeated_fields_cannot_slip_past_a_check(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    redruth = Redruth(client, seeded)
    csrf = sign_in(client, seeded.clerk)
    before = redruth_audit_count(engine)

    two_tokens = _urlencoded(
        client, f"/console/overrides/{redruth.override_id}/revoke",
        "csrf_token=forged&csrf_token=alsoforged&reason=x",
    )  # fmt: skip
    two_accounts = _urlencoded(
        client, "/console/overrides",
        f"csrf_token={csrf}&account=all&account=no-such-account&categories=event"
        "&start_date=2029-04-09&start_time=09:00&end_date=2029-04-12&end_time=17:00&reason=x",
    )  # fmt: skip
    never = _urlencoded(
        client, "/console/overrides",
        f"csrf_token={csrf}&account=all&categories=event&categories=party-political"
        "&start_date=2029-04-09&start_time=09:00&end_date=2029-04-12&end_time=17:00&reason=x",
    )  # fmt: skip

    assert two_tokens.status_code == 403
    assert two_accounts.status_code == 422
    assert never.status_code == 422
    assert "Select only kinds of post an override can allow" in never.text
    assert redruth_audit_count(engine) == before
    overrides = client.get("/v1/overrides", headers=auth(seeded.clerk)).json()
    assert [o["override_id"] for o in overrides] == [redruth.override_id]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"reason=%FF%FE%00", 422),
        (b"reason=\xff\xfe\xfd", 200),
        (b"reason=%ED%A0%80", 200),
    ],
    ids=["percent-nul-and-bad-utf8", "raw-bad-utf8", "lone-surrogate"],
)
def test_invalid_utf8_in_a_form_is_read_as_replacement_characters_never_a_500(
    client: TestClient, seeded: Keys, engine: Engine, body: bytes, status: int
) -> None:
    redruth = Redruth(client, seeded)
    csrf = sign_in(client, seeded.clerk)

    answer = client.post(
        f"/console/requests/{redruth.request_id}/reject",
        content=f"csrf_token={csrf}&".encode() + body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert answer.status_code == status, answer.text[-2000:]
    assert answer.headers["content-type"].startswith("text/html")


def test_a_multipart_form_is_read_like_an_urlencoded_one(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    redruth = Redruth(client, seeded)
    csrf = sign_in(client, seeded.clerk)

    refused = client.post(
        f"/console/requests/{redruth.request_id}/reject",
        files={"csrf_token": (None, csrf), "reason": (None, "no\x00")},
    )
    file_field = client.post(
        f"/console/requests/{redruth.request_id}/reject",
        files={"csrf_token": (None, csrf), "reason": ("r.txt", b"a file", "text/plain")},
    )
    done = client.post(
        f"/console/requests/{redruth.request_id}/reject",
        files={"csrf_token": (None, csrf), "reason": (None, "names a candidate")},
        follow_redirects=False,
    )

    assert refused.status_code == 422
    assert file_field.status_code in (400, 422), file_field.text[-2000:]
    assert done.status_code == 303
    status = client.get(f"/v1/requests/{redruth.request_id}", headers=auth(seeded.clerk))
    assert status.json()["status"] == "rejected"


# --- dates and times ---

SPANS = {
    "year-1": ("0001-01-01", "00:00", "0001-01-02", "00:00"),
    "year-9999": ("9999-12-30", "00:00", "9999-12-31", "23:59"),
    "hour-24": ("2027-06-01", "24:00", "2027-06-02", "00:00"),
    "minute-60": ("2027-06-01", "23:60", "2027-06-02", "00:00"),
    "feb-30": ("2027-02-30", "09:00", "2027-03-02", "09:00"),
    "digits-not-ascii": ("٢٠٢٧-٠٦-٠١", "٠٩:٠٠", "2027-06-02", "09:00"),
    "huge-year": ("1/1/99999999999999999999", "09:00", "2027-06-02", "09:00"),
}


@pytest.mark.parametrize("span", list(SPANS.values()), ids=list(SPANS))
@pytest.mark.parametrize("form", ["grant", "add-window", "change-window", "approve"])
def test_a_date_or_time_no_calendar_has_is_refused_on_its_field(
    client: TestClient, seeded: Keys, engine: Engine, form: str, span: tuple[str, ...]
) -> None:
    redruth = Redruth(client, seeded)
    csrf = sign_in(client, seeded.clerk)
    path, body, _field = _forms(redruth)[form]
    names = (
        ("from_date", "from_time", "until_date", "until_time")
        if form == "approve"
        else ("start_date", "start_time", "end_date", "end_time")
    )
    before = redruth_audit_count(engine)

    answer = client.post(
        path, data={"csrf_token": csrf, **body, **dict(zip(names, span, strict=True))}
    )

    assert answer.status_code == 422, answer.text[-2000:]
    assert "like 9/4/2029" in answer.text or "24-hour form" in answer.text
    assert redruth_audit_count(engine) == before


@pytest.mark.parametrize(
    ("form", "day"),
    [
        ("dies-non", "0001-01-01"),
        ("dies-non", "9999-12-31"),
        ("dies-non", "31/12/9999"),
        ("notice", "0001-01-01"),
        ("notice", "9999-12-31"),
        ("notice", "29/02/2027"),
    ],
)
def test_a_day_far_in_the_past_or_future_is_refused_never_a_500(
    client: TestClient, seeded: Keys, engine: Engine, form: str, day: str
) -> None:
    redruth = Redruth(client, seeded)
    csrf = sign_in(client, seeded.clerk)
    path, body, _field = _forms(redruth)[form]
    field = "day" if form == "dies-non" else "notice_date"
    before = redruth_audit_count(engine)

    answer = client.post(path, data={"csrf_token": csrf, **body, field: day})

    assert answer.status_code == 422, answer.text[-2000:]
    assert redruth_audit_count(engine) == before


def test_a_time_the_clocks_skip_is_refused_and_the_repeated_hour_is_summer_time(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    """
    01:30 on 28 March 2027 never shows on a London clock (01:00 GMT is 02:00 BST): the form
    says so on the time's field and nothing is stored. In the repeated hour on 31 October 2027,
    01:30 is its first occurrence (BST).
    """
    csrf = sign_in(client, seeded.clerk)
    before = redruth_audit_count(engine)

    gap = client.post(
        "/console/overrides/windows",
        data={
            "csrf_token": csrf, **WINDOW_FORM, "start_date": "2027-03-28", "start_time": "01:30",
            "end_date": "2027-10-31", "end_time": "01:30",
        },
        follow_redirects=False,
    )  # fmt: skip
    refused_count = redruth_audit_count(engine)
    autumn = client.post(
        "/console/overrides/windows",
        data={
            "csrf_token": csrf, **WINDOW_FORM, "start_date": "2027-03-28", "start_time": "02:30",
            "end_date": "2027-10-31", "end_time": "01:30",
        },
        follow_redirects=False,
    )  # fmt: skip

    assert gap.status_code == 422, gap.text[-2000:]
    assert "01:30 does not happen in the UK on 28/03/2027" in gap.text
    assert refused_count == before
    assert autumn.status_code == 303, autumn.text[-2000:]
    window_id = autumn.headers["location"].rsplit("=", 1)[1]
    manual = client.get(f"/v1/windows/{window_id}", headers=auth(seeded.clerk)).json()
    assert (manual["starts_at"], manual["ends_at"]) == (
        "2027-03-28T02:30:00+01:00",
        "2027-10-31T01:30:00+01:00",
    )


@pytest.mark.parametrize(
    "path",
    [
        "/console/overrides/%00/revoke",
        "/console/overrides/%0D%0ALocation:%20https:%2F%2Fevil.example/confirm",
        "/console/overrides/windows/%00/end",
        "/console/overrides/windows/%00/change",
        "/console/requests/%00/approve",
        "/console/requests/%00/reject",
        "/console/accounts/%00/move",
        "/console/accounts/%E2%80%AE%00/move",
        "/console/calendar/elections/%00/notice",
        "/console/calendar/elections/%00/status",
        "/console/access/feeds/%00/revoke",
        "/console/access/keys/%00/revoke",
        "/console/access/keys/" + "a" * 5000 + "/revoke",
        "/console/overrides/" + "%FF" * 100 + "/revoke",
    ],
)
def test_a_hostile_id_in_a_path_is_a_page_and_changes_nothing(
    client: TestClient, seeded: Keys, engine: Engine, path: str
) -> None:
    Redruth(client, seeded)
    csrf = sign_in(client, seeded.clerk)
    before = redruth_audit_count(engine)

    answer = client.post(
        path,
        data={
            "csrf_token": csrf,
            "reason": "x",
            "action": "suspend",
            "status": "held",
            "notice_date": "2028-03-20",
            "notice_reason": "x",
            **WINDOW_FORM,
            "change_reason": "x",
        },
        follow_redirects=False,
    )

    assert (answer.status_code, answer.headers["content-type"][:9]) in (
        (404, "text/html"),
        (422, "text/html"),
    ), answer.text[-2000:]
    assert "evil.example" not in answer.headers.get("location", "")
    assert redruth_audit_count(engine) == before


@pytest.mark.parametrize(
    "query",
    ["who=mine&who=all", "account=a&account=b", "who=%00", "before=%0D%0A"],
    ids=["two-who", "two-accounts", "nul", "crlf"],
)
def test_a_repeated_or_control_character_query_parameter_is_a_page(
    client: TestClient, seeded: Keys, query: str
) -> None:
    sign_in(client, seeded.clerk)

    page = client.get(f"/console/audit?{query}")
    api = client.get(f"/v1/audit?{query}", headers=auth(seeded.clerk))

    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "The request could not be read" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert api.status_code == 422
    assert api.headers["content-type"] == "application/problem+json"
