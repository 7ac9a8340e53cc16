"""
Reads for the Clerk's and viewers' endpoints (not the decision hot path, which reads the
snapshot). Each returns records (`app.store.records`), never a table row.
"""

import datetime as dt

from sqlalchemy import Engine, select
from sqlmodel import Session, col

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
    "get_account",
    "get_election",
    "get_manual_window",
    "list_accounts",
    "list_dies_non",
    "list_elections",
    "list_feed_tokens",
    "list_keys",
    "list_organisations",
    "list_overrides",
    "list_schedules",
]


def list_organisations(engine: Engine) -> list[StoredOrganisation]:
    """Every organisation, by id."""
    with Session(engine) as session:
        rows = session.execute(select(OrganisationRow).order_by(col(OrganisationRow.id)))
        return [StoredOrganisation.of(row) for row in rows.scalars()]


def list_accounts(engine: Engine, organisation_id: str) -> list[StoredAccount]:
    """The organisation's accounts, by id."""
    with Session(engine) as session:
        return [
            StoredAccount.of(row)
            for row in session.execute(
                select(AccountRow)
                .where(col(AccountRow.organisation_id) == organisation_id)
                .order_by(col(AccountRow.id))
            ).scalars()
        ]


def list_keys(engine: Engine, organisation_id: str) -> list[StoredKey]:
    """The organisation's API keys, revoked ones too, oldest first (only hashes are stored)."""
    with Session(engine) as session:
        return [
            StoredKey.of(row)
            for row in session.execute(
                select(ApiKeyRow)
                .where(col(ApiKeyRow.organisation_id) == organisation_id)
                .order_by(col(ApiKeyRow.created_at), col(ApiKeyRow.id))
            ).scalars()
        ]


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


def list_dies_non(engine: Engine, organisation_id: str) -> list[StoredDiesNon]:
    """The days the Clerk added, in date order."""
    with Session(engine) as session:
        return [
            StoredDiesNon.of(row)
            for row in session.execute(
                select(DiesNonRow)
                .where(col(DiesNonRow.organisation_id) == organisation_id)
                .order_by(col(DiesNonRow.day))
            ).scalars()
        ]


def list_schedules(engine: Engine, organisation_id: str) -> list[StoredSchedule]:
    """The organisation's schedules of recurring elections, oldest first."""
    with Session(engine) as session:
        return [
            StoredSchedule.of(row)
            for row in session.execute(
                select(ElectionScheduleRow)
                .where(col(ElectionScheduleRow.organisation_id) == organisation_id)
                .order_by(col(ElectionScheduleRow.created_at), col(ElectionScheduleRow.id))
            ).scalars()
        ]


def list_feed_tokens(engine: Engine, organisation_id: str) -> list[StoredFeedToken]:
    """The organisation's feed tokens, newest first (no secrets: only hashes are stored)."""
    with Session(engine) as session:
        return [
            StoredFeedToken.of(row)
            for row in session.execute(
                select(FeedTokenRow)
                .where(col(FeedTokenRow.organisation_id) == organisation_id)
                .order_by(col(FeedTokenRow.created_at).desc(), col(FeedTokenRow.id))
            ).scalars()
        ]
