"""
Policy files put in force without a restart, each change audited (`purdah policy reload`,
and the server every `PURDAH_POLICY_CHECK_INTERVAL` seconds).

The registry (`app.store.policy_registry.PolicyRegistry`) holds what this process has in
force; this module decides what a changed file means and records it: a valid change is one
write (audited `policy.reloaded`, periods recomputed, `data_version` bumped, the snapshot
refreshed after commit by the unit of work); an unusable file fails its organisation closed
at once and is audited `policy.unreadable`, once.
"""

import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col

from app.store.errors import NotFound
from app.store.policy_registry import PolicyEntry, PolicyRegistry
from app.store.repositories import recompute_periods
from app.store.tables import AuditEventRow, OrganisationRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["POLICY_RELOADED", "POLICY_UNREADABLE", "PolicyReload", "reload_policies"]

log = logging.getLogger(__name__)

POLICY_RELOADED = "policy.reloaded"
POLICY_UNREADABLE = "policy.unreadable"


@dataclass(frozen=True, slots=True)
class PolicyReload:
    """
    One organisation whose policy in force changed.

    Attributes:
        old_sha256, new_sha256: of the file before and now (None: unknown, or unreadable).
        problem: None if the new file is in force; else why it is unusable, and the
            organisation's decisions fail closed until it is fixed.
        audited: whether this call wrote the audit event (False: another process had
            recorded it already).
    """

    organisation_id: str
    policy_file: str
    old_sha256: str | None
    new_sha256: str | None
    problem: str | None
    audited: bool


def reload_policies(
    uow: UnitOfWork,
    registry: PolicyRegistry,
    actor: Actor,
    *,
    now: dt.datetime,
    organisation_ids: Collection[str] | None = None,
    read_unread: bool = True,
) -> list[PolicyReload]:
    """
    Look at each organisation's policy file and put a changed one in force, audited.

    `purdah policy reload [ORGANISATION ...]` is this with a registry of its own (`PolicyRegistry
    (settings.policy_dir)`) and `Actor("purdah policy reload", "operator")`; it prints what
    this returns (nothing: no file changed) and exits 1 if any `problem` is set. Running
    servers take the change on their next rebuild of that organisation, which the write's
    `data_version` bump causes. The server itself calls this every
    `PURDAH_POLICY_CHECK_INTERVAL` seconds and refreshes the snapshot of each organisation
    returned.

    For each organisation:
    - a valid file whose SHA-256 differs from the one recorded is recorded in one write:
      audit event `policy.reloaded` (before and after: the file and its SHA-256), the new
      SHA-256 in `organisation.policy_sha256`, restricted periods recomputed under its
      rules, `data_version` bumped; then it is in force here.
    - an unusable file is in force at once: the organisation's decisions fail closed (never
      the old policy in its place). Audited as `policy.unreadable`, once: not again while the
      organisation's latest policy event says the same. A file fixed back to the recorded
      SHA-256 is audited as `policy.reloaded`.
    - a valid file nobody has recorded yet (an organisation from before 0.4.0, or one just
      added) is recorded without an audit event: nothing changed.

    Args:
        organisation_ids: only these organisations (default: every one).
        read_unread: False leaves a file this registry has not read yet to the building of
            its organisation's snapshot (`PolicyRegistry.policy_for`), unless its bytes
            differ from the recorded ones: a server holding 10,000 councils does not parse
            10,000 files at start to learn that none changed. Such a file is recorded or
            audited on the first look after it is read.

    Returns:
        The organisations whose policy in force changed, in this registry or in the records.

    Raises:
        NotFound: an organisation named is not one this deployment serves (nothing reloaded).
    """
    statement = select(
        col(OrganisationRow.id),
        col(OrganisationRow.policy_file),
        col(OrganisationRow.policy_sha256),
    ).order_by(col(OrganisationRow.id))
    if organisation_ids is not None:
        statement = statement.where(col(OrganisationRow.id).in_(list(organisation_ids)))
    with uow.read() as session:
        rows = session.execute(statement).all()
    unknown = sorted(set(organisation_ids or ()) - {org for org, _, _ in rows})
    if unknown:
        raise NotFound(what="organisation", identifier=", ".join(unknown))
    changes: list[PolicyReload] = []
    firsts: list[PolicyEntry] = []
    for org, policy_file, recorded in rows:
        if (
            not read_unread
            and registry.entry(org) is None
            and (recorded is None or registry.holds_recorded(org, policy_file, recorded))
        ):
            continue  # not read here yet, and not changed since it was recorded
        change = _reload_one(uow, registry, actor, now, org, policy_file, recorded, firsts)
        if change is not None:
            log.warning(
                "policy of %s: %s",
                org,
                change.problem or f"now {change.new_sha256} (was {change.old_sha256})",
            )
            changes.append(change)
    _record_firsts(uow, firsts)
    return changes


def _reload_one(
    uow: UnitOfWork,
    registry: PolicyRegistry,
    actor: Actor,
    now: dt.datetime,
    org: str,
    policy_file: str,
    recorded: str | None,
    firsts: list[PolicyEntry],
) -> PolicyReload | None:
    held = registry.entry(org)
    found = registry.look(org, policy_file)
    in_force = held.sha256 if held is not None and held.policy is not None else None
    if found.policy is None:
        registry.put(found)  # fail closed first; the record can wait for the database
        if registry.reported(org) == (found.sha256, found.problem):
            return None
        registry.set_reported(org, (found.sha256, found.problem))
        before = in_force or recorded
        audited = _record_unreadable(uow, actor, now, found, before)
        if audited is None:
            registry.set_reported(org, None)  # try the record again on the next look
        return PolicyReload(org, policy_file, before, found.sha256, found.problem, bool(audited))
    registry.set_reported(org, None)
    old: str | None
    if recorded is None and in_force not in (None, found.sha256):
        old = in_force  # changed here before anyone recorded it
    elif recorded is None:  # nobody recorded a file yet: this one is the first, no change
        firsts.append(found)
        old = found.sha256
    else:
        old = recorded
    if old == found.sha256 and (held is None or held.policy is not None):
        registry.put(found)  # first read, touched only, or recorded by another process
        if held is None or held.sha256 == found.sha256:
            return None
        return PolicyReload(org, policy_file, held.sha256, found.sha256, None, audited=False)
    recorded_here = _record_reload(uow, actor, now, found, old, recorded)
    if recorded_here is None:
        return None  # another process recorded another file meanwhile: look again next time
    registry.put(found)
    return PolicyReload(org, policy_file, old, found.sha256, None, recorded_here)


def _record_firsts(uow: UnitOfWork, firsts: list[PolicyEntry]) -> None:
    """
    Record the SHA-256 of files nobody recorded yet (no change: no audit event, no bump).

    One transaction for all: a deployment's first start records every council's file.
    """
    if not firsts:
        return
    table = OrganisationRow.__table__.c  # type: ignore[attr-defined]
    statement = (
        update(OrganisationRow)
        .where(table.id == bindparam("org"), table.policy_sha256.is_(None))
        .values(policy_sha256=bindparam("sha256"))
    )
    with uow.engine.begin() as connection:  # one statement, many parameter sets
        connection.execute(
            statement, [{"org": f.organisation_id, "sha256": f.sha256} for f in firsts]
        )


def _record_reload(
    uow: UnitOfWork,
    actor: Actor,
    now: dt.datetime,
    found: PolicyEntry,
    old: str | None,
    recorded: str | None,
) -> bool | None:
    """
    Audit and record a valid file in force.

    Returns:
        True if this call recorded it; False if another process had; None if another
        process recorded a different file meanwhile (then it must not be put in force).
    """
    assert found.policy is not None  # noqa: S101 - only valid files are recorded
    org = found.organisation_id
    with uow.write(org, actor, now=now) as change:
        current = change.session.execute(
            select(col(OrganisationRow.policy_sha256)).where(col(OrganisationRow.id) == org)
        ).scalar_one()
        latest = _latest_policy_event(change.session, org)
        restored = latest is not None and latest[0] == POLICY_UNREADABLE
        if current == found.sha256 and not restored:
            return False
        if current != recorded:
            return None
        change.audit(
            POLICY_RELOADED,
            found.policy_file,
            reason="readable again" if old == found.sha256 else None,
            before={"policy_file": found.policy_file, "sha256": old},
            after={"policy_file": found.policy_file, "sha256": found.sha256},
        )
        change.session.execute(
            update(OrganisationRow)
            .where(col(OrganisationRow.id) == org)
            .values(policy_sha256=found.sha256)
        )
        recompute_periods(change, found.policy)
    return True


def _record_unreadable(
    uow: UnitOfWork, actor: Actor, now: dt.datetime, found: PolicyEntry, recorded: str | None
) -> bool | None:
    """
    Audit an unusable file, unless the latest policy event says so already.

    Returns:
        True if audited here; False if it was already; None if the write failed.
    """
    org = found.organisation_id
    after = {"policy_file": found.policy_file, "sha256": found.sha256}
    try:
        with uow.write(org, actor, now=now, bump=False) as change:
            if _latest_policy_event(change.session, org) == (POLICY_UNREADABLE, after):
                return False
            change.audit(
                POLICY_UNREADABLE,
                found.policy_file,
                reason=found.problem,
                before={"policy_file": found.policy_file, "sha256": recorded},
                after=after,
            )
    except Exception:  # the organisation fails closed either way; the log says so
        log.warning("could not audit the unusable policy of %s", org, exc_info=True)
        return None
    return True


def _latest_policy_event(session: Session, org: str) -> tuple[str, Any] | None:
    row = session.execute(
        select(col(AuditEventRow.action), col(AuditEventRow.after))
        .where(
            col(AuditEventRow.organisation_id) == org,
            col(AuditEventRow.action).in_((POLICY_RELOADED, POLICY_UNREADABLE)),
        )
        .order_by(col(AuditEventRow.seq).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None
