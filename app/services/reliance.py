"""
Decisions that relied on an override: audit each reliance once, within a key's limit a
minute (see `app.store.reliance` for how "once" and the bound hold across replicas).
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from app.store.reliance import add_reliances, check_limit, reliance_of, unrecorded
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["record_override_use"]


def record_override_use(
    uow: UnitOfWork,
    organisation_id: str,
    actor: Actor,
    uses: Sequence[Mapping[str, Any]],
    *,
    key_id: str,
    limit: int,
    now: dt.datetime,
) -> int:
    """
    Audit the reliances among `uses` not yet recorded (no data_version bump: decisions do
    not change). Returns how many were recorded now.

    Raises:
        OverrideUseLimit: `key_id` would pass `limit` new reliances in a minute; nothing
            is recorded.
    """
    asked = {reliance_of(use): use for use in uses}
    with uow.read() as session:  # a read first: nothing new takes no lock
        fresh = unrecorded(session, organisation_id, asked)
        if not fresh:
            return 0
        check_limit(session, organisation_id, key_id, len(fresh), limit, now)
    with uow.write(organisation_id, actor, now=now, bump=False) as change:
        fresh = unrecorded(change.session, organisation_id, fresh)
        if fresh:
            check_limit(change.session, organisation_id, key_id, len(fresh), limit, now)
        add_reliances(change, fresh, key_id=key_id, now=now)
    return len(fresh)
