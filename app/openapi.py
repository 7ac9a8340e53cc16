"""
`python -m app.openapi`: print the API's OpenAPI document (checked in as openapi/openapi.json);
`python -m app.openapi --problems`: print docs/problems.md, the problem types.
"""

import json
import sys
import tempfile
from pathlib import Path

from app.api import problem_types
from app.config import Settings
from app.main import create_app


def document() -> dict[str, object]:
    """The OpenAPI document, built without touching a real database."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            # no PURDAH_PUBLIC_URL: the checked-in document names no one deployment
            Settings(database_url=f"sqlite:///{Path(folder) / 'unused.db'}", public_url=None),
            refresh_in_background=False,
        )
        return app.openapi()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--problems"]:
        sys.stdout.write(problem_types.markdown())
    else:
        sys.stdout.write(json.dumps(document(), indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
