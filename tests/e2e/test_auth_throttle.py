"""
The failed-authentication throttle on a real `purdah serve`, since which address counts is
decided by uvicorn's proxy handling, not by the app.

Every client here is on loopback, which uvicorn trusts by default to say who it forwards for
(`X-Forwarded-For`); the service believes the header only from `PURDAH_FORWARDED_ALLOW_IPS`.
No database behaviour is under test, so the server runs on SQLite only.
"""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.domain import UTC
from app.services.keys import create_key
from app.store.engine import make_engine
from app.store.keys import Role, parse_key
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import migrated_database, seed_shipped

from .servers import running

pytestmark = pytest.mark.server

CAN_PUBLISH = "/v1/accounts/facebook-redruthtowncouncil/can-publish"
LIMIT = 30  # PURDAH_AUTH_FAILURE_LIMIT's default


def _bearer(key: str, forwarded_for: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    return headers | ({"X-Forwarded-For": forwarded_for} if forwarded_for else {})


def _wrong_secret(key: str) -> str:
    """The key with its key id kept and a wrong secret."""
    parsed = parse_key(key)
    assert parsed is not None
    return f"pdh_{parsed[0]}_not-the-secret"


@pytest.fixture
def keys(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, str, str]]:
    """A seeded SQLite database: its URL, the Clerk's key and a scheduler's key."""
    with migrated_database("sqlite", tmp_path, request) as url:
        clerk = seed_shipped(url)
        engine = make_engine(url)
        scheduler = create_key(
            UnitOfWork(engine),
            "redruth",
            Actor("tests", "operator"),
            role=Role.SCHEDULER,
            name="scheduling tool",
            now=dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        ).key
        engine.dispose()
        yield url, clerk, scheduler


def test_a_new_x_forwarded_for_on_each_attempt_does_not_escape_the_limit(
    keys: tuple[str, str, str], tmp_path: Path
) -> None:
    url, clerk, _ = keys
    with running(url, tmp_path) as base, httpx.Client(base_url=base) as client:
        failures = [
            client.get(CAN_PUBLISH, headers=_bearer("pdh_0_guess", f"198.51.100.{n}")).status_code
            for n in range(LIMIT)
        ]
        next_guess = client.get(CAN_PUBLISH, headers=_bearer("pdh_0_guess", "198.51.100.250"))
        clerk_here = client.get(CAN_PUBLISH, headers=_bearer(clerk, "198.51.100.251"))

    assert set(failures) == {401}
    assert next_guess.status_code == 429  # every attempt counted against 127.0.0.1
    assert 1 <= int(next_guess.headers["retry-after"]) <= 60
    assert clerk_here.status_code == 200


@pytest.mark.parametrize(
    "whose",
    ["scheduler", "clerk"],
    ids=["failures-with-another-key-id", "failures-with-the-clerks-own-key-id"],
)
def test_failures_claiming_the_clerks_address_do_not_lock_out_the_clerks_valid_key(
    keys: tuple[str, str, str], tmp_path: Path, whose: str
) -> None:
    """
    30 failures from this peer, each claiming to come from the Clerk's address, with a key id
    that exists: the next failure is refused, the Clerk's key still works everywhere.
    """
    url, clerk, scheduler = keys
    guessed = _wrong_secret(scheduler if whose == "scheduler" else clerk)
    clerks_address = "203.0.113.10"
    with running(url, tmp_path) as base, httpx.Client(base_url=base) as client:
        failures = [
            client.get(CAN_PUBLISH, headers=_bearer(guessed, clerks_address)).status_code
            for _ in range(LIMIT)
        ]
        next_guess = client.get("/v1/accounts", headers=_bearer(guessed, clerks_address))
        clerk_fast_path = client.get(CAN_PUBLISH, headers=_bearer(clerk, clerks_address))
        clerk_route = client.get("/v1/accounts", headers=_bearer(clerk, clerks_address))
        scheduler_key = client.get(CAN_PUBLISH, headers=_bearer(scheduler))

    assert set(failures) == {401}
    assert next_guess.status_code == 429
    assert (clerk_fast_path.status_code, clerk_route.status_code) == (200, 200)
    assert scheduler_key.status_code == 200


def test_forwarding_headers_are_believed_from_the_proxies_named_in_the_setting(
    keys: tuple[str, str, str], tmp_path: Path
) -> None:
    url, _, _ = keys
    proxy = {"PURDAH_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with running(url, tmp_path, proxy) as base, httpx.Client(base_url=base) as client:
        failures = [
            client.get(CAN_PUBLISH, headers=_bearer("pdh_0_guess", "203.0.113.7")).status_code
            for _ in range(LIMIT)
        ]
        same_client = client.get(CAN_PUBLISH, headers=_bearer("pdh_0_guess", "203.0.113.7"))
        other_client = client.get(CAN_PUBLISH, headers=_bearer("pdh_0_guess", "203.0.113.8"))

    assert set(failures) == {401}
    assert same_client.status_code == 429
    assert other_client.status_code == 401  # counted at the address the proxy forwarded for
