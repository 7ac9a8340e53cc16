"""
The console's sessions through HTTP (the real app and database, a settable clock): cookie
flags, idle expiry, CSRF, the API's role rules and throttle, and `/` for browsers and API
clients. The browser flows are in test_console.py.
"""

import datetime as dt
import re

from fastapi.testclient import TestClient

from app.store.keys import parse_key
from tests.conftest import Keys

from .conftest import Clock, auth

HTTPS = "https://testserver"
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


def sign_in(client: TestClient, key: str, person: str = "Jane Trelawny", base: str = ""):  # type: ignore[no-untyped-def]
    form = client.get(f"{base}/console/sign-in")
    return client.post(
        f"{base}/console/sign-in",
        data={"person": person, "key": key, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )


def _overrides(client: TestClient, keys: Keys) -> list[dict[str, object]]:
    return list(client.get("/v1/overrides", headers=auth(keys.clerk)).json())


def test_the_session_cookie_is_httponly_strict_and_secure_over_https(
    client: TestClient, seeded: Keys
) -> None:
    signed = sign_in(client, seeded.clerk, base=HTTPS)
    assert signed.status_code == 303
    cookie = next(
        c for c in signed.headers.get_list("set-cookie") if c.startswith("purdah_console=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/console"} <= flags
    assert client.get(f"{HTTPS}/console").status_code == 200


def test_over_plain_http_the_cookie_is_not_secure(client: TestClient, seeded: Keys) -> None:
    signed = sign_in(client, seeded.clerk)
    cookie = next(
        c for c in signed.headers.get_list("set-cookie") if c.startswith("purdah_console=")
    )
    assert "secure" not in cookie.lower()
    assert "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()


def test_a_session_idle_for_longer_than_the_setting_ends(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    sign_in(client, seeded.clerk)
    clock.now += dt.timedelta(minutes=29)
    assert client.get("/console", follow_redirects=False).status_code == 200
    clock.now += dt.timedelta(minutes=29)  # 29 minutes after the last page: still alive
    assert client.get("/console", follow_redirects=False).status_code == 200
    clock.now += dt.timedelta(minutes=31)
    gone = client.get("/console", follow_redirects=False)
    assert gone.status_code == 303
    assert gone.headers["location"] == "/console/sign-in"


def test_a_form_without_the_sessions_csrf_token_changes_nothing(
    client: TestClient, seeded: Keys
) -> None:
    sign_in(client, seeded.clerk)
    for token in (None, "", "not-the-token"):
        data = GRANT | ({"csrf_token": token} if token is not None else {})
        refused = client.post("/console/overrides", data=data, follow_redirects=False)
        assert refused.status_code == 403
        assert "The form could not be accepted" in refused.text
    assert _overrides(client, seeded) == []
    # sign-out too needs the token: without it the session goes on
    assert client.post("/console/sign-out", follow_redirects=False).status_code == 403
    page = client.get("/console")
    assert page.status_code == 200
    granted = client.post(
        "/console/overrides", data=GRANT | {"csrf_token": _csrf(page.text)}, follow_redirects=False
    )
    assert granted.status_code == 303
    (override,) = _overrides(client, seeded)
    assert str(override["granted_by"]).startswith("Jane Trelawny (")


def test_a_sign_in_form_from_elsewhere_is_refused(client: TestClient, seeded: Keys) -> None:
    """No sign-in cookie (another site's form): refused, so nobody is signed in as someone else."""
    refused = client.post(
        "/console/sign-in",
        data={"person": "Mallory", "key": seeded.clerk, "csrf_token": "guessed"},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert "purdah_console=" not in refused.headers.get("set-cookie", "")


def test_sign_in_needs_a_name_and_a_valid_key_and_never_shows_the_key(
    client: TestClient, seeded: Keys
) -> None:
    no_name = sign_in(client, seeded.clerk, person="  ")
    assert no_name.status_code == 422
    assert "Enter your name" in no_name.text
    assert seeded.clerk not in no_name.text
    wrong = sign_in(client, f"pdh_{parse_key(seeded.clerk)[0]}_wrong")  # type: ignore[index]
    assert wrong.status_code == 401
    assert "The key is not valid" in wrong.text
    assert 'value="Jane Trelawny"' in wrong.text


def test_roles_are_the_apis_a_scheduler_cannot_sign_in_and_a_viewer_cannot_grant(
    client: TestClient, seeded: Keys
) -> None:
    scheduler = sign_in(client, seeded.scheduler)
    assert scheduler.status_code == 403
    assert "cannot sign in here" in scheduler.text
    assert sign_in(client, seeded.viewer).status_code == 303
    now = client.get("/console")
    assert "Requests are shown to the Town Clerk and auditors." in now.text
    page = client.get("/console/overrides")
    assert "Grant an override" not in page.text
    refused = client.post(
        "/console/overrides", data=GRANT | {"csrf_token": _csrf(now.text)}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert "Only the Town Clerk can do this" in refused.text
    assert _overrides(client, seeded) == []


def test_revoking_the_key_ends_its_console_sessions(client: TestClient, seeded: Keys) -> None:
    sign_in(client, seeded.viewer)
    assert client.get("/console", follow_redirects=False).status_code == 200
    key_id = parse_key(seeded.viewer)[0]  # type: ignore[index]
    revoked = client.post(
        f"/v1/keys/{key_id}/revoke", json={"reason": "left the council"}, headers=auth(seeded.clerk)
    )
    assert revoked.status_code == 200, revoked.text
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_repeated_failed_sign_ins_are_throttled_like_the_apis(
    client: TestClient, seeded: Keys
) -> None:
    answers = [sign_in(client, "pdh_000000000000_wrong").status_code for _ in range(31)]
    assert answers[:30] == [401] * 30
    assert answers[30] == 429
    last = sign_in(client, "pdh_000000000000_wrong")
    assert "Too many failed sign-ins" in last.text
    # a valid key still signs in (the API's rule: the throttle never refuses a correct key)
    assert sign_in(client, seeded.clerk).status_code == 303


def test_a_browser_asking_for_the_root_goes_to_the_console_and_api_clients_see_no_change(
    client: TestClient,
) -> None:
    browser = client.get("/", headers={"Accept": "text/html,*/*"}, follow_redirects=False)
    assert browser.status_code == 303
    assert browser.headers["location"] == "/console"
    api = client.get("/", headers={"Accept": "application/json"})
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_console_pages_send_the_docs_security_headers_with_no_script_allowed(
    client: TestClient, seeded: Keys
) -> None:
    page = client.get("/console/sign-in")
    docs = client.get("/docs")
    for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"):
        assert page.headers[name] == docs.headers[name]
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "<script" not in page.text
    assert "style=" not in page.text
    css = client.get("/console/static/console.css")
    assert css.status_code == 200
    assert css.headers["x-content-type-options"] == "nosniff"
