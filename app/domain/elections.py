"""
Election ids and kinds.

Democracy Club election ids (https://elections.democracyclub.org.uk/reference_definition/)
are parsed with the `uk-election-ids` package. Town and parish council elections, which
Democracy Club does not list, use our own `parish.<council>[.<ward>][.by].<date>` form.
"""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from uk_election_ids.election_ids import IdBuilder  # type: ignore[import-untyped]

from app.domain.errors import (
    ContradictoryElection,
    InvalidElectionId,
    KindRequired,
    UnsupportedElection,
)

__all__ = [
    "Country",
    "ElectionKind",
    "ElectionRef",
    "ElectionStatus",
    "ListedElection",
    "country_named_by",
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
    """
    Kinds of poll, each with its own timetable rules. The names are part of the API.

    `national-referendum` is a referendum under Part VII of the Political Parties, Elections
    and Referendums Act 2000 (s. 101: throughout the United Kingdom, one or more of its four
    parts, or a region of England), whose restrictions on publicity (s. 125) run for the 28
    days ending with the poll. The last three kinds are local referendums this service does
    not time: naming one is refused with the reason.
    """

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
    BUSINESS_NEIGHBOURHOOD_REFERENDUM = "business-neighbourhood-referendum"
    COUNCIL_TAX_REFERENDUM = "council-tax-referendum"
    GOVERNANCE_REFERENDUM = "governance-referendum"


# Local referendums with rules of their own, which nothing here computes: each is refused by
# name, so that a Clerk sets its restricted period by hand rather than get another kind's.
UNSUPPORTED_REFERENDUMS: Mapping[ElectionKind, str] = {
    ElectionKind.BUSINESS_NEIGHBOURHOOD_REFERENDUM: (
        "business neighbourhood planning referendums (Neighbourhood Planning (Referendums) "
        "Regulations 2012, SI 2012/2031, Part 3: a second poll of non-domestic ratepayers)"
    ),
    ElectionKind.COUNCIL_TAX_REFERENDUM: (
        "council tax referendums (Local Government Finance Act 1992, Part 1 Chapter 4ZA; "
        "Local Authorities (Conduct of Referendums) (Council Tax Increases) (England) "
        "Regulations 2012, SI 2012/444)"
    ),
    ElectionKind.GOVERNANCE_REFERENDUM: (
        "governance and mayoral referendums (Local Government Act 2000, Part 1A; "
        "Local Authorities (Conduct of Referendums) (England) Regulations 2012, SI 2012/323)"
    ),
}
_UNSUPPORTED_ADVICE = "are not supported: add their restricted period as a manual window"

# Where a referendum under PPERA 2000 Part VII may be held besides the whole UK (s. 101(2)):
# one of the four parts of the UK, or a region of England listed in Schedule 1 to the
# Regional Development Agencies Act 1998 (Democracy Club's slugs, with common spellings).
PPERA_AREAS: Mapping[str, Country] = {
    "england": Country.ENGLAND,
    "wales": Country.WALES,
    "scotland": Country.SCOTLAND,
    "northern-ireland": Country.NORTHERN_IRELAND,
    "north-east": Country.ENGLAND,
    "north-west": Country.ENGLAND,
    "yorkshire-and-the-humber": Country.ENGLAND,
    "yorkshire-and-humber": Country.ENGLAND,
    "east-midlands": Country.ENGLAND,
    "west-midlands": Country.ENGLAND,
    "eastern": Country.ENGLAND,
    "east-of-england": Country.ENGLAND,
    "london": Country.ENGLAND,
    "south-east": Country.ENGLAND,
    "south-west": Country.ENGLAND,
}
# Police and crime commissioners exist only in England and Wales (Police Reform and Social
# Responsibility Act 2011, Part 1): these police areas are in Wales.
_WELSH_POLICE_AREAS = frozenset({"dyfed-powys", "gwent", "north-wales", "south-wales"})
_NO_PCC = {
    "police-scotland": Country.SCOTLAND,
    "scotland": Country.SCOTLAND,
    "psni": Country.NORTHERN_IRELAND,
    "police-service-of-northern-ireland": Country.NORTHERN_IRELAND,
    "northern-ireland": Country.NORTHERN_IRELAND,
}


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

    The id's election type decides the kind; an explicit `kind` (CLI `--kind`, API `?kind=`)
    is accepted only where it refines the id, never where it contradicts it:

    * `local.` is `principal`, `parish.` is `parish`, `pcc.` is `pcc`, `gla.` is `gla`,
      `sp.` is `sp`, `senedd.` and `naw.` are `senedd`, `nia.` is `nia`; `mayor.` is `mayor`,
      except `mayor.london.`, which is the Greater London Authority election (`gla`; `mayor`
      given for it is accepted and reported as `gla`);
    * `parl.` is `parl-general`, and `parl.<constituency>.by.` is `parl-by`; `parl-by` may be
      given for a constituency ballot whose id lacks `.by.`;
    * `ref.<date>` (the whole UK) and `ref.<area>.<date>`, where the area is one of the four
      parts of the UK or a region of England (`PPERA_AREAS`), are referendums under PPERA
      2000 Part VII: `national-referendum`;
    * `ref.<organisation>.<date>` for any other organisation is a local referendum, whose
      kind the id does not say (a neighbourhood planning referendum, or a council tax or
      governance one, each with its own rules): it needs an explicit kind, and only
      `neighbourhood-referendum` is computed; the kinds in `UNSUPPORTED_REFERENDUMS` are
      refused by name.

    Args:
        election_id: `parl.2024-07-04`, `local.cornwall.2025-05-01`,
            `parl.camborne-and-redruth.by.2026-03-05`, `parish.redruth.2029-05-03`, ...
        kind: the kind, where the id does not say it (a local referendum).

    Raises:
        InvalidElectionId: the id is malformed.
        UnsupportedElection: the id is well formed but names a poll we do not time
            (European Parliament, which the UK no longer elects; a PCC in Scotland or
            Northern Ireland, which have none; a council tax, governance or business
            neighbourhood referendum).
        ContradictoryElection: the kind contradicts the id.
        KindRequired: a local referendum's id with no kind.
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
        inferred: ElectionKind | None = ElectionKind.PARISH
    else:
        ref, inferred = _parse_democracy_club(election_id, poll_date)
    if kind is None:
        if inferred is None:
            raise KindRequired(election_id, _local_referendum_advice())
        return ref if inferred is ref.kind else _with_kind(ref, inferred)
    chosen = _refine(ref, parts[0], inferred, kind)
    return ref if chosen is ref.kind else _with_kind(ref, chosen)


def _with_kind(ref: ElectionRef, kind: ElectionKind) -> ElectionRef:
    return ElectionRef(
        election_id=ref.election_id,
        kind=kind,
        poll_date=ref.poll_date,
        organisation=ref.organisation,
        division=ref.division,
        is_by_election=ref.is_by_election or kind is ElectionKind.PARL_BY,
    )


def _local_referendum_advice() -> str:
    unsupported = "; ".join(UNSUPPORTED_REFERENDUMS.values())
    return (
        "a local referendum's id does not say which kind it is; give kind "
        f"{ElectionKind.NEIGHBOURHOOD_REFERENDUM} for a neighbourhood planning referendum "
        f"(the only local referendum timed here); {unsupported} {_UNSUPPORTED_ADVICE}"
    )


def _refine(
    ref: ElectionRef, election_type: str, inferred: ElectionKind | None, kind: ElectionKind
) -> ElectionKind:
    """The kind to use when the caller gives one: the id's own, or one that refines it."""
    if inferred is None:  # a local referendum: the caller says which
        if kind in UNSUPPORTED_REFERENDUMS:
            msg = f"{UNSUPPORTED_REFERENDUMS[kind]} {_UNSUPPORTED_ADVICE}"
            raise UnsupportedElection(ref.election_id, msg)
        if kind is ElectionKind.NEIGHBOURHOOD_REFERENDUM:
            return kind
        msg = (
            f"{ref.election_id} is a local referendum (its organisation {ref.organisation!r} is "
            f"not a part of the UK or a region of England, where a PPERA referendum is held), "
            f"not a {kind} poll; {_local_referendum_advice()}"
        )
        raise ContradictoryElection(ref.election_id, "kind", msg)
    if kind is inferred:
        return kind
    if inferred is ElectionKind.GLA and kind is ElectionKind.MAYOR and election_type == "mayor":
        return ElectionKind.GLA  # the Mayor of London is elected under the GLA rules
    if (
        inferred is ElectionKind.PARL_GENERAL
        and kind is ElectionKind.PARL_BY
        and ref.division is not None
    ):
        return kind  # one constituency's ballot, named without `.by.`
    msg = (
        f"an id of type {election_type!r} is a {inferred} election, not {kind}; "
        "a kind is accepted only where the id does not say it (a local referendum)"
    )
    raise ContradictoryElection(ref.election_id, "kind", msg)


def country_named_by(ref: ElectionRef) -> Country | None:
    """
    The part of the UK the id itself places the poll in, if it names one: a PPERA
    referendum in one part or an English region (`ref.wales.`, `ref.north-east.`), a Welsh
    police area (`pcc.gwent.`), the Greater London Authority (`mayor.london.`, `gla.`).
    Kinds held in one part only (Scottish Parliament, ...) are placed by their kind.
    """
    if ref.kind is ElectionKind.NATIONAL_REFERENDUM and ref.organisation is not None:
        return PPERA_AREAS.get(ref.organisation)
    if ref.kind is ElectionKind.PCC and ref.organisation in _WELSH_POLICE_AREAS:
        return Country.WALES
    if ref.kind is ElectionKind.GLA:
        return Country.ENGLAND
    return None


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


def _parse_democracy_club(
    election_id: str, poll_date: dt.date
) -> tuple[ElectionRef, ElectionKind | None]:
    """The ref (a local referendum provisionally as neighbourhood) and the kind the id says."""
    try:
        builder = IdBuilder.from_id(election_id)
    except (ValueError, TypeError) as exc:
        raise InvalidElectionId(election_id, str(exc)) from None
    election_type: str = builder.election_type
    organisation: str | None = builder.organisation
    division: str | None = builder.division
    is_by = builder.contest_type == "by"
    kind = _infer_kind(election_id, election_type, organisation=organisation, is_by=is_by)
    if election_type == "pcc" and organisation in _NO_PCC:
        msg = (
            f"there are no police and crime commissioners in {_NO_PCC[organisation]} "
            "(Police Reform and Social Responsibility Act 2011: England and Wales only)"
        )
        raise UnsupportedElection(election_id, msg)
    ref = ElectionRef(
        election_id=election_id,
        kind=kind or ElectionKind.NEIGHBOURHOOD_REFERENDUM,
        poll_date=poll_date,
        organisation=organisation,
        division=division,
        is_by_election=is_by,
    )
    return ref, kind


def _infer_kind(
    election_id: str, election_type: str, *, organisation: str | None, is_by: bool
) -> ElectionKind | None:
    """The kind the id says, or None for a local referendum (the id does not say which)."""
    if election_type == "mayor" and organisation == "london":
        return ElectionKind.GLA
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
        if organisation is None or organisation in PPERA_AREAS:
            return ElectionKind.NATIONAL_REFERENDUM
        return None
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
            return f"referendum in {org}" if org else "national referendum"
        case ElectionKind.NEIGHBOURHOOD_REFERENDUM:
            return (
                f"{org} neighbourhood planning referendum"
                if org
                else "neighbourhood planning referendum"
            )
        case (
            ElectionKind.BUSINESS_NEIGHBOURHOOD_REFERENDUM
            | ElectionKind.COUNCIL_TAX_REFERENDUM
            | ElectionKind.GOVERNANCE_REFERENDUM
        ):
            return f"{org} {ref.kind.replace('-', ' ')}" if org else ref.kind.replace("-", " ")
