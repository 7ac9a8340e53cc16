"""
Approval requests as the store reads them: the approvals a snapshot carries (`approvals_of`)
and the requests the Clerk's and schedulers' endpoints list.
"""

import datetime as dt

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.domain.approvals import Approval
from app.store.errors import NotFound
from app.store.records import StoredRequest
from app.store.snapshots import REQUEST_APPROVED, approval_of
from app.store.tables import ApprovalRequestRow

__all__ = ["approvals_of", "get_request", "list_requests"]


def approvals_of(
    session: Session, organisation_id: str, now: dt.datetime | None = None
) -> tuple[Approval, ...]:
    """
    The organisation's approved requests as the decision reads them (the snapshot's own
    reading, `snapshots.approval_of`: status approved, which a request reaches only once
    confirmed where the policy asks for a second Clerk, and leaves when withdrawn), with the
    restrictions each is anchored to. With `now`, those whose `not_after` has passed are left
    out.
    """
    query = select(ApprovalRequestRow).where(
        col(ApprovalRequestRow.organisation_id) == organisation_id,
        col(ApprovalRequestRow.status) == REQUEST_APPROVED,
    )
    if now is not None:
        query = query.where(col(ApprovalRequestRow.not_after) > now)
    rows = session.execute(query.order_by(col(ApprovalRequestRow.id))).scalars()
    return tuple(a for a in map(approval_of, rows) if a is not None)


def list_requests(
    engine: Engine,
    organisation_id: str,
    *,
    account_id: str | None = None,
    requested_by_key: str | None = None,
) -> list[StoredRequest]:
    """Requests, newest first; of one account, or made by one key, when given."""
    query = select(ApprovalRequestRow).where(
        col(ApprovalRequestRow.organisation_id) == organisation_id
    )
    if account_id is not None:
        query = query.where(col(ApprovalRequestRow.account_id) == account_id)
    if requested_by_key is not None:
        query = query.where(col(ApprovalRequestRow.requested_by_key) == requested_by_key)
    order = (col(ApprovalRequestRow.created_at).desc(), col(ApprovalRequestRow.id).desc())
    with Session(engine) as session:
        rows = session.execute(query.order_by(*order)).scalars()
        return [StoredRequest.of(row) for row in rows]


def get_request(engine: Engine, organisation_id: str, request_id: str) -> StoredRequest:
    """One request of the organisation. Raises NotFound."""
    with Session(engine) as session:
        row = session.get(ApprovalRequestRow, request_id)
        if row is None or row.organisation_id != organisation_id:
            raise NotFound(what="request", identifier=request_id)
        return StoredRequest.of(row)
