"""
Manual windows: restrictions the Clerk sets by hand. Set one, change its times, reason or
accounts (`WindowChanges`), or end one in force now.
"""

import datetime as dt
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields

from app.domain import Policy
from app.domain.changes import UNSET, Unset, check_version, version_tag
from app.domain.errors import InvalidChange
from app.domain.manual_windows import (
    check_end_now,
    check_interval,
    check_window_accounts,
    new_window_reason,
)
from app.store import queries
from app.store.errors import NotFound
from app.store.records import StoredWindow
from app.store.repositories import account_ids as known_accounts
from app.store.tables import ManualWindowRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = [
    "WindowChanges",
    "add_manual_window",
    "change_manual_window",
    "end_manual_window",
    "get_manual_window",
    "list_manual_windows",
]


@dataclass(frozen=True, slots=True)
class WindowChanges:
    """
    A change to a manual window: only the fields given change (`UNSET` leaves one as it
    is). A None time or reason leaves it too; `account_ids=None` means every account.
    `change_reason` says why (audited).
    """

    starts_at: dt.datetime | None | Unset = UNSET
    ends_at: dt.datetime | None | Unset = UNSET
    reason: str | None | Unset = UNSET
    account_ids: Sequence[str] | None | Unset = UNSET
    change_reason: str | None = None

    def is_empty(self) -> bool:
        return all(
            getattr(self, f.name) is UNSET for f in fields(self) if f.name != "change_reason"
        )


def add_manual_window(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    account_ids: Sequence[str] | None,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredWindow:
    """
    Set a restriction window by hand (Clerk).

    Raises:
        InvalidChange: the end is not after the start, or the reason is empty.
        NotFound: an account is not the organisation's.
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        text = new_window_reason(starts_at, ends_at, reason)
        check_window_accounts(account_ids, known_accounts(change))
        row = ManualWindowRow(
            id=f"mw-{secrets.token_hex(5)}",
            organisation_id=policy.organisation_id,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=text,
            account_ids=sorted(set(account_ids)) if account_ids is not None else None,
            created_by=actor.name,
            created_at=now,
        )
        change.session.add(row)
        change.session.flush()
        change.audit(
            "window.create",
            row.id,
            reason=row.reason,
            after={"starts_at": starts_at, "ends_at": ends_at, "account_ids": row.account_ids},
        )
        return StoredWindow.of(row)


def change_manual_window(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    window_id: str,
    *,
    changes: WindowChanges,
    now: dt.datetime,
    request_id: str | None = None,
    expected_versions: Collection[str] | None = None,
    end_now: bool = False,
) -> StoredWindow:
    """
    Change a manual window's times, reason or accounts.

    Args:
        expected_versions: the window's versions the caller read (an If-Match); None: any.
        end_now: end it now instead (`end_manual_window`): only a window in force can end.

    Raises:
        InvalidChange: nothing to change, or an end not after the start.
        NotFound: no such window, or an account not the organisation's.
        PreconditionFailed: the window's version is not among `expected_versions` (412).
    """
    if changes.is_empty():
        raise InvalidChange(
            field="body",
            problem="nothing to change: send starts_at, ends_at, reason or account_ids",
        )
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = change.session.get(ManualWindowRow, window_id)
        if row is None or row.organisation_id != policy.organisation_id:
            raise NotFound(what="manual window", identifier=window_id)
        before = StoredWindow.of(row)
        if end_now:
            check_end_now(window_id, starts_at=row.starts_at, ends_at=row.ends_at, now=now)
        check_version(
            expected_versions,
            version_tag(before.state()),
            what="manual window",
            identifier=window_id,
        )
        if isinstance(changes.starts_at, dt.datetime):
            row.starts_at = changes.starts_at
        if isinstance(changes.ends_at, dt.datetime):
            row.ends_at = changes.ends_at
        if isinstance(changes.reason, str):
            row.reason = changes.reason
        if not isinstance(changes.account_ids, Unset):
            ids = changes.account_ids
            check_window_accounts(ids, known_accounts(change))
            row.account_ids = sorted(set(ids)) if ids is not None else None
        check_interval(row.starts_at, row.ends_at)
        change.session.add(row)
        after = StoredWindow.of(row)
        change.audit(
            "window.change",
            window_id,
            reason=changes.change_reason,
            before=before.state(),
            after=after.state(),
        )
        return after


def end_manual_window(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    window_id: str,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
    expected_versions: Collection[str] | None = None,
) -> StoredWindow:
    """
    End a manual window now. Only a window in force can end: one that has ended stays as it
    was, and one not yet started is changed (or moved) with `change_manual_window` instead.
    """
    return change_manual_window(
        uow,
        policy,
        actor,
        window_id,
        changes=WindowChanges(ends_at=now, change_reason=reason),
        now=now,
        request_id=request_id,
        expected_versions=expected_versions,
        end_now=True,
    )


def get_manual_window(uow: UnitOfWork, organisation_id: str, window_id: str) -> StoredWindow:
    """One manual window. Raises NotFound."""
    return queries.get_manual_window(uow.engine, organisation_id, window_id)


def list_manual_windows(uow: UnitOfWork, organisation_id: str) -> list[StoredWindow]:
    """The organisation's manual windows, ended ones too, latest start first."""
    return queries.list_manual_windows(uow.engine, organisation_id)
