"""API keys: who can reach the council's data, and when each key was last used."""

from typing import Annotated

from fastapi import APIRouter, Depends

from app.services.keys import list_keys_of
from app.store.keys import Role

from ..deps import Principal, ServicesDep, require
from ..schemas import KeyOut, london

router = APIRouter(prefix="/v1/keys", tags=["keys"])

ClerkOrAuditor = Annotated[Principal, Depends(require(Role.CLERK, Role.AUDITOR))]


@router.get(
    "",
    response_model=list[KeyOut],
    summary="The council's API keys and their last use (Clerk, auditor)",
)
def list_api_keys(services: ServicesDep, principal: ClerkOrAuditor) -> list[KeyOut]:
    """
    Every API key of the council, revoked ones too, oldest first: its name, role, and when it
    was made, revoked and last used. The secrets are never shown again (only their hashes are
    kept). `last_used_at` is right to within a minute (`PURDAH_KEY_USE_INTERVAL`); keys are
    made and revoked with `purdah keys create` and `purdah keys revoke`.
    """
    out = []
    for row in list_keys_of(services.uow, principal.organisation_id):
        noted = services.key_use.latest(row.id)
        last = max((t for t in (row.last_used_at, noted) if t is not None), default=None)
        out.append(
            KeyOut(
                key_id=row.id,
                name=row.name,
                role=row.role,
                created_at=london(row.created_at),
                revoked_at=london(row.revoked_at),
                last_used_at=london(last),
            )
        )
    return out
