"""API keys: create one (the returned key is the only copy) and revoke one."""

import datetime as dt
from collections.abc import Collection

from app.domain.changes import require_text
from app.domain.errors import KeyConflict
from app.services.console import checked_person_name
from app.store.errors import InvalidChange, NotFound
from app.store.keys import NewKey, Role, new_key
from app.store.queries import list_keys
from app.store.records import StoredKey
from app.store.tables import ApiKeyRow
from app.store.unit_of_work import Actor, UnitOfWork, Write

__all__ = ["MINTABLE_ROLES", "create_key", "get_key_of", "insert_key", "list_keys_of", "revoke_key"]

# The roles a Clerk may give a key through the API: never a Clerk's (whoever holds one can
# make more) nor an operator's (the platform's); those come from `purdah keys create`.
MINTABLE_ROLES = (Role.SCHEDULER, Role.VIEWER, Role.AUDITOR)


def insert_key(change: Write, role: Role, name: str, person: str | None = None) -> NewKey:
    """Add a key inside an open write (a seed's first Clerk key), audited."""
    made = new_key()
    change.session.add(
        ApiKeyRow(
            id=made.key_id,
            organisation_id=change.organisation_id,
            name=name,
            role=str(role),
            person=person,
            secret_sha256=made.secret_sha256,
            created_at=change.now,
        )
    )
    after = {"name": name, "role": str(role)} | ({"person": person} if person else {})
    change.audit("key.create", made.key_id, after=after)
    return made


def create_key(
    uow: UnitOfWork,
    organisation_id: str,
    actor: Actor,
    *,
    role: Role,
    name: str,
    now: dt.datetime,
    person: str | None = None,
    allowed_roles: Collection[Role] | None = None,
    request_id: str | None = None,
) -> NewKey:
    """
    Create an API key, audited (`key.create`, without the secret); the returned key is the
    only copy.

    Args:
        person: the person who holds the key (a named key): the console signs them in by
            it without asking their name, and the audit log names them for what it does.
            Checked as a name typed at sign-in is (`checked_person_name`).
        allowed_roles: the roles the caller may give (`MINTABLE_ROLES` for a Clerk through
            the API); None: any (the command line).

    Raises:
        InvalidChange: no name, a person's name that is empty, too long or holds a control
            character, or a role the caller may not give.
    """
    if allowed_roles is not None and role not in allowed_roles:
        allowed = ", ".join(str(r) for r in allowed_roles)
        raise InvalidChange(
            field="role",
            problem=f"a {role} key cannot be made here; the roles allowed are: {allowed}",
        )
    with uow.write(organisation_id, actor, now=now, request_id=request_id) as change:
        text = require_text(name, field="name", problem="a key needs a name")
        holder = (
            None
            if person is None
            else checked_person_name(person, field="person", whose="the person's name")
        )
        return insert_key(change, role, text, holder)


def revoke_key(
    uow: UnitOfWork,
    organisation_id: str,
    actor: Actor,
    *,
    key_id: str,
    reason: str,
    now: dt.datetime,
    caller_key_id: str | None = None,
    protected_roles: Collection[Role] = (),
    request_id: str | None = None,
) -> StoredKey:
    """
    Revoke an API key at once (every replica within its poll interval), audited (`key.revoke`).

    Args:
        caller_key_id: the key asking (a Clerk through the API): it may not revoke itself,
            which would lock it out. None: the command line, which may revoke any key.
        protected_roles: roles whose keys the caller may not revoke (a Clerk through the API
            may not revoke the platform operator's key, which it sees in the list).

    Raises:
        NotFound: no such key of the organisation.
        KeyConflict: revoked already, the caller's own key, or one of a protected role.
    """
    with uow.write(organisation_id, actor, now=now, request_id=request_id) as change:
        row = change.session.get(ApiKeyRow, key_id)
        if row is None or row.organisation_id != organisation_id:
            raise NotFound(what="key", identifier=key_id)
        if row.role in {str(r) for r in protected_roles}:
            raise KeyConflict(
                key_id,
                f"key {key_id} has the {row.role} role: it cannot be revoked here; revoke it "
                "with `purdah keys revoke`",
            )
        if row.revoked_at is not None:
            raise KeyConflict(key_id, f"key {key_id} was revoked at {row.revoked_at.isoformat()}")
        if key_id == caller_key_id:
            raise KeyConflict(
                key_id,
                f"key {key_id} is the key making this request: revoking it would lock you out; "
                "revoke it with another Clerk's key, or with `purdah keys revoke`",
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
        return StoredKey.of(row)


def list_keys_of(uow: UnitOfWork, organisation_id: str) -> list[StoredKey]:
    """The organisation's API keys, revoked ones too, oldest first (only hashes are stored)."""
    return list_keys(uow.engine, organisation_id)


def get_key_of(uow: UnitOfWork, organisation_id: str, key_id: str) -> StoredKey:
    """One of the organisation's API keys. Raises NotFound (another organisation's too)."""
    for row in list_keys(uow.engine, organisation_id):
        if row.id == key_id:
            return row
    raise NotFound(what="key", identifier=key_id)
