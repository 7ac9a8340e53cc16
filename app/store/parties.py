"""
The registered political parties shipped with the service (`data/parties.csv`).

The file holds the Electoral Commission's register ids and names with the short names
people write; its comment lines name the source (`# source:`) and the date of the data
(`# data-date:`), and `data/SOURCES.md` says how it was taken. A policy adds parties of its
own (`Policy.parties`); the snapshot screens against both.
"""

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from app.domain import PurdahError
from app.domain.candidates import Party

__all__ = ["PARTIES_FILE", "PartyFile", "PartyFileInvalid", "read_party_file", "shipped_parties"]

PARTIES_FILE = Path(__file__).resolve().parents[2] / "data" / "parties.csv"
_COLUMNS = ["party_id", "name", "register", "short_names"]
_REGISTERS = frozenset({"GB", "NI"})


class PartyFileInvalid(PurdahError):
    """The shipped party file cannot be read: names the file, the line and what is wrong."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        msg = f"{path.name}, line {line}: {problem}"
        super().__init__(msg)


@dataclass(frozen=True, slots=True)
class PartyFile:
    """
    A party file read.

    Attributes:
        parties: the parties, in the file's order.
        source: the `# source:` comment (publisher and URL).
        data_date: the `# data-date:` comment: the date of the register data.
    """

    parties: tuple[Party, ...]
    source: str
    data_date: dt.date


@functools.cache
def shipped_parties() -> tuple[Party, ...]:
    """The parties of `data/parties.csv`, read once per process."""
    return read_party_file(PARTIES_FILE).parties


def read_party_file(path: Path) -> PartyFile:
    """
    Read a party file; raises PartyFileInvalid naming the first bad line.

    Lines starting with `#` before the header are comments; `# source:` and `# data-date:`
    must be among them. Columns: party_id (empty where not verified), name, register (GB or
    NI), short_names (";"-separated).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise PartyFileInvalid(path, 0, f"cannot be read ({error})") from error
    comments: dict[str, str] = {}
    first = 0
    while first < len(lines) and lines[first].startswith("#"):
        key, _, value = lines[first][1:].partition(":")
        comments[key.strip().lower()] = value.strip()
        first += 1
    source = comments.get("source", "")
    if not source:
        raise PartyFileInvalid(path, first + 1, "no '# source:' comment before the header")
    try:
        data_date = dt.date.fromisoformat(comments.get("data-date", ""))
    except ValueError as error:
        msg = "no '# data-date: YYYY-MM-DD' comment before the header"
        raise PartyFileInvalid(path, first + 1, msg) from error
    rows = csv.reader(lines[first:])
    header = next(rows, None)
    if header != _COLUMNS:
        raise PartyFileInvalid(path, first + 1, f"the header must be {','.join(_COLUMNS)}")
    parties: list[Party] = []
    seen: set[str] = set()
    for offset, row in enumerate(rows, start=first + 2):
        parties.append(_party(path, offset, row, seen))
    if not parties:
        raise PartyFileInvalid(path, first + 2, "no parties")
    return PartyFile(tuple(parties), source, data_date)


def _party(path: Path, line: int, row: list[str], seen: set[str]) -> Party:
    if len(row) != len(_COLUMNS):
        msg = f"expected {len(_COLUMNS)} columns, found {len(row)}"
        raise PartyFileInvalid(path, line, msg)
    party_id, name, register, short_names = (cell.strip() for cell in row)
    if not name:
        raise PartyFileInvalid(path, line, "the name is empty")
    if register not in _REGISTERS:
        raise PartyFileInvalid(path, line, f"register {register!r} is not GB or NI")
    if party_id:
        if not (party_id.startswith("PP") and party_id[2:].isdigit()) and not party_id.startswith(
            "joint-party:"
        ):
            msg = f"party id {party_id!r} is not PP<number> or joint-party:<a>-<b>"
            raise PartyFileInvalid(path, line, msg)
        if party_id in seen:
            raise PartyFileInvalid(path, line, f"party id {party_id} appears twice")
        seen.add(party_id)
    shorts = tuple(s.strip() for s in short_names.split(";") if s.strip())
    return Party(party_id or None, name, shorts)
