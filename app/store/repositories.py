"""
Queries a write runs inside its transaction (under the organisation's write lock).

Services get and add single rows through the write's session (`change.session.get/add`);
everything that needs a statement is here, so no service writes SQL.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.domain import Policy, PurdahError, RestrictedPeriod, Snapshot, restricted_periods
from app.store.errors import AlreadyExists, NotFound
from app.store.records import StoredElection
from app.store.snapshots import load_snapshot
from app.store.tables import (
    AccountRow,
    ApiKeyRow,
    DiesNonRow,
    ElectionRow,
    FeedEventRow,
    OrganisationRow,
    RestrictedPeriodRow,
)
from app.store.unit_of_work import Write

log = logging.getLogger(__name__)

__all__ = [
    "SeedState",
    "account_ids",
    "appointed_dies_non",
    "elections_in",
    "elections_of",
    "insert_organisation",
    "organisations_without_feed",
    "periods_state",
    "recompute_periods",
    "replace_periods",
    "seed_state",
    "snapshot_in",
]


def appointed_dies_non(session: Session, organisation_id: str) -> list[tuple[dt.date, str]]:
    """The days of public thanksgiving or mourning the Clerk added, with their names."""
    rows = session.execute(
        select(DiesNonRow).where(col(DiesNonRow.organisation_id) == organisation_id)
    ).scalars()
    return [(row.day, row.name) for row in rows]


def elections_in(session: Session, organisation_id: str) -> list[StoredElection]:
    """Every election of the organisation, as `session` sees them."""
    rows = session.execute(
        select(ElectionRow).where(col(ElectionRow.organisation_id) == organisation_id)
    ).scalars()
    return [StoredElection.of(row) for row in rows]


def elections_of(change: Write) -> list[StoredElection]:
    """Every election of the organisation, as the write sees them."""
    return elections_in(change.session, change.organisation_id)


def replace_periods(
    change: Write, periods: Iterable[RestrictedPeriod], *, keep: Iterable[str] = ()
) -> None:
    """Replace the organisation's stored periods, except those of the elections in `keep`."""
    session = change.session
    change.periods_will_change()
    session.execute(
        delete(RestrictedPeriodRow).where(
            col(RestrictedPeriodRow.organisation_id) == change.organisation_id,
            col(RestrictedPeriodRow.election_id).not_in(list(keep)),
        )
    )
    session.flush()
    for period in periods:
        session.add(
            RestrictedPeriodRow(
                organisation_id=change.organisation_id,
                election_id=period.election_id,
                starts_at=period.starts_at,
                ends_at=period.ends_at,
                start_basis=period.start_basis,
                end_basis=period.end_basis,
                estimated=period.estimated,
            )
        )
    session.flush()


def periods_state(change: Write) -> dict[str, list[dt.datetime]]:
    """Each election's stored period, `{election id: [start, end]}` (for the audit log)."""
    rows = change.session.execute(
        select(RestrictedPeriodRow).where(
            col(RestrictedPeriodRow.organisation_id) == change.organisation_id
        )
    ).scalars()
    return {row.election_id: [row.starts_at, row.ends_at] for row in rows}


def account_ids(change: Write) -> set[str]:
    """The ids of the organisation's accounts."""
    return set(
        change.session.execute(
            select(col(AccountRow.id)).where(
                col(AccountRow.organisation_id) == change.organisation_id
            )
        ).scalars()
    )


def snapshot_in(change: Write, policy: Policy) -> Snapshot:
    """The organisation's snapshot as this write sees it (its own changes included)."""
    change.session.flush()
    organisation = change.session.get(OrganisationRow, change.organisation_id)
    if organisation is None:  # the write locked this very row, so never; but never a 500
        raise NotFound(what="organisation", identifier=change.organisation_id)
    return load_snapshot(change.session, organisation, policy)


@dataclass(frozen=True, slots=True)
class SeedState:
    """What an organisation has already, as a seed sees it before writing."""

    exists: bool
    accounts: set[str]
    elections: set[str]
    has_key: bool


def seed_state(engine: Engine, organisation_id: str) -> SeedState:
    """Whether the organisation exists, its account and election ids, and whether it has a key."""
    org = organisation_id
    with Session(engine) as session:
        return SeedState(
            exists=session.get(OrganisationRow, org) is not None,
            accounts=set(
                session.execute(
                    select(col(AccountRow.id)).where(col(AccountRow.organisation_id) == org)
                ).scalars()
            ),
            elections=set(
                session.execute(
                    select(col(ElectionRow.election_id)).where(
                        col(ElectionRow.organisation_id) == org
                    )
                ).scalars()
            ),
            has_key=session.execute(
                select(col(ApiKeyRow.id)).where(col(ApiKeyRow.organisation_id) == org).limit(1)
            ).first()
            is not None,
        )


def insert_organisation(
    engine: Engine, policy: Policy, *, policy_file: str, now: dt.datetime
) -> None:
    """
    Insert the organisation row (its own transaction: every later write locks this row).

    Raises:
        AlreadyExists: a concurrent request inserted it first.
    """
    try:
        with Session(engine) as session, session.begin():
            session.add(
                OrganisationRow(
                    id=policy.organisation_id,
                    name=policy.organisation_name,
                    country=str(policy.country),
                    policy_file=policy_file,
                    data_version=0,
                    created_at=now,
                )
            )
    except IntegrityError:  # a concurrent seed inserted it first
        raise AlreadyExists(what="organisation", identifier=policy.organisation_id) from None


def organisations_without_feed(engine: Engine) -> list[str]:
    """The organisations whose calendar feed has no event yet (a database from before feeds)."""
    with Session(engine) as session:
        organisations = session.execute(select(col(OrganisationRow.id))).scalars().all()
        published = set(
            session.execute(select(col(FeedEventRow.organisation_id)).distinct()).scalars()
        )
    return [org for org in organisations if org not in published]


def recompute_periods(change: Write, policy: Policy) -> None:
    """
    Replace the organisation's restricted periods with ones computed from its elections.

    A stored election that today's rules refuse (a poll under timetable rules this service
    no longer computes, a referendum whose kind must now be given) keeps the period it has:
    nothing a rule change does may lift a restriction, and one such row must not stop the
    Clerk's other writes.
    """
    change.session.flush()
    appointed = appointed_dies_non(change.session, change.organisation_id)
    periods: list[RestrictedPeriod] = []
    kept = []
    for election in elections_of(change):
        try:
            periods += restricted_periods(
                [election.to_domain()],
                rules=policy.period_rules,
                country=policy.country,
                extra_dies_non=appointed,
            )
        except PurdahError as exc:
            log.warning(
                "%s: kept the stored period of %s: %s",
                change.organisation_id,
                election.election_id,
                exc,
            )
            kept.append(election.election_id)
    replace_periods(change, periods, keep=kept)
