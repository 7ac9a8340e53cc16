"""One version number, written in pyproject.toml only."""

import json
import tomllib
from pathlib import Path

from app.config import Settings
from app.main import create_app
from tests.conftest import ROOT


def test_the_api_reports_the_version_written_in_pyproject(tmp_path: Path) -> None:
    """The OpenAPI document's version is the package's, from pyproject.toml alone."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}"))
    assert app.openapi()["info"]["version"] == project["version"]
    document = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert document["info"]["version"] == project["version"]
