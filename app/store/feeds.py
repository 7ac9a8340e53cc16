"""
Feed tokens, the secret URLs calendar apps subscribe to (they cannot send headers):
`pft_<token id>_<secret>`, stored as the SHA-256 of the secret like API keys.

Creating and revoking tokens is `app.services.feeds`.
"""

from dataclasses import dataclass

__all__ = ["NewFeedToken", "feed_token", "parse_feed_token"]

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
