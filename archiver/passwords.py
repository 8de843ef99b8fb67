"""The archive server's login password, kept only as a salted slow hash (scrypt, standard
library), compared in constant time.

A hash reads `scrypt:N:R:P$SALT$HASH` (hex): `archiver password-hash` prints one, and the
server turns a plain password it is given into one at start, keeping nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from archiver.errors import ArchiverError, BadPasswordHash

N, R, P = 2**15, 8, 1  # about 0.1 s and 32 MiB a check on a laptop
DKLEN = 32
_HASH = re.compile(r"^scrypt:(\d{1,8}):(\d{1,3}):(\d{1,3})\$([0-9a-f]{16,128})\$([0-9a-f]{64})$")
_MAX_N, _MAX_R, _MAX_P = 2**20, 32, 16


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=2 * 128 * r * n + 16 * 1024 * 1024, dklen=DKLEN)


def hash_password(password: str) -> str:
    if not password:
        raise ArchiverError("The password is empty.")
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, N, R, P)
    return f"scrypt:{N}:{R}:{P}${salt.hex()}${digest.hex()}"


def is_password_hash(text: str) -> bool:
    return _HASH.match(text.strip()) is not None


def check_hash(stored: str) -> str:
    """`stored`, stripped, if it is a hash `hash_password` could have made; else an error that
    does not repeat it (it could be a password put in the wrong place)."""
    match = _HASH.match(stored.strip())
    if match is None:
        raise BadPasswordHash("The password hash is not one `archiver password-hash` makes "
                              "(scrypt:N:R:P$SALT$HASH).")
    n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    if n < 2 or n & (n - 1) or n > _MAX_N or not 1 <= r <= _MAX_R or not 1 <= p <= _MAX_P:
        raise BadPasswordHash("The password hash has scrypt parameters out of range.")
    return stored.strip()


def password_hash_from(text: str) -> str:
    """What a password setting holds (a password, or a hash made by `archiver password-hash`)
    as a hash."""
    if is_password_hash(text):
        return check_hash(text)
    return hash_password(text)


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` is a hash of (slow on purpose: run it off the
    event loop)."""
    match = _HASH.match(check_hash(stored))
    assert match is not None
    n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    digest = _scrypt(password, bytes.fromhex(match.group(4)), n, r, p)
    return hmac.compare_digest(digest, bytes.fromhex(match.group(5)))


def fingerprint(stored: str, purpose: str) -> str:
    """A short value derived from the hash, for one purpose: a login cookie carries it, so
    changing the password ends every login."""
    return hmac.new(stored.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:24]
