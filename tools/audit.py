"""
`make audit`: pip-audit over a hashed requirements file exported from uv.lock.

Three outcomes, never a quiet pass:

- every dependency was looked up and none has a known vulnerability: exit 0;
- a known vulnerability, or some dependencies could not be looked up: exit 1;
- pip-audit could not reach its vulnerability service at all (no connection, or the index
  answers no per-release query, as a registry mirror may not): print NOT AUDITED and exit 0,
  or 1 when PURDAH_AUDIT_REQUIRED is set to anything but "" or "0".
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

# What pip-audit and requests write to stderr when the service cannot be reached at all.
UNREACHABLE = re.compile(
    r"ConnectionError|ProxyError|ConnectTimeout|ReadTimeout|Max retries exceeded|"
    r"NameResolutionError|SSLError|ServiceError"
)


def main(requirements: Path) -> int:
    """Run pip-audit over `requirements`, report, and return the exit code."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [
            sys.executable, "-m", "pip_audit", "--disable-pip", "-r", str(requirements),
            "--format", "json", "--progress-spinner", "off",
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    try:
        dependencies = json.loads(result.stdout)["dependencies"]
    except (ValueError, KeyError):
        if UNREACHABLE.search(result.stderr):
            last = result.stderr.strip().splitlines()[-1]
            return not_audited(f"pip-audit cannot reach its vulnerability service ({last})")
        sys.stderr.write(result.stderr)
        print(f"pip-audit failed (exit {result.returncode}) without a result", file=sys.stderr)
        return 1
    if not dependencies:
        print("pip-audit found no dependencies to audit", file=sys.stderr)
        return 1
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            print(
                f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})",
                file=sys.stderr,
            )
    if vulnerable:
        print(f"{len(vulnerable)} dependencies have known vulnerabilities", file=sys.stderr)
        return 1
    if skipped and len(skipped) == len(dependencies):
        return not_audited(
            f"the vulnerability service answered for none of {len(dependencies)} "
            f"dependencies, e.g. {skipped[0]['skip_reason']}"
        )
    if skipped:
        for dependency in skipped:
            print(dependency["skip_reason"], file=sys.stderr)
        print(f"{len(skipped)} dependencies could not be audited", file=sys.stderr)
        return 1
    print(f"audited {len(dependencies)} dependencies: no known vulnerabilities")
    return 0


def not_audited(why: str) -> int:
    """Say loudly that nothing was audited; a failure only when the audit is required."""
    required = os.environ.get("PURDAH_AUDIT_REQUIRED", "") not in ("", "0")
    print(f"NOT AUDITED: {why}", file=sys.stderr)
    if required:
        print("PURDAH_AUDIT_REQUIRED is set: failing", file=sys.stderr)
    return 1 if required else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
