"""What an election source (a calendar, a list of ids, EveryElection) says about one entry."""

import datetime as dt
from dataclasses import dataclass

__all__ = ["SourceEntry"]


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """
    One entry of a source: an election it names, a poll it implies, or something it skips.

    Attributes:
        where: the line (`line 12`) or item (`election_ids[3]`) it came from.
        election_id: the id the source gives, if any (a ballot id is kept as given).
        poll_date: polling day, as the source dates it.
        how: how the election was recognised, for the report.
        skip: why the entry is not an election, if it is not.
        uid: the source's own identifier (an ICS UID, an EveryElection id), so that a second
            import of a source whose events carry no election id finds what the first made.
    """

    where: str
    summary: str = ""
    description: str = ""
    election_id: str | None = None
    poll_date: dt.date | None = None
    notice_published: dt.date | None = None
    cancelled: bool = False
    cancellation_reason: str | None = None
    replaced_by: str | None = None
    kind_hint: str | None = None
    status: str | None = None
    how: str = ""
    skip: str | None = None
    uid: str | None = None
