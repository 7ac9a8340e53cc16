"""
The timetable of each kind of election, with the rule that sets each step.

One builder per kind: most take the package's own election classes, counting days on our
calendar (`calendar.bound_calendar`); where the package lacks a kind or gets a count wrong,
the builder counts itself and cites the rule.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from uk_election_timetables import calendars as _tt_calendars  # type: ignore[import-untyped]
from uk_election_timetables import elections as _tt_elections

from app.domain.elections import Country, ElectionKind, ElectionRef
from app.domain.timetables.calendar import (
    TT_COUNTRY,
    DiesNonCalendar,
    bound_calendar,
    calendar_days,
    working_days_before,
)
from app.domain.timetables.model import Timetable, TimetableEvent

__all__ = ["BUILDERS", "UNSUPPORTED", "Builder"]

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


def _principal(ref: ElectionRef, country: Country | None, cal: DiesNonCalendar) -> Timetable:
    assert country is not None  # noqa: S101 - resolved by _resolve_country
    if ref.organisation == "city-of-london":
        cls = _tt_elections.CityOfLondonLocalElection
        election = bound_calendar(cls, cal)(ref.poll_date)
        return _from_package(
            ref,
            country,
            election,
            rule="City of London (Various Powers) Act 1957 and the ward elections rules",
        )
    election = bound_calendar(_tt_elections.LocalElection, cal)(ref.poll_date, TT_COUNTRY[country])
    if country is Country.SCOTLAND:
        close = election.close_of_nominations
        earliest = working_days_before(ref.poll_date, 35, calendar_days(cal))
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


def _parish(ref: ElectionRef, country: Country | None, cal: DiesNonCalendar) -> Timetable:
    """
    Parish (England) and community (Wales) councils: 25 / 19 / 18 working days.

    Source: Local Elections (Parishes and Communities) (England and Wales) Rules 2006
    (SI 2006/3305), Sch. 2 r. 1, as amended by SI 2014/492: notice of election not later than
    the 25th day, nominations by 4pm on the 19th day, statement of persons nominated by 4pm on
    the 18th day before the poll (days as defined in r. 2). The day counts equal those of
    principal areas, so the package's principal-area computation is reused with this rule.
    """
    assert country is not None  # noqa: S101 - resolved by _resolve_country
    election = bound_calendar(_tt_elections.LocalElection, cal)(
        ref.poll_date, TT_COUNTRY[Country.ENGLAND]
    )
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


def _pcc(ref: ElectionRef, country: Country | None, cal: DiesNonCalendar) -> Timetable:
    election = bound_calendar(_PCCElection, cal)(ref.poll_date)
    return _from_package(ref, country, election, rule=_PCC_RULE)


def _mayor(ref: ElectionRef, country: Country | None, cal: DiesNonCalendar) -> Timetable:
    if ref.organisation == "london":
        return _gla(ref, country, cal)
    election = bound_calendar(_tt_elections.MayoralElection, cal)(ref.poll_date)
    return _from_package(ref, country, election, rule=_MAYOR)


def _gla(ref: ElectionRef, country: Country | None, cal: DiesNonCalendar) -> Timetable:
    """
    The Mayor of London and the London Assembly: notice by the 30th working day before the
    poll, nominations by 4pm on the 24th, the statement of persons (and parties) nominated by
    4pm on the 22nd.

    Source: Greater London Authority Elections Rules 2007 (SI 2007/3541), Schs. 1 to 3 r. 1,
    as amended; London Elects' timetables (2 May 2024: notice Tue 19 March, nominations 4pm
    Wed 27 March, statement by 4pm Tue 2 April). uk-election-timetables 5.0.2 closes
    nominations on the 22nd working day and publishes the statement on the 21st.
    """
    election = bound_calendar(_tt_elections.GreaterLondonAssemblyElection, cal)(ref.poll_date)
    days = calendar_days(cal)
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


def _parl(ref: ElectionRef, country: Country | None, cal: DiesNonCalendar) -> Timetable:
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
        TT_COUNTRY[country] if country is not None and ref.kind is ElectionKind.PARL_BY else None
    )
    election = bound_calendar(_tt_elections.UKParliamentElection, cal)(ref.poll_date, tt_country)
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
            working_days_before(ref.poll_date, 25, calendar_days(cal)),
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


def _sp(ref: ElectionRef, country: Country | None, cal: DiesNonCalendar) -> Timetable:
    election = bound_calendar(_tt_elections.ScottishParliamentElection, cal)(ref.poll_date)
    earliest = working_days_before(ref.poll_date, 35, calendar_days(cal))
    return _from_package(
        ref,
        country,
        election,
        rule=_SP,
        notice_of_election_earliest=TimetableEvent(
            earliest, None, _SP + ": not earlier than the 35th working day"
        ),
    )


def _senedd(ref: ElectionRef, country: Country | None, cal: DiesNonCalendar) -> Timetable:
    election = bound_calendar(_tt_elections.SeneddCymruElection, cal)(ref.poll_date)
    rule = _SENEDD_2025 if ref.poll_date >= _SENEDD_2025_FROM else _SENEDD
    return _from_package(ref, country, election, rule=rule)


def _nia(ref: ElectionRef, country: Country | None, cal: DiesNonCalendar) -> Timetable:
    election = bound_calendar(_tt_elections.NorthernIrelandAssemblyElection, cal)(ref.poll_date)
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
    ref: ElectionRef, country: Country | None, cal: DiesNonCalendar
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
    ref: ElectionRef, country: Country | None, cal: DiesNonCalendar
) -> Timetable:
    """
    A neighbourhood planning referendum (England): the restricted period starts with the
    information statement, published not fewer than 28 working days before the poll.

    Source: Neighbourhood Planning (Referendums) Regulations 2012 (SI 2012/2031), reg. 4(1A),
    with the days of r. 2 disregarded.
    """
    statement = working_days_before(ref.poll_date, 28, calendar_days(cal))
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


Builder = Callable[[ElectionRef, Country | None, DiesNonCalendar], Timetable]

UNSUPPORTED = frozenset(
    {
        ElectionKind.BUSINESS_NEIGHBOURHOOD_REFERENDUM,
        ElectionKind.COUNCIL_TAX_REFERENDUM,
        ElectionKind.GOVERNANCE_REFERENDUM,
    }
)
BUILDERS: Mapping[ElectionKind, Builder] = {
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
