"""
`make run`: `purdah db upgrade`, `seed`, `status` and `serve`, one after another in one process.

The same commands, with the same arguments and output, as typing them in turn; but the app is
imported once rather than four times, which is most of a cold start. A step that fails stops
the rest with its exit code, as make would.
"""

import sys

from app.cli import main

STEPS = (["db", "upgrade"], ["seed"], ["status"], ["serve"])


def run() -> int:
    """Run each step of `make run`; the first non-zero exit code, or 0."""
    for argv in STEPS:
        print("purdah", *argv, file=sys.stderr, flush=True)
        try:
            main(argv)
        except SystemExit as exc:  # main() always exits; only a failure stops the run
            if exc.code not in (0, None):
                return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(run())
