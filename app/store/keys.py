"""
API keys: `pdh_<key id>_<secret>`. Only the SHA-256 of the secret is stored; the key id
finds the row and `hmac.compare_digest` compares the hashes in constant time.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ROLES", "Role", "hash_secret", "new_key", "parse_key", "secret_matches"]

_PREFIX = "pdh"


class Role(StrEnum):
    """What a key may do; the table of roles and endpoints is in docs/api.md."""

    CLERK = "clerk"
    SCHEDULER = "scheduler"
    VIEWER = "viewer"
    AUDITOR = "auditor"
    # A platform's operator: creates organisations; reads or changes none of their data.
    OPERATOR = "operator"


ROLES = tuple(r.value for r in Role)


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly made key: the whole key is shown once and never stored."""

    key_id: str
    key: str
    secret_sha256: str


def hash_secret(secret: str) -> str:
    """SHA-256 of a key's secret (keys are 256-bit random, so a slow hash adds nothing)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key() -> NewKey:
    """A new random key."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewKey(key_id, f"{_PREFIX}_{key_id}_{secret}", hash_secret(secret))


def parse_key(key: str) -> tuple[str, str] | None:
    """`(key_id, secret)` of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != _PREFIX or len(parts[1]) != 12 or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, stored_sha256: str) -> bool:
    """Constant-time comparison of a presented secret with the stored hash."""
    return hmac.compare_digest(hash_secret(secret), stored_sha256)
