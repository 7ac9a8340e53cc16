"""Accounts: the official social media accounts of the caller's organisation."""

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from app.domain.accounts import AccountAction
from app.domain.changes import version_tag
from app.services import accounts
from app.store.records import StoredAccount

from ..conditional import etag, if_match_versions
from ..deps import Clerk, Reader, ServicesDep, request_id
from ..problems import problem_doc
from ..schemas import AccountIn, AccountOut, ReasonIn, london

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


def _out(row: StoredAccount) -> AccountOut:
    return AccountOut(
        account_id=row.id,
        platform=row.platform,
        name=row.name,
        handle=row.handle,
        url=row.url,
        kind=row.kind,
        status=row.status,
        updated_at=london(row.updated_at),
    )


@router.get("", response_model=list[AccountOut], summary="List the organisation's accounts")
def list_accounts(services: ServicesDep, principal: Reader) -> list[AccountOut]:
    """Every official account of the policy's appendix and any added since, with its status: pending (awaiting the Clerk's approval), active, inactive, suspended or closed."""
    return [_out(row) for row in accounts.list_accounts(services.uow, principal.organisation_id)]


@router.get("/{account_id}", response_model=AccountOut, summary="One account")
def get_account(
    account_id: str, response: Response, services: ServicesDep, principal: Reader
) -> AccountOut:
    """One account and its status. Its `ETag` goes in `If-Match` on a move (approve, suspend, ...), so that two Clerks cannot act on different states unawares."""
    row = accounts.get_account(services.uow, principal.organisation_id, account_id)
    response.headers["ETag"] = etag(version_tag(row.state()))
    return _out(row)


@router.post(
    "",
    response_model=AccountOut,
    status_code=201,
    summary="Propose a new official account; it is pending until the Clerk approves it",
)
def propose_account(
    body: AccountIn, request: Request, response: Response, services: ServicesDep, principal: Clerk
) -> AccountOut:
    """The contact email must be on one of the policy's official domains, else 422 citing the policy's clause."""
    row = accounts.propose_account(
        services.uow,
        services.policy(principal.organisation_id),
        principal.actor(),
        account_id=body.account_id,
        platform=body.platform,
        name=body.name,
        kind=body.kind,
        contact_email=body.contact_email,
        handle=body.handle,
        url=body.url,
        reason=body.reason,
        now=services.clock(),
        request_id=request_id(request),
    )
    response.headers["Location"] = f"/v1/accounts/{row.id}"
    return _out(row)


_MOVES = {
    AccountAction.APPROVE: "Approve a proposed account: pending to active",
    AccountAction.SUSPEND: "Suspend publishing rights: active to suspended",
    AccountAction.REINSTATE: "Reinstate a suspended or inactive account: to active",
    AccountAction.CLOSE: "Close an account: closed for good",
    AccountAction.DEACTIVATE: "Mark an account not currently in use: active to inactive",
}


def _move_route(action: AccountAction) -> None:
    def move(
        account_id: str,
        body: ReasonIn,
        request: Request,
        response: Response,
        services: ServicesDep,
        principal: Clerk,
        if_match: Annotated[
            str | None,
            Header(description="The account's ETag (`GET /v1/accounts/{id}`): 412 if it changed."),
        ] = None,
    ) -> AccountOut:
        row = accounts.move_account(
            services.uow,
            services.policy(principal.organisation_id),
            principal.actor(),
            account_id,
            action,
            reason=body.reason,
            now=services.clock(),
            request_id=request_id(request),
            expected_versions=if_match_versions(if_match),
        )
        response.headers["ETag"] = etag(version_tag(row.state()))
        return _out(row)

    move.__name__ = f"{action}_account"
    move.__doc__ = (
        f"{_MOVES[action]}. A move the status does not allow gets 409 listing the allowed moves."
    )
    router.post(
        f"/{{account_id}}/{action}",
        response_model=AccountOut,
        summary=_MOVES[action],
        responses={
            409: {
                "description": "Not allowed from the account's status; the body lists `allowed_moves`."
            },
            412: problem_doc("The account changed since the ETag sent in If-Match."),
        },
    )(move)


for _action in AccountAction:
    _move_route(_action)
