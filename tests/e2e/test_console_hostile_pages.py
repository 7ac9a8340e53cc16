"""
A hostile review of what the console's pages give back (issue 17), through HTTP (the real
app and database, both backends): the audit page's and export's filters with junk, redirect
targets, the security headers of every page (errors and redirects too), and secrets (a key,
a calendar link's token) never shown after the page that created them.
"""

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Keys

from .conftest import auth
from .test_console_hostile_councils import TOWN, Redruth, sign_in

BEFORE = ["-1", "0", "1e9", "²", "٣", "99999999999", "9" * 400, " 5", "0x10", "%00"]


@pytest.mark.parametrize("before", BEFORE)
def test_junk_in_the_audit_pages_before_is_a_page_never_a_500(
    client: TestClient, seeded: Keys, before: str
) -> None:
    sign_in(client, seeded.clerk)

    page = client.get("/console/audit", params={"before": before, "who": "all"})

    assert page.status_code in (200, 422), page.text[-2000:]
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "query",
    [
        {"who": "all", "from": "1/1/1950", "to": "31/12/2199"},
        {"who": "all", "from": "2199-12-31", "to": "1950-01-01"},
        {"who": "all", "from": "1/1/0001", "to": "31/12/9999"},
        {"who": "everyone", "action": "x" * 5000, "account": "' OR 1=1 --"},
        {"who": "all", "action": "override.grant%", "account": "%"},
        {"who": "all", "before": "1"},
    ],
    ids=["widest", "backwards", "out-of-range", "junk", "like-wildcards", "before-ignored"],
)
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_export_with_hostile_filters_is_bounded_by_the_councils_own_log(
    client: TestClient, seeded: Keys, query: dict[str, str], fmt: str
) -> None:
    Redruth(client, seeded)
    sign_in(client, seeded.clerk)
    everything = client.get(f"/console/audit/export.{fmt}", params={"who": "all"})

    answer = client.get(f"/console/audit/export.{fmt}", params=query)

    assert answer.status_code in (200, 422), answer.text[-2000:]
    if answer.status_code == 200:
        assert len(answer.content) <= len(everything.content)
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["content-disposition"].startswith("attachment;")
    else:
        assert answer.headers["content-type"].startswith("text/html")


def test_a_wildcard_in_the_action_filter_matches_no_other_action(
    client: TestClient, seeded: Keys
) -> None:
    Redruth(client, seeded)
    sign_in(client, seeded.clerk)

    answer = client.get("/console/audit/export.jsonl", params={"who": "all", "action": "%"})

    assert answer.status_code == 422
    assert "Choose an action from the list" in answer.text


PAGES = [
    "/console",
    "/console/calendar",
    "/console/accounts",
    "/console/overrides",
    "/console/requests",
    "/console/audit",
    "/console/audit/verify",
    "/console/access",
    "/console/no-such-page",
    "/console/audit?who=nobody",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_forbids_framing_and_scripts_and_is_not_stored(
    client: TestClient, seeded: Keys, path: str
) -> None:
    sign_in(client, seeded.clerk)
    assert client.get("/console/sign-in", follow_redirects=False).headers["location"] == "/console"

    page = client.get(path, follow_redirects=False)

    assert page.status_code in (200, 404, 422)
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/console/overrides?granted=//evil.example",
        "/console/accounts?moved=https://evil.example&action=approve",
        "/console/access?key-revoked=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
        "/console/calendar?dies-non=<script>",
        "/console/sign-in?next=https://evil.example",
        "/console/requests?approved=https://evil.example",
    ],
)
def test_a_redirect_or_notice_target_in_the_query_goes_nowhere_else(
    client: TestClient, seeded: Keys, path: str
) -> None:
    sign_in(client, seeded.clerk)

    page = client.get(path, follow_redirects=False)

    assert page.status_code in (200, 303)
    assert "evil.example" not in page.headers.get("location", "")
    assert "<script>" not in page.text
    assert 'href="https://evil.example' not in page.text
    assert 'href="//evil.example' not in page.text


def test_signing_in_ends_on_the_console_whatever_the_form_says(
    client: TestClient, seeded: Keys
) -> None:
    form = client.get("/console/sign-in?next=https://evil.example")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None

    signed = client.post(
        "/console/sign-in?next=https://evil.example",
        data={
            "person": "Jane",
            "key": seeded.clerk,
            "csrf_token": token.group(1),
            "next": "https://evil.example",
        },
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
        follow_redirects=False,
    )

    assert signed.status_code == 303
    assert signed.headers["location"] == "/console"


def test_a_new_key_and_calendar_link_are_on_their_own_page_only(
    client: TestClient, seeded: Keys
) -> None:
    csrf = sign_in(client, seeded.clerk)
    made_key = client.post(
        "/console/access/keys", data={"csrf_token": csrf, "role": "viewer", "name": "Reader"}
    )
    made_feed = client.post(
        "/console/access/feeds", data={"csrf_token": csrf, "name": "Comms", "account": TOWN}
    )
    key = re.search(r'id="new-key-secret">([^<]+)<', made_key.text)
    feed = re.search(r'id="new-feed-url">[^<]*/v1/feeds/([^<]+)\.ics<', made_feed.text)
    assert key is not None
    assert feed is not None
    # the whole key and its secret part (pdh_<id>_<secret>: the secret may hold "_" itself)
    secrets = (key.group(1), key.group(1).split("_", 2)[2], feed.group(1))

    pages = {
        p: client.get(p)
        for p in [
            *PAGES,
            "/console/audit?who=all",
            "/console/audit/export.csv?who=all",
            "/console/audit/export.jsonl?who=all",
            f"/console/audit?who=all&account={TOWN}",
        ]
    }

    assert made_key.headers["cache-control"] == "no-store"
    assert made_feed.headers["cache-control"] == "no-store"
    leaks = {(p, s[:8]) for p, page in pages.items() for s in secrets if s in page.text}
    assert leaks == set()


def _sign_in_token(client: TestClient) -> str:
    form = client.get("/console/sign-in")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    ("person", "key", "status"),
    [
        ("x" * 100_000, "valid", 422),
        ("Jane\x00", "valid", 422),
        ("Jane\r\nTrelawny", "valid", 422),
        ("Jane", "pdh_" + "a" * 100_000, 401),
        ("Jane", "pdh_000000000000_\x00", 401),
        ("Jane", "pdh_000000000000_s\u00e9cr\u00e8t\u202e", 401),
    ],
    ids=["huge-name", "nul-name", "crlf-name", "huge-key", "nul-key", "non-ascii-key"],
)
def test_a_hostile_sign_in_is_refused_in_words_and_starts_no_session(
    client: TestClient, seeded: Keys, person: str, key: str, status: int
) -> None:
    token = _sign_in_token(client)

    answer = client.post(
        "/console/sign-in",
        data={
            "person": person,
            "key": seeded.clerk if key == "valid" else key,
            "csrf_token": token,
        },
        follow_redirects=False,
    )

    assert answer.status_code == status, answer.text[-2000:]
    assert answer.headers["content-type"].startswith("text/html")
    assert "purdah_console=" not in answer.headers.get("set-cookie", "")
    assert seeded.clerk not in answer.text


@pytest.mark.parametrize(
    "body",
    [
        "person=Jane&key={key}&csrf_token=forged&csrf_token={token}",
        "person=Jane&key={key}&csrf_token={token}&csrf_token=forged",
    ],
    ids=["forged-first", "forged-last"],
)
def test_a_sign_in_form_with_two_tokens_is_read_as_the_framework_reads_it_never_a_500(
    client: TestClient, seeded: Keys, body: str
) -> None:
    """The framework reads the last value; a forger knows neither, so either way is safe."""
    token = _sign_in_token(client)

    answer = client.post(
        "/console/sign-in",
        content=body.format(key=seeded.clerk, token=token),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )

    assert answer.status_code == (303 if body.endswith("{token}") else 400)


def test_a_json_body_or_a_form_beyond_the_limit_is_a_page_that_changes_nothing(
    client: TestClient, seeded: Keys
) -> None:
    csrf = sign_in(client, seeded.clerk)

    as_json = client.post(
        "/console/access/keys", json={"csrf_token": csrf, "role": "viewer", "name": "x"}
    )
    too_long = client.post(
        "/console/access/keys",
        data={"csrf_token": csrf, "role": "viewer", "name": "x", "pad": "p" * 1_100_000},
    )
    sign_in_too_long = client.post(
        "/console/sign-in", data={"person": "x" * 1_100_000, "key": "k", "csrf_token": "t"}
    )
    wrong_method = client.put("/console/overrides", data={"csrf_token": csrf})

    assert as_json.status_code == 403
    assert (too_long.status_code, sign_in_too_long.status_code) == (413, 413)
    assert "The form was too long" in too_long.text
    assert wrong_method.status_code == 405
    assert all(
        r.headers["content-type"].startswith("text/html")
        for r in (as_json, too_long, sign_in_too_long, wrong_method)
    )
    roles = [k["role"] for k in client.get("/v1/keys", headers=auth(seeded.clerk)).json()]
    assert len(roles) == 4


@pytest.mark.parametrize("role", ["clerk", "operator", "Viewer", "viewer\x00", "viewer "])
def test_the_console_mints_no_key_of_a_role_the_clerk_may_not_give(
    client: TestClient, seeded: Keys, role: str
) -> None:
    csrf = sign_in(client, seeded.clerk)

    answer = client.post(
        "/console/access/keys", data={"csrf_token": csrf, "role": role, "name": "x"}
    )

    assert answer.status_code == 422
    assert "Choose what the key is for" in answer.text
    assert len(client.get("/v1/keys", headers=auth(seeded.clerk)).json()) == 4
