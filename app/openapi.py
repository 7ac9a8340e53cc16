"""`python -m app.openapi`: print the API's OpenAPI document (checked in as openapi/openapi.json)."""

import json
import sys
import tempfile
from pathlib import Path

from app.config import Settings
from app.main import create_app


def document() -> dict[str, object]:
    """The OpenAPI document, built without touching a real database."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            Settings(database_url=f"sqlite:///{Path(folder) / 'unused.db'}"),
            refresh_in_background=False,
        )
        return app.openapi()


def main() -> int:
    sys.stdout.write(json.dumps(document(), indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
