"""
Approval requests: a scheduler (or a Clerk) asks the Clerk to allow one post; the Clerk
approves it (a second Clerk confirming where the policy asks) or rejects it; the requester
may withdraw it. Each step is one write, audited with the state before and after (the
post's SHA-256 and length, never its text).
"""

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain import Decision, Effect, Outcome, Policy, Snapshot
from app.domain.approvals import post_sha256
from app.domain.changes import require_text
from app.domain.decision import decide_post
from app.domain.post_reasons import seen_by_approval
from app.domain.requests import (
    RequestMove,
    RequestStatus,
    approval_span,
    check_approver,
    check_confirmer,
    check_post,
    check_post_time,
    check_request_text,
    check_withdrawer,
    effective_status,
    next_status,
)
from app.store import requests as stored
from app.store.errors import NotFound
from app.store.records import StoredRequest
from app.store.repositories import snapshot_in
from app.store.tables import ApprovalRequestRow
from app.store.unit_of_work import Actor, UnitOfWork, Write

__all__ = [
    "Asked",
    "approve_request",
    "confirm_request",
    "create_request",
    "get_request",
    "list_requests",
    "reject_request",
    "status_of",
    "why_referred",
    "withdraw_request",
]


@dataclass(frozen=True, slots=True)
class Asked:
    """What asking gave: the stored request (None when the post is allowed already) and the
    decision the post gets now."""

    request: StoredRequest | None
    decision: Decision


class _NotNeeded(Exception):
    """Raised inside the write to roll it back: the post is allowed, nothing is stored."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        super().__init__("not needed")


def _state(row: ApprovalRequestRow) -> dict[str, Any]:
    """What the audit log keeps of a request: the post by its SHA-256 and length only."""
    return {
        "request_id": row.id,
        "account_id": row.account_id,
        "at": row.at,
        "category": row.category,
        "text_sha256": row.text_sha256,
        "text_length": len(row.text),
        "links": len(row.links or ()),
        "status": row.status,
        "requested_by": row.requested_by,
        "asked_outcome": row.asked_outcome,
        "asked_reasons": row.asked_reasons,
        "decided_by": row.decided_by,
        "not_before": row.not_before,
        "not_after": row.not_after,
        "anchors": row.anchors,
        "confirmed_by": row.confirmed_by,
        "withdrawn_at": row.withdrawn_at,
    }


def status_of(request: StoredRequest, now: dt.datetime) -> RequestStatus:
    """The request's status at `now`, expiry included (`effective_status`)."""
    return effective_status(request.status, at=request.at, not_after=request.not_after, now=now)


def create_request(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    key_id: str,
    *,
    account_id: str,
    at: dt.datetime,
    category: str,
    text: str,
    links: Sequence[str] = (),
    note: str | None = None,
    now: dt.datetime,
    request_id: str | None = None,
) -> Asked:
    """
    Ask the Clerk to allow one post. The post is decided first (`decide_post`, with its
    text): a post allowed already is not queued (nothing is stored or audited); any other
    is stored `pending`, with the outcome and reasons it got.

    Raises:
        InvalidChange: the text, links or note are not acceptable (`check_request_text`);
            the category is never permitted, or the account's status stops every post
            (`check_post`): no approval could change those; the post's time has passed
            (`check_post_time`).
        NaiveDatetime, UnknownAccount, UnknownCategory: as `decide`.
    """
    check_request_text(text, links, note)
    try:
        return _ask(
            uow, policy, actor, key_id, account_id=account_id, at=at, category=category,
            text=text, links=links, note=note, now=now, request_id=request_id,
        )  # fmt: skip
    except _NotNeeded as done:
        return Asked(None, done.decision)


def _ask(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    key_id: str,
    *,
    account_id: str,
    at: dt.datetime,
    category: str,
    text: str,
    links: Sequence[str],
    note: str | None,
    now: dt.datetime,
    request_id: str | None,
) -> Asked:
    """`create_request` in one write; raises _NotNeeded (the write rolls back) for a post allowed already."""
    clean_note = note.strip() if note is not None and note.strip() else None
    with uow.write(
        policy.organisation_id, actor, now=now, request_id=request_id, bump=False
    ) as change:
        snapshot = snapshot_in(change, policy)
        decision = decide_post(
            account_id, at, category, snapshot, now=now, text=text, decision_id=uuid.uuid4().hex
        )
        check_post(policy, snapshot, account_id=account_id, category=category)
        if decision.outcome is Outcome.ALLOW:
            raise _NotNeeded(decision)
        check_post_time(at, now=now)
        row = ApprovalRequestRow(
            id=f"rq-{secrets.token_hex(5)}",
            organisation_id=policy.organisation_id,
            account_id=account_id,
            at=at,
            category=str(category),
            text=text,
            text_sha256=post_sha256(text),
            links=list(links),
            note=clean_note,
            status=RequestStatus.PENDING.value,
            requested_by=actor.name,
            requested_by_key=key_id,
            created_at=now,
            asked_outcome=decision.outcome.value,
            asked_reasons=[str(r.code) for r in decision.reasons],
        )
        change.session.add(row)
        change.session.flush()
        change.audit("request.create", row.id, reason=clean_note, after=_state(row))
        return Asked(StoredRequest.of(row), decision)


def approve_request(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    key_id: str,
    approval_request_id: str,
    *,
    reason: str,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredRequest:
    """
    The Clerk approves a pending request: approved, or awaiting a second Clerk's
    confirmation where the policy asks for one. Its span defaults to the requested time
    -/+ 2 hours within its window (`approval_span`), and it is anchored to the restrictions
    in force over that span and to what the post meets now (`seen_by_approval`: the
    candidates and parties its text names, its account's holder standing), so that nothing
    added later is lifted by it.

    Raises:
        NotFound; RequestConflict (not pending); MoveRefused (the requester's own key);
        InvalidChange (no reason, a never-permitted category, an account that is not active,
        a span the rules refuse).
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        text = require_text(reason, field="reason", problem="an approval needs a written reason")
        row = _request(change, approval_request_id)
        status = _status(row, now)
        new = next_status(
            row.id,
            status,
            RequestMove.APPROVE,
            needs_second_clerk=policy.override_needs_second_clerk,
        )
        check_approver(
            row.id,
            requested_by_key=row.requested_by_key,
            key_id=key_id,
            requested_by=row.requested_by,
            approver=actor.name,
        )
        snapshot = snapshot_in(change, policy)
        check_post(policy, snapshot, account_id=row.account_id, category=row.category)
        start, end, anchors = approval_span(
            policy,
            snapshot,
            request_id=row.id,
            account_id=row.account_id,
            at=row.at,
            not_before=not_before,
            not_after=not_after,
            now=now,
        )
        # what the Clerk sees of the post now (the candidates its text names, its account's
        # holder standing): the approval lifts those, and nothing added later
        seen = seen_by_approval(
            decide_post(
                row.account_id, row.at, row.category, snapshot, now=now, text=row.text
            ).reasons
        )
        before = _state(row)
        row.status = new.value
        row.decided_by = actor.name
        row.decided_at = now
        row.decision_reason = text
        row.not_before = start
        row.not_after = end
        row.anchors = sorted(anchors | seen)
        if new is RequestStatus.APPROVED:
            row.confirmed_at = now
            row.confirmed_by = actor.name
        change.session.add(row)
        change.audit("request.approve", row.id, reason=text, before=before, after=_state(row))
        return StoredRequest.of(row)


def confirm_request(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    key_id: str,
    approval_request_id: str,
    *,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredRequest:
    """
    A second Clerk confirms an approval, where the policy asks for one: not the Clerk who
    approved it, and never the key that made the request.

    Raises:
        NotFound; RequestConflict (not awaiting confirmation); MoveRefused; InvalidChange
        (the category became never permitted, or the account is no longer active).
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = _request(change, approval_request_id)
        new = next_status(row.id, _status(row, now), RequestMove.CONFIRM)
        check_confirmer(
            row.id,
            requested_by_key=row.requested_by_key,
            approved_by=row.decided_by,
            key_id=key_id,
            clerk=actor.name,
            requested_by=row.requested_by,
        )
        check_post(
            policy, snapshot_in(change, policy), account_id=row.account_id, category=row.category
        )
        before = _state(row)
        row.status = new.value
        row.confirmed_at = now
        row.confirmed_by = actor.name
        change.session.add(row)
        change.audit("request.confirm", row.id, before=before, after=_state(row))
        return StoredRequest.of(row)


def reject_request(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    approval_request_id: str,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredRequest:
    """
    The Clerk rejects a request pending or awaiting confirmation, or takes back an approval
    (it allows nothing from the moment this write commits), with a reason.

    Raises:
        NotFound; RequestConflict (rejected, withdrawn or expired already); InvalidChange (no
            reason).
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        text = require_text(reason, field="reason", problem="a rejection needs a written reason")
        row = _request(change, approval_request_id)
        new = next_status(row.id, _status(row, now), RequestMove.REJECT)
        before = _state(row)
        row.status = new.value
        row.decided_by = actor.name
        row.decided_at = now
        row.decision_reason = text
        # an approval (confirmed or awaiting confirmation) is not one any more
        row.not_before = None
        row.not_after = None
        row.anchors = []
        row.confirmed_at = None
        row.confirmed_by = None
        change.session.add(row)
        change.audit("request.reject", row.id, reason=text, before=before, after=_state(row))
        return StoredRequest.of(row)


def withdraw_request(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    key_id: str,
    approval_request_id: str,
    *,
    now: dt.datetime,
    hide_others: bool = False,
    request_id: str | None = None,
) -> StoredRequest:
    """
    The requester withdraws its request, pending, awaiting confirmation or approved: an
    approval withdrawn allows nothing from then on.

    Args:
        hide_others: another key's request is not found (a scheduler sees only its own),
            rather than refused.

    Raises:
        NotFound; RequestConflict (rejected, withdrawn or expired); MoveRefused (another key).
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = _request(change, approval_request_id)
        if hide_others and row.requested_by_key != key_id:
            raise NotFound(what="request", identifier=approval_request_id)
        check_withdrawer(row.id, requested_by_key=row.requested_by_key, key_id=key_id)
        new = next_status(row.id, _status(row, now), RequestMove.WITHDRAW)
        before = _state(row)
        row.status = new.value
        row.withdrawn_at = now
        change.session.add(row)
        change.audit("request.withdraw", row.id, before=before, after=_state(row))
        return StoredRequest.of(row)


def _status(row: ApprovalRequestRow, now: dt.datetime) -> RequestStatus:
    return effective_status(row.status, at=row.at, not_after=row.not_after, now=now)


def _request(change: Write, approval_request_id: str) -> ApprovalRequestRow:
    row = change.session.get(ApprovalRequestRow, approval_request_id)
    if row is None or row.organisation_id != change.organisation_id:
        raise NotFound(what="request", identifier=approval_request_id)
    return row


def list_requests(
    uow: UnitOfWork,
    organisation_id: str,
    *,
    now: dt.datetime,
    status: RequestStatus | None = None,
    account_id: str | None = None,
    requested_by_key: str | None = None,
) -> list[StoredRequest]:
    """Requests, newest first: of one effective status (expired included), one account, or
    made by one key, where given."""
    found = stored.list_requests(
        uow.engine, organisation_id, account_id=account_id, requested_by_key=requested_by_key
    )
    return [r for r in found if status is None or status_of(r, now) is status]


def get_request(
    uow: UnitOfWork,
    organisation_id: str,
    approval_request_id: str,
    *,
    requested_by_key: str | None = None,
) -> StoredRequest:
    """
    One request; with `requested_by_key`, only if that key made it (a scheduler sees its own).

    Raises:
        NotFound: no such request of the organisation (or not that key's).
    """
    found = stored.get_request(uow.engine, organisation_id, approval_request_id)
    if requested_by_key is not None and found.requested_by_key != requested_by_key:
        raise NotFound(what="request", identifier=approval_request_id)
    return found


def why_referred(request: StoredRequest, snapshot: Snapshot, *, now: dt.datetime) -> list[str]:
    """
    Why the post needs the Clerk, in words: the reasons that refer or deny it as it would be
    decided now (`decide_post`, with its text, as `create_request` decided it), before any
    approval of it. Empty if nothing holds it back any more (an override granted since).
    """
    decision = decide_post(
        request.account_id, request.at, request.category, snapshot, now=now, text=request.text
    )
    return [r.message for r in decision.reasons if r.effect in (Effect.REFER, Effect.DENY)]
