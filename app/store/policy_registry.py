"""
The policy registry: each organisation's policy file as this process holds it in force.

`create_app` makes one `PolicyRegistry` and passes it to what needs a policy (the snapshot
cache, the routes' `Services`); nothing else holds policies. Per organisation it holds the
file's name, the SHA-256 of its bytes, and either the parsed `Policy` or the problem that
makes the file unusable.

A changed policy file takes effect without a restart. `app.services.policies.reload_policies`
looks at every
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
import hashlib
from dataclasses import dataclass
from pathlib import Path

from app.domain import Policy
from app.store.errors import PolicyUnavailable
from app.store.policy_files import PolicyFileError, load_policy_text
from app.store.tables import OrganisationRow

__all__ = ["PolicyEntry", "PolicyRegistry"]

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
        # files found to hold the recorded bytes without being parsed: (file, stat, sha256)
        self._hashed: dict[str, tuple[str, _Stat, str]] = {}

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

    def holds_recorded(self, organisation_id: str, policy_file: str, sha256: str) -> bool:
        """
        Whether the file's bytes have the SHA-256 recorded for the organisation, without
        parsing them (hashed once, then checked by stat). A recorded SHA-256 is always a
        valid file's, so such a file needs no reading until the organisation's snapshot is
        built (`policy_for`): a server with 10,000 councils does not parse 10,000 files to
        learn that none changed while it was down.
        """
        path = self._dir / policy_file
        stat = _stat(path)
        if stat is None:
            return False
        if self._hashed.get(organisation_id) == (policy_file, stat, sha256):
            return True
        try:
            data = path.read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != sha256 or _stat(path) != stat:
            return False
        self._hashed[organisation_id] = (policy_file, stat, sha256)
        return True

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

    def reported(self, organisation_id: str) -> tuple[str | None, str | None] | None:
        """The unusable file last reported for the organisation, as (sha256, problem)."""
        return self._reported.get(organisation_id)

    def set_reported(
        self, organisation_id: str, seen: tuple[str | None, str | None] | None
    ) -> None:
        """Remember (or, with None, forget) the unusable file reported for the organisation."""
        if seen is None:
            self._reported.pop(organisation_id, None)
        else:
            self._reported[organisation_id] = seen

    def entry(self, organisation_id: str) -> PolicyEntry | None:
        """The entry in force, if the file was read."""
        return self._entries.get(organisation_id)

    def put(self, entry: PolicyEntry) -> None:
        """Put an entry in force (callers record a change first: `services.policies`)."""
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
