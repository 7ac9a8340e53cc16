"""
The rules an override must meet: bounded, reasoned, anchored to a restriction, and never
for a category no override can permit.

Source: the policy's override clause (its longest duration, a second Clerk where it asks for
one); Local Government Act 1986 s. 2 for the never-permitted categories.
"""

import datetime as dt
from collections.abc import Sequence

from app.domain.changes import require_text
from app.domain.decision import ReasonCode, Snapshot
from app.domain.errors import InvalidChange, NotFound
from app.domain.policy import Category, Policy
from app.domain.requests import key_holder, key_of

__all__ = ["check_confirm", "check_grant", "check_revoke"]


def check_grant(
    policy: Policy,
    snapshot: Snapshot,
    *,
    account_id: str | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    categories: Sequence[Category] | None,
    reason: str,
    now: dt.datetime,
) -> frozenset[str]:
    """
    Check an override before it is granted; returns the restrictions it is anchored to
    (`Snapshot.restrictions_overlapping`), the only ones it may lift.

    Raises:
        InvalidChange: the override is unbounded or longer than the policy allows, does not
            overlap a restriction window, names a never-permitted category (the policy's
            clause, Local Government Act 1986 s. 2), or has no reason.
        NotFound: the account is not the organisation's.
    """
    if ends_at <= starts_at:
        raise InvalidChange(field="ends_at", problem="must be after starts_at")
    if ends_at <= now:
        raise InvalidChange(
            field="ends_at", problem="the override would end before now, so it could allow nothing"
        )
    if ends_at - starts_at > policy.max_override:
        raise InvalidChange(
            field="ends_at",
            problem=f"an override may last at most {policy.max_override.days} days under the policy",
        )
    require_text(reason, field="reason", problem="an override needs a written reason")
    if categories is not None and not categories:
        raise InvalidChange(
            field="categories",
            problem="name at least one category, or send null for every category",
        )
    never = sorted(set(categories or ()) & policy.never_permitted)
    if never:
        cited = policy.cite(ReasonCode.NEVER_PERMITTED_CATEGORY)
        raise InvalidChange(
            field="categories",
            problem=(
                f"{', '.join(never)} can never be published on an official account ("
                f"{'; '.join(filter(None, [cited, 'Local Government Act 1986 s. 2']))}): "
                "no override can permit it"
            ),
        )
    if account_id is not None and account_id not in snapshot.accounts:
        raise NotFound(what="account", identifier=account_id)
    anchors = snapshot.restrictions_overlapping(account_id, starts_at, ends_at)
    if not anchors:
        raise InvalidChange(
            field="starts_at",
            problem="the override does not overlap any restriction window: outside windows nothing needs one",
        )
    return anchors


def check_confirm(
    override_id: str,
    *,
    granted_by: str,
    confirmed: bool,
    revoked: bool,
    confirming_clerk: str,
    confirming_key: str | None = None,
) -> None:
    """
    A second Clerk confirms an override, where the policy requires it (no self-approval).

    Args:
        granted_by: the actor who granted it, `Name (key id)`.
        confirming_key: the key id of the Clerk confirming. In the console two people may
            sign in with one key under different names: the key, not the name, is checked
            first (as `requests.check_approver` does).

    Raises:
        InvalidChange: confirmed already, revoked, or by the key that granted it, or by the
            Clerk who granted it (with any key of theirs: `requests.key_holder`).
    """
    if revoked:
        raise InvalidChange(field="override_id", problem=f"{override_id} was revoked")
    if confirmed:
        raise InvalidChange(field="override_id", problem=f"{override_id} is confirmed already")
    if confirming_key is not None and key_of(granted_by) == confirming_key:
        raise InvalidChange(
            field="override_id",
            problem="the key that granted an override cannot confirm it, whoever signs in "
            "with it: a second Clerk must, with their own key",
        )
    if granted_by == confirming_clerk or key_holder(granted_by) == key_holder(confirming_clerk):
        raise InvalidChange(
            field="override_id",
            problem="the Clerk who granted an override cannot confirm it, with that key or "
            "another of the same name: a second Clerk must",
        )


def check_revoke(override_id: str, *, revoked: bool) -> None:
    """Raises InvalidChange: the override was revoked already."""
    if revoked:
        raise InvalidChange(field="override_id", problem=f"{override_id} was revoked already")
