"""
The restriction windows as a calendar feed publishes them, and the words a person reads.

A published window remembers its `sequence` (raised each time it changes, RFC 5545 section
3.8.7.4) and when it was cancelled, so a subscribed calendar updates or cancels the event it
already has instead of showing a duplicate or losing it without a word.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.clock import LONDON
from app.domain.decision import ReasonCode
from app.domain.elections import ElectionRef, election_title, parse_election_id
from app.domain.policy import Category, Policy

__all__ = [
    "PublishedWindow",
    "elections_phrase",
    "feed_uid",
    "poll_name",
    "window_description",
    "window_summary",
]


@dataclass(frozen=True, slots=True)
class PublishedWindow:
    """
    A restriction window as the feed has published it.

    Attributes:
        anchor: the window's identity while it moves (`Window.anchor`).
        changed_at: when its content last changed (the event's DTSTAMP and LAST-MODIFIED).
        cancelled_at: when it was withdrawn, if it was.
    """

    anchor: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    election_ids: tuple[str, ...]
    manual_reasons: tuple[str, ...]
    estimated: bool
    sequence: int
    changed_at: dt.datetime
    cancelled_at: dt.datetime | None = None

    def is_shown(self, now: dt.datetime, keep_cancelled: dt.timedelta) -> bool:
        """A cancelled window stays in the feed for `keep_cancelled`, then leaves it."""
        return self.cancelled_at is None or now < self.cancelled_at + keep_cancelled

    def elections(self) -> tuple[ElectionRef, ...]:
        """Its elections, by polling day."""
        refs = (parse_election_id(e) for e in self.election_ids)
        return tuple(sorted(refs, key=lambda r: (r.poll_date, r.election_id)))


def feed_uid(organisation_id: str, anchor: str, account_id: str | None = None) -> str:
    """
    The event's UID: the organisation and the window's identity (never a row number or the
    fetch), so it is the same across fetches, restarts and recomputation.
    """
    scope = f".{account_id}" if account_id else ""
    return f"restriction.{anchor}{scope}@{organisation_id}.purdah-controller"


def poll_name(ref: ElectionRef, organisation_name: str) -> str:
    """ "Cornwall Council election", "UK Parliament general election"."""
    title = election_title(ref, parish_council=organisation_name)
    return title if "election" in title or "referendum" in title else f"{title} election"


def _titles(refs: tuple[ElectionRef, ...], organisation_name: str) -> list[str]:
    titles: list[str] = []
    for ref in refs:
        title = election_title(ref, parish_council=organisation_name)
        if title not in titles:
            titles.append(title)
    return titles


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def elections_phrase(election_ids: Iterable[str], organisation_name: str) -> str:
    """
    The elections as a person names them, by polling day: "Cornwall Council and Redruth Town
    Council elections", "UK Parliament general election".
    """
    refs = sorted(
        (parse_election_id(e) for e in election_ids), key=lambda r: (r.poll_date, r.election_id)
    )
    titles = _titles(tuple(refs), organisation_name)
    bodies = [t for t in titles if "election" not in t and "referendum" not in t]
    polls = [t for t in titles if t not in bodies]
    parts = []
    if bodies:
        parts.append(_join(bodies) + (" elections" if len(bodies) > 1 else " election"))
    parts += polls
    return "; ".join(parts)


def window_summary(window: PublishedWindow, organisation_name: str) -> str:
    """
    One line a person understands: "Pre-election period: Cornwall Council and Redruth Town
    Council elections", or "Publishing restricted by the Clerk: <reason>".
    """
    if not window.election_ids:
        return "Publishing restricted by the Clerk: " + "; ".join(window.manual_reasons)
    text = "Pre-election period: " + elections_phrase(window.election_ids, organisation_name)
    if window.manual_reasons:
        text += " (and restricted by the Clerk)"
    return text


def _categories(categories: frozenset[Category]) -> str:
    return ", ".join(sorted(str(c).replace("-", " ") for c in categories)) or "none"


def _local(instant: dt.datetime) -> str:
    return instant.astimezone(LONDON).strftime("%H:%M on %A %-d %B %Y")


def window_description(window: PublishedWindow, policy: Policy, *, check_url: str) -> str:
    """
    What is still allowed, how to ask the Clerk for an override, and the elections with their
    polling days, citing the council's own clause on never-permitted posts and LGA 1986 s. 2.
    """
    cited = "; ".join(
        filter(
            None,
            [policy.cite(ReasonCode.NEVER_PERMITTED_CATEGORY), "Local Government Act 1986 s. 2"],
        )
    )
    lines = [
        f"{policy.organisation_name}'s official social media accounts are restricted from "
        f"{_local(window.starts_at)} until {_local(window.ends_at)} (UK time).",
    ]
    if window.estimated:
        lines.append(
            "The start is estimated: a by-election's notice depends on the writ; the Clerk "
            "records the actual date when it is published."
        )
    lines += [
        "",
        f"Still allowed: {_categories(policy.permitted)}.",
        f"Only with the Town Clerk's written override: {_categories(policy.referred)}. "
        "Ask the Clerk, who grants overrides in purdah-controller (POST /v1/overrides).",
        f"Never, at any time: {_categories(policy.never_permitted)} ({cited}).",
        "Anything else waits until the period ends.",
    ]
    if window.election_ids:
        lines += ["", "Elections:"]
        lines += [
            f"- {election_title(ref, parish_council=policy.organisation_name)} "
            f"({ref.election_id}): polling day {ref.poll_date:%A %-d %B %Y}"
            for ref in window.elections()
        ]
    if window.manual_reasons:
        lines += ["", "Restricted by the Clerk:"]
        lines += [f"- {reason}" for reason in window.manual_reasons]
    lines += ["", f"Check a post before publishing: {check_url}"]
    return "\n".join(lines)
