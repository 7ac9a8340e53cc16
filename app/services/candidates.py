"""
Who is standing: the Clerk enters candidates (from the statement of persons nominated),
withdraws them, links them to the official accounts they hold (the Mayor's page), and imports
Democracy Club's candidate CSV (`candidate_import`).

Each change is one write: checked by `app.domain.candidate_rules`, audited
(`candidate.add`, `candidate.withdraw`, `candidate.link`, `candidate.unlink`), and a bump of
the organisation's data version, so every replica screens posts against the new list.
Each candidate comes out with the accounts whose holder shares their name
(`suggested_account_ids`): a suggestion for the Clerk, never a link.
"""

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain import Policy
from app.domain.candidate_rules import (
    check_election,
    check_fields,
    check_standing,
    name_key,
    same_election,
    suggest_accounts,
)
from app.domain.changes import require_text
from app.domain.errors import DuplicateCandidate
from app.store import candidates as store
from app.store.errors import NotFound
from app.store.queries import list_accounts
from app.store.records import StoredCandidate
from app.store.repositories import account_ids, elections_in
from app.store.tables import CandidateRow
from app.store.unit_of_work import Actor, UnitOfWork, Write

__all__ = [
    "ListedCandidate",
    "add_candidate",
    "find_duplicate",
    "get_candidate",
    "holders",
    "link_account",
    "list_candidates",
    "name_index",
    "state",
    "unlink_account",
    "withdraw_candidate",
]


@dataclass(frozen=True, slots=True)
class ListedCandidate:
    """A candidate as stored, and the accounts that may be theirs by name (not linked)."""

    record: StoredCandidate
    suggested_account_ids: tuple[str, ...] = ()


def state(row: CandidateRow | StoredCandidate) -> dict[str, Any]:
    """What the audit log records of a candidate."""
    return {
        "election_id": row.election_id,
        "name": row.name,
        "party": row.party_name,
        "party_id": row.party_id,
        "ward": row.ward,
        "aliases": list(row.aliases),
        "handles": list(row.handles),
        "account_ids": list(row.account_ids),
        "person_id": row.person_id,
        "status": row.status,
    }


def holders(uow: UnitOfWork, policy: Policy) -> list[tuple[str, str]]:
    """Each account's `(id, holder)`: the policy's holder of it or, failing one, its name."""
    named = {a.account_id: a.holder for a in policy.accounts if a.holder}
    return [
        (a.id, named.get(a.id) or a.name) for a in list_accounts(uow.engine, policy.organisation_id)
    ]


def _listed(
    records: Iterable[StoredCandidate], accounts: Sequence[tuple[str, str]]
) -> list[ListedCandidate]:
    return [
        ListedCandidate(
            record,
            suggest_accounts((record.name, *record.aliases), accounts, linked=record.account_ids)
            if record.status == store.STANDING
            else (),
        )
        for record in records
    ]


def _one(uow: UnitOfWork, policy: Policy, record: StoredCandidate) -> ListedCandidate:
    return _listed([record], holders(uow, policy))[0]


def name_index(rows: Iterable[CandidateRow]) -> dict[str, list[CandidateRow]]:
    """Standing candidates by each of their names and aliases (`name_key`)."""
    index: dict[str, list[CandidateRow]] = {}
    for row in rows:
        if row.status == store.STANDING:
            for key in {name_key(n) for n in (row.name, *row.aliases)}:
                index.setdefault(key, []).append(row)
    return index


def find_duplicate(
    index: dict[str, list[CandidateRow]], *, name: str, election_id: str
) -> CandidateRow | None:
    """
    A standing candidate who is the same person in the same election: the same name
    (`name_key`) or alias, in the same poll (`same_election`: a ballot is the same poll as its
    election). `index` is `name_index` of the organisation's candidates.
    """
    for row in index.get(name_key(name), ()):
        if same_election(row.election_id, election_id):
            return row
    return None


def add_candidate(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    *,
    election_id: str,
    name: str,
    party: str | None = None,
    ward: str | None = None,
    aliases: Sequence[str] = (),
    handles: Sequence[str] = (),
    now: dt.datetime,
    request_id: str | None = None,
) -> ListedCandidate:
    """
    Enter a candidate, as the statement of persons nominated names them.

    Raises:
        InvalidElectionId, UnsupportedElection: the election id is malformed or not timed.
        InvalidChange: the organisation has not recorded the election; a field is not valid
            (`check_fields`).
        DuplicateCandidate: the same person stands in the same election already (409).
    """
    org = policy.organisation_id
    fields = check_fields(name=name, party=party, ward=ward, aliases=aliases, handles=handles)
    with uow.write(org, actor, now=now, request_id=request_id) as change:
        recorded = {e.election_id for e in elections_in(change.session, org)}
        check_election(election_id, recorded, organisation=policy.organisation_name)
        index = name_index(store.candidate_rows(change.session, org))
        for candidate_name in (fields.name, *fields.aliases):
            twin = find_duplicate(index, name=candidate_name, election_id=election_id)
            if twin is not None:
                raise DuplicateCandidate(
                    name=fields.name, election_id=twin.election_id, candidate_id=twin.id
                )
        row = CandidateRow(
            id=f"cand-{secrets.token_hex(5)}",
            organisation_id=org,
            election_id=election_id,
            name=fields.name,
            party_name=fields.party,
            ward=fields.ward,
            aliases=list(fields.aliases),
            handles=list(fields.handles),
            account_ids=[],
            source="manual",
            status=store.STANDING,
            created_by=actor.name,
            created_at=now,
        )
        change.session.add(row)
        change.session.flush()
        change.audit("candidate.add", row.id, after=state(row))
        record = StoredCandidate.of(row)
    return _one(uow, policy, record)


def list_candidates(
    uow: UnitOfWork,
    policy: Policy,
    *,
    election_id: str | None = None,
    status: str | None = None,
) -> list[ListedCandidate]:
    """
    The organisation's candidates, oldest first, withdrawn ones too unless `status` says.

    Args:
        election_id: only those standing in this election or one of its ballots (or, for a
            ballot, in it or in its whole election).
        status: `standing` or `withdrawn`.
    """
    records = [
        r
        for r in store.list_candidates(uow.engine, policy.organisation_id)
        if (election_id is None or same_election(r.election_id, election_id))
        and (status is None or r.status == status)
    ]
    return _listed(records, holders(uow, policy))


def get_candidate(uow: UnitOfWork, policy: Policy, candidate_id: str) -> ListedCandidate:
    """One candidate. Raises NotFound (also for another organisation's)."""
    return _one(uow, policy, store.get_candidate(uow.engine, policy.organisation_id, candidate_id))


def _row(change: Write, candidate_id: str) -> CandidateRow:
    row = change.session.get(CandidateRow, candidate_id)
    if row is None or row.organisation_id != change.organisation_id:
        raise NotFound(what="candidate", identifier=candidate_id)
    return row


def withdraw_candidate(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    candidate_id: str,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> ListedCandidate:
    """
    Withdraw a candidate (a withdrawal of nomination, or an entry made in error): they stay
    listed, as withdrawn, and posts are no longer screened against them.

    Raises:
        NotFound; InvalidChange (no reason); CandidateWithdrawn (withdrawn already, 409).
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        text = require_text(
            reason, field="reason", problem="withdrawing a candidate needs a reason"
        )
        row = _row(change, candidate_id)
        check_standing(candidate_id, row.status, action="withdrawn")
        before = state(row)
        row.status = store.WITHDRAWN
        row.withdrawn_at = now
        row.withdrawn_by = actor.name
        row.withdraw_reason = text
        change.session.add(row)
        change.audit(
            "candidate.withdraw", candidate_id, reason=text, before=before, after=state(row)
        )
        record = StoredCandidate.of(row)
    return _one(uow, policy, record)


def link_account(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    candidate_id: str,
    account_id: str,
    *,
    now: dt.datetime,
    request_id: str | None = None,
) -> ListedCandidate:
    """
    Record that the candidate holds an official account (the Mayor's page, a member's
    profile): while their election's window is active, posts on it are referred. Linking an
    account linked already changes nothing.

    Raises:
        NotFound: the candidate or the account is not the organisation's.
        CandidateWithdrawn: the candidate was withdrawn (409).
    """
    current = store.get_candidate(uow.engine, policy.organisation_id, candidate_id)
    if account_id in current.account_ids and current.status == store.STANDING:
        return _one(uow, policy, current)
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = _row(change, candidate_id)
        if account_id not in account_ids(change):
            raise NotFound(what="account", identifier=account_id)
        check_standing(candidate_id, row.status, action="linked to an account")
        before = state(row)
        row.account_ids = sorted({*row.account_ids, account_id})
        change.session.add(row)
        change.audit("candidate.link", candidate_id, before=before, after=state(row))
        record = StoredCandidate.of(row)
    return _one(uow, policy, record)


def unlink_account(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    candidate_id: str,
    account_id: str,
    *,
    now: dt.datetime,
    request_id: str | None = None,
) -> ListedCandidate:
    """
    Undo a link between a candidate and an account.

    Raises:
        NotFound: the candidate is not the organisation's, or is not linked to the account.
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = _row(change, candidate_id)
        if account_id not in row.account_ids:
            raise NotFound(
                what=f"link from candidate {candidate_id} to account", identifier=account_id
            )
        before = state(row)
        row.account_ids = [a for a in row.account_ids if a != account_id]
        change.session.add(row)
        change.audit("candidate.unlink", candidate_id, before=before, after=state(row))
        record = StoredCandidate.of(row)
    return _one(uow, policy, record)
