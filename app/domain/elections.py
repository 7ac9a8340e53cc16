"""
Election ids and kinds.

Democracy Club election ids (https://elections.democracyclub.org.uk/reference_definition/)
are parsed with the `uk-election-ids` package. Town and parish council elections, which
Democracy Club does not list, use our own `parish.<council>[.<ward>][.by].<date>` form.
"""

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from uk_election_ids.election_ids import IdBuilder  # type: ignore[import-untyped]

from app.domain.errors import InvalidElectionId, UnsupportedElection

__all__ = [
    "Country",
    "ElectionKind",
    "ElectionRef",
    "ElectionStatus",
    "ListedElection",
    "election_group_id",
    "election_title",
    "parse_election_id",
]


class Country(StrEnum):
    """The parts of the United Kingdom, whose election law and bank holidays differ."""

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


class ElectionKind(StrEnum):
    """Kinds of poll, each with its own timetable rules. The names are part of the API."""

    PARISH = "parish"
    PRINCIPAL = "principal"
    PCC = "pcc"
    MAYOR = "mayor"
    GLA = "gla"
    PARL_GENERAL = "parl-general"
    PARL_BY = "parl-by"
    SP = "sp"
    SENEDD = "senedd"
    NIA = "nia"
    NATIONAL_REFERENDUM = "national-referendum"
    NEIGHBOURHOOD_REFERENDUM = "neighbourhood-referendum"


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MAX_ID_LENGTH = 200
# Bank holiday data and the working-day rules are meaningful for modern polls only.
MIN_POLL_YEAR = 1950
MAX_POLL_YEAR = 2199


@dataclass(frozen=True, slots=True)
class ElectionRef:
    """
    One election, as named by its id.

    Attributes:
        election_id: the id as given (Democracy Club form, or `parish.`).
        kind: the kind of poll, inferred from the id unless given.
        poll_date: polling day, a civil day in the UK.
        organisation: the organisation slug in the id (`cornwall`, `redruth`), if any.
        division: the ward, division or constituency slug in the id, if any.
        is_by_election: the id ends `.by.<date>`.
    """

    election_id: str
    kind: ElectionKind
    poll_date: dt.date
    organisation: str | None = None
    division: str | None = None
    is_by_election: bool = False


class ElectionStatus(StrEnum):
    """
    What became of a poll. None of these lifts a restricted period by itself: only the Clerk
    ends one early (guidance of the associations of local councils: the period still applies
    to uncontested seats).
    """

    SCHEDULED = "scheduled"
    HELD = "held"
    UNCONTESTED = "uncontested"
    COUNTERMANDED = "countermanded"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ListedElection:
    """An election as a calendar or other source lists it, with what that source records."""

    election: ElectionRef
    summary: str
    status: ElectionStatus = ElectionStatus.SCHEDULED
    notice_published: dt.date | None = None
    description: str = ""


def parse_election_id(election_id: str, *, kind: ElectionKind | None = None) -> ElectionRef:
    """
    Parse an election id and infer its kind.

    Args:
        election_id: `parl.2024-07-04`, `local.cornwall.2025-05-01`,
            `parl.camborne-and-redruth.by.2026-03-05`, `parish.redruth.2029-05-03`, ...
        kind: the kind, where the caller knows better than the id (a local referendum
            that is not a neighbourhood planning one, say).

    Raises:
        InvalidElectionId: the id is malformed.
        UnsupportedElection: the id is well formed but names a poll we do not time
            (European Parliament, which the UK no longer elects).
    """
    if not isinstance(election_id, str) or not election_id:
        raise InvalidElectionId(str(election_id), "it is empty")
    if len(election_id) > _MAX_ID_LENGTH:
        raise InvalidElectionId(
            election_id[:40] + "...", f"longer than {_MAX_ID_LENGTH} characters"
        )
    parts = election_id.split(".")
    if len(parts) < 2:
        raise InvalidElectionId(election_id, "it needs at least an election type and a date")
    if any(not part for part in parts):
        raise InvalidElectionId(election_id, "it has an empty part between dots")
    poll_date = _parse_poll_date(election_id, parts[-1])
    if parts[0] == "parish":
        ref = _parse_parish(election_id, parts, poll_date)
    else:
        ref = _parse_democracy_club(election_id, poll_date)
    if kind is not None and kind is not ref.kind:
        return ElectionRef(
            election_id=ref.election_id,
            kind=kind,
            poll_date=ref.poll_date,
            organisation=ref.organisation,
            division=ref.division,
            is_by_election=ref.is_by_election or kind is ElectionKind.PARL_BY,
        )
    return ref


def _parse_poll_date(election_id: str, text: str) -> dt.date:
    if not _DATE.match(text):
        raise InvalidElectionId(
            election_id, f"it must end with the poll date as YYYY-MM-DD, not {text!r}"
        )
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a calendar date"
        raise InvalidElectionId(election_id, msg) from None
    if not MIN_POLL_YEAR <= day.year <= MAX_POLL_YEAR:
        msg = f"the poll year {day.year} is outside {MIN_POLL_YEAR}-{MAX_POLL_YEAR}"
        raise InvalidElectionId(election_id, msg)
    return day


def _parse_parish(election_id: str, parts: list[str], poll_date: dt.date) -> ElectionRef:
    middle = parts[1:-1]
    is_by = bool(middle) and middle[-1] == "by"
    if is_by:
        middle = middle[:-1]
    if not 1 <= len(middle) <= 2:
        raise InvalidElectionId(election_id, "a parish id is parish.<council>[.<ward>][.by].<date>")
    for slug in middle:
        if not _SLUG.match(slug):
            raise InvalidElectionId(
                election_id, f"{slug!r} is not a slug of lower-case letters, digits and hyphens"
            )
    return ElectionRef(
        election_id=election_id,
        kind=ElectionKind.PARISH,
        poll_date=poll_date,
        organisation=middle[0],
        division=middle[1] if len(middle) == 2 else None,
        is_by_election=is_by,
    )


def _parse_democracy_club(election_id: str, poll_date: dt.date) -> ElectionRef:
    try:
        builder = IdBuilder.from_id(election_id)
    except (ValueError, TypeError) as exc:
        raise InvalidElectionId(election_id, str(exc)) from None
    election_type: str = builder.election_type
    organisation: str | None = builder.organisation
    division: str | None = builder.division
    is_by = builder.contest_type == "by"
    kind = _infer_kind(election_id, election_type, organisation=organisation, is_by=is_by)
    return ElectionRef(
        election_id=election_id,
        kind=kind,
        poll_date=poll_date,
        organisation=organisation,
        division=division,
        is_by_election=is_by,
    )


def _infer_kind(
    election_id: str, election_type: str, *, organisation: str | None, is_by: bool
) -> ElectionKind:
    simple = {
        "local": ElectionKind.PRINCIPAL,
        "pcc": ElectionKind.PCC,
        "mayor": ElectionKind.MAYOR,
        "gla": ElectionKind.GLA,
        "sp": ElectionKind.SP,
        "senedd": ElectionKind.SENEDD,
        "naw": ElectionKind.SENEDD,
        "nia": ElectionKind.NIA,
    }
    if election_type in simple:
        return simple[election_type]
    if election_type == "parl":
        return ElectionKind.PARL_BY if is_by else ElectionKind.PARL_GENERAL
    if election_type == "ref":
        return (
            ElectionKind.NEIGHBOURHOOD_REFERENDUM
            if organisation
            else ElectionKind.NATIONAL_REFERENDUM
        )
    raise UnsupportedElection(
        election_id,
        f"election type {election_type!r} has no timetable here "
        "(European Parliament elections ended in the UK in 2019)",
    )


def election_group_id(ref: ElectionRef) -> str:
    """
    The election a ballot belongs to: `local.cornwall.redruth-north.2025-05-01` (one division's
    ballot, as WhoCanIVoteFor lists it) is part of `local.cornwall.2025-05-01`, and
    `parl.camborne-and-redruth.2024-07-04` of the general election `parl.2024-07-04`.

    A by-election keeps its ballot id: its division is what says whom it affects. Ids without
    a division are returned unchanged.
    """
    if ref.division is None or ref.is_by_election:
        return ref.election_id
    date = ref.poll_date.isoformat()
    if ref.kind is ElectionKind.PARL_GENERAL:
        return f"parl.{date}"
    prefix = ref.election_id.split(".", 1)[0]
    if ref.organisation is None:
        return ref.election_id
    return f"{prefix}.{ref.organisation}.{date}"


_SMALL_WORDS = frozenset({"and", "of", "on", "upon", "the", "in", "with", "by", "under"})


def _place(slug: str) -> str:
    words = slug.split("-")
    return " ".join(w if (i and w in _SMALL_WORDS) else w.capitalize() for i, w in enumerate(words))


def election_title(ref: ElectionRef, *, parish_council: str | None = None) -> str:
    """
    A name a person recognises: "Cornwall Council", "Devon and Cornwall Police and Crime
    Commissioner", "UK Parliament general election".

    Args:
        parish_council: the full name of the town or parish council, if the id is its own
            (`parish.redruth.` for Redruth Town Council); otherwise "<Place> parish council".
    """
    org = _place(ref.organisation) if ref.organisation else None
    division = _place(ref.division) if ref.division else None
    by = " by-election" if ref.is_by_election else ""
    match ref.kind:
        case ElectionKind.PARISH:
            name = parish_council or f"{org} parish council"
            return f"{name} ({division} ward){by}" if division else f"{name}{by}"
        case ElectionKind.PRINCIPAL:
            name = f"{org} Council"
            return f"{name} ({division}){by}" if division else f"{name}{by}"
        case ElectionKind.PCC:
            return f"{org} Police and Crime Commissioner"
        case ElectionKind.MAYOR:
            return f"{org} mayor"
        case ElectionKind.GLA:
            return "London Assembly and Mayor of London"
        case ElectionKind.PARL_GENERAL:
            return "UK Parliament general election"
        case ElectionKind.PARL_BY:
            return (
                f"UK Parliament by-election ({division})"
                if division
                else "UK Parliament by-election"
            )
        case ElectionKind.SP:
            return "Scottish Parliament"
        case ElectionKind.SENEDD:
            return "Senedd Cymru"
        case ElectionKind.NIA:
            return "Northern Ireland Assembly"
        case ElectionKind.NATIONAL_REFERENDUM:
            return "national referendum"
        case ElectionKind.NEIGHBOURHOOD_REFERENDUM:
            return (
                f"{org} neighbourhood planning referendum"
                if org
                else "neighbourhood planning referendum"
            )
