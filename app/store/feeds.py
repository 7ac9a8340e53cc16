"""
Feed tokens, the secret URLs calendar apps subscribe to (they cannot send headers):
`pft_<token id>_<secret>`, stored as the SHA-256 of the secret like API keys.

The writes are `app.services.feeds`. `create_feed_token`, `revoke_feed_token` and
`ensure_feed_events` here are TEMPORARY shims with the old engine-first signatures, kept only
for `app/cli.py` until it calls the services; delete them then.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from app.store.unit_of_work import Actor, UnitOfWork

__all__ = [
    "NewFeedToken",
    "create_feed_token",
    "ensure_feed_events",
    "feed_token",
    "parse_feed_token",
    "revoke_feed_token",
]

_TOKEN_PREFIX = "pft"  # noqa: S105 - the public prefix of a token, not a secret


@dataclass(frozen=True, slots=True)
class NewFeedToken:
    """A new feed token: the whole token is shown once and never stored."""

    token_id: str
    token: str
    name: str
    account_id: str | None


def feed_token(token_id: str, secret: str) -> str:
    """The token a calendar app's URL carries."""
    return f"{_TOKEN_PREFIX}_{token_id}_{secret}"


def parse_feed_token(token: str) -> tuple[str, str] | None:
    """`(token_id, secret)` of a well-formed token, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != _TOKEN_PREFIX or len(parts[1]) != 12 or not parts[2]:
        return None
    return parts[1], parts[2]


# --- TEMPORARY: the CLI's old entry points (see the module docstring) ---------------------


def ensure_feed_events(engine: Engine, actor: Actor, now: dt.datetime) -> tuple[str, ...]:
    from app.services import feeds  # noqa: PLC0415 - shim only; services import this module

    return feeds.ensure_feed_events(UnitOfWork(engine), actor, now)


def create_feed_token(engine: Engine, organisation_id: str, actor: Actor, **kwargs: Any) -> Any:
    from app.services import feeds  # noqa: PLC0415 - shim only; services import this module

    return feeds.create_feed_token(UnitOfWork(engine), organisation_id, actor, **kwargs)


def revoke_feed_token(
    engine: Engine, organisation_id: str, actor: Actor, token_id: str, **kwargs: Any
) -> Any:
    from app.services import feeds  # noqa: PLC0415 - shim only; services import this module

    return feeds.revoke_feed_token(UnitOfWork(engine), organisation_id, actor, token_id, **kwargs)
