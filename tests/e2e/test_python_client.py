"""
The integrators' Python client (clients/python/purdah_client) against a real `purdah serve`.

`can_publish()` fails closed: True only for a 200 that says `"allowed": true`; a wrong key, a
dead port, a server that never answers, a 503 and a body that is not a decision are all False,
and none raises. `verify_webhook()` accepts what the reference `standardwebhooks` package signs
and refuses a tampered body.
"""

import datetime as dt
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from purdah_client import PurdahClient, PurdahError, WebhookError, verify_webhook
from standardwebhooks import Webhook

from .conftest import auth
from .integrator_server import (
    INSIDE_2029,
    OUTSIDE,
    TOWN,
    Served,
    canned_server,
    dead_url,
    served,
    silent_server,
)

pytestmark = [pytest.mark.server]

POST = "Murdoch Day street fair on Fore Street this Saturday, 10am to 4pm."
ALLOWED_BODY = json.dumps({"allowed": True, "outcome": "allow"}).encode()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with served(request.param, tmp_path_factory.mktemp("client"), request) as running:
        yield running


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_an_allowed_answer_is_true_and_a_denied_one_false(server: Served) -> None:
    with PurdahClient(server.base_url, server.scheduler) as client:
        assert client.can_publish(TOWN, at=_at(OUTSIDE)) is True
        assert client.can_publish(TOWN, at=_at(INSIDE_2029)) is False
        assert client.can_publish(TOWN, at=_at(INSIDE_2029), category="event") is False
        denied = client.decision(TOWN, at=_at(INSIDE_2029))
    assert (denied["allowed"], denied["outcome"]) == (False, "deny")
    assert denied["reasons"], "a denial gives its reasons"


def test_a_wrong_key_is_false_and_decision_raises_the_problem(server: Served) -> None:
    with PurdahClient(server.base_url, "not-a-key") as client:
        assert client.can_publish(TOWN, at=_at(OUTSIDE)) is False
        with pytest.raises(PurdahError) as raised:
            client.decision(TOWN, at=_at(OUTSIDE))
    assert raised.value.status == 401
    assert raised.value.problem is not None
    assert "type" in raised.value.problem


def test_an_unknown_account_is_false(server: Served) -> None:
    with PurdahClient(server.base_url, server.scheduler) as client:
        assert client.can_publish("no-such-account", at=_at(OUTSIDE)) is False


def test_a_dead_port_is_false() -> None:
    with PurdahClient(dead_url(), "any-key", timeout=2) as client:
        assert client.can_publish(TOWN, at=_at(OUTSIDE)) is False
        with pytest.raises(httpx.ConnectError):
            client.decision(TOWN, at=_at(OUTSIDE))


def test_a_server_that_never_answers_is_false_within_the_timeout() -> None:
    with silent_server() as url, PurdahClient(url, "any-key", timeout=0.5) as client:
        started = time.monotonic()
        assert client.can_publish(TOWN, at=_at(OUTSIDE)) is False
        assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, ALLOWED_BODY),  # fail closed even if a broken proxy's body says allowed
        (500, b"Internal Server Error"),
        (302, b""),
        (200, b"<html>captive portal</html>"),
        (200, b"[true]"),
        (200, json.dumps({"allowed": "true"}).encode()),
        (200, json.dumps({"outcome": "allow"}).encode()),
    ],
    ids=["503", "500", "redirect", "html", "list", "string-true", "no-allowed"],
)
def test_anything_but_a_200_decision_saying_allowed_is_false(status: int, body: bytes) -> None:
    with canned_server(status, body) as url, PurdahClient(url, "any-key") as client:
        assert client.can_publish(TOWN, at=_at(OUTSIDE)) is False
        with pytest.raises(PurdahError):
            client.decision(TOWN)


def test_the_canned_server_does_say_true_for_a_200_allowed() -> None:
    """The fail-closed cases above differ from an allowed answer only in what they test."""
    with canned_server(200, ALLOWED_BODY) as url, PurdahClient(url, "any-key") as client:
        assert client.can_publish(TOWN) is True


def test_a_naive_time_raises_before_any_call() -> None:
    naive = dt.datetime(2029, 4, 10, 12, 0)  # noqa: DTZ001 - the naive time under test
    with PurdahClient(dead_url(), "any-key") as client:
        with pytest.raises(ValueError, match="aware"):
            client.can_publish(TOWN, at=naive)
        with pytest.raises(ValueError, match="aware"):
            client.ask_clerk(TOWN, at=naive, category="event", text=POST)


def test_a_request_the_clerk_approves_allows_exactly_that_post(server: Served) -> None:
    at = _at(INSIDE_2029)
    with PurdahClient(server.base_url, server.scheduler) as client:
        asked = client.ask_clerk(TOWN, at=at, category="event", text=POST, note="annual event")
        request_id = str(asked["request_id"])
        before = client.can_publish(TOWN, at=at, category="event", text=POST, request_id=request_id)
        approved = httpx.post(
            f"{server.base_url}/v1/requests/{request_id}/approve",
            json={"reason": "factual notice of a council event"},
            headers=auth(server.clerk),
        )
        assert approved.status_code == 200, approved.text
        after = client.can_publish(TOWN, at=at, category="event", text=POST, request_id=request_id)
        edited = client.can_publish(
            TOWN, at=at, category="event", text=POST + "!", request_id=request_id
        )
        status = client.request(request_id)["status"]
    assert (before, after, edited) == (False, True, False)
    assert status == "approved"


def test_an_unknown_request_raises_the_problem(server: Served) -> None:
    with PurdahClient(server.base_url, server.scheduler) as client, pytest.raises(PurdahError) as e:
        client.request("rq-0000000000")
    assert e.value.status in (404, 422)


SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _signed(body: str) -> dict[str, str]:
    at = dt.datetime.now(dt.UTC)
    signature = Webhook(SECRET).sign("msg_1", at, body)
    return {
        "Webhook-Id": "msg_1",
        "Webhook-Timestamp": str(int(at.timestamp())),
        "Webhook-Signature": signature,
    }


def test_verify_webhook_accepts_a_body_the_reference_package_signed() -> None:
    body = json.dumps({"type": "window.opened", "data": {"account_id": TOWN}})
    assert verify_webhook(SECRET, body.encode(), _signed(body)) == json.loads(body)


def test_verify_webhook_refuses_a_tampered_body_and_a_wrong_secret() -> None:
    body = json.dumps({"type": "window.opened", "data": {"account_id": TOWN}})
    headers = _signed(body)
    with pytest.raises(WebhookError):
        verify_webhook(SECRET, body.replace("opened", "closed").encode(), headers)
    with pytest.raises(WebhookError):
        verify_webhook("whsec_" + "A" * 32, body.encode(), headers)
    with pytest.raises(WebhookError):
        verify_webhook(SECRET, body.encode(), {**headers, "Webhook-Signature": "v1,AAAA"})
