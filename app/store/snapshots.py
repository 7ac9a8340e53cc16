"""
The decision snapshots: loaded from the database, held in memory, refreshed on change.

`SnapshotCache.refresh()` reads every organisation's `data_version` and rebuilds only the
organisations whose version moved. A background task calls it every `snapshot_poll_interval`;
a write calls it after commit so its own process sees the change at once. On PostgreSQL the
poll first asks for one row that changes whenever any version does (`_VERSIONS_DIGEST`), and
reads every version only when it moved, or once a `FULL_POLL_SECONDS` whatever it says: with
10,000 organisations, reading them all every half second took 5% of a worker's core. If the
database cannot be reached, the last snapshots keep answering until `snapshot_max_age`, then
`snapshot()` raises `SnapshotUnavailable` and decisions fail closed.

Each organisation's policy comes from `policy_for` (the app's `PolicyRegistry`). An
organisation whose policy is unusable (`PolicyUnavailable`) has no snapshot: its decisions
fail closed with that error, its keys still authenticate, and every other organisation is
built and answers as usual.

A server starts without building every snapshot (`refresh(defer=True)`): it reads the data
versions and the keys, and each organisation is pending until `build_pending` (a background
task, in batches) or the first request that needs it (`snapshot`, built on demand: one
council costs milliseconds) builds it. A pending organisation answers exactly as a built
one would, or fails closed if its snapshot cannot be built; parsing 10,000 policy files is
kept off the path to ready.
"""

import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, String, cast, func, select
from sqlmodel import Session, col

from app.domain import (
    Account,
    AccountKind,
    AccountStatus,
    Category,
    ManualWindow,
    Override,
    Policy,
    RestrictedPeriod,
    Snapshot,
    build_snapshot,
)
from app.domain.approvals import Approval
from app.domain.screening import Screener
from app.store.candidates import STANDING
from app.store.candidates import to_domain as candidate_of
from app.store.errors import PolicyUnavailable, SnapshotUnavailable
from app.store.parties import shipped_parties
from app.store.tables import (
    AccountRow,
    ApiKeyRow,
    ApprovalRequestRow,
    CandidateRow,
    FeedTokenRow,
    ManualWindowRow,
    OrganisationRow,
    OverrideRow,
    RestrictedPeriodRow,
)

# The status the snapshot reads (app.services.requests sets it).
REQUEST_APPROVED = "approved"

__all__ = [
    "REQUEST_APPROVED",
    "FeedTokenEntry",
    "KeyEntry",
    "SnapshotCache",
    "load_snapshot",
    "load_snapshots",
    "manual_window_of",
    "period_of",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """An API key as the auth check needs it."""

    key_id: str
    organisation_id: str
    name: str
    role: str
    secret_sha256: str
    person: str | None = None


@dataclass(frozen=True, slots=True)
class FeedTokenEntry:
    """A feed token as the feed needs it: whose feed, and the secret's hash."""

    token_id: str
    organisation_id: str
    account_id: str | None
    secret_sha256: str


# Beyond this many organisations to load, whole tables are read once instead of filtered.
_WHOLE_TABLES = 200
# Up to this many changed organisations are replaced in place rather than by copying all.
_IN_PLACE = 50


def _credentials(
    session: Session, changed: list[str]
) -> tuple[dict[str, dict[str, KeyEntry]], dict[str, dict[str, FeedTokenEntry]]]:
    """The unrevoked API keys and feed tokens of `changed`, by organisation and id."""
    keys: dict[str, dict[str, KeyEntry]] = defaultdict(dict)
    for row in _grouped_rows(session, ApiKeyRow, changed):
        keys[row.organisation_id][row.id] = KeyEntry(
            row.id, row.organisation_id, row.name, row.role, row.secret_sha256, row.person
        )
    tokens: dict[str, dict[str, FeedTokenEntry]] = defaultdict(dict)
    for row in _grouped_rows(session, FeedTokenRow, changed):
        tokens[row.organisation_id][row.id] = FeedTokenEntry(
            row.id, row.organisation_id, row.account_id, row.secret_sha256
        )
    return keys, tokens


def _index(entries: dict[str, Any]) -> dict[str, set[str]]:
    ids: dict[str, set[str]] = defaultdict(set)
    for entry_id, entry in entries.items():
        ids[entry.organisation_id].add(entry_id)
    return dict(ids)


def _replace_entries(
    entries: dict[str, Any], ids: dict[str, set[str]], org: str, live: dict[str, Any]
) -> None:
    """Make `entries` hold exactly `live` for `org`, one assignment or deletion at a time."""
    entries.update(live)
    for gone in ids.get(org, set()) - live.keys():
        entries.pop(gone, None)
    ids[org] = set(live)


def _grouped_rows(session: Session, table: Any, ids: list[str]) -> Iterable[Any]:
    """
    A table's rows for `ids` (the whole table for many; callers pick what they need).

    Plain rows (attribute access by column name, types converted), not ORM objects: the
    snapshot only reads them, and building ORM instances was most of a full build's time.
    A revoked override, key or token plays no part, so it is not read.
    """
    columns = table.__table__.columns
    statement = select(*columns)
    if "revoked_at" in columns:
        statement = statement.where(columns.revoked_at.is_(None))
    if table is CandidateRow:  # a withdrawn candidate is screened for no more
        statement = statement.where(columns.status == STANDING)
    if table is ApprovalRequestRow:  # only an approval allows a post; its text is not read
        statement = select(*(c for c in columns if c.name != "text")).where(
            columns.status == REQUEST_APPROVED
        )
        if len(ids) <= _WHOLE_TABLES:
            statement = statement.where(columns.organisation_id.in_(ids))
    if len(ids) <= _WHOLE_TABLES:
        statement = statement.where(columns.organisation_id.in_(ids))
    return session.execute(statement)


def _grouped(session: Session, table: Any, ids: list[str]) -> dict[str, list[Any]]:
    """Rows of a table by organisation (see `_grouped_rows`)."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in _grouped_rows(session, table, ids):
        grouped[row.organisation_id].append(row)
    return grouped


def load_snapshots(
    session: Session,
    organisations: Sequence[OrganisationRow],
    policy_for: Callable[[OrganisationRow], Policy],
    *,
    register: list[Screener] | None = None,
) -> dict[str, Snapshot]:
    """
    Build the snapshots of several organisations, reading each table once.

    Organisations that screen posts for the party register alone (no candidates, no wards,
    no parties of their own) share one Screener: building the register's automaton again for
    each of 10,000 councils was two thirds of a worker's start. `register` holds it across
    calls (`SnapshotCache` keeps one, so a council rebuilt after a write does not build it
    again: it was half of that rebuild); without it, each call builds its own.
    """
    ids = [o.id for o in organisations]
    accounts = _grouped(session, AccountRow, ids)
    periods = _grouped(session, RestrictedPeriodRow, ids)
    manual = _grouped(session, ManualWindowRow, ids)
    overrides = _grouped(session, OverrideRow, ids)
    candidates = _grouped(session, CandidateRow, ids)
    approvals = _grouped(session, ApprovalRequestRow, ids)
    register = [] if register is None else register  # the register's screener, once needed

    def screener(policy: Policy, candidate_rows: list[CandidateRow]) -> Screener | None:
        if candidate_rows or policy.parties or policy.wards:
            return None
        if not register:
            register.append(Screener((), shipped_parties()))
        return register[0]

    built: dict[str, Snapshot] = {}
    for organisation in organisations:
        policy = policy_for(organisation)
        built[organisation.id] = _build(
            organisation,
            policy,
            accounts[organisation.id],
            periods[organisation.id],
            manual[organisation.id],
            overrides[organisation.id],
            candidates[organisation.id],
            approvals[organisation.id],
            screener(policy, candidates[organisation.id]),
        )
    return built


def load_snapshot(session: Session, organisation: OrganisationRow, policy: Policy) -> Snapshot:
    """Build one organisation's snapshot from its rows."""
    return load_snapshots(session, [organisation], lambda _: policy)[organisation.id]


def period_of(row: RestrictedPeriodRow) -> RestrictedPeriod:
    """The domain's view of a stored restricted period."""
    return RestrictedPeriod(
        row.election_id, row.starts_at, row.ends_at, row.start_basis, row.end_basis, row.estimated
    )


def manual_window_of(row: ManualWindowRow) -> ManualWindow:
    """The domain's view of a stored manual window (`account_ids` None: every account)."""
    return ManualWindow(
        row.id,
        row.starts_at,
        row.ends_at,
        row.reason,
        frozenset(row.account_ids) if row.account_ids is not None else None,
    )


def _build(
    organisation: OrganisationRow,
    policy: Policy,
    account_rows: list[AccountRow],
    period_rows: list[RestrictedPeriodRow],
    manual_rows: list[ManualWindowRow],
    override_rows: list[OverrideRow],
    candidate_rows: list[CandidateRow],
    approval_rows: list[ApprovalRequestRow],
    screener: Screener | None,
) -> Snapshot:
    accounts = [
        Account(
            account_id=row.id,
            platform=row.platform,
            name=row.name,
            kind=AccountKind(row.kind),
            status=AccountStatus(row.status),
            handle=row.handle,
            url=row.url,
        )
        for row in account_rows
    ]
    periods = [period_of(row) for row in period_rows]
    manual = [manual_window_of(row) for row in manual_rows]
    overrides = []
    for row in override_rows:  # unrevoked only: revoked rows are not read
        if policy.override_needs_second_clerk and row.confirmed_at is None:
            continue
        overrides.append(
            Override(
                row.id,
                row.account_id,
                row.starts_at,
                row.ends_at,
                row.reason,
                frozenset(Category(c) for c in row.categories)
                if row.categories is not None
                else None,
                frozenset(row.anchors or ()),
            )
        )
    return build_snapshot(
        policy,
        accounts=accounts,
        periods=periods,
        manual_windows=manual,
        overrides=overrides,
        data_version=organisation.data_version,
        candidates=[candidate_of(row) for row in candidate_rows],
        approvals=[a for a in map(approval_of, approval_rows) if a is not None],
        parties=shipped_parties(),
        screener=screener,
    )


def approval_of(row: ApprovalRequestRow) -> Approval | None:
    """The domain's view of an approved request; None if it has no times (it allows nothing)."""
    if row.not_before is None or row.not_after is None:
        return None
    return Approval(
        request_id=row.id,
        account_id=row.account_id,
        category=row.category,
        text_sha256=row.text_sha256,
        not_before=row.not_before,
        not_after=row.not_after,
        anchors=frozenset(row.anchors or ()),
        approved_by=row.decided_by or "",
    )


_VERSIONS = select(col(OrganisationRow.id), col(OrganisationRow.data_version))
# One row for every organisation's version (PostgreSQL): how many, and the sum of a 64-bit
# hash of each "id:version" (a version is the digits after the last colon, so each term names
# one organisation at one version). A version that moves changes the sum but with odds of
# 2**-64, and `FULL_POLL_SECONDS` bounds even that.
_VERSIONS_DIGEST = select(
    func.count(),
    func.coalesce(
        func.sum(
            func.hashtextextended(
                col(OrganisationRow.id) + ":" + cast(col(OrganisationRow.data_version), String), 0
            )
        ),
        0,
    ),
).select_from(OrganisationRow)
# The longest the poll trusts the digest without reading every version.
FULL_POLL_SECONDS = 60.0


def _versions_digest(connection: Connection) -> tuple[object, ...] | None:
    """`_VERSIONS_DIGEST` on PostgreSQL; None elsewhere (SQLite reads every version)."""
    if connection.dialect.name != "postgresql":
        return None
    return tuple(connection.execute(_VERSIONS_DIGEST).one())


class SnapshotCache:
    """
    Every organisation's snapshot and the API keys, in memory, for one process.

    Thread-safe: refreshes are serialised by a lock; readers see whole dictionaries that are
    replaced, never mutated.
    """

    def __init__(
        self,
        engine: Engine,
        policy_for: Callable[[OrganisationRow], Policy],
        *,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._policy_for = policy_for
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshots: dict[str, Snapshot] = {}
        self._keys: dict[str, KeyEntry] = {}
        self._feed_tokens: dict[str, FeedTokenEntry] = {}
        # each organisation's key and token ids, for replacing one organisation's in place
        self._key_ids: dict[str, set[str]] = {}
        self._token_ids: dict[str, set[str]] = {}
        # organisations whose policy is unusable: (data_version, why), for /readyz and refresh
        self._unusable: dict[str, tuple[int, str]] = {}
        # the party register's screener, built once for every council that needs no other
        self._register: list[Screener] = []
        # organisations not built yet, with the data_version their keys were read at
        self._pending: dict[str, int] = {}
        self._confirmed_at: float | None = None
        # the versions' digest when every version was last read and acted on, and when
        self._digest: tuple[object, ...] | None = None
        self._full_at = -math.inf
        self.last_error: str | None = None
        # snapshots asked for (roughly: not counted under the lock), so that the background
        # build can tell whether requests are being answered and yield to them
        self.asked = 0

    def refresh(self, organisation_id: str | None = None, *, defer: bool = False) -> bool:
        """
        Reload what changed. Returns False (and keeps the old data) if the database failed.

        Args:
            organisation_id: reload only this organisation (after its own write, so the cost
                does not grow with the number of organisations); the background poll still
                checks every organisation. A pending one is built.
            defer: leave the organisations not built yet pending (their keys are read):
                `build_pending` or their first request builds them. A server's start.
        """
        with self._lock:
            try:
                if organisation_id is not None:
                    held = self._snapshots.keys() | self._pending.keys()
                    self._reload([organisation_id], held | {organisation_id})
                    self.last_error = None
                    return True
                self._refresh(defer=defer)
            except Exception as exc:  # noqa: BLE001 - any failure keeps the old data and fails closed in time
                self.last_error = (
                    f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                )
                log.warning("snapshot refresh failed: %s", self.last_error)
                return False
            self._confirmed_at = self._clock()
            self.last_error = None
            return True

    def _refresh(self, *, defer: bool = False) -> None:
        # The common case, nothing changed, costs one small query on a pooled connection.
        with self._engine.connect() as connection:
            # read before the versions: a write between the two makes the next poll read
            # them again, never skip one
            digest = _versions_digest(connection)
            began = self._clock()
            if (
                digest is not None
                and digest == self._digest
                and began - self._full_at < FULL_POLL_SECONDS
            ):
                return
            rows = connection.execute(_VERSIONS).all()
        versions: dict[str, int] = dict(rows)
        snapshots, unusable, pending = self._snapshots, self._unusable, self._pending
        changed = [
            org
            for org, version in versions.items()
            if (org not in snapshots or snapshots[org].data_version != version)
            and unusable.get(org, (None,))[0] != version
            and pending.get(org) != version
        ]
        if changed or len(versions) != len(snapshots) + len(unusable) + len(pending):
            self._reload(changed, versions.keys(), versions=versions, defer=defer)
        # only once acted on: a reload that failed leaves the next poll reading them all
        self._digest, self._full_at = digest, began

    def _build(self, session: Session, organisations: list[OrganisationRow]) -> dict[str, Snapshot]:
        """The snapshots of `organisations` whose policy is usable; the others are noted."""
        policies: dict[str, Policy] = {}
        for row in organisations:
            try:
                policies[row.id] = self._policy_for(row)
            except PolicyUnavailable as exc:
                self._unusable[row.id] = (row.data_version, exc.problem)
            else:
                self._unusable.pop(row.id, None)
        usable = [row for row in organisations if row.id in policies]
        return load_snapshots(
            session, usable, lambda row: policies[row.id], register=self._register
        )

    def _reload(
        self,
        changed: list[str],
        present: Iterable[str],
        *,
        versions: dict[str, int] | None = None,
        defer: bool = False,
    ) -> None:
        """
        Rebuild the snapshots, keys and feed tokens of `changed`; drop what is not `present`.

        With `versions` (the poll's), an organisation still pending stays pending (its keys
        are read again), and with `defer` so does one not built yet.
        """
        present = set(present)
        pending: dict[str, int] = {}
        if versions is not None:
            pending = {
                org: version
                for org, version in self._pending.items()
                if org in present and version == versions[org]
            }
            for org in changed:
                if org in self._pending or (
                    defer and org not in self._snapshots and org not in self._unusable
                ):
                    pending[org] = versions[org]
        if (
            len(changed) <= _IN_PLACE
            and not any(org in pending for org in changed)
            and present >= self._snapshots.keys() | self._pending.keys()
        ):
            self._reload_in_place(changed)
            return
        with Session(self._engine) as session:
            wanted = {org for org in changed if org not in pending}
            snapshots = {
                org: snap
                for org, snap in self._snapshots.items()
                if org in present and org not in wanted
            }
            if wanted:
                statement = select(OrganisationRow)
                if len(wanted) <= _WHOLE_TABLES:
                    statement = statement.where(col(OrganisationRow.id).in_(wanted))
                organisations: list[OrganisationRow] = [
                    row for row in session.execute(statement).scalars() if row.id in wanted
                ]
                snapshots.update(self._build(session, organisations))
            keys, tokens = _credentials(session, changed)
        # keys and feed tokens are reloaded for the organisations that changed only
        gone = set(changed) | ((self._snapshots.keys() | self._pending.keys()) - present)
        new_keys = {k: e for k, e in self._keys.items() if e.organisation_id not in gone}
        new_tokens = {k: e for k, e in self._feed_tokens.items() if e.organisation_id not in gone}
        for org in changed:
            new_keys.update(keys.get(org, {}))
            new_tokens.update(tokens.get(org, {}))
        for org in set(self._unusable) - present:
            self._unusable.pop(org, None)
        if versions is None:  # those built here are pending no more
            pending = {
                org: version
                for org, version in self._pending.items()
                if org in present and org not in wanted
            }
        # a reader finds each organisation built or pending, never neither: both, then one
        self._pending = {**self._pending, **pending}
        self._snapshots = snapshots
        self._pending = pending
        self._keys = new_keys
        self._feed_tokens = new_tokens
        self._key_ids = _index(new_keys)
        self._token_ids = _index(new_tokens)

    def _reload_in_place(self, changed: list[str]) -> None:
        """
        Rebuild a few organisations without copying everyone else's entries.

        A write to one council must cost what that council holds, not what the deployment
        holds (copying 10,000 councils' snapshots and keys took milliseconds). Each entry is
        replaced by one dictionary assignment, which readers see whole (the GIL makes it
        atomic): the old snapshot answers until the new one is in. A key or token is removed
        only if it is gone or revoked, so an unchanged one is never missing, even briefly.
        """
        with Session(self._engine) as session:
            organisations = list(
                session.execute(
                    select(OrganisationRow).where(col(OrganisationRow.id).in_(changed))
                ).scalars()
            )
            built = self._build(session, organisations)
            keys, tokens = _credentials(session, changed)
        for org in changed:
            if org in built:
                self._snapshots[org] = built[org]
            else:
                self._snapshots.pop(org, None)
                if org not in {row.id for row in organisations}:
                    self._unusable.pop(org, None)
            _replace_entries(self._keys, self._key_ids, org, keys.get(org, {}))
            _replace_entries(self._feed_tokens, self._token_ids, org, tokens.get(org, {}))
            self._pending.pop(org, None)  # after its snapshot is in: never in neither

    def build_pending(self, limit: int) -> int:
        """
        Build up to `limit` pending organisations (the background build at start).

        Returns how many are still pending. A database failure leaves them pending (their
        requests build them, or fail closed) and is raised.
        """
        with self._lock:
            batch = list(self._pending)[:limit]
            if batch:
                self._reload_in_place(batch)
            return len(self._pending)

    def pending(self) -> int:
        """How many organisations are not built yet (each is built by its first request)."""
        return len(self._pending)

    def _build_now(self, organisation_id: str) -> Snapshot | None:
        """Build a pending organisation's snapshot for the request that needs it."""
        with self._lock:
            if organisation_id in self._pending:
                try:
                    self._reload_in_place([organisation_id])
                except Exception as exc:  # noqa: BLE001 - it stays pending; this request fails closed
                    log.warning(
                        "could not build the snapshot of %s: %s",
                        organisation_id,
                        type(exc).__name__,
                    )
        return self._snapshots.get(organisation_id)

    def age(self) -> float | None:
        """Seconds since the database last confirmed the snapshots, or None if never."""
        if self._confirmed_at is None:
            return None
        return self._clock() - self._confirmed_at

    def is_fresh(self) -> bool:
        """Whether decisions may be answered (confirmed within `max_age`)."""
        age = self.age()
        return age is not None and age <= self._max_age

    def snapshot(self, organisation_id: str) -> Snapshot:
        """
        The organisation's current snapshot; one still pending is built now (under the lock:
        a request may wait for a background batch, tens of milliseconds).

        Raises:
            PolicyUnavailable: its policy file is unusable (a `SnapshotUnavailable`).
            SnapshotUnavailable: never loaded, or not confirmed within `max_age`.
        """
        self.asked += 1
        snapshot = self._snapshots.get(organisation_id)
        if snapshot is None and organisation_id in self._pending and self.is_fresh():
            snapshot = self._build_now(organisation_id)
        if snapshot is None or not self.is_fresh():
            unusable = self._unusable.get(organisation_id)
            if unusable is not None:
                raise PolicyUnavailable(organisation_id, unusable[1])
            raise SnapshotUnavailable(organisation_id, self.age())
        return snapshot

    def key(self, key_id: str) -> KeyEntry | None:
        """An unrevoked key by id."""
        return self._keys.get(key_id)

    def feed_token(self, token_id: str) -> FeedTokenEntry | None:
        """An unrevoked feed token by id."""
        return self._feed_tokens.get(token_id)

    def ensure(self, organisation_id: str) -> None:
        """Build the organisation's snapshot now if it is pending (its policy is read then)."""
        if organisation_id in self._pending:
            self._build_now(organisation_id)

    def organisations(self) -> tuple[str, ...]:
        """
        The organisations held, built or pending (not those whose policy is known unusable:
        a pending one may yet turn out so when it is built).
        """
        return tuple(dict.fromkeys((*self._snapshots, *self._pending)))

    def policy_problems(self) -> dict[str, str]:
        """Each organisation whose decisions fail closed because its policy is unusable, and why."""
        return {org: why for org, (_version, why) in dict(self._unusable).items()}
