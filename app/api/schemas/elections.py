"""
Elections, their timetables, imports, recurring schedules and dies non.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from app.domain import (
    ElectionKind,
    ElectionStatus,
)

from .common import (
    AwareDatetime,
    IsoDate,
    Name,
    Text,
    _In,
    _Out,
)


class TimetableOut(_Out):
    """The same keys as `purdah timetable --json`."""

    election_id: str
    kind: str
    country: str | None
    poll_date: dt.date
    notice_of_election_deadline: dt.date | None
    notice_of_election_earliest: dt.date | None
    close_of_nominations: dt.date | None
    sopn_publish_deadline: dt.date | None
    sopn_publish_latest: dt.date | None
    estimated: bool
    notes: list[str]
    dies_non: list[dict[str, str]]
    restricted_period: dict[str, dt.datetime]


class PeriodOut(_Out):
    starts_at: dt.datetime
    ends_at: dt.datetime
    start_basis: str
    end_basis: str
    estimated: bool


class ElectionOut(_Out):
    election_id: str
    kind: ElectionKind
    country: str | None
    poll_date: dt.date
    status: ElectionStatus
    status_reason: str | None
    notice_published: dt.date | None
    starts_at_set: dt.datetime | None = Field(description="A start the Clerk set by hand.")
    ends_at_set: dt.datetime | None = Field(description="An end the Clerk set by hand.")
    end_reason: str | None
    source: str | None
    restricted_period: PeriodOut | None
    timetable: TimetableOut | None = None


class ElectionIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "election_id": "parish.redruth.north.by.2027-02-11",
                    "notice_published": "2027-01-05",
                    "source": "Cornwall Council notice of election",
                }
            ]
        },
    )

    election_id: Annotated[str, Field(min_length=1, max_length=200)]
    poll_date: IsoDate | None = Field(default=None, description="Must equal the date in the id.")
    kind: ElectionKind | None = None
    notice_published: IsoDate | None = None
    source: Annotated[str, Field(max_length=2000)] | None = None


class ElectionPatch(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "notice_published": "2029-03-16",
                    "notice_reason": "Notice of election published on Cornwall Council's website",
                },
                {"status": "uncontested", "status_reason": "One candidate for one seat"},
            ]
        },
    )

    notice_published: IsoDate | None = Field(
        default=None,
        description="The day the notice of election was published: within the legal window "
        "(never after the statutory latest day), with `notice_reason`.",
    )
    notice_reason: Text | None = None
    status: Literal["scheduled", "held", "uncontested", "countermanded", "cancelled"] | None = None
    status_reason: Text | None = None
    starts_at: AwareDatetime | None = None
    start_reason: Text | None = None
    ends_at: AwareDatetime | None = None
    end_reason: Text | None = None


class DiesNonIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"date": "2029-04-16", "name": "Day of national mourning (appointed)"}]
        },
    )

    date: IsoDate
    name: Name


class DiesNonOut(_Out):
    date: dt.date
    name: str


class ImportIn(_In):
    """
    One source of elections, as JSON: a calendar URL the server fetches, a list of Democracy
    Club election ids, or EveryElection's election objects pasted as they came (the `results`
    of https://elections.democracyclub.org.uk/api/elections/). To upload an ICS file, send it
    as `multipart/form-data` (field `file`) or as a `text/calendar` body instead.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"election_ids": ["local.cornwall.2029-05-03", "parish.redruth.2029-05-03"]},
                {"url": "https://whocanivotefor.co.uk/elections/TR151AA.ics"},
                {
                    "elections": [
                        {
                            "election_id": "local.cornwall.2025-05-01",
                            "poll_open_date": "2025-05-01",
                            "election_type": {"election_type": "local", "name": "Local elections"},
                            "cancelled": False,
                            "cancellation_reason": None,
                            "replaced_by": None,
                        }
                    ]
                },
            ]
        },
    )

    url: Annotated[str, Field(max_length=2000, pattern=r"^https?://\S+$")] | None = None
    election_ids: (
        Annotated[list[Annotated[str, Field(max_length=200)]], Field(min_length=1, max_length=1000)]
        | None
    ) = None
    elections: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=5000)] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "ImportIn":
        given = [
            name for name in ("url", "election_ids", "elections") if getattr(self, name) is not None
        ]
        if len(given) != 1:
            msg = "give exactly one source: url, election_ids or elections"
            raise ValueError(msg)
        return self


class ImportItem(_Out):
    """One entry of the source and what became of it."""

    model_config = ConfigDict(extra="forbid")

    where: str = Field(description="The line of the calendar or the item of the list.")
    election_id: str | None = None
    ballot: str | None = Field(
        default=None, description="The ballot id the source gave, when it is part of `election_id`."
    )
    uid: str | None = None
    summary: str | None = None
    poll_date: dt.date | None = None
    kind: str | None = None
    how: str | None = Field(default=None, description="How the election was recognised.")
    status: str | None = None
    replaces: str | None = Field(
        default=None, description="The election this one replaces (a moved poll)."
    )
    changes: dict[str, list[Any]] | None = Field(
        default=None, description="Each changed field: [before, after]."
    )
    reason: str | None = None
    note: str | None = None


class ImportOut(_Out):
    """What an import did, or with `dry_run=true` would do. Nothing is written on a dry run."""

    dry_run: bool
    source: str
    created: list[ImportItem]
    changed: list[ImportItem]
    unchanged: list[ImportItem]
    skipped: list[ImportItem]
    rejected: list[ImportItem]


class ScheduleIn(_In):
    """Recurring scheduled elections: an RFC 5545 RRULE from `dtstart`, which must end (COUNT or UNTIL)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Redruth Town Council ordinary elections",
                    "election_prefix": "parish.redruth",
                    "rrule": "FREQ=YEARLY;INTERVAL=4;BYMONTH=5;BYDAY=1TH;UNTIL=20450601",
                    "dtstart": "2029-05-03",
                }
            ]
        },
    )

    name: Name
    election_prefix: Annotated[
        str,
        Field(
            pattern=r"^[a-z]+(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$",
            max_length=180,
            description="The election id without its date: `parish.redruth`, `local.cornwall`.",
        ),
    ]
    rrule: Annotated[str, Field(min_length=1, max_length=300)]
    dtstart: IsoDate
    exdates: Annotated[list[IsoDate], Field(max_length=100)] = Field(
        default_factory=list, description="Polls that will not happen on the rule's day (moved)."
    )
    rdates: Annotated[list[IsoDate], Field(max_length=100)] = Field(
        default_factory=list, description="Polls on days outside the rule (where a poll moved to)."
    )


class ScheduleOut(_Out):
    schedule_id: str
    name: str
    election_prefix: str
    rrule: str
    dtstart: dt.date
    exdates: list[dt.date]
    rdates: list[dt.date]
    horizon_until: dt.date
    elections: ImportOut | None = Field(
        default=None, description="What creating the schedule did (or would do, on a dry run)."
    )
