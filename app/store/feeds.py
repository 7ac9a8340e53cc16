"""
Feed tokens, the secret URLs calendar apps subscribe to (they cannot send headers):
`pft_<token id>_<secret>`, stored as the SHA-256 of the secret like API keys.
"""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.store.errors import InvalidChange, NotFound
from app.store.keys import hash_secret
from app.store.tables import AccountRow, FeedEventRow, FeedTokenRow, OrganisationRow
from app.store.unit_of_work import Actor, write

__all__ = [
    "NewFeedToken",
    "create_feed_token",
    "ensure_feed_events",
    "list_feed_tokens",
    "parse_feed_token",
    "revoke_feed_token",
]

_TOKEN_PREFIX = "pft"  # noqa: S105 - the public prefix of a token, not a secret


def ensure_feed_events(engine: Engine, actor: Actor, now: dt.datetime) -> tuple[str, ...]:
    """
    Publish the feed of every organisation that has none yet (a database from before feeds):
    one audited write each (`feed.publish`). Returns the organisations it published.
    """
    with Session(engine) as session:
        organisations = session.execute(select(col(OrganisationRow.id))).scalars().all()
        published = set(
            session.execute(select(col(FeedEventRow.organisation_id)).distinct()).scalars()
        )
    done = []
    for organisation_id in organisations:
        if organisation_id in published:
            continue
        with write(engine, organisation_id, actor, now=now) as change:
            change.audit("feed.publish", organisation_id, reason="the calendar feed's first events")
        done.append(organisation_id)
    return tuple(done)


# --- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewFeedToken:
    """A new feed token: the whole token is shown once and never stored."""

    token_id: str
    token: str
    name: str
    account_id: str | None


def parse_feed_token(token: str) -> tuple[str, str] | None:
    """`(token_id, secret)` of a well-formed token, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != _TOKEN_PREFIX or len(parts[1]) != 12 or not parts[2]:
        return None
    return parts[1], parts[2]


def create_feed_token(
    engine: Engine,
    organisation_id: str,
    actor: Actor,
    *,
    name: str,
    account_id: str | None,
    now: dt.datetime,
    request_id: str | None = None,
) -> NewFeedToken:
    """
    Create a secret feed URL token (Clerk), for the organisation's feed or one account's.

    Raises:
        InvalidChange: no name.
        NotFound: the account is not the organisation's.
    """
    if not name.strip():
        raise InvalidChange(
            field="name", problem="a feed token needs a name (who or what it is for)"
        )
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with write(engine, organisation_id, actor, now=now, request_id=request_id) as change:
        if (
            account_id is not None
            and change.session.get(AccountRow, (organisation_id, account_id)) is None
        ):
            raise NotFound(what="account", identifier=account_id)
        change.session.add(
            FeedTokenRow(
                id=token_id,
                organisation_id=organisation_id,
                name=name.strip(),
                account_id=account_id,
                secret_sha256=hash_secret(secret),
                created_by=actor.name,
                created_at=now,
            )
        )
        change.audit(
            "feed_token.create", token_id, after={"name": name.strip(), "account_id": account_id}
        )
    return NewFeedToken(token_id, f"{_TOKEN_PREFIX}_{token_id}_{secret}", name.strip(), account_id)


def revoke_feed_token(
    engine: Engine,
    organisation_id: str,
    actor: Actor,
    token_id: str,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> FeedTokenRow:
    """Revoke a feed token at once. Raises NotFound, InvalidChange (revoked already, no reason)."""
    if not reason.strip():
        raise InvalidChange(field="reason", problem="revoking a feed token needs a reason")
    with write(engine, organisation_id, actor, now=now, request_id=request_id) as change:
        row = change.session.get(FeedTokenRow, token_id)
        if row is None or row.organisation_id != organisation_id:
            raise NotFound(what="feed token", identifier=token_id)
        if row.revoked_at is not None:
            raise InvalidChange(
                field="token_id", problem=f"feed token {token_id} was revoked already"
            )
        row.revoked_at = now
        row.revoked_by = actor.name
        change.session.add(row)
        change.audit(
            "feed_token.revoke",
            token_id,
            reason=reason.strip(),
            before={"revoked_at": None},
            after={"revoked_at": now},
        )
    return row


def list_feed_tokens(engine: Engine, organisation_id: str) -> Sequence[FeedTokenRow]:
    """The organisation's feed tokens, newest first (no secrets: only hashes are stored)."""
    with Session(engine) as session:
        return (
            session.execute(
                select(FeedTokenRow)
                .where(col(FeedTokenRow.organisation_id) == organisation_id)
                .order_by(col(FeedTokenRow.created_at).desc(), col(FeedTokenRow.id))
            )
            .scalars()
            .all()
        )
