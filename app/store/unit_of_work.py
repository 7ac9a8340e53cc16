"""
One write = one transaction = its audit events = one `data_version` bump.

The first statement of every write bumps the organisation's `data_version`. That row lock
(PostgreSQL) or database write lock (SQLite) serialises the organisation's writers, so the
audit chain never forks, and every replica sees the new version within its poll interval.
An exception anywhere rolls the whole write back: nothing half-written remains. After the
commit, `on_commit` runs (the API rebuilds the organisation's snapshot there), so no caller
refreshes a cache itself.

`UnitOfWork` is what services take: the engine and the after-commit hook, built once by the
process (`create_app`, the CLI) and passed down.
"""

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from app.domain import Window
from app.domain.audit import GENESIS, canonical_json, chain_hash
from app.store.errors import NotFound
from app.store.feed_events import organisation_windows, sync_feed_events
from app.store.notifications import notify_change
from app.store.outbox import AuditedChange, Periods, events_of, periods_of, write_outbox
from app.store.tables import AuditEventRow, OrganisationRow

__all__ = ["Actor", "OnCommit", "UnitOfWork", "Write", "audit_payload", "write"]

# Called with the organisation id after a write that bumped its version has committed.
OnCommit = Callable[[str], object]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: an API key's name and role, or an operator command."""

    name: str
    role: str


@dataclass
class Write:
    """The open write: its session, the new data version, and the audit events to append."""

    session: Session
    organisation_id: str
    data_version: int
    actor: Actor
    now: dt.datetime
    request_id: str | None
    _events: list[dict[str, Any]] = field(default_factory=list)
    # the audit events as given (datetimes still datetimes), for the outbox's change events
    _changes: list[AuditedChange] = field(default_factory=list)
    # each election's restricted period before the write first recomputed them (else None)
    _periods_before: dict[str, tuple[dt.datetime, dt.datetime]] | None = None

    def periods_will_change(self) -> None:
        """
        Note the stored restricted periods before they are recomputed (`replace_periods`), so
        that the elections whose period moved are announced (`window.changed`) at commit.
        """
        if self._periods_before is None:
            self._periods_before = periods_of(self.session, self.organisation_id)

    def audit(
        self,
        action: str,
        target: str,
        *,
        reason: str | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """
        Record an audit event, appended to the chain when the write commits; the change
        events the outbox announces are derived from these (`outbox.events_of`).
        """
        self._changes.append(AuditedChange(action, target, reason, before, after))
        self._events.append(
            {
                "action": action,
                "target": target,
                "reason": reason,
                "before": _plain(before),
                "after": _plain(after),
            }
        )

    def _fill_outbox(self) -> None:
        """Write the change events of this write to the outbox, in its transaction."""
        after: Periods | None = None
        windows: tuple[Window, ...] = ()
        if self._periods_before is not None:
            self.session.flush()
            after = periods_of(self.session, self.organisation_id)
            if after != self._periods_before:
                windows = organisation_windows(self.session, self.organisation_id)
        events = events_of(
            self._changes,
            now=self.now,
            periods_before=self._periods_before,
            periods_after=after,
            windows_after=windows,
        )
        write_outbox(self.session, self.organisation_id, events, now=self.now)

    def _append_events(self) -> None:
        last = self.session.execute(
            select(col(AuditEventRow.hash))
            .where(col(AuditEventRow.organisation_id) == self.organisation_id)
            .order_by(col(AuditEventRow.seq).desc())
            .limit(1)
        ).first()
        previous = last[0] if last else GENESIS
        for event in self._events:
            self.session.flush()
            row = AuditEventRow(
                organisation_id=self.organisation_id,
                at=self.now,
                actor=self.actor.name,
                role=self.actor.role,
                request_id=self.request_id,
                data_version=self.data_version,
                prev_hash=previous,
                hash="",
                **event,
            )
            self.session.add(row)
            self.session.flush()
            row.hash = chain_hash(previous, audit_payload(row))
            self.session.flush()
            previous = row.hash
        if self._events:
            self.session.execute(
                update(OrganisationRow)
                .where(col(OrganisationRow.id) == self.organisation_id)
                .values(
                    audit_head=previous,
                    audit_events=col(OrganisationRow.audit_events) + len(self._events),
                )
            )


def audit_payload(row: AuditEventRow) -> dict[str, Any]:
    """The fields of an audit event that its hash covers."""
    return {
        "seq": row.seq,
        "organisation_id": row.organisation_id,
        "at": row.at,
        "actor": row.actor,
        "role": row.role,
        "action": row.action,
        "target": row.target,
        "reason": row.reason,
        "before": row.before,
        "after": row.after,
        "request_id": row.request_id,
        "data_version": row.data_version,
    }


def _plain(value: Any) -> Any:
    """JSON-native form, so the stored event hashes the same when read back."""
    if value is None:
        return None
    return json.loads(canonical_json({"v": value}))["v"]


@contextmanager
def write(
    engine: Engine,
    organisation_id: str,
    actor: Actor,
    *,
    now: dt.datetime,
    request_id: str | None = None,
    bump: bool = True,
    on_commit: OnCommit | None = None,
) -> Iterator[Write]:
    """
    Open a write for one organisation; commit on success, roll back on any exception.

    A write that bumps the version also reconciles the ICS feed's published events
    (`feed_events.sync_feed_events`), in the same transaction; every write puts its change
    events in the outbox (`outbox.write_outbox`) in the same transaction too.

    Args:
        bump: whether the write changes what decisions see (it bumps `data_version`). An
            audit-only write (a decision that relied on an override) takes the same lock
            without a bump, so it does not make every replica rebuild its snapshot.
        on_commit: called with the organisation id once a write that bumps has committed
            (never after a rollback).

    Raises:
        NotFound: the organisation does not exist.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        bumped = session.execute(
            update(OrganisationRow)
            .where(col(OrganisationRow.id) == organisation_id)
            .values(data_version=col(OrganisationRow.data_version) + (1 if bump else 0))
        )
        if bumped.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound(what="organisation", identifier=organisation_id)
        version = session.execute(
            select(col(OrganisationRow.data_version)).where(
                col(OrganisationRow.id) == organisation_id
            )
        ).scalar_one()
        change = Write(session, organisation_id, version, actor, now, request_id)
        yield change
        if bump:
            sync_feed_events(session, organisation_id, now)
            notify_change(session, organisation_id)
        change._append_events()
        change._fill_outbox()
    if bump and on_commit is not None:
        on_commit(organisation_id)


@dataclass(frozen=True, slots=True)
class UnitOfWork:
    """
    What opens writes: the engine, and what to run after each commit.

    Args:
        on_commit: after a write that bumped an organisation's version commits, called with
            its id; the API passes `SnapshotCache.refresh`, so the writing replica answers
            from the new data at once (the others see it within their poll interval).
    """

    engine: Engine
    on_commit: OnCommit | None = None

    def write(
        self,
        organisation_id: str,
        actor: Actor,
        *,
        now: dt.datetime,
        request_id: str | None = None,
        bump: bool = True,
    ) -> "contextlib.AbstractContextManager[Write]":
        """Open a write (see `write`), with this unit of work's after-commit hook."""
        return write(
            self.engine,
            organisation_id,
            actor,
            now=now,
            request_id=request_id,
            bump=bump,
            on_commit=self.on_commit,
        )

    def read(self) -> Session:
        """A session for reads outside a write (close it: `with uow.read() as session`)."""
        return Session(self.engine)
