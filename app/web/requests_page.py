"""
Requests: the queue of posts waiting for the Clerk, with the post's text, its account, its
planned time in words and why it was referred; approve (optionally between two times) or
reject, each with a reason that starts empty.

Every rule is the service's (`app.services.requests`, which the API calls too): its refusals
come back as errors on the fields they name, and the page is shown again with nothing lost.
Who may read requests is the API's rule: the Clerk and auditors (a viewer gets a 403 page).
"""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import Services, ServicesDep, request_id
from app.domain import Snapshot
from app.domain.errors import InvalidChange, NotFound
from app.domain.requests import MoveRefused, RequestConflict, RequestStatus
from app.domain.status import local_time
from app.services import requests
from app.store.keys import Role
from app.store.records import StoredRequest

from .forms import FormErrors, category_label, check_text, optional_instant
from .guard import refuse_clerk_form
from .now import account_label
from .pages import problem_page, render, root
from .session import ConsoleUser, User

__all__ = ["READERS", "refuse_unless_reader", "router"]

router = APIRouter(prefix="/console/requests", include_in_schema=False)

# The API's RequestReader, less the scheduler (which cannot sign in).
READERS = frozenset({str(Role.CLERK), str(Role.AUDITOR)})
_QUEUE = (RequestStatus.PENDING, RequestStatus.AWAITING_CONFIRMATION)
_DECIDED_SHOWN = 20
_STATUS_WORDS = {
    RequestStatus.PENDING: "Waiting for the Clerk",
    RequestStatus.AWAITING_CONFIRMATION: "Approved, waiting for a second Clerk's confirmation",
    RequestStatus.APPROVED: "Approved",
    RequestStatus.REJECTED: "Rejected",
    RequestStatus.WITHDRAWN: "Withdrawn by the requester",
    RequestStatus.EXPIRED: "Expired (its time passed)",
}
# The service's field names, as the approve form's field ids (before the request id).
_APPROVE_FIELDS = {"not_before": "approve-from-date", "not_after": "approve-until-date"}


def refuse_unless_reader(
    request: Request, services: Services, user: ConsoleUser
) -> HTMLResponse | None:
    """A 403 page unless the person may read requests (the API's rule: Clerk, auditor)."""
    if user.role in READERS:
        return None
    return problem_page(
        request,
        services,
        user,
        status=403,
        title="Requests are for the Town Clerk and auditors",
        message=f"A {user.role} key cannot read approval requests. Nothing was changed.",
    )


def _row(r: StoredRequest, snapshot: Snapshot, now: dt.datetime) -> dict[str, Any]:
    status = requests.status_of(r, now)
    return {
        "id": r.id,
        "account": account_label(snapshot, r.account_id),
        "category": category_label(r.category),
        "at": local_time(r.at),
        "requested_by": r.requested_by,
        "requested_at": local_time(r.created_at),
        "text": r.text,
        "links": list(r.links or ()),
        "note": r.note,
        "status": str(status),
        "status_words": _STATUS_WORDS[status],
        "queued": status in _QUEUE,
        "can_approve": status is RequestStatus.PENDING,
        "why": requests.why_referred(r, snapshot, now=now) if status in _QUEUE else [],
        "decided_by": r.decided_by,
        "decision_reason": r.decision_reason,
        "not_before": local_time(r.not_before) if r.not_before else None,
        "not_after": local_time(r.not_after) if r.not_after else None,
    }


def _page(
    request: Request,
    services: Services,
    user: ConsoleUser,
    *,
    typed: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = services.clock()
    # the snapshot first: an unusable policy or unconfirmed data is a 503 page, as elsewhere
    snapshot = services.cache.snapshot(user.organisation_id)
    found = requests.list_requests(services.uow, user.organisation_id, now=now)
    rows = [_row(r, snapshot, now) for r in found]
    # the queue in the order the posts are planned (the service lists newest first)
    planned = {r.id: r.at for r in found}
    queue = sorted((r for r in rows if r["queued"]), key=lambda r: planned[str(r["id"])])
    decided = [r for r in rows if not r["queued"]][:_DECIDED_SHOWN]
    return render(
        request,
        services,
        "requests.html",
        title="Requests",
        user=user,
        current="requests",
        status=status,
        errors=(errors.messages if errors else None),
        queue=queue,
        decided=decided,
        typed=typed or {},
        notice=notice,
    )


@router.get("")
def requests_page(request: Request, services: ServicesDep, user: User) -> HTMLResponse:
    refused = refuse_unless_reader(request, services, user)
    if refused is not None:
        return refused
    notice = None
    approved, rejected = request.query_params.get("approved"), request.query_params.get("rejected")
    if approved or rejected:
        try:
            done = requests.get_request(
                services.uow, user.organisation_id, approved or rejected or ""
            )
        except NotFound:
            done = None
        if done is not None and approved:
            span = (
                f" The post may go out from {local_time(done.not_before)} until "
                f"{local_time(done.not_after)}."
                if done.not_before and done.not_after
                else ""
            )
            waiting = (
                " It waits for a second Clerk's confirmation."
                if done.status == RequestStatus.AWAITING_CONFIRMATION
                else ""
            )
            notice = f"Request {done.id} approved.{span}{waiting}"
        elif done is not None:
            notice = f"Request {done.id} rejected. The post stays held back."
    return _page(request, services, user, notice=notice)


@router.post("/{approval_request_id}/approve")
def approve(
    approval_request_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    from_date: Annotated[str, Form()] = "",
    from_time: Annotated[str, Form()] = "",
    until_date: Annotated[str, Form()] = "",
    until_time: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    rid = requests.get_request(services.uow, user.organisation_id, approval_request_id).id
    typed = {
        f"approve-reason-{rid}": reason,
        f"approve-from-date-{rid}": from_date,
        f"approve-from-time-{rid}": from_time,
        f"approve-until-date-{rid}": until_date,
        f"approve-until-time-{rid}": until_time,
    }
    errors = FormErrors()
    if not reason.strip():
        errors.add(f"approve-reason-{rid}", "Enter the reason for approving the post")
    check_text(errors, f"approve-reason-{rid}", reason, what="The reason")
    not_before = optional_instant(
        "not-before", from_date, from_time, errors,
        date_id=f"approve-from-date-{rid}", time_id=f"approve-from-time-{rid}",
    )  # fmt: skip
    not_after = optional_instant(
        "not-after", until_date, until_time, errors,
        date_id=f"approve-until-date-{rid}", time_id=f"approve-until-time-{rid}",
    )  # fmt: skip
    if not errors:
        try:
            requests.approve_request(
                services.uow,
                services.policy(user.organisation_id),
                user.actor(),
                user.session.key_id,
                rid,
                reason=reason,
                not_before=not_before,
                not_after=not_after,
                now=services.clock(),
                request_id=request_id(request),
            )
        except InvalidChange as exc:
            field = _APPROVE_FIELDS.get(exc.field, "approve-reason")
            errors.add(f"{field}-{rid}", _sentence(exc.problem))
        except (NotFound, RequestConflict, MoveRefused) as exc:
            errors.add(f"approve-reason-{rid}", _sentence(str(exc)))
    if errors:
        return _page(request, services, user, typed=typed, errors=errors, status=422)
    return RedirectResponse(f"{root(request)}/console/requests?approved={rid}", status_code=303)


@router.post("/{approval_request_id}/reject")
def reject(
    approval_request_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    rid = requests.get_request(services.uow, user.organisation_id, approval_request_id).id
    field = f"reject-reason-{rid}"
    errors = FormErrors()
    if not reason.strip():
        errors.add(field, "Enter the reason for rejecting the post")
    check_text(errors, field, reason, what="The reason")
    if not errors:
        try:
            requests.reject_request(
                services.uow,
                services.policy(user.organisation_id),
                user.actor(),
                rid,
                reason=reason,
                now=services.clock(),
                request_id=request_id(request),
            )
        except (InvalidChange, NotFound, RequestConflict) as exc:
            errors.add(
                field, _sentence(exc.problem if isinstance(exc, InvalidChange) else str(exc))
            )
    if errors:
        return _page(request, services, user, typed={field: reason}, errors=errors, status=422)
    return RedirectResponse(f"{root(request)}/console/requests?rejected={rid}", status_code=303)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
