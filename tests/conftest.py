"""Shared fixtures. The clock is a fixture: no test reads today's date."""

import datetime as dt

import pytest

from app.domain import UTC


@pytest.fixture
def now() -> dt.datetime:
    """A fixed 'now' for decisions (evaluated_at)."""
    return dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
