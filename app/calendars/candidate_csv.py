"""
Reading Democracy Club's candidate CSV, as its candidates site publishes it.

Two spellings of the columns are in use, and both are read:

* the data export (candidates.democracyclub.org.uk/data/, `ynr/apps/data_exports/csv_fields.py`
  in DemocracyClub/yournextrepresentative): `person_id`, `person_name`, `election_id`,
  `ballot_paper_id`, `election_date`, `party_name`, `party_id` (`PP53`), `post_label`, ...;
* the older per-election files (`candidates-<election>.csv`, `CSV_ROW_FIELDS` in
  `ynr/settings/constants/csv_fields.py`): `id`, `name`, `election`, `ballot_paper_id`,
  `party_id` (`party:53`), `party_name`, `party_ec_id` (`PP53`), `post_label`,
  `twitter_username`, `mastodon_username`, ... (where both are given, the Electoral
  Commission's `party_ec_id` is kept as the party id).

Every other column is ignored. A row must have a person id (digits), a name, and an election
or ballot paper id; a row that does not, or whose fields we read hold a control character, is
refused with its line, and so is the whole file (nothing is imported from it).
"""

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.text import control_character, describe_control_character

from .errors import CalendarError, TooLarge

__all__ = ["CandidateEntry", "read_candidate_csv"]

# Each field we read, and the columns it may come from, in order of preference.
_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "person_id": ("person_id", "id"),
    "name": ("person_name", "name"),
    "election": ("election_id", "election"),
    "ballot": ("ballot_paper_id",),
    "party_name": ("party_name",),
    "party_id": ("party_id",),
    "party_ec_id": ("party_ec_id",),
    "post_label": ("post_label",),
    "twitter": ("twitter_username",),
    "mastodon": ("mastodon_username",),
}
_PERSON_ID = re.compile(r"^[0-9]{1,20}$")
# An election or ballot paper id's shape; `parse_election_id` says more when it is used.
_ELECTION_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]{0,190}\.[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_PARTY_ID = re.compile(r"^[A-Za-z0-9:_\-]{1,80}$")
_MAX_FIELD = 200


@dataclass(frozen=True, slots=True)
class CandidateEntry:
    """
    One row of the file: a person standing on one ballot.

    Attributes:
        line: the row's first line in the file (the header is line 1).
        person_id: Democracy Club's person id.
        name: the person's name.
        election_id: the ballot paper id, or the election id where the row has no ballot.
        group_id: the row's election id column, if it has one.
        party_name, party_id: the party, as Democracy Club writes it.
        post_label: the ward, division or constituency's name.
        handles: the person's Twitter and Mastodon usernames, as written.
    """

    line: int
    person_id: str
    name: str
    election_id: str
    group_id: str | None = None
    party_name: str | None = None
    party_id: str | None = None
    post_label: str | None = None
    handles: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"line {self.line}"


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CalendarError(
            where="file", problem=f"not UTF-8 text (byte {exc.start + 1} cannot be read)"
        ) from None


def _columns(header: Sequence[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    for index, name in enumerate(names):
        found = control_character(name)
        if found is not None:
            raise CalendarError(
                where="line 1", problem=f"column {index + 1} {describe_control_character(found)}"
            )
    where: dict[str, int] = {}
    for field, spellings in _COLUMNS.items():
        for spelling in spellings:
            if spelling in names:
                where[field] = names.index(spelling)
                break
    missing = [" or ".join(_COLUMNS[f]) for f in ("person_id", "name") if f not in where]
    if "election" not in where and "ballot" not in where:
        missing.append("ballot_paper_id, election_id or election")
    if missing:
        raise CalendarError(
            where="line 1",
            problem=f"the header has no {'; no '.join(missing)} column: not Democracy Club's "
            "candidate CSV (person_id, person_name, election_id, ballot_paper_id, ...)",
        )
    return where


def _cell(row: Sequence[str], where: Mapping[str, int], field: str, line: int) -> str | None:
    index = where.get(field)
    if index is None or index >= len(row):
        return None
    value = row[index]
    found = control_character(value)
    if found is not None:
        column = _COLUMNS[field][0]
        raise CalendarError(
            where=f"line {line}", problem=f"{column} {describe_control_character(found)}"
        )
    value = " ".join(value.split())
    if len(value) > _MAX_FIELD:
        raise CalendarError(
            where=f"line {line}",
            problem=f"{_COLUMNS[field][0]} has {len(value)} characters; at most {_MAX_FIELD}",
        )
    return value or None


def _entry(row: Sequence[str], where: Mapping[str, int], line: int) -> CandidateEntry:
    def cell(field: str) -> str | None:
        return _cell(row, where, field, line)

    values = {field: cell(field) for field in where}
    person_id, name = values.get("person_id"), values.get("name")
    election, ballot = values.get("election"), values.get("ballot")
    if person_id is None:
        raise CalendarError(where=f"line {line}", problem="no person id (person_id or id)")
    if not _PERSON_ID.match(person_id):
        raise CalendarError(
            where=f"line {line}",
            problem=f"person id {person_id!r} is not Democracy Club's (digits, such as 12318)",
        )
    if name is None:
        raise CalendarError(where=f"line {line}", problem="no name (person_name or name)")
    if ballot is None and election is None:
        raise CalendarError(
            where=f"line {line}", problem="no ballot_paper_id and no election id: whose poll?"
        )
    for label, value in (("ballot_paper_id", ballot), ("election_id", election)):
        if value is not None and not _ELECTION_ID.match(value):
            raise CalendarError(
                where=f"line {line}",
                problem=f"{label} {value!r} is not an election id (such as "
                "local.cornwall.redruth-north.2029-05-03)",
            )
    # the older files' party_id is `party:53`; their party_ec_id (`PP53`) is the register's
    party_id = values.get("party_ec_id") or values.get("party_id")
    if party_id is not None and not _PARTY_ID.match(party_id):
        raise CalendarError(
            where=f"line {line}", problem=f"party_id {party_id!r} is not a party id (PP53)"
        )
    handles = tuple(h for h in (values.get("twitter"), values.get("mastodon")) if h)
    return CandidateEntry(
        line=line,
        person_id=person_id,
        name=name,
        election_id=ballot or election or "",
        group_id=election,
        party_name=values.get("party_name"),
        party_id=party_id,
        post_label=values.get("post_label"),
        handles=handles,
    )


def read_candidate_csv(data: bytes, *, max_rows: int) -> tuple[CandidateEntry, ...]:
    """
    The rows of a Democracy Club candidate CSV, in file order. Blank rows are passed over.

    Raises:
        CalendarError: the file is not UTF-8 CSV, its header lacks a column we need, or a row
            is malformed (`where` names its line).
        TooLarge: more than `max_rows` rows.
    """
    text = _text(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise CalendarError(where="file", problem="the file is empty")
        where = _columns(header)
        entries: list[CandidateEntry] = []
        line = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(entries) >= max_rows:
                    msg = f"the file has more than {max_rows} candidates; import it in parts"
                    raise TooLarge(msg)
                entries.append(_entry(row, where, line))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CalendarError(
            where=f"line {reader.line_num}", problem=f"not readable as CSV: {exc}"
        ) from None
    return tuple(entries)
