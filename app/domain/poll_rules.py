"""
Which rules govern a poll: the part of the UK it is held in, whether the rules encoded in
`timetables` were in force on its date, and warnings about its polling day.

Kept apart from `timetables`, which turns these rules into dates with uk-election-timetables.
"""

import datetime as dt
from collections.abc import Mapping

from app.domain.elections import Country, ElectionKind, ElectionRef, country_named_by
from app.domain.errors import ContradictoryElection, CountryRequired, UnsupportedElection
from app.domain.working_days import DiesNon

__all__ = ["HELD_IN", "check_rules_in_force", "poll_day_notes", "resolve_country"]

HELD_IN: Mapping[ElectionKind, tuple[Country, ...]] = {
    # first entry: the country assumed when none is given
    ElectionKind.PCC: (Country.ENGLAND, Country.WALES),
    ElectionKind.MAYOR: (Country.ENGLAND, Country.WALES),
    ElectionKind.GLA: (Country.ENGLAND,),
    ElectionKind.SP: (Country.SCOTLAND,),
    ElectionKind.SENEDD: (Country.WALES,),
    ElectionKind.NIA: (Country.NORTHERN_IRELAND,),
    ElectionKind.NEIGHBOURHOOD_REFERENDUM: (Country.ENGLAND,),
}
_COUNTRY_REQUIRED: Mapping[ElectionKind, tuple[Country, ...]] = {
    ElectionKind.PRINCIPAL: tuple(Country),
    ElectionKind.PARL_BY: tuple(Country),
    ElectionKind.PARISH: (Country.ENGLAND, Country.WALES),
}


def resolve_country(
    ref: ElectionRef, country: Country | None, default_country: Country | None
) -> Country | None:
    """
    The part of the UK whose rules and holidays apply.

    A poll the id or its kind places in one part (`ref.wales.`, a Scottish Parliament poll)
    is held there: a `country` given for it that names another part contradicts it and is
    refused, while the organisation's `default_country` is simply not used. General
    elections and UK referendums keep the country for display but count every part's
    holidays (see `timetables.calendar.dies_non_for`).

    Raises:
        ContradictoryElection: `country` contradicts the id or the kind.
        CountryRequired: the kind's rules differ by country and none was given.
        UnsupportedElection: the kind is not held in the organisation's country.
    """
    named = country_named_by(ref)
    held_in = (named,) if named is not None else HELD_IN.get(ref.kind)
    if held_in is not None:
        if country is not None and country not in held_in:
            where = " or ".join(c.value for c in held_in)
            msg = f"{ref.kind} poll {ref.election_id} is held in {where}, not in {country}"
            raise ContradictoryElection(ref.election_id, "country", msg)
        chosen = country or default_country
        if chosen in held_in:
            return chosen
        if ref.kind is ElectionKind.NEIGHBOURHOOD_REFERENDUM and chosen is not None:
            raise UnsupportedElection(
                ref.election_id, "neighbourhood planning referendums are held only in England"
            )
        return held_in[0]
    chosen = country or default_country
    required = _COUNTRY_REQUIRED.get(ref.kind)
    if required is None:
        return chosen
    if chosen is None:
        raise CountryRequired(ref.election_id)
    if chosen not in required:
        raise UnsupportedElection(
            ref.election_id,
            f"{ref.kind} elections are not held in {chosen} "
            f"(only in {', '.join(c.value for c in required)})",
        )
    return chosen


# The current timetables apply to polls from these days; earlier polls are refused rather
# than timed with today's rules and cited with today's law.
_PARL_25_DAYS_FROM = dt.date(2014, 4, 6)
_LOCAL_2014_AFTER = dt.date(2014, 5, 21)


def check_rules_in_force(
    ref: ElectionRef, country: Country | None, *, parl_timetable_starts: dt.date | None
) -> None:
    """
    Refuse a poll held before the rules this module encodes.

    Sources: Electoral Registration and Administration Act 2013, s. 14 (in force 6 April
    2014: the 25-working-day UK Parliament timetable, dissolution on the 25th working day
    before the poll, by-elections polled 17 to 19 days after nominations close; first general
    election under it 7 May 2015); Local Elections (Principal Areas) (England and Wales)
    (Amendment) Rules 2014 (SI 2014/494), r. 1(2), and the parishes and communities rules of
    the same date (SI 2014/492): no effect for a poll on or before 21 May 2014 (4pm
    nominations on the 19th day, statement by 4pm on the 18th).

    Raises:
        UnsupportedElection: naming the rules and the first day they govern.
    """
    if ref.kind in (ElectionKind.PARL_GENERAL, ElectionKind.PARL_BY):
        if parl_timetable_starts is not None and parl_timetable_starts < _PARL_25_DAYS_FROM:
            msg = (
                "timetables before the 25-working-day UK Parliament timetable are not "
                "supported: Electoral Registration and Administration Act 2013, s. 14, in "
                f"force {_PARL_25_DAYS_FROM:%d %B %Y}, governs polls whose timetable starts "
                "on or after that day; set this poll's restricted period by hand"
            )
            raise UnsupportedElection(ref.election_id, msg)
        return
    local = ref.kind is ElectionKind.PARISH or (
        ref.kind is ElectionKind.PRINCIPAL and ref.organisation != "city-of-london"
    )
    in_ew = country in (Country.ENGLAND, Country.WALES)
    if local and in_ew and ref.poll_date <= _LOCAL_2014_AFTER:
        msg = (
            "timetables before the 2014 local election rules are not supported: SI 2014/494 "
            f"and SI 2014/492 govern polls after {_LOCAL_2014_AFTER:%d %B %Y}; set this "
            "poll's restricted period by hand"
        )
        raise UnsupportedElection(ref.election_id, msg)


def poll_day_notes(ref: ElectionRef, dies_non: Mapping[dt.date, DiesNon]) -> tuple[str, ...]:
    """A warning when polling day is itself a day the law disregards: the id is likely wrong."""
    day = ref.poll_date
    entry = dies_non.get(day)
    if entry is not None:
        what = entry.name
    elif day.weekday() >= 5:
        what = day.strftime("%A")
    else:
        return ()
    return (
        f"warning: polling day {day:%a %d %b %Y} is {what}, a day disregarded in election "
        "timetables (dies non); check the date in the election id",
    )
