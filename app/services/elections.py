"""
Elections: add one by id, and record what the Clerk knows of one (`ElectionChanges`: the
actual notice date, a status with its reason, a start or end set by hand). Each write
recomputes the organisation's restricted periods.
"""

import datetime as dt
from collections.abc import Collection
from typing import Any

from app.domain import (
    ElectionKind,
    Policy,
    compute_timetable,
    restricted_period,
    timetable_summary,
)
from app.domain.changes import check_version, version_tag
from app.domain.election_changes import (
    ClerkRecord,
    ElectionChanges,
    check_new_election,
    check_notice,
    revise,
)
from app.domain.errors import InvalidChange
from app.store import queries
from app.store.errors import AlreadyExists, NotFound
from app.store.records import StoredElection, StoredPeriod
from app.store.repositories import appointed_dies_non, recompute_periods
from app.store.tables import ElectionRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = [
    "ElectionChanges",
    "add_election",
    "election_timetable",
    "get_election",
    "list_elections",
    "update_election",
]


def add_election(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    *,
    election_id: str,
    poll_date: dt.date | None = None,
    kind: ElectionKind | None = None,
    notice_published: dt.date | None = None,
    source: str | None = None,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredElection:
    """
    Add an election by id (Clerk).

    Raises:
        InvalidChange: the poll date or notice date contradicts the id, or the election does
            not affect the organisation.
        AlreadyExists: the organisation has it already.
    """
    org = policy.organisation_id
    with uow.write(org, actor, now=now, request_id=request_id) as change:
        ref = check_new_election(
            policy,
            election_id=election_id,
            poll_date=poll_date,
            kind=kind,
            notice_published=notice_published,
        )
        if change.session.get(ElectionRow, (org, election_id)) is not None:
            raise AlreadyExists(what="election", identifier=election_id)
        check_notice(ref, notice_published, policy, appointed_dies_non(change.session, org))
        row = ElectionRow(
            organisation_id=org,
            election_id=election_id,
            kind=str(ref.kind),
            country=str(policy.country),
            poll_date=ref.poll_date,
            notice_published=notice_published,
            status="scheduled",
            source=source,
            created_at=now,
            updated_at=now,
        )
        change.session.add(row)
        change.session.flush()
        election = StoredElection.of(row)
        change.audit("election.create", election_id, after=election.state())
        recompute_periods(change, policy)
    return election


def update_election(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    election_id: str,
    *,
    changes: ElectionChanges,
    now: dt.datetime,
    request_id: str | None = None,
    expected_versions: Collection[str] | None = None,
) -> StoredElection:
    """
    Record what the Clerk knows of an election: the actual notice date, a status with its
    reason, or a start or end set by hand (an end needs a reason). A status never lifts the
    period by itself (DESIGN section 2); only an end set by hand does.

    Args:
        expected_versions: the election's versions the caller read (an If-Match); None: any.

    Raises:
        NotFound: no such election.
        PreconditionFailed: the election's version is not among `expected_versions` (412).
        InvalidChange: a field contradicts another or the timetable (see `revise`).
    """
    if changes.is_empty():
        raise InvalidChange(field="body", problem="nothing to change: send at least one field")
    org = policy.organisation_id
    with uow.write(org, actor, now=now, request_id=request_id) as change:
        row = change.session.get(ElectionRow, (org, election_id))
        if row is None:
            raise NotFound(what="election", identifier=election_id)
        before = StoredElection.of(row)
        check_version(
            expected_versions, version_tag(before.state()), what="election", identifier=election_id
        )
        revised = revise(
            ClerkRecord(
                notice_published=row.notice_published,
                status=row.status,
                status_reason=row.status_reason,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                end_reason=row.end_reason,
            ),
            changes,
            election=before.to_domain().election,
            poll_date=row.poll_date,
            policy=policy,
            appointed=appointed_dies_non(change.session, org),
        )
        row.notice_published = revised.notice_published
        row.status = revised.status
        row.status_reason = revised.status_reason
        row.starts_at = revised.starts_at
        row.ends_at = revised.ends_at
        row.end_reason = revised.end_reason
        row.updated_at = now
        change.session.add(row)
        change.session.flush()
        after = StoredElection.of(row)
        change.audit(
            "election.update",
            election_id,
            reason=changes.reason(),
            before=before.state(),
            after=after.state(),
        )
        recompute_periods(change, policy)
    return after


def list_elections(
    uow: UnitOfWork,
    organisation_id: str,
    *,
    poll_from: dt.date | None = None,
    poll_to: dt.date | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> list[tuple[StoredElection, StoredPeriod | None]]:
    """The organisation's elections with their periods, by poll date; filters are inclusive."""
    return queries.list_elections(
        uow.engine, organisation_id, poll_from=poll_from, poll_to=poll_to, kind=kind, status=status
    )


def get_election(
    uow: UnitOfWork, organisation_id: str, election_id: str
) -> tuple[StoredElection, StoredPeriod | None]:
    """One election and its period. Raises NotFound."""
    return queries.get_election(uow.engine, organisation_id, election_id)


def election_timetable(
    policy: Policy, row: StoredElection, period: StoredPeriod | None
) -> dict[str, Any]:
    """
    An election's statutory timetable and restricted period as plain values (the keys of
    `purdah timetable --json`): the stored period if there is one, else as the rules give it.
    """
    record = row.to_domain()
    timetable = compute_timetable(record.election, default_country=policy.country)
    domain_period = (
        period.to_domain()
        if period is not None
        else restricted_period(
            timetable, policy.period_rules, notice_published=row.notice_published
        )
    )
    return timetable_summary(timetable, domain_period)
