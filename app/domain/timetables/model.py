"""The statutory timetable of one election: its steps, each with its day, time and rule."""

import datetime as dt
from dataclasses import dataclass

from app.domain.elections import Country, ElectionRef
from app.domain.working_days import DiesNon

__all__ = ["Timetable", "TimetableEvent"]


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
