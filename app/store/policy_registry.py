"""
The policy registry: each organisation's policy file as this process holds it in force.

`create_app` makes one `PolicyRegistry` and passes it to what needs a policy (the snapshot
cache, the routes' `Services`); nothing else holds policies. Per organisation it holds the
file's name, the SHA-256 of its bytes, and either the parsed `Policy` or the problem that
makes the file unusable.

A changed policy file takes effect without a restart. `reload_policies()` looks at every
file (size, modification time and inode first, then the SHA-256 of its bytes); a changed,
valid file is recorded in one write (audited as `policy.reloaded` with the old and new
SHA-256, stored in `organisation.policy_sha256`, periods recomputed, `data_version`
bumped), and only after that commit does it take effect. The server runs it every
`PURDAH_POLICY_CHECK_INTERVAL` seconds; `purdah policy reload` runs it at once. A replica
that rebuilds an organisation after such a bump, and holds another SHA-256 than the one
recorded, reads the file again (`PolicyRegistry.policy_for`).

Fail safe: a file that cannot be read, is invalid, or is another organisation's policy makes
that organisation's decisions fail closed at once (`PolicyUnavailable`: 503 with a deny
body), until the file is fixed. The old policy is never used in its place, and no other
organisation is affected. It is audited as `policy.unreadable`, and `/readyz` names it to a
platform operator.
"""

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, select, update
from sqlmodel import Session, col

from app.domain import Policy
from app.store.errors import PolicyUnavailable
from app.store.policy_files import PolicyFileError, load_policy_text
from app.store.repositories import recompute_periods
from app.store.tables import AuditEventRow, OrganisationRow
from app.store.unit_of_work import Actor, write

__all__ = [
    "POLICY_RELOADED",
    "POLICY_UNREADABLE",
    "PolicyEntry",
    "PolicyRegistry",
    "PolicyReload",
    "reload_policies",
]

log = logging.getLogger(__name__)

POLICY_RELOADED = "policy.reloaded"
POLICY_UNREADABLE = "policy.unreadable"

# (modification time in ns, size, inode): an editor that replaces the file changes the inode
_Stat = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class PolicyEntry:
    """
    One organisation's policy file as read: its policy, or the problem that makes it unusable.

    Attributes:
        policy_file: the file's name in the policy folder.
        sha256: of the file's bytes; None if they could not be read.
        policy: the parsed policy; None if the file is unusable.
        problem: why it is unusable (naming the file, not the folder); None if usable.
        stat: the file's (mtime_ns, size, inode) when read; None if it could not be.
    """

    organisation_id: str
    policy_file: str
    sha256: str | None
    policy: Policy | None
    problem: str | None
    stat: _Stat | None


def _stat(path: Path) -> _Stat | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size, found.st_ino)


class PolicyRegistry:
    """
    Every organisation's policy in force in this process, by organisation id.

    Readers see whole entries: each is replaced by one dictionary assignment, never changed.
    """

    def __init__(self, policy_dir: Path) -> None:
        self._dir = policy_dir
        self._entries: dict[str, PolicyEntry] = {}
        # the unusable files `reload_policies` has reported, as (sha256, problem) by organisation
        self._reported: dict[str, tuple[str | None, str | None]] = {}

    def read(self, organisation_id: str, policy_file: str) -> PolicyEntry:
        """Read and check one file now (nothing is put in force)."""
        path = self._dir / policy_file
        stat = _stat(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            problem = f"{policy_file}: no such file in the policy folder"
            return PolicyEntry(organisation_id, policy_file, None, None, problem, stat)
        except OSError as exc:
            problem = f"{policy_file}: cannot be read: {type(exc).__name__}"
            return PolicyEntry(organisation_id, policy_file, None, None, problem, stat)
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            policy = load_policy_text(data.decode("utf-8"), name=policy_file)
        except UnicodeDecodeError:
            problem = f"{policy_file}: not UTF-8 text"
        except PolicyFileError as exc:
            problem = str(exc)
        else:
            if policy.organisation_id == organisation_id:
                return PolicyEntry(organisation_id, policy_file, sha256, policy, None, stat)
            problem = (
                f"{policy_file}: organisation.id is {policy.organisation_id!r}, "
                f"not {organisation_id!r}"
            )
        return PolicyEntry(organisation_id, policy_file, sha256, None, problem, stat)

    def look(self, organisation_id: str, policy_file: str) -> PolicyEntry:
        """The file as it is now: the entry held if the file's stat is unchanged, else read."""
        held = self._entries.get(organisation_id)
        if (
            held is not None
            and held.policy_file == policy_file
            and _stat(self._dir / policy_file) == held.stat
        ):
            return held
        fresh = self.read(organisation_id, policy_file)
        if held is not None and (held.sha256, held.problem) == (fresh.sha256, fresh.problem):
            return dataclasses.replace(held, stat=fresh.stat)  # touched, not changed
        return fresh

    def entry(self, organisation_id: str) -> PolicyEntry | None:
        """The entry in force, if the file was read."""
        return self._entries.get(organisation_id)

    def put(self, entry: PolicyEntry) -> None:
        """Put an entry in force (callers record a change first: `reload_policies`)."""
        self._entries[entry.organisation_id] = entry

    def policy(self, organisation_id: str) -> Policy:
        """
        The organisation's policy in force.

        Raises:
            PolicyUnavailable: its file is unusable, or was never read.
        """
        entry = self._entries.get(organisation_id)
        if entry is None:
            raise PolicyUnavailable(organisation_id, "its policy file has not been read")
        if entry.policy is None:
            raise PolicyUnavailable(organisation_id, entry.problem or "unusable")
        return entry.policy

    def policy_for(self, row: OrganisationRow) -> Policy:
        """
        The policy to build an organisation's snapshot with (the snapshot cache calls this).

        Reads the file the first time, and again when the SHA-256 recorded in the database
        differs from the one held (another process recorded a reload); a change nobody has
        recorded yet waits for `reload_policies`, which audits it.

        Raises:
            PolicyUnavailable: the file is unusable.
        """
        entry = self._entries.get(row.id)
        if entry is None or entry.policy_file != row.policy_file:
            entry = self.read(row.id, row.policy_file)
            self.put(entry)
        elif row.policy_sha256 is not None and entry.sha256 != row.policy_sha256:
            fresh = self.read(row.id, row.policy_file)
            if fresh.sha256 == row.policy_sha256:
                entry = fresh
                self.put(entry)
        return self.policy(row.id)

    def problems(self) -> dict[str, str]:
        """Each organisation whose policy file is unusable, and why."""
        return {
            org: entry.problem
            for org, entry in list(self._entries.items())
            if entry.problem is not None
        }


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
    engine: Engine,
    registry: PolicyRegistry,
    actor: Actor,
    *,
    now: dt.datetime,
    organisation_ids: Collection[str] | None = None,
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

    Returns:
        The organisations whose policy in force changed, in this registry or in the records.
    """
    statement = select(
        col(OrganisationRow.id),
        col(OrganisationRow.policy_file),
        col(OrganisationRow.policy_sha256),
    ).order_by(col(OrganisationRow.id))
    if organisation_ids is not None:
        statement = statement.where(col(OrganisationRow.id).in_(list(organisation_ids)))
    with Session(engine) as session:
        rows = session.execute(statement).all()
    changes: list[PolicyReload] = []
    firsts: list[PolicyEntry] = []
    for org, policy_file, recorded in rows:
        change = _reload_one(engine, registry, actor, now, org, policy_file, recorded, firsts)
        if change is not None:
            log.warning(
                "policy of %s: %s",
                org,
                change.problem or f"now {change.new_sha256} (was {change.old_sha256})",
            )
            changes.append(change)
    _record_firsts(engine, firsts)
    return changes


def _reload_one(
    engine: Engine,
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
        if registry._reported.get(org) == (found.sha256, found.problem):
            return None
        registry._reported[org] = (found.sha256, found.problem)
        before = in_force or recorded
        audited = _record_unreadable(engine, actor, now, found, before)
        if audited is None:
            registry._reported.pop(org, None)  # try the record again on the next look
        return PolicyReload(org, policy_file, before, found.sha256, found.problem, bool(audited))
    registry._reported.pop(org, None)
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
    recorded_here = _record_reload(engine, actor, now, found, old, recorded)
    if recorded_here is None:
        return None  # another process recorded another file meanwhile: look again next time
    registry.put(found)
    return PolicyReload(org, policy_file, old, found.sha256, None, recorded_here)


def _record_firsts(engine: Engine, firsts: list[PolicyEntry]) -> None:
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
    with engine.begin() as connection:  # one statement, many parameter sets
        connection.execute(
            statement, [{"org": f.organisation_id, "sha256": f.sha256} for f in firsts]
        )


def _record_reload(
    engine: Engine,
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
    with write(engine, org, actor, now=now) as change:
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
    engine: Engine, actor: Actor, now: dt.datetime, found: PolicyEntry, recorded: str | None
) -> bool | None:
    """
    Audit an unusable file, unless the latest policy event says so already.

    Returns:
        True if audited here; False if it was already; None if the write failed.
    """
    org = found.organisation_id
    after = {"policy_file": found.policy_file, "sha256": found.sha256}
    try:
        with write(engine, org, actor, now=now, bump=False) as change:
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
