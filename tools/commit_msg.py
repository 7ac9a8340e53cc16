"""
pre-commit's commit-msg hook: a commit subject of 72 characters at most, then a blank line.

Usage: python tools/commit_msg.py .git/COMMIT_EDITMSG
"""

import sys
from pathlib import Path

LIMIT = 72


def problems(message: str) -> list[str]:
    """What is wrong with a commit message's first lines (git's `#` comments aside)."""
    lines = [line for line in message.splitlines() if not line.startswith("#")]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return ["the message is empty"]
    found = []
    if len(lines[0]) > LIMIT:
        found.append(f"the subject is {len(lines[0])} characters; at most {LIMIT}")
    if len(lines) > 1 and lines[1].strip():
        found.append("a blank line must follow the subject")
    return found


if __name__ == "__main__":
    found = problems(Path(sys.argv[1]).read_text(encoding="utf-8"))
    for problem in found:
        print(f"commit message: {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
