"""
Dies non: the days that do not count when election law counts working days.

Working-day arithmetic itself is `uk_election_timetables.calendars.working_days_before`;
this module only decides which days it skips. The sources, per part of the UK:

* England and Wales, local elections: Local Elections (Principal Areas) (England and Wales)
  Rules 2006 (SI 2006/3304), Sch. 2 r. 2, and Local Elections (Parishes and Communities)
  (England and Wales) Rules 2006 (SI 2006/3305), Sch. 2 r. 2: Saturday, Sunday, Christmas Eve,
  Christmas Day, Good Friday, a bank holiday in England and Wales, a day appointed for public
  thanksgiving or mourning. Maundy Thursday stopped counting in 2007.
* UK Parliament general election: Representation of the People Act 1983, Sch. 1 r. 2: a bank
  holiday "in any part of the United Kingdom" is a dies non, so every part's holidays count.
* Scotland (local and Scottish Parliament elections): Easter Monday also does not count,
  Scottish Local Government Elections Order 2011 (SSI 2011/399), Sch. 1 r. 2.

Bank holidays come from GOV.UK's data shipped with uk-election-timetables while it lasts
(to the end of 2028 in 5.0.2), then from the `holidays` package for the same part of the UK.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import holidays

from app.domain.elections import Country

__all__ = ["DiesNon", "DiesNonSource", "bank_holidays", "collect_dies_non"]


class DiesNonSource(StrEnum):
    """Where a dies non comes from, so a timetable can show its working."""

    GOV_UK = "gov.uk bank holidays (uk-election-timetables data)"
    HOLIDAYS_PACKAGE = "holidays package (beyond GOV.UK data)"
    STATUTE = "named in the election rules"
    APPOINTED = "appointed day of public thanksgiving or mourning"


@dataclass(frozen=True, slots=True)
class DiesNon:
    """A weekday that does not count as a working day, and why."""

    day: dt.date
    name: str
    source: DiesNonSource


_HOLIDAYS_SUBDIVISION = {
    Country.ENGLAND: "ENG",
    Country.WALES: "WLS",
    Country.SCOTLAND: "SCT",
    Country.NORTHERN_IRELAND: "NIR",
}


def bank_holidays(
    country: Country,
    years: Iterable[int],
    *,
    gov_uk: Mapping[Country, Mapping[dt.date, str]],
    gov_uk_last_year: int,
) -> dict[dt.date, DiesNon]:
    """
    Bank holidays of one part of the UK in `years`.

    Args:
        country: the part of the UK.
        years: calendar years wanted.
        gov_uk: GOV.UK's published bank holidays per part of the UK (from the timetable package).
        gov_uk_last_year: the last year GOV.UK's data covers; later years, and earlier years
            than its first, come from `holidays`.
    """
    found: dict[dt.date, DiesNon] = {}
    wanted = set(years)
    covered = set()
    for day, name in gov_uk[country].items():
        covered.add(day.year)
        if day.year in wanted:
            found[day] = DiesNon(day, name, DiesNonSource.GOV_UK)
    # years GOV.UK does not list: after its last year, and before its first (it starts in 2012)
    others = tuple(sorted(y for y in wanted if y > gov_uk_last_year or y not in covered))
    if others:
        for day, name in _holidays_package(_HOLIDAYS_SUBDIVISION[country], others).items():
            found[day] = DiesNon(day, name, DiesNonSource.HOLIDAYS_PACKAGE)
    return found


@cache
def _holidays_package(subdivision: str, years: tuple[int, ...]) -> dict[dt.date, str]:
    calendar = holidays.country_holidays("GB", subdiv=subdivision, years=years)
    return {day: str(name) for day, name in calendar.items()}


def collect_dies_non(
    countries: Iterable[Country],
    years: Iterable[int],
    *,
    gov_uk: Mapping[Country, Mapping[dt.date, str]],
    gov_uk_last_year: int,
    easter_monday: Mapping[int, dt.date] | None = None,
    appointed: Iterable[tuple[dt.date, str]] = (),
) -> dict[dt.date, DiesNon]:
    """
    Every weekday dies non for the given parts of the UK and years.

    Christmas Eve, Christmas Day and Good Friday are named by the election rules themselves
    (they are dies non even where, as with Christmas Eve, they are not bank holidays).

    Args:
        countries: whose bank holidays count (all parts of the UK for a general election).
        years: calendar years to cover.
        gov_uk: GOV.UK's bank holidays per part of the UK.
        gov_uk_last_year: the last year GOV.UK's data covers.
        easter_monday: Easter Monday per year, where the rules add it (Scotland).
        appointed: days of public thanksgiving or mourning, with their names.
    """
    years = tuple(years)
    found: dict[dt.date, DiesNon] = {}
    for country in countries:
        for day, entry in bank_holidays(
            country, years, gov_uk=gov_uk, gov_uk_last_year=gov_uk_last_year
        ).items():
            found.setdefault(day, entry)
    for year in years:
        christmas_eve = dt.date(year, 12, 24)
        found.setdefault(
            christmas_eve, DiesNon(christmas_eve, "Christmas Eve", DiesNonSource.STATUTE)
        )
        christmas = dt.date(year, 12, 25)
        found.setdefault(christmas, DiesNon(christmas, "Christmas Day", DiesNonSource.STATUTE))
        if easter_monday and year in easter_monday:
            monday = easter_monday[year]
            found.setdefault(monday, DiesNon(monday, "Easter Monday", DiesNonSource.STATUTE))
    for day, name in appointed:
        found[day] = DiesNon(day, name, DiesNonSource.APPOINTED)
    return {day: entry for day, entry in found.items() if day.weekday() < 5}
