"""
The ICS feed's memory: what it has published, so that UIDs and SEQUENCE behave.

Calendar clients match events by UID and take a higher SEQUENCE as an update, so the feed
remembers what it has published: one `feed_event` row per window and scope (the
organisation's feed `*`, and each account that has had manual windows of its own; any other
account's feed is the organisation's). Every write that changes data reconciles them
in its own transaction (`unit_of_work.write` calls `sync_feed_events`): a new window is added
with sequence 0; a window whose times, elections or reasons change keeps its row (its UID)
and gets sequence + 1, also when another poll joins it or it splits (it continues the event
it shares an election with); a window that disappears is marked cancelled, so a subscribed calendar
shows it as cancelled instead of silently dropping it. Rows cancelled for longer than
`PURGE_AFTER` are deleted.
"""

import datetime as dt
from collections.abc import Callable, Collection, Sequence

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.domain import ManualWindow, RestrictedPeriod, Window, merge_windows
from app.domain.feeds import PublishedWindow
from app.store.snapshots import manual_window_of, period_of
from app.store.tables import FeedEventRow, ManualWindowRow, RestrictedPeriodRow

__all__ = [
    "ORGANISATION_SCOPE",
    "PURGE_AFTER",
    "feed_events",
    "organisation_windows",
    "windows_of_organisations",
    "sync_feed_events",
]

ORGANISATION_SCOPE = "*"
PURGE_AFTER = dt.timedelta(days=400)


def _windows_by_scope(
    session: Session, organisation_id: str, kept: set[str]
) -> dict[str, tuple[Window, ...]]:
    """
    The windows of the organisation's feed, and of each account that has (or once had) its
    own manual windows; every other account's feed is the organisation's.
    """
    periods = [
        period_of(row)
        for row in session.execute(
            select(RestrictedPeriodRow).where(
                col(RestrictedPeriodRow.organisation_id) == organisation_id
            )
        ).scalars()
    ]
    manual = [
        manual_window_of(row)
        for row in session.execute(
            select(ManualWindowRow).where(col(ManualWindowRow.organisation_id) == organisation_id)
        ).scalars()
    ]
    shared = [m for m in manual if m.account_ids is None]
    scopes = {ORGANISATION_SCOPE: merge_windows(periods, shared)}
    accounts = set(kept) | {a for m in manual for a in (m.account_ids or ())}
    for account_id in sorted(accounts):
        own = [m for m in manual if m.account_ids is not None and account_id in m.account_ids]
        scopes[account_id] = merge_windows(periods, shared + own)
    return scopes


def organisation_windows(session: Session, organisation_id: str) -> tuple[Window, ...]:
    """
    The organisation's windows as its feed publishes them: its restricted periods and the
    manual windows for every account, merged.
    """
    return windows_of_organisations(session, [organisation_id])[organisation_id]


def windows_of_organisations(
    session: Session, organisation_ids: Collection[str]
) -> dict[str, tuple[Window, ...]]:
    """`organisation_windows` of several organisations, in two queries."""
    periods: dict[str, list[RestrictedPeriod]] = {org: [] for org in organisation_ids}
    manual: dict[str, list[ManualWindow]] = {org: [] for org in organisation_ids}
    for row in session.execute(
        select(RestrictedPeriodRow).where(
            col(RestrictedPeriodRow.organisation_id).in_(list(organisation_ids))
        )
    ).scalars():
        periods[row.organisation_id].append(period_of(row))
    for row in session.execute(
        select(ManualWindowRow).where(
            col(ManualWindowRow.organisation_id).in_(list(organisation_ids))
        )
    ).scalars():
        if row.account_ids is None:  # one account's own window is not the organisation's
            manual[row.organisation_id].append(manual_window_of(row))
    return {org: merge_windows(periods[org], manual[org]) for org in organisation_ids}


def _content(window: Window) -> tuple[object, ...]:
    return (
        window.starts_at,
        window.ends_at,
        list(window.election_ids),
        list(window.manual_reasons),
        window.estimated,
    )


def _row_content(row: FeedEventRow) -> tuple[object, ...]:
    return (
        row.starts_at,
        row.ends_at,
        list(row.election_ids),
        list(row.manual_reasons),
        row.estimated,
    )


def _continuation(elections: set[str]) -> Callable[[FeedEventRow], tuple[bool, int, dt.datetime]]:
    """Which event a window with `elections` continues: a live one, sharing most, earliest."""
    return lambda r: (
        r.cancelled_at is not None,
        -len(elections & set(r.election_ids)),
        r.starts_at,
    )


def _continued(
    windows: tuple[Window, ...],
    scope: str,
    existing: dict[tuple[str, str], FeedEventRow],
) -> list[FeedEventRow | None]:
    """
    The published event each window continues: first the one with its anchor; then, for the
    rest, one not yet taken that shares an election with it, so that a window an earlier
    poll joins, or one that splits, keeps its UID instead of being cancelled and published
    anew; else None (a new event).
    """
    found: list[FeedEventRow | None] = [existing.get((scope, w.anchor)) for w in windows]
    taken = {(scope, row.anchor) for row in found if row is not None}
    for i, window in enumerate(windows):
        elections = set(window.election_ids)
        if found[i] is not None or not elections:
            continue
        candidates = [
            row
            for (row_scope, anchor), row in existing.items()
            if row_scope == scope
            and (scope, anchor) not in taken
            and elections & set(row.election_ids)
        ]
        candidates.sort(key=_continuation(elections))
        if candidates:
            found[i] = candidates[0]
            taken.add((scope, candidates[0].anchor))
    return found


def _free_anchor(anchor: str, scope: str, existing: dict[tuple[str, str], FeedEventRow]) -> str:
    """The window's anchor, or a variant of it if an event that moved on holds that anchor."""
    candidate, n = anchor, 1
    while (scope, candidate) in existing:
        n += 1
        candidate = f"{anchor}~{n}"
    return candidate


def sync_feed_events(session: Session, organisation_id: str, now: dt.datetime) -> None:
    """Reconcile the published events with the organisation's current windows (see module)."""
    existing = {
        (row.scope, row.anchor): row
        for row in session.execute(
            select(FeedEventRow).where(col(FeedEventRow.organisation_id) == organisation_id)
        ).scalars()
    }
    kept = {scope for scope, _ in existing} - {ORGANISATION_SCOPE}
    scopes = _windows_by_scope(session, organisation_id, kept)
    for scope in scopes.keys() - kept - {ORGANISATION_SCOPE}:
        # an account's first own window: its feed was the organisation's until now, so its
        # events start as copies of those (same UIDs and sequences) and move on from there
        for (row_scope, anchor), row in list(existing.items()):
            if row_scope != ORGANISATION_SCOPE:
                continue
            copy = FeedEventRow(
                organisation_id=organisation_id,
                scope=scope,
                anchor=anchor,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                election_ids=list(row.election_ids),
                manual_reasons=list(row.manual_reasons),
                estimated=row.estimated,
                sequence=row.sequence,
                changed_at=row.changed_at,
                cancelled_at=row.cancelled_at,
            )
            existing[(scope, anchor)] = copy
            session.add(copy)
    seen: set[tuple[str, str]] = set()
    for scope, windows in scopes.items():
        for window, row in zip(windows, _continued(windows, scope, existing), strict=True):
            if row is None:
                row = FeedEventRow(
                    organisation_id=organisation_id,
                    scope=scope,
                    anchor=_free_anchor(window.anchor, scope, existing),
                    starts_at=window.starts_at,
                    ends_at=window.ends_at,
                    election_ids=list(window.election_ids),
                    manual_reasons=list(window.manual_reasons),
                    estimated=window.estimated,
                    sequence=0,
                    changed_at=now,
                    cancelled_at=None,
                )
                existing[(scope, row.anchor)] = row
                session.add(row)
            elif _row_content(row) != _content(window) or row.cancelled_at is not None:
                row.starts_at, row.ends_at = window.starts_at, window.ends_at
                row.election_ids = list(window.election_ids)
                row.manual_reasons = list(window.manual_reasons)
                row.estimated = window.estimated
                row.sequence += 1
                row.changed_at = now
                row.cancelled_at = None
                session.add(row)
            seen.add((scope, row.anchor))
    for key, row in existing.items():
        if key in seen:
            continue
        if row.cancelled_at is None:
            row.cancelled_at = now
            row.sequence += 1
            row.changed_at = now
            session.add(row)
        elif row.cancelled_at < now - PURGE_AFTER:
            session.delete(row)
    session.flush()


def feed_events(engine: Engine, organisation_id: str, scope: str) -> tuple[PublishedWindow, ...]:
    """
    The published events of one scope, cancelled ones included, in time order. An account
    that never had a manual window of its own has the organisation's events.
    """
    with Session(engine) as session:
        if scope != ORGANISATION_SCOPE:
            own = session.execute(
                select(col(FeedEventRow.anchor))
                .where(
                    col(FeedEventRow.organisation_id) == organisation_id,
                    col(FeedEventRow.scope) == scope,
                )
                .limit(1)
            ).first()
            if own is None:
                scope = ORGANISATION_SCOPE
        rows = session.execute(
            select(FeedEventRow)
            .where(
                col(FeedEventRow.organisation_id) == organisation_id,
                col(FeedEventRow.scope) == scope,
            )
            .order_by(col(FeedEventRow.starts_at), col(FeedEventRow.anchor))
        ).scalars()
        return tuple(
            PublishedWindow(
                r.anchor,
                r.starts_at,
                r.ends_at,
                tuple(r.election_ids),
                tuple(r.manual_reasons),
                r.estimated,
                r.sequence,
                r.changed_at,
                r.cancelled_at,
            )
            for r in rows
        )


def published_anchor(
    engine: Engine, organisation_id: str, *, anchor: str, election_ids: Sequence[str]
) -> str:
    """
    The anchor under which the organisation's feed publishes a window with this anchor
    (`Window.anchor`) and these elections, by the rule `sync_feed_events` follows: its own
    anchor if the feed has an event of it; else the event it continues (live first, sharing
    most elections, earliest), which keeps an older anchor when an earlier poll joined the
    window; else its own anchor (not published yet). So a notification's calendar attachment
    carries the UID the feed gives the same window.
    """
    with Session(engine) as session:
        rows = list(
            session.execute(
                select(FeedEventRow).where(
                    col(FeedEventRow.organisation_id) == organisation_id,
                    col(FeedEventRow.scope) == ORGANISATION_SCOPE,
                )
            ).scalars()
        )
    if any(row.anchor == anchor for row in rows):
        return anchor
    elections = set(election_ids)
    candidates = sorted(
        (row for row in rows if elections & set(row.election_ids)), key=_continuation(elections)
    )
    return candidates[0].anchor if candidates else anchor
