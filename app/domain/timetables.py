"""
Statutory election timetables: uk-election-timetables, wrapped, with its gaps filled.

This is the only module that imports `uk_election_timetables`. What the package does well
(working-day counting, the per-kind day counts, GOV.UK's bank holidays) is used as it is;
what it lacks or gets wrong in 5.0.2 is filled here with the same working-day machinery
and a cited rule (README, "Differences from uk-election-timetables"):

* no parish or community council type;
* PCC close of nominations is the 18th working day in the package; the rule is the 19th;
* a general election uses the earliest date across separate national calendars, not one
  calendar in which a bank holiday anywhere in the UK is a dies non;
* general-election SOPN is 5pm on the last day for nominations, not the next working day
  (Northern Ireland: 6pm, Scotland's local elections: as soon as practicable after 4pm);
* referendums raise NotImplementedError;
* its bank holidays end in 2028;
* it has no days of public thanksgiving or mourning and no earliest notice in Scotland;
* Greater London Authority nominations close on its 22nd working day; the rule is the 24th;
* it applies today's rules to every date; polls held under earlier timetables are refused
  here (`poll_rules.check_rules_in_force`).

The statement of persons nominated is modelled the same way for every kind: `sopn_publish`
is when it is published if there are no objections, `sopn_publish_latest` the latest the
law allows if there are (the same event where the law sets one deadline for both).
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from uk_election_timetables import calendars as _tt_calendars  # type: ignore[import-untyped]
from uk_election_timetables import date as _tt_date
from uk_election_timetables import elections as _tt_elections

from app.domain.elections import Country, ElectionKind, ElectionRef
from app.domain.errors import UnsupportedElection
from app.domain.poll_rules import check_rules_in_force, poll_day_notes, resolve_country
from app.domain.working_days import DiesNon, DiesNonSource, collect_dies_non

__all__ = ["Timetable", "TimetableEvent", "compute_timetable", "working_days_before"]

FOUR_PM = dt.time(16, 0)
FIVE_PM = dt.time(17, 0)
SIX_PM = dt.time(18, 0)
ONE_PM = dt.time(13, 0)
MIDNIGHT_END = dt.time(23, 59)

_LOCAL_EW = (
    "Local Elections (Principal Areas) (England and Wales) Rules 2006 (SI 2006/3304), Sch. 2 r. 1, "
    "as amended by SI 2014/494"
)
_PARISH_EW = (
    "Local Elections (Parishes and Communities) (England and Wales) Rules 2006 (SI 2006/3305), "
    "Sch. 2 r. 1, as amended by SI 2014/492"
)
_LOCAL_SCOTLAND = "Scottish Local Government Elections Order 2011 (SSI 2011/399), Sch. 1 r. 1"
_LOCAL_NI = "Electoral Law Act (Northern Ireland) 1962, Sch. 5 r. 1, as amended (SI 2010/2977)"
_PCC_RULE = "Police and Crime Commissioner Elections Order 2012 (SI 2012/1917), Sch. 3 r. 1, as amended by SI 2014/921"
_MAYOR = "Local Authorities (Mayoral Elections) (England and Wales) Regulations 2007 (SI 2007/1024), as amended by SI 2014/370"
_GLA = "Greater London Authority Elections Rules 2007 (SI 2007/3541), Schs. 1 to 3 r. 1, as amended"
_PARL = "Representation of the People Act 1983, Sch. 1 r. 1 (parliamentary elections rules)"
_PARL_DIES_NON = (
    "Representation of the People Act 1983, Sch. 1 r. 2: a bank holiday in any part of the "
    "United Kingdom is disregarded at a general election"
)
_SP = "Scottish Parliament (Elections etc.) Order 2015 (SSI 2015/425), Sch. 2 r. 1"
_SENEDD = "National Assembly for Wales (Representation of the People) Order 2007 (SI 2007/236), Sch. 5 r. 1"
_SENEDD_2025 = (
    "Senedd Cymru (Representation of the People) Order 2025, election rules r. 1 (timetable)"
)
# The 2025 Order governs Senedd polls after 6 April 2026 (the first: 7 May 2026).
_SENEDD_2025_FROM = dt.date(2026, 4, 7)
_LOCAL_WALES = (
    "Local Elections (Principal Areas) (Wales) Rules 2021 (WSI 2021/1459), Sch. 1 r. 1, "
    "for polls on or after 5 May 2022 (r. 2)"
)
_COMMUNITY_WALES = (
    "Local Elections (Communities) (Wales) Rules 2021 (WSI 2021/1460), Sch. 1 r. 1, "
    "for polls on or after 5 May 2022"
)
_WELSH_RULES_FROM = dt.date(2022, 5, 5)
_NIA = "Northern Ireland Assembly (Elections) Order 2001 (SI 2001/2599), Sch. 1, as amended by SI 2009/256"
_NATIONAL_REFERENDUM = (
    "Political Parties, Elections and Referendums Act 2000, s. 125(3): the relevant period is "
    "the 28 days ending with the date of the poll"
)
_NEIGHBOURHOOD = (
    "Neighbourhood Planning (Referendums) Regulations 2012 (SI 2012/2031), reg. 4(1A): the "
    "information statement is published not fewer than 28 (working) days before the referendum"
)
_REGISTRATION = "Representation of the People Act 1983, s. 13AB and Sch. 1 r. 2 (12 working days)"
_POSTAL = "Representation of the People (England and Wales) Regulations 2001 (SI 2001/341), reg. 56 (11 working days)"
_VAC = "Voter Identification Regulations 2022 (SI 2022/1382) (6 working days)"


@dataclass(frozen=True, slots=True)
class TimetableEvent:
    """One statutory step: its day, the time of day where the law sets one, and the rule."""

    day: dt.date
    time: dt.time | None
    rule: str


@dataclass(frozen=True, slots=True)
class Timetable:
    """
    The statutory timetable of one election, as the law sets it for its kind and country.

    `notice_of_election` is the statutory latest day for the notice; `notice_of_election_earliest`
    is the first day it may be published where the law sets one (Scotland). For a general
    election `dissolution` is the 25th working day before the poll; for a neighbourhood planning
    referendum `information_statement` is published. `restriction_start` is set where the
    law itself starts the restricted period (national referendums, PPERA 2000 s. 125;
    neighbourhood planning referendums, with the information statement).

    `sopn_publish` is when the statement of persons nominated is published if no objection
    is made to a nomination; `sopn_publish_latest` the latest the law allows if there are
    objections (at a UK Parliament election, the next working day at 4pm). Where the law
    sets one deadline whatever happens (English and Welsh local polls, PCC, mayors, the
    GLA), both are that deadline; where no latest time is known, `sopn_publish_latest` is
    None and its absence is not a claim that there is none.
    """

    election: ElectionRef
    country: Country | None
    poll: TimetableEvent
    notice_of_election: TimetableEvent | None = None
    notice_of_election_earliest: TimetableEvent | None = None
    dissolution: TimetableEvent | None = None
    information_statement: TimetableEvent | None = None
    restriction_start: TimetableEvent | None = None
    close_of_nominations: TimetableEvent | None = None
    sopn_publish: TimetableEvent | None = None
    sopn_publish_latest: TimetableEvent | None = None
    registration_deadline: TimetableEvent | None = None
    postal_vote_deadline: TimetableEvent | None = None
    vac_deadline: TimetableEvent | None = None
    estimated: bool = False
    notes: tuple[str, ...] = ()
    dies_non: tuple[DiesNon, ...] = ()

    def first_day(self) -> dt.date:
        """The earliest day named in the timetable."""
        days = [
            e.day
            for e in (
                self.notice_of_election_earliest,
                self.dissolution,
                self.information_statement,
                self.restriction_start,
                self.notice_of_election,
            )
            if e is not None
        ]
        return min(days, default=self.poll.day)


# --- the package's calendar, with our dies non -------------------------------------------


class _DiesNonCalendar(_tt_calendars.BaseCalendar):  # type: ignore[misc, unused-ignore]  # untyped base class; only --strict objects
    """
    A uk-election-timetables calendar whose exempted dates are exactly `days`.

    `all_days` adds the days the package adds by its own rules (Easter Monday for Scottish
    nominations), for the counts we make ourselves.
    """

    def __init__(self, days: Iterable[dt.date], package_adds: Iterable[dt.date] = ()) -> None:
        base = sorted(set(days))
        self._matchers = [_tt_date.DateMatcher(day=d.day, month=d.month, year=d.year) for d in base]
        self.all_days = sorted(set(base) | set(package_adds))

    def exempted_dates(self) -> list[Any]:
        return self._matchers


class _FixedHolidays:
    """Stands in for the package's UnitedKingdomBankHolidays: one calendar for every country."""

    def __init__(self, calendar: _DiesNonCalendar) -> None:
        self._calendar = calendar

    def from_country(self, country: object) -> _DiesNonCalendar:
        return self._calendar


_TT_COUNTRY = {
    Country.ENGLAND: _tt_calendars.Country.ENGLAND,
    Country.WALES: _tt_calendars.Country.WALES,
    Country.SCOTLAND: _tt_calendars.Country.SCOTLAND,
    Country.NORTHERN_IRELAND: _tt_calendars.Country.NORTHERN_IRELAND,
}


@cache
def _gov_uk_bank_holidays() -> tuple[dict[Country, dict[dt.date, str]], int]:
    """GOV.UK's bank holidays as shipped in uk-election-timetables, and the last year they cover."""
    source = _tt_calendars.UnitedKingdomBankHolidays()
    by_country: dict[Country, dict[dt.date, str]] = {}
    for country, tt_country in _TT_COUNTRY.items():
        by_country[country] = {
            dt.date(m.year, m.month, m.day): str(m.name)
            for m in source.from_country(tt_country).exempted_dates()
        }
    last_year = min(max(d.year for d in days) for days in by_country.values())
    return by_country, last_year


def working_days_before(day: dt.date, count: int, dies_non: Iterable[dt.date]) -> dt.date:
    """
    The day `count` working days before `day`, skipping weekends and `dies_non`.

    The package's own `working_days_before`, given a calendar of exactly these dies non.
    """
    result: dt.date = _tt_calendars.working_days_before(day, count, _DiesNonCalendar(dies_non))
    return result


def _easter_monday(year: int) -> dt.date:
    sunday: dt.date = _tt_date.easter_sunday(year)
    return sunday + dt.timedelta(days=1)


def _dies_non_for(
    kind: ElectionKind,
    country: Country | None,
    poll_date: dt.date,
    appointed: Iterable[tuple[dt.date, str]],
) -> dict[dt.date, DiesNon]:
    gov_uk, last_year = _gov_uk_bank_holidays()
    years = (poll_date.year - 1, poll_date.year)
    if kind is ElectionKind.PARL_GENERAL or country is None:
        # a general election or a UK-wide referendum: every part of the UK's holidays count
        countries: tuple[Country, ...] = (
            Country.ENGLAND,
            Country.SCOTLAND,
            Country.NORTHERN_IRELAND,
        )
    else:
        countries = (country,)
    scottish_easter = country is Country.SCOTLAND and kind in (
        ElectionKind.PRINCIPAL,
        ElectionKind.SP,
    )
    return collect_dies_non(
        countries,
        years,
        gov_uk=gov_uk,
        gov_uk_last_year=last_year,
        easter_monday={y: _easter_monday(y) for y in years} if scottish_easter else None,
        appointed=appointed,
    )


def _bound(cls: type, calendar: _DiesNonCalendar) -> type:
    """A subclass of a package election class that counts days on our calendar."""
    return type(cls.__name__, (cls,), {"BANK_HOLIDAY_CALENDAR": _FixedHolidays(calendar)})


# --- the timetable ------------------------------------------------------------------------


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
    if ref.kind in _UNSUPPORTED:
        raise UnsupportedElection(ref.election_id, f"{ref.kind} polls are not supported")
    resolved = resolve_country(ref, country, default_country)
    appointed = tuple(extra_dies_non)
    dies_non = _dies_non_for(ref.kind, resolved, ref.poll_date, appointed)
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
    calendar = _DiesNonCalendar((d for d in dies_non if d not in easter), package_adds=easter)
    builder = _BUILDERS[ref.kind]
    timetable = builder(ref, resolved, calendar)
    first = timetable.first_day()
    inside = tuple(
        entry for day, entry in sorted(dies_non.items()) if first <= day <= ref.poll_date
    )
    return replace(
        timetable, dies_non=inside, notes=timetable.notes + poll_day_notes(ref, dies_non)
    )


def _poll(ref: ElectionRef) -> TimetableEvent:
    return TimetableEvent(ref.poll_date, dt.time(22, 0), "Close of poll at 10pm on polling day")


_POSTAL_RULES = {
    Country.NORTHERN_IRELAND: "Representation of the People (Northern Ireland) Regulations 2008 (SI 2008/1741), reg. 61 (14 working days)",
    Country.SCOTLAND: "Representation of the People (Scotland) Regulations 2001 (SI 2001/497), reg. 56 (11 working days)",
}
# Voter ID, and so the Voter Authority Certificate, applies in Great Britain to UK Parliament
# and PCC polls, and to local polls in England only (Elections Act 2022, Sch. 1); Northern
# Ireland has its own Electoral Identity Card.
_VOTER_ID_EVERYWHERE = (ElectionKind.PARL_GENERAL, ElectionKind.PARL_BY, ElectionKind.PCC)
_NO_VOTER_ID = (ElectionKind.NATIONAL_REFERENDUM, ElectionKind.NEIGHBOURHOOD_REFERENDUM)


def _voter_deadlines(
    election: Any, kind: ElectionKind, country: Country | None
) -> dict[str, TimetableEvent | None]:
    postal_rule = _POSTAL_RULES.get(country, _POSTAL) if country is not None else _POSTAL
    voter_id = country is not Country.NORTHERN_IRELAND and (
        kind in _VOTER_ID_EVERYWHERE or (country is Country.ENGLAND and kind not in _NO_VOTER_ID)
    )
    return {
        "registration_deadline": TimetableEvent(
            election.registration_deadline, MIDNIGHT_END, _REGISTRATION
        ),
        "postal_vote_deadline": TimetableEvent(
            election.postal_vote_application_deadline, FIVE_PM, postal_rule
        ),
        "vac_deadline": TimetableEvent(election.vac_application_deadline, FIVE_PM, _VAC)
        if voter_id
        else None,
    }


def _from_package(
    ref: ElectionRef,
    country: Country | None,
    election: Any,
    *,
    rule: str,
    nominations_time: dt.time = FOUR_PM,
    **extra: Any,
) -> Timetable:
    fields: dict[str, Any] = {
        "election": ref,
        "country": country,
        "poll": _poll(ref),
        "notice_of_election": TimetableEvent(election.notice_of_election_deadline, None, rule),
        "close_of_nominations": TimetableEvent(
            election.close_of_nominations, nominations_time, rule
        ),
        "sopn_publish": TimetableEvent(election.sopn_publish_deadline, FOUR_PM, rule),
        **_voter_deadlines(election, ref.kind, country),
    }
    fields.update(extra)
    # one deadline whether or not objections are made, unless the kind says otherwise
    fields.setdefault("sopn_publish_latest", fields["sopn_publish"])
    return Timetable(**fields)


def _principal(ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar) -> Timetable:
    assert country is not None  # noqa: S101 - resolved by _resolve_country
    if ref.organisation == "city-of-london":
        cls = _tt_elections.CityOfLondonLocalElection
        election = _bound(cls, cal)(ref.poll_date)
        return _from_package(
            ref,
            country,
            election,
            rule="City of London (Various Powers) Act 1957 and the ward elections rules",
        )
    election = _bound(_tt_elections.LocalElection, cal)(ref.poll_date, _TT_COUNTRY[country])
    if country is Country.SCOTLAND:
        close = election.close_of_nominations
        earliest = working_days_before(ref.poll_date, 35, _dates(cal))
        return _from_package(
            ref,
            country,
            election,
            rule=_LOCAL_SCOTLAND,
            notice_of_election_earliest=TimetableEvent(
                earliest, None, _LOCAL_SCOTLAND + ": not earlier than the 35th working day"
            ),
            sopn_publish=TimetableEvent(
                close, None, _LOCAL_SCOTLAND + ": as soon as practicable after close of nominations"
            ),
            sopn_publish_latest=None,
        )
    if country is Country.NORTHERN_IRELAND:
        close = election.close_of_nominations
        return _from_package(
            ref,
            country,
            election,
            rule=_LOCAL_NI,
            nominations_time=ONE_PM,
            sopn_publish=TimetableEvent(
                close, SIX_PM, _LOCAL_NI + ": 6pm on the last day for nominations if no objections"
            ),
            sopn_publish_latest=None,
        )
    rule = _LOCAL_WALES if _welsh_rules(ref, country) else _LOCAL_EW
    return _from_package(ref, country, election, rule=rule)


def _welsh_rules(ref: ElectionRef, country: Country | None) -> bool:
    """Welsh councils' polls from 5 May 2022 are under the Welsh Ministers' 2021 rules."""
    return country is Country.WALES and ref.poll_date >= _WELSH_RULES_FROM


def _parish(ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar) -> Timetable:
    """
    Parish (England) and community (Wales) councils: 25 / 19 / 18 working days.

    Source: Local Elections (Parishes and Communities) (England and Wales) Rules 2006
    (SI 2006/3305), Sch. 2 r. 1, as amended by SI 2014/492: notice of election not later than
    the 25th day, nominations by 4pm on the 19th day, statement of persons nominated by 4pm on
    the 18th day before the poll (days as defined in r. 2). The day counts equal those of
    principal areas, so the package's principal-area computation is reused with this rule.
    """
    assert country is not None  # noqa: S101 - resolved by _resolve_country
    election = _bound(_tt_elections.LocalElection, cal)(ref.poll_date, _TT_COUNTRY[Country.ENGLAND])
    rule = _COMMUNITY_WALES if _welsh_rules(ref, country) else _PARISH_EW
    return _from_package(ref, country, election, rule=rule)


class _PCCElection(_tt_elections.PoliceAndCrimeCommissionerElection):  # type: ignore[misc, unused-ignore]  # untyped base class; only --strict objects
    @property
    def close_of_nominations(self) -> dt.date:
        """
        Nominations close at 4pm on the 19th working day before the poll.

        Source: Police and Crime Commissioner Elections Order 2012 (SI 2012/1917), Sch. 3 r. 1,
        as amended by SI 2014/921 art. 31. uk-election-timetables 5.0.2 counts 18 days; the
        Electoral Commission's timetables (4pm Thu 8 April 2021, 4pm Fri 5 April 2024) say 19.
        """
        result: dt.date = _tt_calendars.working_days_before(self.poll_date, 19, self._calendar())
        return result


def _pcc(ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar) -> Timetable:
    election = _bound(_PCCElection, cal)(ref.poll_date)
    return _from_package(ref, country, election, rule=_PCC_RULE)


def _mayor(ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar) -> Timetable:
    if ref.organisation == "london":
        return _gla(ref, country, cal)
    election = _bound(_tt_elections.MayoralElection, cal)(ref.poll_date)
    return _from_package(ref, country, election, rule=_MAYOR)


def _gla(ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar) -> Timetable:
    """
    The Mayor of London and the London Assembly: notice by the 30th working day before the
    poll, nominations by 4pm on the 24th, the statement of persons (and parties) nominated by
    4pm on the 22nd.

    Source: Greater London Authority Elections Rules 2007 (SI 2007/3541), Schs. 1 to 3 r. 1,
    as amended; London Elects' timetables (2 May 2024: notice Tue 19 March, nominations 4pm
    Wed 27 March, statement by 4pm Tue 2 April). uk-election-timetables 5.0.2 closes
    nominations on the 22nd working day and publishes the statement on the 21st.
    """
    election = _bound(_tt_elections.GreaterLondonAssemblyElection, cal)(ref.poll_date)
    days = _dates(cal)
    close = working_days_before(ref.poll_date, 24, days)
    statement = working_days_before(ref.poll_date, 22, days)
    return _from_package(
        ref,
        country,
        election,
        rule=_GLA,
        close_of_nominations=TimetableEvent(
            close, FOUR_PM, _GLA + ": nominations by 4pm on the 24th working day"
        ),
        sopn_publish=TimetableEvent(
            statement, FOUR_PM, _GLA + ": statement by 4pm on the 22nd working day"
        ),
    )


def _parl(ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar) -> Timetable:
    """
    UK Parliament elections.

    Source: Representation of the People Act 1983, Sch. 1 r. 1: Parliament is dissolved 25
    working days before the poll (Dissolution and Calling of Parliament Act 2022); notice of
    election by 4pm on the second day after the writ is received (the 22nd working day before
    the poll at a general election); nominations by 4pm on the 19th day; the statement of
    persons nominated at 5pm that day if there are no objections (else by 4pm the next
    working day). Rule 2: at a general election a bank holiday in any part of the UK is a
    dies non.

    A by-election's writ is moved in the House of Commons, so its notice cannot be derived
    from the poll date; it is estimated with the general-election counts and marked so.
    """
    tt_country = (
        _TT_COUNTRY[country] if country is not None and ref.kind is ElectionKind.PARL_BY else None
    )
    election = _bound(_tt_elections.UKParliamentElection, cal)(ref.poll_date, tt_country)
    close = election.close_of_nominations
    extra: dict[str, Any] = {
        "sopn_publish": TimetableEvent(
            close, FIVE_PM, _PARL + ": 5pm on the last day for nominations if no objections"
        ),
        "sopn_publish_latest": TimetableEvent(
            election.sopn_publish_deadline,
            FOUR_PM,
            _PARL + ": if objections are made, not later than 4pm on the next working day",
        ),
        "dissolution": None,
        "notes": (),
    }
    if ref.kind is ElectionKind.PARL_GENERAL:
        extra["dissolution"] = TimetableEvent(
            working_days_before(ref.poll_date, 25, _dates(cal)),
            None,
            "Dissolution and Calling of Parliament Act 2022 and Representation of the People Act 1983, Sch. 1 r. 1: the poll is the 25th working day after dissolution",
        )
        extra["notes"] = (_PARL_DIES_NON,)
    else:
        extra["estimated"] = True
        extra["notes"] = (
            "estimated: a by-election's notice runs from the day the writ is received, which "
            "the poll date does not fix; record the actual notice date when it is published",
        )
    return _from_package(
        ref,
        country,
        election,
        rule=_PARL,
        notice_of_election=TimetableEvent(election.notice_of_election_deadline, FOUR_PM, _PARL),
        **extra,
    )


def _sp(ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar) -> Timetable:
    election = _bound(_tt_elections.ScottishParliamentElection, cal)(ref.poll_date)
    earliest = working_days_before(ref.poll_date, 35, _dates(cal))
    return _from_package(
        ref,
        country,
        election,
        rule=_SP,
        notice_of_election_earliest=TimetableEvent(
            earliest, None, _SP + ": not earlier than the 35th working day"
        ),
    )


def _senedd(ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar) -> Timetable:
    election = _bound(_tt_elections.SeneddCymruElection, cal)(ref.poll_date)
    rule = _SENEDD_2025 if ref.poll_date >= _SENEDD_2025_FROM else _SENEDD
    return _from_package(ref, country, election, rule=rule)


def _nia(ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar) -> Timetable:
    election = _bound(_tt_elections.NorthernIrelandAssemblyElection, cal)(ref.poll_date)
    close = election.close_of_nominations
    return _from_package(
        ref,
        country,
        election,
        rule=_NIA,
        nominations_time=ONE_PM,
        sopn_publish=TimetableEvent(
            close, SIX_PM, _NIA + ": 6pm on the last day for nominations if no objections"
        ),
        sopn_publish_latest=None,
    )


def _national_referendum(
    ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar
) -> Timetable:
    """
    A referendum under PPERA 2000 Part VII, UK-wide or in one part of the UK or a region of
    England (`ref.wales.`, `ref.north-east.`): restrictions on publicity for the 28 days
    ending with the poll.

    Source: Political Parties, Elections and Referendums Act 2000, s. 125. The EU referendum of
    23 June 2016 was restricted from 27 May 2016 (Electoral Commission).
    """
    start = ref.poll_date - dt.timedelta(days=27)
    return Timetable(
        election=ref,
        country=country,
        poll=_poll(ref),
        restriction_start=TimetableEvent(start, None, _NATIONAL_REFERENDUM),
        notes=(f"restricted period from {start.isoformat()}: {_NATIONAL_REFERENDUM}",),
    )


def _neighbourhood_referendum(
    ref: ElectionRef, country: Country | None, cal: _DiesNonCalendar
) -> Timetable:
    """
    A neighbourhood planning referendum (England): the restricted period starts with the
    information statement, published not fewer than 28 working days before the poll.

    Source: Neighbourhood Planning (Referendums) Regulations 2012 (SI 2012/2031), reg. 4(1A),
    with the days of r. 2 disregarded.
    """
    statement = working_days_before(ref.poll_date, 28, _dates(cal))
    return Timetable(
        election=ref,
        country=country,
        poll=_poll(ref),
        information_statement=TimetableEvent(statement, None, _NEIGHBOURHOOD),
        restriction_start=TimetableEvent(statement, None, _NEIGHBOURHOOD),
        notes=(
            "timed as a neighbourhood planning referendum, the kind given for it; business "
            "neighbourhood, council tax and governance referendums are not supported",
        ),
    )


def _dates(cal: _DiesNonCalendar) -> list[dt.date]:
    return cal.all_days


_Builder = Callable[[ElectionRef, Country | None, _DiesNonCalendar], Timetable]

_UNSUPPORTED = frozenset(
    {
        ElectionKind.BUSINESS_NEIGHBOURHOOD_REFERENDUM,
        ElectionKind.COUNCIL_TAX_REFERENDUM,
        ElectionKind.GOVERNANCE_REFERENDUM,
    }
)
_BUILDERS: Mapping[ElectionKind, _Builder] = {
    ElectionKind.PRINCIPAL: _principal,
    ElectionKind.PARISH: _parish,
    ElectionKind.PCC: _pcc,
    ElectionKind.MAYOR: _mayor,
    ElectionKind.GLA: _gla,
    ElectionKind.PARL_GENERAL: _parl,
    ElectionKind.PARL_BY: _parl,
    ElectionKind.SP: _sp,
    ElectionKind.SENEDD: _senedd,
    ElectionKind.NIA: _nia,
    ElectionKind.NATIONAL_REFERENDUM: _national_referendum,
    ElectionKind.NEIGHBOURHOOD_REFERENDUM: _neighbourhood_referendum,
}
