"""
The scheduler of time events: windows upcoming, started and ended, and policy reviews due.

Each round (`run_time_events`, from the server's background task) first works out again the
schedule of every organisation whose data changed since its schedule was made
(`app.domain.time_events.boundaries`, stored by `app.store.time_events`), then sends what is
due: each announcement becomes one outbox event, written in the transaction that marks it
sent, and the webhook sender delivers it like any change event. Every replica may run it: the
store's claims make each announcement go out once; one that fell due while no replica ran is
sent when one comes back, marked `late`.

An announcement whose window moved after it was scheduled is not sent: the next round
schedules the window's new instants instead (and `window.changed` has told of the move).
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.domain import Policy, Window
from app.domain.time_events import (
    POLICY_ANCHOR,
    Boundary,
    boundaries,
    is_late,
)
from app.store.feed_events import windows_of_organisations
from app.store.outbox import ChangeEvent, live_subscriptions, window_data, write_outbox_many
from app.store.tables import TimeEventRow
from app.store.time_events import (
    Plan,
    claim_due,
    forget_sent,
    mark_fired,
    next_due,
    organisation_names,
    record_event_ids,
    stale_schedules,
    sync_schedules,
)

__all__ = [
    "GIVE_UP_AFTER",
    "KEEP_SENT",
    "PolicyOf",
    "ROUND_LIMIT",
    "Round",
    "forget_old_time_events",
    "run_time_events",
    "time_event_data",
]

log = logging.getLogger(__name__)

# The organisation's policy in force, or None where it cannot be read (then no window is
# announced as upcoming and no review as due until it can: never a guessed horizon).
PolicyOf = Callable[[str], Policy | None]

# An announcement that no longer holds, and still does not this long after it was due, is
# dropped (its window moved and was rescheduled, or its policy cannot be read).
GIVE_UP_AFTER = dt.timedelta(days=1)

# The most schedules one round works out, and the most announcements it sends.
ROUND_LIMIT = 500

# Sent announcements are kept this long after their instant, then forgotten.
KEEP_SENT = dt.timedelta(days=400)


@dataclass(frozen=True, slots=True)
class Round:
    """What one round did: schedules worked out, announcements sent, the next one due."""

    scheduled: int
    sent: int
    next_due: dt.datetime | None


def _plan(policy: Policy | None) -> Plan:
    def plan(windows: tuple[Window, ...], since: dt.datetime) -> list[Boundary]:
        return boundaries(
            windows,
            warning_horizon=None if policy is None else policy.warning_horizon,
            review_due_at=None if policy is None else policy.review_due_at(),
            since=since,
        )

    return plan


def _guidance(policy: Policy) -> dict[str, list[str]]:
    """What the policy lets staff publish inside a window (as `GET /v1/policy` shows it)."""
    return {
        "permitted": sorted(policy.permitted),
        "referred": sorted(policy.referred),
        "never_permitted": sorted(policy.never_permitted),
    }


def time_event_data(
    row: TimeEventRow,
    windows: tuple[Window, ...],
    policy: Policy | None,
    organisation_name: str,
    *,
    now: dt.datetime,
) -> dict[str, Any] | None:
    """
    The event's `data` for an announcement, or None if what it announces no longer holds (the
    window moved or went, or the review date changed).
    """
    timing = {
        "boundary_at": row.boundary_at,
        "due_at": row.due_at,
        "late": is_late(row.due_at, now),
    }
    if row.anchor == POLICY_ANCHOR:
        if (
            policy is None
            or policy.next_review_due is None
            or policy.review_due_at() != row.boundary_at
        ):
            return None
        return {
            "organisation_name": organisation_name,
            "review_due": policy.next_review_due,
            **timing,
            "link": "/v1/policy",
        }
    for window in windows:
        if window.anchor != row.anchor:
            continue
        instant = window.ends_at if row.kind == "window.ended" else window.starts_at
        if instant != row.boundary_at:
            return None
        first = window.starts_at.date().isoformat()
        last = (window.ends_at.date() + dt.timedelta(days=1)).isoformat()
        return {
            "organisation_name": organisation_name,
            "window": window_data(window),
            **timing,
            "guidance": None if policy is None else _guidance(policy),
            "link": f"/v1/windows?from={first}&to={last}",
        }
    return None


def _plan_of(policy_of: PolicyOf) -> Callable[[str], tuple[Plan, bool]]:
    def plan_of(organisation_id: str) -> tuple[Plan, bool]:
        policy = policy_of(organisation_id)
        return _plan(policy), policy is not None

    return plan_of


def _schedule(engine: Engine, policy_of: PolicyOf, *, now: dt.datetime, limit: int) -> int:
    plan_of = _plan_of(policy_of)
    try:
        return sync_schedules(engine, plan_of, now=now, limit=limit)
    except Exception:  # one council's schedule must not stop the others': one by one
        log.warning("could not schedule a batch of time events; one by one", exc_info=True)
    done = 0
    for organisation_id in stale_schedules(engine, limit=limit):
        try:
            done += sync_schedules(engine, plan_of, now=now, limit=1, only=organisation_id)
        except Exception:
            log.exception("could not schedule the time events of %s", organisation_id)
    return done


def _send_due(engine: Engine, policy_of: PolicyOf, *, now: dt.datetime, limit: int) -> int:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        due = claim_due(session, now=now, limit=limit)
        organisations = {row.organisation_id for row in due}
        if not organisations:
            return 0
        windows = windows_of_organisations(session, organisations)
        names = organisation_names(session, organisations)
        policies = {org: policy_of(org) for org in organisations}
        ready: list[tuple[TimeEventRow, dict[str, Any]]] = []
        dropped = []
        for row in due:
            policy = policies[row.organisation_id]
            name = policy.organisation_name if policy is not None else names[row.organisation_id]
            data = time_event_data(row, windows[row.organisation_id], policy, name, now=now)
            if data is not None:
                ready.append((row, data))
            elif now - row.due_at > GIVE_UP_AFTER:
                # the next round schedules what the window is now; one that stays untrue
                # (a policy that cannot be read) is dropped after a day, not claimed forever
                dropped.append(row.id)
        mark_fired(session, dropped, now=now)
        won = mark_fired(session, [row.id for row, _ in ready], now=now)
        sending = [(row, data) for row, data in ready if row.id in won]  # else sent elsewhere
        events = write_outbox_many(
            session,
            [(row.organisation_id, ChangeEvent(row.kind, data)) for row, data in sending],
            now=now,
            subscribers=live_subscriptions(session, organisations),
        )
        record_event_ids(
            session, {row.id: event.id for (row, _), event in zip(sending, events, strict=True)}
        )
        return len(events)


def run_time_events(
    engine: Engine, policy_of: PolicyOf, *, now: dt.datetime, limit: int = ROUND_LIMIT
) -> Round:
    """
    One round: schedule what changed, then send what is due at `now` (up to `limit` of each:
    a full batch means call again at once).
    """
    scheduled = _schedule(engine, policy_of, now=now, limit=limit)
    sent = _send_due(engine, policy_of, now=now, limit=limit)
    return Round(scheduled, sent, next_due(engine))


def forget_old_time_events(engine: Engine, *, now: dt.datetime) -> int:
    """Delete announcements sent whose instant is more than `KEEP_SENT` ago (hourly is enough)."""
    return forget_sent(engine, before=now - KEEP_SENT)
