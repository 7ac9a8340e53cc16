"""
Approval requests: a scheduling tool asks the Town Clerk to allow one post that would be
referred or denied; the Clerk approves (a second Clerk confirming where the policy asks) or
rejects it; the key that asked may withdraw it.

Who sees what: the Clerk and the auditor see every request of the council; a scheduler sees
only those its own key made, and another key's request is 404 to it (withdrawing one too).
A Clerk who withdraws another key's request gets 403 (`request-move-refused`): the Clerk can
see it, but only the key that asked may withdraw it; the Clerk rejects instead.
"""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.domain.requests import RequestStatus, allowed_moves
from app.services import requests
from app.store.keys import Role
from app.store.records import StoredRequest

from ..decision_json import decision_json
from ..deps import Clerk, Principal, Requester, RequestReader, ServicesDep
from ..deps import request_id as trace_id
from ..schemas import ApproveIn, AskedOut, DecisionOut, ReasonIn, RequestIn, RequestOut, london

router = APIRouter(prefix="/v1/requests", tags=["requests"])

RequestId = Annotated[str, Path(max_length=40, description="The request's id (`rq-...`).")]


def _out(row: StoredRequest, now: dt.datetime) -> RequestOut:
    status = requests.status_of(row, now)
    return RequestOut(
        request_id=row.id,
        account_id=row.account_id,
        at=london(row.at),
        category=row.category,
        text=row.text,
        text_sha256=row.text_sha256,
        links=list(row.links or ()),
        note=row.note,
        status=status.value,
        allowed_moves=list(allowed_moves(status)),
        requested_by=row.requested_by,
        requested_at=london(row.created_at),
        asked_outcome=row.asked_outcome,
        asked_reasons=list(row.asked_reasons or ()),
        decided_by=row.decided_by,
        decided_at=london(row.decided_at),
        decision_reason=row.decision_reason,
        not_before=london(row.not_before),
        not_after=london(row.not_after),
        anchors=list(row.anchors or ()),
        confirmed_by=row.confirmed_by,
        confirmed_at=london(row.confirmed_at),
        withdrawn_at=london(row.withdrawn_at),
    )


def _own_only(principal: Principal) -> str | None:
    """The key whose requests alone the caller sees: a scheduler's own; None for all."""
    return principal.key_id if principal.role == Role.SCHEDULER else None


@router.post(
    "",
    response_model=AskedOut,
    status_code=201,
    summary="Ask the Town Clerk to allow one post (its text included)",
    responses={
        200: {
            "description": "Not needed: the post is allowed already; nothing is stored.",
            "model": AskedOut,
        }
    },
)
def create_request(
    body: RequestIn,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: Requester,
) -> AskedOut:
    """
    The post is decided first, as can-publish would decide it (with its text). A post that
    is allowed already is not queued: 200 with `status: not-needed` and the decision. Any
    other is stored `pending` for the Clerk: 201 with its `request_id` and `Location`.
    A never-permitted category (the policy's clause on party-political use; Local Government
    Act 1986 s. 2), or an account whose status stops every post, cannot be requested (422).
    """
    policy = services.policy(principal.organisation_id)
    now = services.clock()
    asked = requests.create_request(
        services.uow,
        policy,
        principal.actor(),
        principal.key_id,
        account_id=body.account_id,
        at=body.at,
        category=body.category,
        text=body.text,
        links=body.links,
        note=body.note,
        now=now,
        request_id=trace_id(request),
    )
    decision = DecisionOut.model_validate(decision_json(asked.decision, role=principal.role))
    if asked.request is None:
        response.status_code = 200
        return AskedOut(request_id=None, status="not-needed", decision=decision, request=None)
    response.headers["Location"] = f"/v1/requests/{asked.request.id}"
    return AskedOut(
        request_id=asked.request.id,
        status="pending",
        decision=decision,
        request=_out(asked.request, now),
    )


@router.get("", response_model=list[RequestOut], summary="List approval requests, newest first")
def list_requests(
    services: ServicesDep,
    principal: RequestReader,
    status: Annotated[
        RequestStatus | None,
        Query(description="Only those of this status as it stands now (`expired` included)."),
    ] = None,
    account_id: Annotated[
        str | None, Query(max_length=80, description="Only those for this account.")
    ] = None,
) -> list[RequestOut]:
    """The Clerk and the auditor see every request of the council; a scheduler, those its own key made."""
    now = services.clock()
    rows = requests.list_requests(
        services.uow,
        principal.organisation_id,
        now=now,
        status=status,
        account_id=account_id,
        requested_by_key=_own_only(principal),
    )
    return [_out(row, now) for row in rows]


@router.get("/{request_id}", response_model=RequestOut, summary="One approval request")
def get_request(
    request_id: RequestId, services: ServicesDep, principal: RequestReader
) -> RequestOut:
    """The request with its text, its status as it stands now, and the moves it allows. A scheduler sees only its own key's (another's is 404)."""
    row = requests.get_request(
        services.uow,
        principal.organisation_id,
        request_id,
        requested_by_key=_own_only(principal),
    )
    return _out(row, services.clock())


@router.post(
    "/{request_id}/approve",
    response_model=RequestOut,
    summary="Approve a request: the post may go out between not_before and not_after",
)
def approve_request(
    request_id: RequestId,
    body: ApproveIn,
    request: Request,
    services: ServicesDep,
    principal: Clerk,
) -> RequestOut:
    """
    Allows exactly that post: the same account and category, the same text (by the SHA-256
    of its normalised form), between `not_before` and `not_after` (default: the requested
    time -/+ 2 hours, never beyond its restriction window or the policy's longest override).
    Where the policy asks for two Clerks it awaits another Clerk's confirmation. The key
    that made the request cannot approve it (403).
    """
    policy = services.policy(principal.organisation_id)
    row = requests.approve_request(
        services.uow,
        policy,
        principal.actor(),
        principal.key_id,
        request_id,
        reason=body.reason,
        not_before=body.not_before,
        not_after=body.not_after,
        now=services.clock(),
        request_id=trace_id(request),
    )
    return _out(row, services.clock())


@router.post(
    "/{request_id}/confirm",
    response_model=RequestOut,
    summary="Confirm another Clerk's approval (where the policy requires two)",
)
def confirm_request(
    request_id: RequestId, request: Request, services: ServicesDep, principal: Clerk
) -> RequestOut:
    """A second Clerk confirms an approval: not the Clerk who approved it, never the key that made the request (403)."""
    policy = services.policy(principal.organisation_id)
    row = requests.confirm_request(
        services.uow,
        policy,
        principal.actor(),
        principal.key_id,
        request_id,
        now=services.clock(),
        request_id=trace_id(request),
    )
    return _out(row, services.clock())


@router.post(
    "/{request_id}/reject",
    response_model=RequestOut,
    summary="Reject a request, with a reason",
)
def reject_request(
    request_id: RequestId,
    body: ReasonIn,
    request: Request,
    services: ServicesDep,
    principal: Clerk,
) -> RequestOut:
    """A request pending or awaiting confirmation is rejected; the post stays referred or denied."""
    policy = services.policy(principal.organisation_id)
    row = requests.reject_request(
        services.uow,
        policy,
        principal.actor(),
        request_id,
        reason=body.reason,
        now=services.clock(),
        request_id=trace_id(request),
    )
    return _out(row, services.clock())


@router.post(
    "/{request_id}/withdraw",
    response_model=RequestOut,
    summary="Withdraw one's own request (approved ones too)",
)
def withdraw_request(
    request_id: RequestId, request: Request, services: ServicesDep, principal: Requester
) -> RequestOut:
    """
    Only the key that made the request may withdraw it: another scheduler's is 404 to a
    scheduler, and a Clerk's key gets 403 for a request it did not make. A withdrawn approval
    allows nothing from then on.
    """
    policy = services.policy(principal.organisation_id)
    row = requests.withdraw_request(
        services.uow,
        policy,
        principal.actor(),
        principal.key_id,
        request_id,
        now=services.clock(),
        hide_others=_own_only(principal) is not None,
        request_id=trace_id(request),
    )
    return _out(row, services.clock())


__all__ = ["router"]
