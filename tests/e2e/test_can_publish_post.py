"""
POST /v1/accounts/{id}/can-publish and the batch with texts, on SQLite and PostgreSQL: the
post's text is screened, hostile bodies are refused with a problem, and no text is kept.

Reference election: local.cornwall.2025-05-01 and parish.redruth.2025-05-01 (notices
published 14 March 2025), as in test_can_publish.py.
"""

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.api import fast_path
from app.api.fast_answers import serve_post_fast
from tests.conftest import Keys

from .conftest import auth

TOWN = "facebook-redruthtowncouncil"
URL = f"/v1/accounts/{TOWN}/can-publish"
INSIDE = "2025-04-10T12:00:00+01:00"
BEFORE = "2025-01-10T12:00:00+00:00"
APPEAL = "Polls open at 7am on 1 May: vote for a greener Redruth!"
NEUTRAL = "Polling stations are open from 7am to 10pm on 1 May. Bring photo ID to vote."


def _post(client: TestClient, key: str, body: object, url: str = URL):  # type: ignore[no-untyped-def]
    headers = {**auth(key), "content-type": "application/json"}
    return client.post(url, content=json.dumps(body), headers=headers)


def test_an_appeal_refers_a_permitted_post_inside_the_window(
    client: TestClient, seeded: Keys
) -> None:
    body = {"at": INSIDE, "category": "service-information", "text": APPEAL}
    response = _post(client, seeded.scheduler, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["allowed"], answer["outcome"]) == (False, "refer")
    [appeal] = [r for r in answer["reasons"] if r["code"] == "ELECTORAL_APPEAL"]
    assert appeal["clause"] == "5.1"
    [match] = appeal["matches"]
    assert APPEAL[match["start"] : match["end"]] == match["matched"]
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


def test_the_same_text_outside_windows_is_allowed_with_a_warning(
    client: TestClient, seeded: Keys
) -> None:
    response = _post(client, seeded.scheduler, {"at": BEFORE, "text": APPEAL})
    answer = response.json()
    assert answer["outcome"] == "allow"
    assert [r["effect"] for r in answer["reasons"] if r["code"] == "ELECTORAL_APPEAL"] == ["warn"]


def test_neutral_election_information_is_allowed(client: TestClient, seeded: Keys) -> None:
    body = {"at": INSIDE, "category": "election-information", "text": NEUTRAL}
    answer = _post(client, seeded.scheduler, body).json()
    assert answer["outcome"] == "allow", answer["reasons"]
    assert [r["code"] for r in answer["reasons"]] == ["PERMITTED_CATEGORY"]


def test_post_without_text_answers_as_get(client: TestClient, seeded: Keys) -> None:
    posted = _post(client, seeded.viewer, {"at": INSIDE, "category": "event"}).json()
    got = client.get(
        URL, params={"at": INSIDE, "category": "event"}, headers=auth(seeded.viewer)
    ).json()
    for field in ("outcome", "reasons", "windows", "valid_until", "data_version"):
        assert posted[field] == got[field]


def test_the_batch_screens_each_text_and_answers_in_order(client: TestClient, seeded: Keys) -> None:
    checks = [
        {"account_id": TOWN, "at": INSIDE, "category": "service-information", "text": APPEAL},
        {"account_id": TOWN, "at": INSIDE, "category": "service-information"},
        {"account_id": TOWN, "at": INSIDE, "category": "service-information", "text": NEUTRAL},
    ]
    response = _post(client, seeded.scheduler, {"checks": checks}, "/v1/decisions")
    assert response.status_code == 200, response.text
    assert [d["outcome"] for d in response.json()["decisions"]] == ["refer", "allow", "allow"]


def test_no_text_is_kept(client: TestClient, seeded: Keys, engine: Engine) -> None:
    marker = "Zennor-mermaid-unique-7731"
    _post(client, seeded.scheduler, {"at": INSIDE, "text": f"{APPEAL} {marker}"})
    with engine.connect() as connection:
        for table in ("audit_event", "approval_request", "override_reliance"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            assert not any(marker in str(row) for row in rows), table


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"at": "2025-04-10T12:00:00", "text": "x"}, "at"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "a\rb"}, "text"),
        ({"text": "\x1b[31mred"}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * 65_537}, "text"),
        ({"text": "x", "request_id": "req\n1"}, "request_id"),
        ({"text": "x", "colour": "red"}, "colour"),
        ({"category": "no-such-category"}, "category"),
        ({"text": ["a", "b"]}, "text"),
        ({"text": {"a": {"b": {"c": {}}}}}, "text"),
    ],
    ids=[
        "naive-at",
        "nul",
        "carriage-return",
        "escape",
        "empty",
        "too-long",
        "newline-in-request-id",
        "unknown-field",
        "unknown-category",
        "list",
        "nested",
    ],
)
def test_a_bad_body_is_a_422_problem_naming_the_field(
    client: TestClient, seeded: Keys, body: dict[str, object], field: str
) -> None:
    response = _post(client, seeded.scheduler, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


def test_line_feeds_and_tabs_are_text(client: TestClient, seeded: Keys) -> None:
    response = _post(client, seeded.scheduler, {"text": "Bins:\n\tMonday\n\tThursday"})
    assert response.status_code == 200, response.text


def test_malformed_json_and_keyless_calls_are_refused(client: TestClient, seeded: Keys) -> None:
    json_type = {"content-type": "application/json"}
    broken = client.post(URL, content=b"{not json", headers={**auth(seeded.scheduler), **json_type})
    keyless = client.post(URL, content=json.dumps({"text": "x"}), headers=json_type)
    assert broken.status_code == 400
    assert keyless.status_code == 401


def test_an_unknown_account_is_a_404(client: TestClient, seeded: Keys) -> None:
    response = _post(client, seeded.scheduler, {"text": "x"}, "/v1/accounts/not-ours/can-publish")
    assert response.status_code == 404


def _asgi_post(client: TestClient, key: str, pieces: list[bytes]) -> tuple[int, dict[str, object]]:
    """POST `pieces` as the body, one ASGI message each, as a server passes a long body."""
    messages = [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]
    sent: list[dict[str, object]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {key}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(sum(map(len, pieces))).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, object]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    client.portal.call(client.app, scope, receive, send)  # type: ignore[arg-type, union-attr]
    body = b"".join(m.get("body", b"") for m in sent[1:])  # type: ignore[misc]
    return sent[0]["status"], json.loads(body)  # type: ignore[return-value]


def test_a_body_sent_in_pieces_is_answered_as_one(
    client: TestClient, seeded: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path reads a body the server passes in several messages whole."""
    raw = json.dumps({"at": INSIDE, "category": "service-information", "text": APPEAL}).encode()
    read: list[bytes] = []

    async def spy(scope, send, body, *args):  # type: ignore[no-untyped-def]
        read.append(body)
        return await serve_post_fast(scope, send, body, *args)

    monkeypatch.setattr(fast_path, "serve_post_fast", spy)

    whole = _asgi_post(client, seeded.scheduler, [raw])
    pieces = _asgi_post(client, seeded.scheduler, [raw[:10], raw[10:40], raw[40:]])

    assert read == [raw, raw]
    assert whole[0] == pieces[0] == 200
    assert {**whole[1], "decision_id": ""} == {**pieces[1], "decision_id": ""}
    assert pieces[1]["outcome"] == "refer"
