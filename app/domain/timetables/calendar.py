"""
The package's working-day calendar, with our dies non.

uk-election-timetables counts working days on its own bank-holiday calendars, which end in
2028 and know no days of thanksgiving or mourning; these classes hand it exactly the dies non
we collect (`app.domain.working_days.collect_dies_non`).
"""

import datetime as dt
from collections.abc import Iterable
from functools import cache
from typing import Any

from uk_election_timetables import calendars as _tt_calendars  # type: ignore[import-untyped]
from uk_election_timetables import date as _tt_date

from app.domain.elections import Country, ElectionKind
from app.domain.working_days import DiesNon, collect_dies_non

__all__ = [
    "TT_COUNTRY",
    "DiesNonCalendar",
    "bound_calendar",
    "calendar_days",
    "dies_non_for",
    "working_days_before",
]


class DiesNonCalendar(_tt_calendars.BaseCalendar):  # type: ignore[misc, unused-ignore]  # untyped base class; only --strict objects
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

    def __init__(self, calendar: DiesNonCalendar) -> None:
        self._calendar = calendar

    def from_country(self, country: object) -> DiesNonCalendar:
        return self._calendar


TT_COUNTRY = {
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
    for country, tt_country in TT_COUNTRY.items():
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
    result: dt.date = _tt_calendars.working_days_before(day, count, DiesNonCalendar(dies_non))
    return result


def _easter_monday(year: int) -> dt.date:
    sunday: dt.date = _tt_date.easter_sunday(year)
    return sunday + dt.timedelta(days=1)


def dies_non_for(
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


def bound_calendar(cls: type, calendar: DiesNonCalendar) -> type:
    """A subclass of a package election class that counts days on our calendar."""
    return type(cls.__name__, (cls,), {"BANK_HOLIDAY_CALENDAR": _FixedHolidays(calendar)})


def calendar_days(cal: DiesNonCalendar) -> list[dt.date]:
    return cal.all_days
