"""Real calendar clients reading the ICS feed: vdirsyncer, khal and Home Assistant's `ical`.

Helpers only, no tests. The feed is fetched as a subscriber would: vdirsyncer's `http`
storage syncs it into a folder of .ics files (a vdir), khal lists that folder in
Europe/London local time, and `ical` (the library Home Assistant's calendar uses) parses the
feed's text.

Where the clients come from: `vdirsyncer` and `khal` are console scripts next to
`sys.executable` (the project's dev extras), else in the separate venv
`var/calendar-clients/`. `ical` must import in this interpreter.

Known behaviour of the clients that tests must allow for:
- vdirsyncer's http storage replaces every event's UID with a hash of the event's content
  (`HttpStorage._ignore_uids`), so synced files never carry the feed's UIDs, and an event
  whose times change is a new item to vdirsyncer: its old file is deleted, a new one made.
  Two VEVENTs that differ only in UID (or DTSTAMP, LAST-MODIFIED, CREATED) hash alike and
  collapse into one file. VEVENTs sharing a UID (overrides) go into one file together.
- Every synced file repeats the feed's VCALENDAR properties (PRODID, X-WR-CALNAME...)
  except METHOD, which vdirsyncer drops, and carries all the feed's VTIMEZONEs.
- A feed that becomes empty (every event withdrawn) makes `vdirsyncer sync` fail with
  'Storage "feed_remote" was completely emptied' unless `--force-delete` is given: pass
  `force_delete=True` to accept that, as a subscriber who says yes would.
- The http storage fails the sync (exit 1, 'error: ...') on an HTTP error status such as
  404 and on a refused connection; it does not retry those.
- khal has no environment variable for its config file: it is passed with `-c`, and the XDG
  directories point into the work folder so that nothing in the user's home is read or
  written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ical.calendar import Calendar

ROOT = Path(__file__).resolve().parents[2]
# The alternative to the dev extras: a venv of the two clients alone.
CLIENTS_VENV = ROOT / "var" / "calendar-clients"
TIMEZONE = "Europe/London"
# ISO-like, so that tests compare local wall-clock times as plain strings.
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M"
PAIR = "feed"
TIMEOUT_SECONDS = 120


class CalendarClientError(RuntimeError):
    """A calendar client exited non-zero or printed what could not be read."""


@dataclass(frozen=True)
class KhalEvent:
    """One event as `khal list` shows it: local times in DATETIME_FORMAT.

    An all-day event shows dates in DATE_FORMAT, and its `end` is its last day (khal shows
    DTEND;VALUE=DATE:20250604 as end "2025-06-03").
    """

    start: str
    end: str
    title: str


def _executable(name: str) -> Path | None:
    for folder in (Path(sys.executable).parent, CLIENTS_VENV / "bin"):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _require(name: str) -> Path:
    path = _executable(name)
    if path is None:
        msg = f"{name} not found next to {sys.executable} nor in {CLIENTS_VENV / 'bin'}"
        raise CalendarClientError(msg)
    return path


def _environment(workdir: Path) -> dict[str, str]:
    """The environment for a client: nothing read from or written to the user's home."""
    env = dict(os.environ)
    for key in ("VDIRSYNCER_CONFIG", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(key, None)
    env.update(
        {
            "XDG_CONFIG_HOME": str(workdir / "xdg-config"),
            "XDG_DATA_HOME": str(workdir / "xdg-data"),
            "XDG_CACHE_HOME": str(workdir / "xdg-cache"),
            # vdirsyncer's aiohttp session trusts the environment's proxy settings.
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "no_proxy": "127.0.0.1,localhost,::1",
            "LC_ALL": "C.UTF-8",
            "PYTHONUTF8": "1",
        }
    )
    return env


def _run(args: list[str], workdir: Path) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            args,
            cwd=workdir,
            env=_environment(workdir),
            stdin=subprocess.DEVNULL,  # a prompt (vdirsyncer's "create it?") fails, never hangs
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        # TimeoutExpired keeps what was read so far as bytes, whatever text= said.
        out, err = (
            stream.decode(errors="replace") if isinstance(stream, bytes) else stream or ""
            for stream in (error.stdout, error.stderr)
        )
        msg = f"{' '.join(args)} did not finish in {TIMEOUT_SECONDS} s\nstdout:\n{out}\nstderr:\n{err}"
        raise CalendarClientError(msg) from error
    if result.returncode != 0:
        msg = (
            f"{' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
        raise CalendarClientError(msg)
    return result


def _vdirsyncer_config(url: str, calendar_dir: Path, status_dir: Path) -> str:
    # vdirsyncer reads every value as JSON: strings need double quotes, and null is None.
    def value(text: str) -> str:
        return json.dumps(text)

    return f"""\
[general]
status_path = {value(str(status_dir) + "/")}

[pair {PAIR}]
a = "{PAIR}_remote"
b = "{PAIR}_local"
collections = null
conflict_resolution = "a wins"

[storage {PAIR}_remote]
type = "http"
url = {value(url)}

[storage {PAIR}_local]
type = "filesystem"
path = {value(str(calendar_dir) + "/")}
fileext = ".ics"
"""


def sync_with_vdirsyncer(url: str, workdir: Path, *, force_delete: bool = False) -> Path:
    """Sync the feed at `url` into `workdir/calendar/` with vdirsyncer; return that folder.

    Calling it again with the same workdir syncs again (the status is kept in
    `workdir/vdirsyncer-status/`): files of events that left the feed are deleted.
    `force_delete` lets a feed that has become empty empty the folder too.
    """
    vdirsyncer = _require("vdirsyncer")
    workdir.mkdir(parents=True, exist_ok=True)
    calendar_dir = workdir / "calendar"
    status_dir = workdir / "vdirsyncer-status"
    # The filesystem storage must exist already: with collections = null vdirsyncer would
    # otherwise ask on the terminal whether to create it.
    calendar_dir.mkdir(exist_ok=True)
    status_dir.mkdir(exist_ok=True)
    config = workdir / "vdirsyncer.conf"
    config.write_text(_vdirsyncer_config(url, calendar_dir, status_dir), encoding="utf-8")
    base = [str(vdirsyncer), "--config", str(config)]
    _run([*base, "discover", PAIR], workdir)
    sync = [*base, "sync", *(["--force-delete"] if force_delete else []), PAIR]
    result = _run(sync, workdir)
    # vdirsyncer exits 1 on the failures seen (HTTP 404, refused connection, emptied feed),
    # and _run raised; an error it logs while exiting 0 still counts as one.
    if any(line.startswith(("error:", "critical:")) for line in result.stderr.splitlines()):
        msg = f"vdirsyncer sync reported errors\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        raise CalendarClientError(msg)
    return calendar_dir


def _khal_config(calendar_dir: Path, database: Path) -> str:
    # configobj (no interpolation in khal): quote the formats, they contain spaces and '%'.
    return f"""\
[calendars]
[[feed]]
path = "{calendar_dir}"
readonly = True
color = ""

[sqlite]
path = "{database}"

[locale]
timeformat = "{TIME_FORMAT}"
dateformat = "{DATE_FORMAT}"
longdateformat = "{DATE_FORMAT}"
datetimeformat = "{DATETIME_FORMAT}"
longdatetimeformat = "{DATETIME_FORMAT}"
local_timezone = {TIMEZONE}
default_timezone = {TIMEZONE}
firstweekday = 0
unicode_symbols = False
"""


def khal_list(calendar_dir: Path, workdir: Path, start: str, end_days: int) -> list[KhalEvent]:
    """Events khal lists from `start` (DATE_FORMAT, Europe/London) for `end_days` days.

    Each event is listed once (`--once`), in the order khal shows them (by start). khal
    lists every event that overlaps the range, including ones that began before `start`.
    """
    khal = _require("khal")
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "khal.conf"
    config.write_text(_khal_config(calendar_dir, workdir / "khal.db"), encoding="utf-8")
    args = [str(khal), "--no-color", "-c", str(config), "list", "--once", "--day-format", ""]
    for field in ("start", "end", "title"):
        args += ["--json", field]
    result = _run([*args, start, f"{end_days}d"], workdir)
    # With --json khal prints one JSON array a day (the events that day); --once leaves the
    # later days of a long event empty.
    events: list[KhalEvent] = []
    for line in result.stdout.splitlines():
        if not line.strip():
            continue
        try:
            rows: list[dict[str, Any]] = json.loads(line)
        except json.JSONDecodeError as error:
            msg = f"khal printed a line that is not JSON: {line!r}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            raise CalendarClientError(msg) from error
        events.extend(KhalEvent(row["start"], row["end"], row["title"]) for row in rows)
    return events


def parse_with_home_assistant_ical(text: str) -> Calendar:
    """The feed as Home Assistant's calendar reads it (raises on what it rejects)."""
    from ical.calendar_stream import IcsCalendarStream

    return IcsCalendarStream.calendar_from_ics(text)


def ensure_calendar_clients() -> str | None:
    """None if vdirsyncer, khal and `ical` can be used here, else why not."""
    problems: list[str] = []
    for name in ("vdirsyncer", "khal"):
        path = _executable(name)
        if path is None:
            problems.append(
                f"{name} is not installed next to {sys.executable} nor in {CLIENTS_VENV / 'bin'}"
            )
            continue
        try:
            version = subprocess.run(
                [str(path), "--version"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            problems.append(f"{path} --version failed: {error}")
            continue
        if version.returncode != 0:
            problems.append(
                f"{path} --version exited {version.returncode}: {version.stderr.strip()}"
            )
    try:
        import ical.calendar_stream  # noqa: F401
    except ImportError as error:
        problems.append(f"Home Assistant's ical package cannot be imported: {error}")
    if problems:
        return "calendar clients unavailable: " + "; ".join(problems)
    return None
