"""
API keys: who can reach the council's data, and when each key was last used; the Clerk mints
keys for scheduling tools, readers and auditors, and revokes them, without shell access.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from app.services import keys
from app.store.keys import Role
from app.store.records import StoredKey

from ..deps import Clerk, Principal, ServicesDep, no_repeated_fields, request_id, require
from ..schemas import KeyIn, KeyOut, NewKeyOut, ReasonIn, london

router = APIRouter(prefix="/v1/keys", tags=["keys"])

ClerkOrAuditor = Annotated[Principal, Depends(require(Role.CLERK, Role.AUDITOR))]
# After the key's check, so a caller without a key gets 401 before its body is judged.
NoRepeats = Annotated[None, Depends(no_repeated_fields)]
KeyId = Annotated[str, Path(max_length=40, description="The key id (the part after `pdh_`).")]


def _out(row: StoredKey, services: ServicesDep) -> KeyOut:
    noted = services.key_use.latest(row.id)
    last = max((t for t in (row.last_used_at, noted) if t is not None), default=None)
    return KeyOut(
        key_id=row.id,
        name=row.name,
        role=row.role,
        created_at=london(row.created_at),
        revoked_at=london(row.revoked_at),
        last_used_at=london(last),
        person=row.person,
    )


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
    made and revoked with `POST /v1/keys` and `POST /v1/keys/{key_id}/revoke`, or with
    `purdah keys create` and `purdah keys revoke`.
    """
    return [
        _out(row, services) for row in keys.list_keys_of(services.uow, principal.organisation_id)
    ]


@router.post(
    "",
    response_model=NewKeyOut,
    status_code=201,
    summary="Mint a scheduler, viewer or auditor key; the key is shown once",
)
def create_api_key(
    body: KeyIn,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: Clerk,
    _repeats: NoRepeats,
) -> NewKeyOut:
    """
    A key for a scheduling tool (`scheduler`), a reader (`viewer`) or an auditor, so that a
    Clerk can hand an integrator a key without shell access. The whole key is in this answer
    and nowhere else: only the hash of its secret is kept, and neither `GET /v1/keys` nor the
    audit log (`key.create`) shows it. It works at once on this replica, and on every other
    within its poll interval. Clerk and operator keys are made only with `purdah keys create`
    (422). A key made for one person (`person`) signs them in to the console without asking
    their name, and the audit log names them for what they do with it.
    """
    now = services.clock()
    made = keys.create_key(
        services.uow,
        principal.organisation_id,
        principal.actor(),
        role=Role(body.role),
        name=body.name,
        now=now,
        person=body.person,
        allowed_roles=keys.MINTABLE_ROLES,
        request_id=request_id(request),
    )
    response.headers["Location"] = f"/v1/keys/{made.key_id}"
    return NewKeyOut(
        key_id=made.key_id,
        name=body.name.strip(),
        role=body.role,
        created_at=london(now),
        revoked_at=None,
        last_used_at=None,
        person=body.person.strip() if body.person is not None else None,
        key=made.key,
    )


@router.get(
    "/{key_id}",
    response_model=KeyOut,
    summary="One API key of the council and its last use (Clerk, auditor)",
)
def get_api_key(key_id: KeyId, services: ServicesDep, principal: ClerkOrAuditor) -> KeyOut:
    """The key as `GET /v1/keys` lists it, never its secret; another council's key is 404."""
    return _out(keys.get_key_of(services.uow, principal.organisation_id, key_id), services)


@router.post(
    "/{key_id}/revoke",
    response_model=KeyOut,
    summary="Revoke a key of the council at once, with a reason",
)
def revoke_api_key(
    key_id: KeyId,
    body: ReasonIn,
    request: Request,
    services: ServicesDep,
    principal: Clerk,
    _repeats: NoRepeats,
) -> KeyOut:
    """
    The key stops authenticating at once on this replica and on every other within its poll
    interval. Another council's key is 404; a key revoked already is 409. The Clerk cannot
    revoke the key it is calling with (409: it would lock itself out; another Clerk, or
    `purdah keys revoke`, can), nor the platform operator's (409: `purdah keys revoke`).
    """
    row = keys.revoke_key(
        services.uow,
        principal.organisation_id,
        principal.actor(),
        key_id=key_id,
        reason=body.reason,
        now=services.clock(),
        caller_key_id=principal.key_id,
        protected_roles=(Role.OPERATOR,),
        request_id=request_id(request),
    )
    return _out(row, services)
