"""
Calendar feeds: create and revoke the secret feed URLs calendar apps subscribe to, and
publish the feed of an organisation that has none yet (a database from before feeds).
"""

import datetime as dt
import secrets

from app.domain.changes import require_text
from app.store import queries
from app.store.errors import InvalidChange, NotFound
from app.store.feeds import NewFeedToken, feed_token
from app.store.keys import hash_secret
from app.store.records import StoredFeedToken
from app.store.repositories import organisations_without_feed
from app.store.tables import AccountRow, FeedTokenRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["create_feed_token", "ensure_feed_events", "list_feed_tokens", "revoke_feed_token"]


def ensure_feed_events(uow: UnitOfWork, actor: Actor, now: dt.datetime) -> tuple[str, ...]:
    """
    Publish the feed of every organisation that has none yet (a database from before feeds):
    one audited write each (`feed.publish`). Returns the organisations it published.
    """
    done = []
    for organisation_id in organisations_without_feed(uow.engine):
        with uow.write(organisation_id, actor, now=now) as change:
            change.audit("feed.publish", organisation_id, reason="the calendar feed's first events")
        done.append(organisation_id)
    return tuple(done)


def create_feed_token(
    uow: UnitOfWork,
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
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with uow.write(organisation_id, actor, now=now, request_id=request_id) as change:
        text = require_text(
            name, field="name", problem="a feed token needs a name (who or what it is for)"
        )
        if (
            account_id is not None
            and change.session.get(AccountRow, (organisation_id, account_id)) is None
        ):
            raise NotFound(what="account", identifier=account_id)
        change.session.add(
            FeedTokenRow(
                id=token_id,
                organisation_id=organisation_id,
                name=text,
                account_id=account_id,
                secret_sha256=hash_secret(secret),
                created_by=actor.name,
                created_at=now,
            )
        )
        change.audit("feed_token.create", token_id, after={"name": text, "account_id": account_id})
    return NewFeedToken(token_id, feed_token(token_id, secret), text, account_id)


def revoke_feed_token(
    uow: UnitOfWork,
    organisation_id: str,
    actor: Actor,
    token_id: str,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredFeedToken:
    """Revoke a feed token at once. Raises NotFound, InvalidChange (revoked already, no reason)."""
    with uow.write(organisation_id, actor, now=now, request_id=request_id) as change:
        text = require_text(reason, field="reason", problem="revoking a feed token needs a reason")
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
            reason=text,
            before={"revoked_at": None},
            after={"revoked_at": now},
        )
        return StoredFeedToken.of(row)


def list_feed_tokens(uow: UnitOfWork, organisation_id: str) -> list[StoredFeedToken]:
    """The organisation's feed tokens, newest first (no secrets: only hashes are stored)."""
    return queries.list_feed_tokens(uow.engine, organisation_id)
