"""
Reads of who is standing: the records the Clerk's endpoints list, and the domain values the
decision snapshot screens posts against (`candidates_of`).

Its own module, importing only the tables, so the snapshot loader can use it without a cycle
(`queries` and `repositories` import the snapshot loader).
"""

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.domain.candidates import Candidate
from app.store.errors import NotFound
from app.store.records import StoredCandidate
from app.store.tables import CandidateRow

__all__ = [
    "STANDING",
    "WITHDRAWN",
    "candidate_rows",
    "candidates_of",
    "get_candidate",
    "list_candidates",
    "to_domain",
]

STANDING = "standing"
WITHDRAWN = "withdrawn"


def candidate_rows(session: Session, organisation_id: str) -> list[CandidateRow]:
    """Every candidate of the organisation, withdrawn ones too, oldest first (then by name)."""
    return list(
        session.execute(
            select(CandidateRow)
            .where(col(CandidateRow.organisation_id) == organisation_id)
            .order_by(col(CandidateRow.created_at), col(CandidateRow.name), col(CandidateRow.id))
        ).scalars()
    )


def to_domain(row: CandidateRow | StoredCandidate) -> Candidate:
    """The domain's view of a stored candidate."""
    return Candidate(
        candidate_id=row.id,
        election_id=row.election_id,
        name=row.name,
        party=row.party_name,
        ward=row.ward,
        aliases=tuple(row.aliases),
        handles=tuple(row.handles),
        account_ids=tuple(row.account_ids),
    )


def candidates_of(session: Session, organisation_id: str) -> tuple[Candidate, ...]:
    """
    The organisation's standing candidates (not the withdrawn), with the accounts the Clerk
    linked to each, oldest first: what the snapshot screens posts against.
    """
    rows = session.execute(
        select(CandidateRow)
        .where(
            (col(CandidateRow.organisation_id) == organisation_id)
            & (col(CandidateRow.status) == STANDING)
        )
        .order_by(col(CandidateRow.created_at), col(CandidateRow.name), col(CandidateRow.id))
    ).scalars()
    return tuple(to_domain(row) for row in rows)


def list_candidates(engine: Engine, organisation_id: str) -> list[StoredCandidate]:
    """The organisation's candidates, withdrawn ones too, oldest first."""
    with Session(engine) as session:
        return [StoredCandidate.of(row) for row in candidate_rows(session, organisation_id)]


def get_candidate(engine: Engine, organisation_id: str, candidate_id: str) -> StoredCandidate:
    """One candidate. Raises NotFound (also for another organisation's)."""
    with Session(engine) as session:
        row = session.get(CandidateRow, candidate_id)
    if row is None or row.organisation_id != organisation_id:
        raise NotFound(what="candidate", identifier=candidate_id)
    return StoredCandidate.of(row)
