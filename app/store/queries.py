"""
Reads for the Clerk's and viewers' endpoints (not the decision hot path, which reads the
snapshot). Each returns records (`app.store.records`), never a table row.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.domain import Policy, Snapshot
from app.store.candidates import candidates_of
from app.store.engine import database_errors
from app.store.errors import NotFound
from app.store.records import (
    StoredAccount,
    StoredDiesNon,
    StoredElection,
    StoredFeedToken,
    StoredKey,
    StoredOrganisation,
    StoredOverride,
    StoredPeriod,
    StoredSchedule,
    StoredWindow,
)
from app.store.repositories import appointed_dies_non
from app.store.snapshots import load_snapshot
from app.store.tables import (
    AccountRow,
    ApiKeyRow,
    DiesNonRow,
    ElectionRow,
    ElectionScheduleRow,
    FeedTokenRow,
    ManualWindowRow,
    OrganisationRow,
    OverrideRow,
    RestrictedPeriodRow,
)

__all__ = [
    "RecordedElection",
    "candidates_of",
    "election_as_recorded",
    "live_snapshot",
    "get_account",
    "get_election",
    "get_manual_window",
    "get_override",
    "list_accounts",
    "list_dies_non",
    "list_elections",
    "list_feed_tokens",
    "list_keys",
    "list_organisations",
    "list_manual_windows",
    "list_overrides",
    "list_schedules",
]

_R = TypeVar("_R")


def _of_organisation(
    engine: Engine,
    table: Any,
    record: Callable[[Any], _R],
    organisation_id: str,
    *order_by: Any,
) -> list[_R]:
    """Every row of `table` that belongs to the organisation, in order, each made a record."""
    with Session(engine) as session:
        rows = session.execute(
            select(table).where(table.organisation_id == organisation_id).order_by(*order_by)
        ).scalars()
        return [record(row) for row in rows]


def list_organisations(engine: Engine) -> list[StoredOrganisation]:
    """Every organisation, by id."""
    with Session(engine) as session:
        rows = session.execute(select(OrganisationRow).order_by(col(OrganisationRow.id)))
        return [StoredOrganisation.of(row) for row in rows.scalars()]


def list_accounts(engine: Engine, organisation_id: str) -> list[StoredAccount]:
    """The organisation's accounts, by id."""
    return _of_organisation(
        engine, AccountRow, StoredAccount.of, organisation_id, col(AccountRow.id)
    )


def list_keys(engine: Engine, organisation_id: str) -> list[StoredKey]:
    """The organisation's API keys, revoked ones too, oldest first (only hashes are stored)."""
    return _of_organisation(
        engine,
        ApiKeyRow,
        StoredKey.of,
        organisation_id,
        col(ApiKeyRow.created_at),
        col(ApiKeyRow.id),
    )


def list_manual_windows(engine: Engine, organisation_id: str) -> list[StoredWindow]:
    """The organisation's manual windows, latest start first."""
    return _of_organisation(
        engine,
        ManualWindowRow,
        StoredWindow.of,
        organisation_id,
        col(ManualWindowRow.starts_at).desc(),
        col(ManualWindowRow.id),
    )


def get_manual_window(engine: Engine, organisation_id: str, window_id: str) -> StoredWindow:
    """One manual window. Raises NotFound."""
    with Session(engine) as session:
        row = session.get(ManualWindowRow, window_id)
    if row is None or row.organisation_id != organisation_id:
        raise NotFound(what="manual window", identifier=window_id)
    return StoredWindow.of(row)


def get_account(engine: Engine, organisation_id: str, account_id: str) -> StoredAccount:
    """One account. Raises NotFound."""
    with Session(engine) as session:
        row = session.get(AccountRow, (organisation_id, account_id))
    if row is None:
        raise NotFound(what="account", identifier=account_id)
    return StoredAccount.of(row)


def _period(row: RestrictedPeriodRow | None) -> StoredPeriod | None:
    return StoredPeriod.of(row) if row is not None else None


def list_elections(
    engine: Engine,
    organisation_id: str,
    *,
    poll_from: dt.date | None = None,
    poll_to: dt.date | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> list[tuple[StoredElection, StoredPeriod | None]]:
    """The organisation's elections with their periods, by poll date; filters are inclusive."""
    query = (
        select(ElectionRow, RestrictedPeriodRow)
        .join(
            RestrictedPeriodRow,
            (col(RestrictedPeriodRow.organisation_id) == col(ElectionRow.organisation_id))
            & (col(RestrictedPeriodRow.election_id) == col(ElectionRow.election_id)),
            isouter=True,
        )
        .where(col(ElectionRow.organisation_id) == organisation_id)
        .order_by(col(ElectionRow.poll_date), col(ElectionRow.election_id))
    )
    if poll_from is not None:
        query = query.where(col(ElectionRow.poll_date) >= poll_from)
    if poll_to is not None:
        query = query.where(col(ElectionRow.poll_date) <= poll_to)
    if kind is not None:
        query = query.where(col(ElectionRow.kind) == kind)
    if status is not None:
        query = query.where(col(ElectionRow.status) == status)
    with Session(engine) as session:
        return [
            (StoredElection.of(row[0]), _period(row[1])) for row in session.execute(query).all()
        ]


def get_election(
    engine: Engine, organisation_id: str, election_id: str
) -> tuple[StoredElection, StoredPeriod | None]:
    """One election and its period. Raises NotFound."""
    with Session(engine) as session:
        row = session.get(ElectionRow, (organisation_id, election_id))
        period = session.get(RestrictedPeriodRow, (organisation_id, election_id))
    if row is None:
        raise NotFound(what="election", identifier=election_id)
    return StoredElection.of(row), _period(period)


def list_overrides(
    engine: Engine, organisation_id: str, *, account_id: str | None = None
) -> list[StoredOverride]:
    """Overrides, newest first; for one account, its own and the organisation-wide ones."""
    query = select(OverrideRow).where(col(OverrideRow.organisation_id) == organisation_id)
    if account_id is not None:
        query = query.where(
            (col(OverrideRow.account_id) == account_id) | col(OverrideRow.account_id).is_(None)
        )
    with Session(engine) as session:
        rows = session.execute(query.order_by(col(OverrideRow.created_at).desc())).scalars()
        return [StoredOverride.of(row) for row in rows]


def get_override(engine: Engine, organisation_id: str, override_id: str) -> StoredOverride:
    """One override. Raises NotFound."""
    with Session(engine) as session:
        row = session.get(OverrideRow, override_id)
    if row is None or row.organisation_id != organisation_id:
        raise NotFound(what="override", identifier=override_id)
    return StoredOverride.of(row)


def list_dies_non(engine: Engine, organisation_id: str) -> list[StoredDiesNon]:
    """The days the Clerk added, in date order."""
    return _of_organisation(
        engine, DiesNonRow, StoredDiesNon.of, organisation_id, col(DiesNonRow.day)
    )


def list_schedules(engine: Engine, organisation_id: str) -> list[StoredSchedule]:
    """The organisation's schedules of recurring elections, oldest first."""
    return _of_organisation(
        engine,
        ElectionScheduleRow,
        StoredSchedule.of,
        organisation_id,
        col(ElectionScheduleRow.created_at),
        col(ElectionScheduleRow.id),
    )


def list_feed_tokens(engine: Engine, organisation_id: str) -> list[StoredFeedToken]:
    """The organisation's feed tokens, newest first (no secrets: only hashes are stored)."""
    return _of_organisation(
        engine,
        FeedTokenRow,
        StoredFeedToken.of,
        organisation_id,
        col(FeedTokenRow.created_at).desc(),
        col(FeedTokenRow.id),
    )


def live_snapshot(engine: Engine, policy: Policy) -> Snapshot | None:
    """
    The organisation's snapshot from the database, as the API decides from; None if the
    organisation is not in the database.

    Raises:
        DatabaseUnreachable: the database cannot be read.
    """
    with database_errors(), Session(engine) as session:
        organisation = session.get(OrganisationRow, policy.organisation_id)
        if organisation is None:
            return None
        return load_snapshot(session, organisation, policy)


@dataclass(frozen=True, slots=True)
class RecordedElection:
    """
    What the database records for one election of an organisation (`purdah timetable`).

    Attributes:
        organisation_found: whether the organisation is in the database at all.
        recorded: whether the election is.
        notice_published: the notice date the Clerk recorded, if any.
        dies_non: the days of thanksgiving or mourning the Clerk appointed, with their names.
    """

    organisation_found: bool
    recorded: bool = False
    notice_published: dt.date | None = None
    dies_non: tuple[tuple[dt.date, str], ...] = ()


def election_as_recorded(
    engine: Engine, organisation_id: str, election_id: str
) -> RecordedElection:
    """
    What the database records of one election (see `RecordedElection`).

    Raises:
        DatabaseUnreachable: the database cannot be read.
    """
    with database_errors(), Session(engine) as session:
        if session.get(OrganisationRow, organisation_id) is None:
            return RecordedElection(organisation_found=False)
        row = session.get(ElectionRow, (organisation_id, election_id))
        appointed = tuple(appointed_dies_non(session, organisation_id))
    return RecordedElection(
        organisation_found=True,
        recorded=row is not None,
        notice_published=row.notice_published if row is not None else None,
        dies_non=appointed,
    )
