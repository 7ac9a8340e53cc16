"""Accounts: the official social media accounts of the caller's organisation."""

from fastapi import APIRouter

from app.store import queries
from app.store.tables import AccountRow

from ..deps import Reader, ServicesDep
from ..schemas import AccountOut, london

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


def _out(row: AccountRow) -> AccountOut:
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
    return [_out(row) for row in queries.list_accounts(services.engine, principal.organisation_id)]


@router.get("/{account_id}", response_model=AccountOut, summary="One account")
def get_account(account_id: str, services: ServicesDep, principal: Reader) -> AccountOut:
    return _out(queries.get_account(services.engine, principal.organisation_id, account_id))
