"""
The decision snapshots: loaded from the database, held in memory, refreshed on change.

`SnapshotCache.refresh()` reads every organisation's `data_version` (one small query) and
rebuilds only the organisations whose version moved. A background task calls it every
`snapshot_poll_interval`; a write calls it after commit so its own process sees the change
at once. If the database cannot be reached, the last snapshots keep answering until
`snapshot_max_age`, then `snapshot()` raises `SnapshotUnavailable` and decisions fail closed.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select
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
from app.store.errors import SnapshotUnavailable
from app.store.tables import (
    AccountRow,
    ApiKeyRow,
    FeedTokenRow,
    ManualWindowRow,
    OrganisationRow,
    OverrideRow,
    RestrictedPeriodRow,
)

__all__ = ["FeedTokenEntry", "KeyEntry", "SnapshotCache", "load_snapshot"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """An API key as the auth check needs it."""

    key_id: str
    organisation_id: str
    name: str
    role: str
    secret_sha256: str


@dataclass(frozen=True, slots=True)
class FeedTokenEntry:
    """A feed token as the feed needs it: whose feed, and the secret's hash."""

    token_id: str
    organisation_id: str
    account_id: str | None
    secret_sha256: str


def load_snapshot(session: Session, organisation: OrganisationRow, policy: Policy) -> Snapshot:
    """Build one organisation's snapshot from its rows."""
    org = organisation.id
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
        for row in session.execute(
            select(AccountRow).where(col(AccountRow.organisation_id) == org)
        ).scalars()
    ]
    periods = [
        RestrictedPeriod(
            row.election_id,
            row.starts_at,
            row.ends_at,
            row.start_basis,
            row.end_basis,
            row.estimated,
        )
        for row in session.execute(
            select(RestrictedPeriodRow).where(col(RestrictedPeriodRow.organisation_id) == org)
        ).scalars()
    ]
    manual = [
        ManualWindow(
            row.id,
            row.starts_at,
            row.ends_at,
            row.reason,
            frozenset(row.account_ids) if row.account_ids is not None else None,
        )
        for row in session.execute(
            select(ManualWindowRow).where(col(ManualWindowRow.organisation_id) == org)
        ).scalars()
    ]
    overrides = []
    for row in session.execute(
        select(OverrideRow).where(col(OverrideRow.organisation_id) == org)
    ).scalars():
        if row.revoked_at is not None:
            continue
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
            )
        )
    return build_snapshot(
        policy,
        accounts=accounts,
        periods=periods,
        manual_windows=manual,
        overrides=overrides,
        data_version=organisation.data_version,
    )


_VERSIONS = select(col(OrganisationRow.id), col(OrganisationRow.data_version))


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
        self._confirmed_at: float | None = None
        self.last_error: str | None = None

    def refresh(self) -> bool:
        """Reload what changed. Returns False (and keeps the old data) if the database failed."""
        with self._lock:
            try:
                self._refresh()
            except Exception as exc:  # noqa: BLE001 - any failure keeps the old data and fails closed in time
                self.last_error = (
                    f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                )
                log.warning("snapshot refresh failed: %s", self.last_error)
                return False
            self._confirmed_at = self._clock()
            self.last_error = None
            return True

    def _refresh(self) -> None:
        # The common case, nothing changed, costs one small query on a pooled connection.
        with self._engine.connect() as connection:
            rows = connection.execute(_VERSIONS).all()
        versions: dict[str, int] = {org: version for org, version in rows}
        changed = [
            org
            for org, version in versions.items()
            if org not in self._snapshots or self._snapshots[org].data_version != version
        ]
        if not changed and len(versions) == len(self._snapshots):
            return
        with Session(self._engine) as session:
            snapshots = {org: snap for org, snap in self._snapshots.items() if org in versions}
            for org in changed:
                row = session.get(OrganisationRow, org)
                if row is not None:
                    snapshots[org] = load_snapshot(session, row, self._policy_for(row))
            keys = {
                row.id: KeyEntry(row.id, row.organisation_id, row.name, row.role, row.secret_sha256)
                for row in session.execute(
                    select(ApiKeyRow).where(col(ApiKeyRow.revoked_at).is_(None))
                ).scalars()
            }
            tokens = {
                row.id: FeedTokenEntry(
                    row.id, row.organisation_id, row.account_id, row.secret_sha256
                )
                for row in session.execute(
                    select(FeedTokenRow).where(col(FeedTokenRow.revoked_at).is_(None))
                ).scalars()
            }
        self._snapshots = snapshots
        self._keys = keys
        self._feed_tokens = tokens

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
        The organisation's current snapshot.

        Raises:
            SnapshotUnavailable: never loaded, or not confirmed within `max_age`.
        """
        snapshot = self._snapshots.get(organisation_id)
        if snapshot is None or not self.is_fresh():
            raise SnapshotUnavailable(organisation_id, self.age())
        return snapshot

    def key(self, key_id: str) -> KeyEntry | None:
        """An unrevoked key by id."""
        return self._keys.get(key_id)

    def feed_token(self, token_id: str) -> FeedTokenEntry | None:
        """An unrevoked feed token by id."""
        return self._feed_tokens.get(token_id)

    def organisations(self) -> tuple[str, ...]:
        """The organisations held."""
        return tuple(self._snapshots)
