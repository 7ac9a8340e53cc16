"""The limit on failed authentications per client address, with a clock the test moves."""

import pytest

from app.api.throttle import FailedAuthThrottle, TooManyFailures


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_is_blocked_after_the_limit_and_free_again_when_failures_age_out() -> None:
    clock = _Clock()
    throttle = FailedAuthThrottle(3, 60, clock=clock)
    for _ in range(3):
        throttle.check("10.0.0.1")
        throttle.failed("10.0.0.1")
        clock.now += 10

    with pytest.raises(TooManyFailures) as blocked:
        throttle.check("10.0.0.1")
    throttle.check("10.0.0.2")  # another address is not affected
    clock.now += 31  # the first failure is now older than the window
    throttle.check("10.0.0.1")

    assert (
        blocked.value.retry_after == 30
    )  # the first failure (at 0 s) leaves the window at 60 s; now is 30 s


def test_the_table_of_addresses_is_bounded() -> None:
    throttle = FailedAuthThrottle(1, 60, max_clients=2, clock=_Clock())
    for address in ("a", "b", "c"):
        throttle.failed(address)

    throttle.check("a")  # cleared when the table filled: "a" is forgotten
    with pytest.raises(TooManyFailures):
        throttle.check("c")
