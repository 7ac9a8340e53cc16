"""API keys: create one (the returned key is the only copy) and revoke one."""

import datetime as dt

from app.domain.changes import require_text
from app.store.errors import InvalidChange, NotFound
from app.store.keys import NewKey, Role, new_key
from app.store.queries import list_keys
from app.store.records import StoredKey
from app.store.tables import ApiKeyRow
from app.store.unit_of_work import Actor, UnitOfWork, Write

__all__ = ["create_key", "insert_key", "list_keys_of", "revoke_key"]


def insert_key(change: Write, role: Role, name: str) -> NewKey:
    """Add a key inside an open write (a seed's first Clerk key), audited."""
    made = new_key()
    change.session.add(
        ApiKeyRow(
            id=made.key_id,
            organisation_id=change.organisation_id,
            name=name,
            role=str(role),
            secret_sha256=made.secret_sha256,
            created_at=change.now,
        )
    )
    change.audit("key.create", made.key_id, after={"name": name, "role": str(role)})
    return made


def create_key(
    uow: UnitOfWork,
    organisation_id: str,
    actor: Actor,
    *,
    role: Role,
    name: str,
    now: dt.datetime,
) -> NewKey:
    """Create an API key; the returned key is the only copy. Raises InvalidChange (no name)."""
    with uow.write(organisation_id, actor, now=now) as change:
        text = require_text(name, field="name", problem="a key needs a name")
        return insert_key(change, role, text)


def revoke_key(
    uow: UnitOfWork,
    organisation_id: str,
    actor: Actor,
    *,
    key_id: str,
    reason: str,
    now: dt.datetime,
) -> None:
    """
    Revoke an API key at once (every replica within its poll interval).

    Raises:
        NotFound: no such key of the organisation.
        InvalidChange: revoked already.
    """
    with uow.write(organisation_id, actor, now=now) as change:
        row = change.session.get(ApiKeyRow, key_id)
        if row is None or row.organisation_id != organisation_id:
            raise NotFound(what="key", identifier=key_id)
        if row.revoked_at is not None:
            raise InvalidChange(
                field="key_id", problem=f"key {key_id} was revoked at {row.revoked_at.isoformat()}"
            )
        row.revoked_at = now
        change.session.add(row)
        change.audit(
            "key.revoke",
            key_id,
            reason=reason,
            before={"revoked_at": None},
            after={"revoked_at": now},
        )


def list_keys_of(uow: UnitOfWork, organisation_id: str) -> list[StoredKey]:
    """The organisation's API keys, revoked ones too, oldest first (only hashes are stored)."""
    return list_keys(uow.engine, organisation_id)
