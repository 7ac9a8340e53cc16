"""
A header a request carries once (`Authorization`, `Content-Type`, `Content-Length`) given
twice is refused, 400 `/problems/repeated-header`, by every operation and by the can-publish
fast path as by the documented route: which one counts is not agreed (Starlette's
`headers.get` takes the first, a loop over the headers the last), and the fast path took the
last key where the documented POST took the first, so the same bytes were allowed by one and
refused by the other. And the fast path's memo holds nothing for a request without a valid key,
nor a path, query or key too long to be a real one.
"""

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api import answer_memo
from app.domain import UTC
from tests.conftest import Keys

from .conftest import Clock, auth
from .test_fast_path_equivalence import both_ways

ACCOUNT = "facebook-redruthtowncouncil"
PATH = f"/v1/accounts/{ACCOUNT}/can-publish"
AT = "2029-04-10T10:00:00+01:00"
BODY = b'{"at": "2029-04-10T10:00:00+01:00", "category": "event", "text": "Street fair."}'
WRONG = "Bearer pdh_000000000000_wrong"


def _refused(answer: Any, header: str) -> None:
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["type"] == "/problems/repeated-header"
    assert problem["header"] == header
    assert header in problem["detail"]
    assert "outcome" not in problem


def _keys(keys: Keys) -> list[tuple[str, str]]:
    return [
        (f"Bearer {keys.viewer}", f"Bearer {keys.scheduler}"),
        (f"Bearer {keys.scheduler}", f"Bearer {keys.viewer}"),
        (WRONG, f"Bearer {keys.viewer}"),
        (f"Bearer {keys.viewer}", WRONG),
    ]


def test_two_keys_are_refused_by_get_head_and_post_both_ways(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    """Each pair in each order, after the same question with one key was remembered."""
    fast, routed = both_ways(engine, database_url, clock)
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        for client in (by_fast, by_route):
            for _ in range(2):  # the second from the fast path's memo
                one = client.get(PATH, params={"at": AT}, headers=auth(seeded.viewer))
                assert one.status_code == 200, one.text
                posted = client.post(
                    PATH,
                    content=BODY,
                    headers=auth(seeded.viewer) | {"Content-Type": "application/json"},
                )
                assert posted.status_code == 200, posted.text
            for first, second in _keys(seeded):
                two = [("Authorization", first), ("Authorization", second)]
                _refused(client.get(PATH, params={"at": AT}, headers=two), "Authorization")
                head = client.head(PATH, params={"at": AT}, headers=two)
                assert head.status_code == 400
                _refused(
                    client.post(
                        PATH, content=BODY, headers=[*two, ("Content-Type", "application/json")]
                    ),
                    "Authorization",
                )
                _refused(client.get("/v1/windows", headers=two), "Authorization")


@pytest.mark.parametrize(
    "media",
    [("text/plain", "application/json"), ("", "application/json"), ("application/json",) * 2],
)
def test_two_media_types_are_refused(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, media: tuple[str, str]
) -> None:
    fast, routed = both_ways(engine, database_url, clock)
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        for client in (by_fast, by_route):
            headers = [("Authorization", f"Bearer {seeded.viewer}")]
            headers += [("Content-Type", m) for m in media]
            _refused(client.post(PATH, content=BODY, headers=headers), "Content-Type")


def _asgi(client: TestClient, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, bytes]:
    """A POST sent to the app as raw ASGI (httpx writes one Content-Length of its own)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": PATH, "raw_path": PATH.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def call() -> None:
        await client.app(scope, receive, send)  # type: ignore[arg-type]

    assert client.portal is not None  # inside the client's `with`
    client.portal.call(call)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_two_lengths_are_refused(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    """A body length given twice (uvicorn refuses it already; another server may not)."""
    fast, routed = both_ways(engine, database_url, clock)
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        for client in (by_fast, by_route):
            base = [
                (b"authorization", f"Bearer {seeded.viewer}".encode()),
                (b"content-type", b"application/json"),
            ]
            length = (b"content-length", str(len(BODY)).encode())
            assert _asgi(client, [*base, length], BODY)[0] == 200
            status, body = _asgi(client, [*base, (b"content-length", b"2000000"), length], BODY)
            assert status == 400
            assert b"/problems/repeated-header" in body
            assert b"Content-Length" in body


def test_requests_without_a_valid_key_are_not_remembered(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    fast, _ = both_ways(engine, database_url, clock)
    with TestClient(fast) as client:
        memo = fast.state.services.answers
        start = dt.datetime(2029, 1, 1, tzinfo=UTC)
        for i in range(40):
            at = (start + dt.timedelta(hours=i)).isoformat()
            for headers in ({}, {"Authorization": WRONG}, auth(seeded.clerk[:-1] + "x")):
                answer = client.get(PATH, params={"at": at}, headers=headers)
                assert answer.status_code == 401
        assert len(memo._questions) == 0
        assert len(memo._keys) == 0
        # with a valid key, the same questions are remembered (so the count above could grow)
        for i in range(40):
            at = (start + dt.timedelta(hours=i)).isoformat()
            assert (
                client.get(PATH, params={"at": at}, headers=auth(seeded.viewer)).status_code == 200
            )
        assert len(memo._questions) == 40
        assert len(memo._keys) == 1


def test_long_paths_queries_and_keys_are_answered_but_not_remembered(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    fast, routed = both_ways(engine, database_url, clock)
    limit = answer_memo.MAX_REMEMBERED_BYTES
    long_account = f"/v1/accounts/{'a' * limit}/can-publish"
    padded = {"Authorization": "Bearer " + " " * limit + seeded.viewer}
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        memo = fast.state.services.answers
        for client in (by_fast, by_route):
            padding = client.get(PATH, params={"at": AT}, headers=padded)
            assert padding.status_code == 200, padding.text  # a padded key is still the key
            assert client.get(long_account, headers=auth(seeded.viewer)).status_code == 404
            long_query = f"{PATH}?at={AT.replace('+', '%2B')}" + "&" * limit
            assert client.get(long_query, headers=auth(seeded.viewer)).status_code == 200
            assert client.get(long_query, headers=auth(seeded.viewer)).status_code == 200
        # the padded key was verified, not remembered; the plain one was
        assert padded["Authorization"].encode() not in memo._keys
        assert [len(k) for k in memo._keys] == [len(f"Bearer {seeded.viewer}")]
        assert [path for path, _ in memo._questions] == [PATH]  # only the short question
