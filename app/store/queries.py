"""Reads for the Clerk's and viewers' endpoints (not the decision hot path, which reads the snapshot)."""

import datetime as dt

from sqlalchemy import Engine, select
from sqlmodel import Session

from app.store.errors import NotFound
from app.store.tables import AccountRow, ElectionRow, RestrictedPeriodRow

__all__ = ["get_account", "get_election", "list_accounts", "list_elections"]


def list_accounts(engine: Engine, organisation_id: str) -> list[AccountRow]:
    """The organisation's accounts, by id."""
    with Session(engine) as session:
        return list(
            session.execute(
                select(AccountRow)
                .where(AccountRow.organisation_id == organisation_id)
                .order_by(AccountRow.id)  # type: ignore[arg-type]
            ).scalars()
        )


def get_account(engine: Engine, organisation_id: str, account_id: str) -> AccountRow:
    """One account. Raises NotFound."""
    with Session(engine) as session:
        row = session.get(AccountRow, (organisation_id, account_id))
    if row is None:
        raise NotFound(what="account", identifier=account_id)
    return row


def list_elections(
    engine: Engine,
    organisation_id: str,
    *,
    poll_from: dt.date | None = None,
    poll_to: dt.date | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> list[tuple[ElectionRow, RestrictedPeriodRow | None]]:
    """The organisation's elections with their periods, by poll date; filters are inclusive."""
    query = (
        select(ElectionRow, RestrictedPeriodRow)
        .join(
            RestrictedPeriodRow,
            (RestrictedPeriodRow.organisation_id == ElectionRow.organisation_id)  # type: ignore[arg-type]
            & (RestrictedPeriodRow.election_id == ElectionRow.election_id),
            isouter=True,
        )
        .where(ElectionRow.organisation_id == organisation_id)  # type: ignore[arg-type]
        .order_by(ElectionRow.poll_date, ElectionRow.election_id)  # type: ignore[arg-type]
    )
    if poll_from is not None:
        query = query.where(ElectionRow.poll_date >= poll_from)  # type: ignore[arg-type]
    if poll_to is not None:
        query = query.where(ElectionRow.poll_date <= poll_to)  # type: ignore[arg-type]
    if kind is not None:
        query = query.where(ElectionRow.kind == kind)  # type: ignore[arg-type]
    if status is not None:
        query = query.where(ElectionRow.status == status)  # type: ignore[arg-type]
    with Session(engine) as session:
        return [(row[0], row[1]) for row in session.execute(query).all()]


def get_election(
    engine: Engine, organisation_id: str, election_id: str
) -> tuple[ElectionRow, RestrictedPeriodRow | None]:
    """One election and its period. Raises NotFound."""
    with Session(engine) as session:
        row = session.get(ElectionRow, (organisation_id, election_id))
        period = session.get(RestrictedPeriodRow, (organisation_id, election_id))
    if row is None:
        raise NotFound(what="election", identifier=election_id)
    return row, period
