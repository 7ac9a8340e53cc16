"""`compute_timetable`: an election's statutory timetable, its dies non and its notes."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

from app.domain.elections import Country, ElectionKind, ElectionRef
from app.domain.errors import UnsupportedElection
from app.domain.poll_rules import check_rules_in_force, poll_day_notes, resolve_country
from app.domain.timetables.calendar import DiesNonCalendar, dies_non_for, working_days_before
from app.domain.timetables.model import Timetable
from app.domain.timetables.rules import BUILDERS, UNSUPPORTED
from app.domain.working_days import DiesNonSource

__all__ = ["compute_timetable"]


def compute_timetable(
    ref: ElectionRef,
    *,
    country: Country | None = None,
    default_country: Country | None = None,
    extra_dies_non: Iterable[tuple[dt.date, str]] = (),
) -> Timetable:
    """
    The statutory timetable of an election.

    Args:
        ref: the election (see `parse_election_id`).
        country: the part of the UK the caller states (`--country`, `?country=`): it must
            agree with the id and the kind.
        default_country: the organisation's part of the UK, used where the kind needs one
            (principal, parish, by-election, local referendum polls) and none was stated;
            ignored for a poll held elsewhere. A general election ignores both for dies non.
        extra_dies_non: days appointed for public thanksgiving or mourning, with a name.

    Raises:
        ContradictoryElection: `country` contradicts the id or the kind.
        CountryRequired: the kind's rules differ by country and none was given.
        UnsupportedElection: the kind is not held in that country, or the poll is older
            than the rules encoded here.
    """
    if ref.kind in UNSUPPORTED:
        raise UnsupportedElection(ref.election_id, f"{ref.kind} polls are not supported")
    resolved = resolve_country(ref, country, default_country)
    appointed = tuple(extra_dies_non)
    dies_non = dies_non_for(ref.kind, resolved, ref.poll_date, appointed)
    parl = ref.kind in (ElectionKind.PARL_GENERAL, ElectionKind.PARL_BY)
    check_rules_in_force(
        ref,
        resolved,
        parl_timetable_starts=working_days_before(ref.poll_date, 25, sorted(dies_non))
        if parl
        else None,
    )
    # The package adds Easter Monday itself, and only to the Scottish notice, nominations and
    # statement; voter deadlines (registration, postal, VAC) count it as a working day.
    easter = {
        day
        for day, entry in dies_non.items()
        if entry.name == "Easter Monday" and entry.source is DiesNonSource.STATUTE
    }
    calendar = DiesNonCalendar((d for d in dies_non if d not in easter), package_adds=easter)
    builder = BUILDERS[ref.kind]
    timetable = builder(ref, resolved, calendar)
    first = timetable.first_day()
    inside = tuple(
        entry for day, entry in sorted(dies_non.items()) if first <= day <= ref.poll_date
    )
    return replace(
        timetable, dies_non=inside, notes=timetable.notes + poll_day_notes(ref, dies_non)
    )
