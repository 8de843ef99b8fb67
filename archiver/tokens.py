"""Tokens for the companion API: created on first use, kept as sha256 hashes only.

A token lets its holder save captures through `/-/archiver/api/` and nothing else: it is not a
Datasette actor, so it grants no SQL, no other tables and no other routes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlite_utils import Database

from archiver import store

SCOPE = "captures:write"
PREFIX = "arch_"


def token_hash(token: str) -> str:
    """Tokens are 256 random bits, so a plain sha256 is enough to keep them unusable at rest."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def has_token(db: Database) -> bool:
    return bool(store.api_token_hashes(db, SCOPE))


def new_token(db: Database) -> str:
    """Create a token (replacing any previous one) and return it: the only time it is seen."""
    token = PREFIX + secrets.token_urlsafe(32)
    created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    store.replace_api_token(db, token_hash(token), SCOPE, created)
    return token


def is_valid(db: Database, token: str) -> bool:
    """Constant-time comparison against every stored hash of the scope."""
    presented = token_hash(token)
    valid = False
    for stored in store.api_token_hashes(db, SCOPE):
        valid |= hmac.compare_digest(presented, stored)
    return valid
