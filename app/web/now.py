"""The Now page: are we restricted, and when next; what is allowed; what waits for the Clerk."""

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import Services, ServicesDep
from app.domain import AccountStatus, Category, Policy, ReasonCode, Snapshot
from app.domain.requests import RequestStatus
from app.domain.status import local_time, restriction_status
from app.services import overrides, requests
from app.store.keys import Role

from .forms import category_label
from .pages import render
from .session import ConsoleUser, User

__all__ = ["account_label", "override_rows", "router"]

router = APIRouter(prefix="/console", include_in_schema=False)

# What an account that is not active means for its posts (the decision denies them all).
_NOT_ACTIVE = {
    AccountStatus.PENDING: "Waiting for the Town Clerk's approval: nothing may be published.",
    AccountStatus.INACTIVE: "Not in use: nothing may be published.",
    AccountStatus.SUSPENDED: "Suspended: nothing may be published.",
    AccountStatus.CLOSED: "Closed: nothing may be published.",
}
# Who may read approval requests (the API's RequestReader, less the scheduler's own).
_REQUEST_READERS = frozenset({str(Role.CLERK), str(Role.AUDITOR)})


def account_label(snapshot: Snapshot, account_id: str | None) -> str:
    if account_id is None:
        return "All accounts"
    account = snapshot.accounts.get(account_id)
    return f"{account.name} ({account.platform})" if account else account_id


def override_rows(
    services: Services, user: ConsoleUser, policy: Policy, snapshot: Snapshot, now: dt.datetime
) -> list[dict[str, str]]:
    """The overrides in force now, as the pages show them."""
    found = overrides.list_overrides(services.uow, user.organisation_id)
    needs_second = policy.override_needs_second_clerk
    return [
        {
            "id": o.id,
            "account": account_label(snapshot, o.account_id),
            "categories": ", ".join(category_label(c) for c in o.categories)
            if o.categories
            else "every kind of post an override can allow",
            "starts": local_time(o.starts_at),
            "ends": local_time(o.ends_at),
            "reason": o.reason,
            "granted_by": o.granted_by,
        }
        for o in found
        if o.in_force(now, needs_second_clerk=needs_second)
    ]


def _request_rows(
    services: Services, user: ConsoleUser, snapshot: Snapshot, now: dt.datetime
) -> list[dict[str, str]] | None:
    if user.role not in _REQUEST_READERS:
        return None
    waiting = [
        r
        for status in (RequestStatus.PENDING, RequestStatus.AWAITING_CONFIRMATION)
        for r in requests.list_requests(services.uow, user.organisation_id, now=now, status=status)
    ]
    return [
        {
            "account": account_label(snapshot, r.account_id),
            "category": category_label(r.category),
            "at": local_time(r.at),
            "requested_by": r.requested_by,
            "text": r.text,
        }
        for r in sorted(waiting, key=lambda r: r.at)
    ]


def _review_words(policy: Policy, now: dt.datetime) -> tuple[str, bool]:
    due_at = policy.review_due_at()
    if due_at is None or policy.next_review_due is None:
        return "The policy gives no date for its next review.", False
    cited = policy.cite(ReasonCode.POLICY_REVIEW_OVERDUE)
    cite = f" ({cited})" if cited else ""
    if now >= due_at:
        return (
            f"The policy was due for review by {policy.next_review_due:%B %Y}: the review is "
            f"overdue{cite}.",
            True,
        )
    return f"The policy is next due for review by {policy.next_review_due:%B %Y}{cite}.", False


def now_context(services: Services, user: ConsoleUser) -> dict[str, Any]:
    """What the Now page shows (the overrides page shows the organisation's status too)."""
    now = services.clock()
    policy = services.policy(user.organisation_id)
    snapshot = services.cache.snapshot(user.organisation_id)
    name = policy.organisation_name
    status = restriction_status(snapshot.windows, now)
    accounts = []
    for account in sorted(snapshot.accounts.values(), key=lambda a: a.name.casefold()):
        if account.status is AccountStatus.ACTIVE:
            words = restriction_status(snapshot.windows_for(account.account_id), now).words(name)
        else:
            words = _NOT_ACTIVE[account.status]
        accounts.append({"name": account.name, "platform": account.platform, "words": words})
    review_words, overdue = _review_words(policy, now)
    denied = sorted(set(Category) - policy.permitted - policy.referred - policy.never_permitted)
    never_cited = "; ".join(
        filter(
            None,
            [policy.cite(ReasonCode.NEVER_PERMITTED_CATEGORY), "Local Government Act 1986 s. 2"],
        )
    )
    return {
        "at_words": local_time(now),
        "organisation_status": status,
        "organisation_status_words": status.words(name),
        "accounts": accounts,
        "permitted": [category_label(c) for c in sorted(policy.permitted)],
        "referred": [category_label(c) for c in sorted(policy.referred)],
        "never": [category_label(c) for c in sorted(policy.never_permitted)],
        "never_citation": never_cited,
        "denied": [category_label(c) for c in denied],
        "requests": _request_rows(services, user, snapshot, now),
        "overrides": override_rows(services, user, policy, snapshot, now),
        "review_words": review_words,
        "review_overdue": overdue,
    }


@router.get("")
def now_page(request: Request, services: ServicesDep, user: User) -> HTMLResponse:
    context = now_context(services, user)
    return render(request, services, "now.html", title="Now", user=user, current="now", **context)
