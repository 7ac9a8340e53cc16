"""
The rules of purdah-controller: pure functions and immutable values, no I/O, no clock.

Elections and their ids, statutory timetables and working days, restricted periods and
their merging into windows, the policy model, and `decide()`.
"""

from app.domain.clock import LONDON, UTC, london_instant, require_aware
from app.domain.decision import (
    Decision,
    Effect,
    Outcome,
    Override,
    Reason,
    ReasonCode,
    Snapshot,
    build_snapshot,
    decide,
)
from app.domain.elections import (
    Country,
    ElectionKind,
    ElectionRef,
    ElectionStatus,
    ListedElection,
    election_group_id,
    election_title,
    parse_election_id,
)
from app.domain.errors import (
    ContradictoryElection,
    CountryRequired,
    InvalidElectionId,
    KindRequired,
    NaiveDatetime,
    PurdahError,
    UnknownAccount,
    UnknownCategory,
    UnsupportedElection,
)
from app.domain.periods import (
    ElectionRecord,
    GeneralElectionStart,
    ManualWindow,
    PeriodRules,
    RestrictedPeriod,
    Window,
    merge_windows,
    restricted_period,
    restricted_periods,
    timetable_summary,
)
from app.domain.policy import Account, AccountKind, AccountStatus, Category, Clause, Policy
from app.domain.timetables import Timetable, TimetableEvent, compute_timetable
from app.domain.working_days import DiesNon, DiesNonSource

__all__ = [
    "LONDON",
    "UTC",
    "Account",
    "AccountKind",
    "AccountStatus",
    "Category",
    "Clause",
    "ContradictoryElection",
    "Country",
    "CountryRequired",
    "Decision",
    "DiesNon",
    "DiesNonSource",
    "Effect",
    "ElectionKind",
    "ElectionRecord",
    "ElectionStatus",
    "ElectionRef",
    "GeneralElectionStart",
    "InvalidElectionId",
    "KindRequired",
    "ListedElection",
    "ManualWindow",
    "NaiveDatetime",
    "Outcome",
    "Override",
    "PeriodRules",
    "Policy",
    "PurdahError",
    "Reason",
    "ReasonCode",
    "RestrictedPeriod",
    "Snapshot",
    "Timetable",
    "TimetableEvent",
    "UnknownAccount",
    "UnknownCategory",
    "UnsupportedElection",
    "Window",
    "build_snapshot",
    "compute_timetable",
    "decide",
    "london_instant",
    "merge_windows",
    "election_group_id",
    "election_title",
    "parse_election_id",
    "require_aware",
    "restricted_period",
    "restricted_periods",
    "timetable_summary",
]
