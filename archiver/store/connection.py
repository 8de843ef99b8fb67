"""Opening the archive, and write transactions that wait for each other.

Two processes (the CLI and `archiver serve`) may write the same file at once, so every
connection runs in WAL mode with a busy timeout, and every write transaction starts with
`BEGIN IMMEDIATE` (a deferred transaction that reads, then writes, fails at once with
"database is locked" when another process holds the write lock, whatever the timeout).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from archiver.errors import StorageError
from archiver.migrations import migrations

BUSY_TIMEOUT_S = 30.0


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) the archive at `path`, migrated to the current schema."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        db = Database(conn)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        _retry_when_locked(lambda: _prepare(db))
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"Cannot open the archive {path}: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"Cannot create the archive {path}: {exc.strerror or exc}") from exc
    return db


def _prepare(db: Database) -> None:
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("PRAGMA foreign_keys = ON")
    if migrations.pending(db):
        with write_transaction(db):
            migrations.apply(db)  # looks again at what is pending, now under the write lock


def _retry_when_locked(step: Callable[[], None]) -> None:
    """Run `step`, again while SQLite says "database is locked" without waiting for the busy
    timeout: when two processes open a new file at once, both switch it to WAL, and SQLite
    fails one of them at once rather than let the two wait for each other (a deadlock)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            step()
            return
        except (sqlite3.OperationalError, StorageError) as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(0.02, 0.1))


def _is_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY ("database is locked"), also when wrapped in a StorageError; not
    SQLITE_LOCKED ("database table is locked"), which waiting does not cure."""
    cause = exc.__cause__ if isinstance(exc, StorageError) else exc
    code = getattr(cause, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_BUSY


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any error.

    sqlite-utils' own `atomic()` blocks nest inside as savepoints."""
    conn = db.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise StorageError(f"The archive is busy or not writable: {exc}") from exc
    try:
        yield db
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        _rollback(conn)
        raise StorageError(_explain_write_error(exc)) from exc
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _explain_write_error(exc: sqlite3.DatabaseError) -> str:
    message = str(exc)
    if "full" in message:
        return (f"The disk is full; nothing of this capture was saved ({message}). "
                "Free some space and run it again.")
    return f"Could not write to the archive: {message}"



def dict_rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]

