"""The limit on failed authentications per peer and per key id, with a clock the test moves."""

import pytest
from pydantic import ValidationError

from app.api.throttle import FailedAuthThrottle, TooManyFailures
from app.config import Settings


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_peer_is_refused_after_the_limit_and_free_again_when_failures_age_out() -> None:
    clock = _Clock()
    throttle = FailedAuthThrottle(3, 60, clock=clock)
    throttle.failed("10.0.0.1")
    clock.now += 10
    throttle.failed("10.0.0.1")
    clock.now += 10
    throttle.failed("10.0.0.1")
    clock.now += 10

    with pytest.raises(TooManyFailures) as blocked:
        throttle.failed("10.0.0.1")
    throttle.failed("10.0.0.2")  # another address is not affected
    clock.now += 31  # the first failure is now older than the window
    throttle.failed("10.0.0.1")

    # the first failure (at 0 s) leaves the window at 60 s; now is 30 s
    assert blocked.value.retry_after == 30


def test_failures_against_one_key_id_from_many_peers_are_refused_as_that_key_ids() -> None:
    throttle = FailedAuthThrottle(3, 60, clock=_Clock())
    throttle.failed("10.0.0.1", key_id="0123456789ab")
    throttle.failed("10.0.0.2", key_id="0123456789ab")
    throttle.failed("10.0.0.3", key_id="0123456789ab")

    with pytest.raises(TooManyFailures) as blocked:
        throttle.failed("10.0.0.4", key_id="0123456789ab")
    throttle.failed("10.0.0.4", key_id="ba9876543210")  # another key id is not affected

    assert "with this key id" in str(blocked.value)


def test_a_refused_failure_is_not_counted_so_the_refusal_does_not_grow() -> None:
    clock = _Clock()
    throttle = FailedAuthThrottle(2, 60, clock=clock)
    throttle.failed("10.0.0.1")
    throttle.failed("10.0.0.1")
    clock.now += 59
    with pytest.raises(TooManyFailures):
        throttle.failed("10.0.0.1")
    clock.now += 1

    throttle.failed("10.0.0.1")  # the first two aged out; the refused one was never counted


def test_the_tables_of_peers_are_bounded() -> None:
    throttle = FailedAuthThrottle(1, 60, max_clients=2, clock=_Clock())
    throttle.failed("a")
    throttle.failed("b")
    throttle.failed("c")

    throttle.failed("a")  # cleared when the table filled: "a" was forgotten
    with pytest.raises(TooManyFailures):
        throttle.failed("c")


@pytest.mark.parametrize(
    ("given", "kept"),
    [("", ""), (" 10.0.0.1 , 192.168.0.0/16 ", "10.0.0.1,192.168.0.0/16"), ("*", "*")],
    ids=["none-by-default", "addresses-and-networks", "any"],
)
def test_the_trusted_proxies_are_ip_addresses_or_networks(given: str, kept: str) -> None:
    assert Settings(forwarded_allow_ips=given).forwarded_allow_ips == kept


def test_a_trusted_proxy_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(forwarded_allow_ips="proxy.example")
