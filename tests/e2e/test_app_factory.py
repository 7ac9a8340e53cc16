"""What `create_app` does at start is chosen by its settings, not done behind their back."""

import gc

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.main import create_app
from tests.conftest import ROOT, Keys


@pytest.mark.parametrize("freeze", [True, False], ids=["freeze", "no-freeze"])
def test_gc_freeze_at_start_follows_its_setting(
    engine: Engine, database_url: str, seeded: Keys, freeze: bool
) -> None:
    """PURDAH_GC_FREEZE: on, the objects alive after loading are frozen; off, none are."""
    settings = Settings(
        database_url=database_url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars",
        gc_freeze=freeze,
    )  # fmt: skip
    app = create_app(settings, engine=engine, refresh_in_background=False)
    gc.unfreeze()  # what earlier tests' apps froze
    try:
        with TestClient(app):
            frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()

    assert (frozen > 0) is freeze
