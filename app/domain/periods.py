"""
Restricted (pre-election) periods and the restriction windows they merge into.

A restricted period is the half-open interval `[starts_at, ends_at)` of one election:

* it starts at 00:00 Europe/London on the day the notice of election is published: the
  recorded actual day if the Clerk entered it, else the statutory latest day (for a general
  election the policy may start it at dissolution instead; for referendums the law sets the
  start), less the policy's caution margin in calendar days;
* it ends at close of poll, 22:00 Europe/London on polling day, plus the policy's extension;
* the Clerk may set either end by hand (an early end needs a reason and is audited by the store).

Sources: Code of Recommended Practice on Local Authority Publicity (2011), para. 34, and the
Local Government Association's guidance on the pre-election period ("from the publication of
the notice of election to the close of poll"); NALC Legal Topic Note on pre-election publicity.
An uncontested, countermanded or cancelled poll does not lift a period by itself.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain.clock import LONDON, london_instant, require_aware
from app.domain.elections import Country, ElectionKind, ElectionRef
from app.domain.errors import InvalidNoticeDate
from app.domain.timetables import (
    Timetable,
    TimetableEvent,
    compute_timetable,
    working_days_before,
)

__all__ = [
    "CLOSE_OF_POLL",
    "ElectionRecord",
    "GeneralElectionStart",
    "ManualWindow",
    "NoticeWindow",
    "PeriodRules",
    "RestrictedPeriod",
    "Window",
    "check_notice_published",
    "merge_windows",
    "notice_window",
    "restricted_period",
    "restricted_periods",
    "timetable_summary",
]

CLOSE_OF_POLL = dt.time(22, 0)
# A recorded notice this long before the poll is a typing mistake, whatever the kind.
NOTICE_SANITY_DAYS = 120
_PARL_BY_NOTICE = (
    "Representation of the People Act 1983, Sch. 1 r. 1: at a by-election the notice is "
    "published by the second day after the writ is received, and the poll is not earlier than "
    "the 21st day after it, so the notice is out by the 19th working day before the poll"
)


class GeneralElectionStart(StrEnum):
    """Which event starts a general election's restricted period (a policy choice)."""

    NOTICE_OF_ELECTION = "notice_of_election"
    DISSOLUTION = "dissolution"


@dataclass(frozen=True, slots=True)
class PeriodRules:
    """The policy's settings for restricted periods."""

    caution_margin: dt.timedelta = dt.timedelta(0)
    general_election_start: GeneralElectionStart = GeneralElectionStart.NOTICE_OF_ELECTION
    end_extension: dt.timedelta = dt.timedelta(0)


@dataclass(frozen=True, slots=True)
class RestrictedPeriod:
    """
    The restricted period of one election, `[starts_at, ends_at)` in UTC.

    `start_basis` and `end_basis` say, for a person, where each end came from.
    """

    election_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    start_basis: str
    end_basis: str
    estimated: bool = False

    @property
    def is_empty(self) -> bool:
        """An election the Clerk ended before it began restricts nothing."""
        return self.ends_at <= self.starts_at


@dataclass(frozen=True, slots=True)
class ManualWindow:
    """A window the Clerk sets by hand; `account_ids` None means every account."""

    window_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    account_ids: frozenset[str] | None = None

    def __post_init__(self) -> None:
        require_aware(self.starts_at, field=f"window {self.window_id} starts_at")
        require_aware(self.ends_at, field=f"window {self.window_id} ends_at")
        if self.ends_at <= self.starts_at:
            msg = f"manual window {self.window_id} must end after it starts"
            raise ValueError(msg)
        if self.account_ids is not None and not self.account_ids:
            msg = f"manual window {self.window_id} names no accounts: use None for every account"
            raise ValueError(msg)
        if not self.reason.strip():
            msg = f"manual window {self.window_id} needs a reason"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class NoticeWindow:
    """
    The days on which the notice of election (or, for a referendum, the start the law sets)
    may lawfully fall: `earliest <= day <= latest`. `earliest` is None where the law sets no
    first day (every kind but Scotland's); `rule` cites the latest day's source.
    """

    earliest: dt.date | None
    latest: dt.date
    rule: str

    def contains(self, day: dt.date) -> bool:
        return (self.earliest is None or self.earliest <= day) and day <= self.latest


def notice_window(timetable: Timetable) -> NoticeWindow:
    """
    The legal window for an election's notice of election.

    The latest day is the timetable's statutory latest day for the notice, except at a UK
    Parliament by-election, whose timetable is estimated from the poll date: there the writ
    may arrive as late as the 21st working day before the poll, so the notice may lawfully be
    published until the 19th (RPA 1983, Sch. 1 r. 1). For a referendum, whose restricted
    period the law starts (PPERA 2000 s. 125; SI 2012/2031 reg. 4), no notice may start it
    later than that day. The earliest day is the one Scottish rules set (35th working day).
    """
    earliest = timetable.notice_of_election_earliest
    first = earliest.day if earliest is not None else None
    if timetable.election.kind is ElectionKind.PARL_BY:
        dies_non = [d.day for d in timetable.dies_non]
        latest = working_days_before(timetable.poll.day, 19, dies_non)
        return NoticeWindow(first, latest, _PARL_BY_NOTICE)
    statutory = timetable.notice_of_election or timetable.restriction_start
    if statutory is None:  # pragma: no cover - every kind has a notice or a statutory start
        return NoticeWindow(first, timetable.poll.day - dt.timedelta(days=1), "before the poll")
    if timetable.restriction_start is not None and timetable.notice_of_election is not None:
        statutory = min(
            (timetable.notice_of_election, timetable.restriction_start), key=lambda e: e.day
        )
    return NoticeWindow(first, statutory.day, statutory.rule)


def check_notice_published(timetable: Timetable, notice: dt.date) -> None:
    """
    Refuse a recorded notice date the law does not allow (after the latest day, before the
    earliest, on or after polling day, or implausibly early).

    Raises:
        InvalidNoticeDate: with the legal window, so the Clerk can correct the date.
    """
    window = notice_window(timetable)
    poll = timetable.poll.day
    sane = poll - dt.timedelta(days=NOTICE_SANITY_DAYS) <= notice < poll
    if window.contains(notice) and sane:
        return
    earliest = window.earliest or poll - dt.timedelta(days=NOTICE_SANITY_DAYS)
    raise InvalidNoticeDate(
        timetable.election.election_id,
        notice.isoformat(),
        earliest=earliest.isoformat(),
        latest=window.latest.isoformat(),
        rule=window.rule,
    )


def restricted_period(
    timetable: Timetable,
    rules: PeriodRules,
    *,
    notice_published: dt.date | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    end_reason: str | None = None,
) -> RestrictedPeriod:
    """
    The restricted period of one election.

    Args:
        timetable: the election's statutory timetable.
        rules: the policy's margin, general-election start rule and extension.
        notice_published: the day the notice of election was actually published, if recorded.
        starts_at: a start the Clerk set by hand (overrides every rule).
        ends_at: an end the Clerk set by hand (an early end).
        end_reason: why the Clerk set the end.
    """
    election_id = timetable.election.election_id
    estimated = timetable.estimated and notice_published is None and starts_at is None
    if starts_at is not None:
        start = require_aware(starts_at, field="starts_at")
        start_basis = f"start set by the Clerk at {_show(start)} (Europe/London)"
    else:
        day, start_basis = _start_day(timetable, rules, notice_published)
        margin_days = rules.caution_margin.days
        if margin_days:
            day -= dt.timedelta(days=margin_days)
            start_basis += f", less a caution margin of {margin_days} days"
        start = london_instant(day)
    if ends_at is not None:
        end = require_aware(ends_at, field="ends_at")
        end_basis = f"ended by the Clerk at {_show(end)} (Europe/London)" + (
            f": {end_reason}" if end_reason else ""
        )
    else:
        end = london_instant(timetable.poll.day, CLOSE_OF_POLL) + rules.end_extension
        end_basis = f"close of poll, 22:00 on {timetable.poll.day.isoformat()}"
        if rules.end_extension:
            end_basis += f", extended by {rules.end_extension}"
    return RestrictedPeriod(election_id, start, end, start_basis, end_basis, estimated)


def _start_day(
    timetable: Timetable, rules: PeriodRules, notice_published: dt.date | None
) -> tuple[dt.date, str]:
    """
    The first day of the period. A recorded notice moves the start only within the law's
    window: one after the statutory latest day (a mistake the store refuses, but a stored or
    imported value may predate that check) is ignored, so no record ever shortens a period.
    """
    latest = notice_window(timetable).latest if notice_published is not None else None
    ignored = ""
    if notice_published is not None and latest is not None and notice_published > latest:
        ignored = (
            f" (the recorded notice date {notice_published.isoformat()} is after the latest "
            "day the law allows, so it is not used)"
        )
        notice_published = None
    day, basis = _start_day_by_rule(timetable, rules, notice_published)
    return day, basis + ignored


def _start_day_by_rule(
    timetable: Timetable, rules: PeriodRules, notice_published: dt.date | None
) -> tuple[dt.date, str]:
    law_start = timetable.restriction_start
    if law_start is not None and (notice_published is None or notice_published >= law_start.day):
        return law_start.day, f"start set by law ({law_start.rule})"
    if (
        timetable.election.kind is ElectionKind.PARL_GENERAL
        and rules.general_election_start is GeneralElectionStart.DISSOLUTION
        and timetable.dissolution is not None
    ):
        return timetable.dissolution.day, "dissolution of Parliament (policy rule)"
    if notice_published is not None:
        return (
            notice_published,
            f"notice of election published {notice_published.isoformat()} (recorded)",
        )
    notice = timetable.notice_of_election
    if notice is None:  # pragma: no cover - every kind has a notice or a statutory start
        return timetable.poll.day, "polling day (no notice of election in the timetable)"
    qualifier = " (estimated)" if timetable.estimated else ""
    return (
        notice.day,
        f"statutory latest day for the notice of election{qualifier}, {notice.day.isoformat()}",
    )


def _show(instant: dt.datetime) -> str:
    return instant.astimezone(LONDON).strftime("%H:%M on %a %d %b %Y")


# --- merging ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """
    A restriction window: merged restricted periods and manual windows, `[starts_at, ends_at)`.

    Every contributing election and manual window is kept, so a decision can name them all.
    """

    window_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    election_ids: tuple[str, ...] = ()
    manual_window_ids: tuple[str, ...] = ()
    manual_reasons: tuple[str, ...] = ()
    estimated: bool = False

    @property
    def anchor(self) -> str:
        """
        The window's identity while it moves: its first election (by polling day, then id),
        else its first manual window. Unlike `window_id`, it survives a change of times, so a
        calendar feed can keep one UID for the window.
        """
        if self.election_ids:
            return min(self.election_ids, key=lambda e: (e[-10:], e))
        return self.manual_window_ids[0]

    def contains(self, instant: dt.datetime) -> bool:
        """Half-open: `starts_at <= instant < ends_at`."""
        return self.starts_at <= instant < self.ends_at

    def describe(self) -> str:
        """A sentence a person can read, in Europe/London time."""
        parts = []
        if self.election_ids:
            parts.append("pre-election period for " + ", ".join(self.election_ids))
        if self.manual_window_ids:
            parts.append("restriction set by the Clerk (" + "; ".join(self.manual_reasons) + ")")
        return (
            " and ".join(parts)
            + f", from {_show(self.starts_at)} until {_show(self.ends_at)} (Europe/London)"
            + (" (start estimated)" if self.estimated else "")
        )


def merge_windows(
    periods: Iterable[RestrictedPeriod], manual: Iterable[ManualWindow] = ()
) -> tuple[Window, ...]:
    """
    Merge overlapping and touching intervals into windows, in time order.

    Intervals that touch (`a.ends_at == b.starts_at`) merge: there is no instant between them
    at which publishing would be allowed. Empty periods (ended before they began) are dropped.
    """
    items: list[tuple[dt.datetime, dt.datetime, RestrictedPeriod | ManualWindow]] = [
        (p.starts_at, p.ends_at, p) for p in periods if not p.is_empty
    ]
    items += [(m.starts_at, m.ends_at, m) for m in manual if m.ends_at > m.starts_at]
    # ties broken by the election's or manual window's id: the same rows in any order (a
    # council built alone, or with every other) give the same windows, ids and order
    items.sort(key=lambda item: (item[0], item[1], _tie(item[2])))
    groups: list[list[tuple[dt.datetime, dt.datetime, RestrictedPeriod | ManualWindow]]] = []
    group_end: dt.datetime | None = None
    for item in items:
        if group_end is not None and item[0] <= group_end:
            groups[-1].append(item)
            group_end = max(group_end, item[1])
        else:
            groups.append([item])
            group_end = item[1]
    return tuple(_window(group) for group in groups)


def _tie(item: RestrictedPeriod | ManualWindow) -> tuple[int, str]:
    if isinstance(item, RestrictedPeriod):
        return 0, item.election_id
    return 1, item.window_id


def _window(
    group: Sequence[tuple[dt.datetime, dt.datetime, RestrictedPeriod | ManualWindow]],
) -> Window:
    start = min(item[0] for item in group)
    end = max(item[1] for item in group)
    elections = tuple(
        dict.fromkeys(i[2].election_id for i in group if isinstance(i[2], RestrictedPeriod))
    )
    manual = [i[2] for i in group if isinstance(i[2], ManualWindow)]
    estimated = any(isinstance(i[2], RestrictedPeriod) and i[2].estimated for i in group)
    digest = hashlib.sha256(
        "|".join(
            [start.isoformat(), end.isoformat(), *elections, *(m.window_id for m in manual)]
        ).encode()
    ).hexdigest()[:8]
    local_start = start.astimezone(LONDON).date().isoformat()
    return Window(
        window_id=f"w-{local_start}-{digest}",
        starts_at=start,
        ends_at=end,
        election_ids=elections,
        manual_window_ids=tuple(m.window_id for m in manual),
        manual_reasons=tuple(m.reason for m in manual),
        estimated=estimated,
    )


@dataclass(frozen=True, slots=True)
class ElectionRecord:
    """
    What is known of one election beyond its id: the facts the Clerk records.

    Attributes:
        election: the parsed id.
        notice_published: the day the notice of election was actually published.
        starts_at: a start set by hand (a general election under another rule, a late referendum).
        ends_at: an end set by hand (the Clerk ending a period early).
        end_reason: why the Clerk set the end.
    """

    election: ElectionRef
    notice_published: dt.date | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    end_reason: str | None = None


def restricted_periods(
    records: Iterable[ElectionRecord],
    *,
    rules: PeriodRules,
    country: Country,
    affects: Callable[[ElectionRef], bool] = lambda _: True,
    extra_dies_non: Iterable[tuple[dt.date, str]] = (),
) -> tuple[RestrictedPeriod, ...]:
    """
    The restricted periods of the elections that affect an organisation.

    Args:
        records: elections with what the Clerk recorded.
        rules: the policy's period rules.
        country: the organisation's part of the UK.
        affects: which elections restrict the organisation (`Policy.affects`).
        extra_dies_non: days of public thanksgiving or mourning.
    """
    appointed = tuple(extra_dies_non)
    periods = []
    for record in records:
        if not affects(record.election):
            continue
        timetable = compute_timetable(
            record.election, default_country=country, extra_dies_non=appointed
        )
        periods.append(
            restricted_period(
                timetable,
                rules,
                notice_published=record.notice_published,
                starts_at=record.starts_at,
                ends_at=record.ends_at,
                end_reason=record.end_reason,
            )
        )
    return tuple(periods)


def timetable_summary(timetable: Timetable, period: RestrictedPeriod) -> dict[str, Any]:
    """
    The timetable and period as plain JSON values: the shape of `purdah timetable --json`
    and of the API's timetables. Dates are ISO dates; the period's ends are RFC 3339 in
    Europe/London with their offsets.
    """
    ref = timetable.election

    def day(event: TimetableEvent | None) -> str | None:
        return event.day.isoformat() if event is not None else None

    return {
        "election_id": ref.election_id,
        "kind": str(ref.kind),
        "country": str(timetable.country) if timetable.country else None,
        "poll_date": ref.poll_date.isoformat(),
        "notice_of_election_deadline": day(timetable.notice_of_election),
        "notice_of_election_earliest": day(timetable.notice_of_election_earliest),
        "close_of_nominations": day(timetable.close_of_nominations),
        "sopn_publish_deadline": day(timetable.sopn_publish),
        "sopn_publish_latest": day(timetable.sopn_publish_latest),
        "estimated": timetable.estimated or period.estimated,
        "notes": list(timetable.notes),
        "dies_non": [{"date": d.day.isoformat(), "name": d.name} for d in timetable.dies_non],
        "restricted_period": {
            "starts_at": period.starts_at.astimezone(LONDON).isoformat(),
            "ends_at": period.ends_at.astimezone(LONDON).isoformat(),
        },
    }
