"""The archive database. The only module that writes SQL.

Two processes (the CLI and `archiver serve`) may write the same file at once, so every
connection runs in WAL mode with a busy timeout, and every write transaction starts with
`BEGIN IMMEDIATE` (a deferred transaction that reads, then writes, fails at once with
"database is locked" when another process holds the write lock, whatever the timeout).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from archiver.errors import ArchiverError, NotFound
from archiver.migrations import migrations
from archiver.models import Article, Capture
from archiver.urls import host_of, normalize

BUSY_TIMEOUT_S = 30.0
# Content that compresses less than this is stored as it is (PNG, PDF, JPEG ...).
MIN_COMPRESSION_GAIN = 0.9


class StorageError(ArchiverError):
    """The database could not be opened or written (disk full, read-only, not SQLite ...)."""


@dataclass
class Blob:
    hash: str
    content_type: str | None
    content: bytes


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
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if migrations.pending(db):
            with write_transaction(db):
                migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"Cannot open the archive {path}: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"Cannot create the archive {path}: {exc.strerror or exc}") from exc
    return db


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


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_blob(db: Database, content: bytes, content_type: str | None) -> str:
    """Store `content` once, keyed by its sha256, compressed when that helps."""
    key = sha256(content)
    if db.execute("SELECT 1 FROM blobs WHERE hash = ?", [key]).fetchone():
        return key
    packed = zlib.compress(content, 6)
    encoding = "zlib"
    if len(packed) > len(content) * MIN_COMPRESSION_GAIN:
        packed, encoding = content, "identity"
    db.execute(
        "INSERT INTO blobs (hash, content_type, size, encoding, content) VALUES (?, ?, ?, ?, ?)",
        [key, content_type, len(content), encoding, packed],
    )
    return key


def get_blob(db: Database, key: str) -> Blob:
    row = db.execute(
        "SELECT content_type, encoding, content FROM blobs WHERE hash = ?", [key]
    ).fetchone()
    if row is None:
        raise NotFound(f"No blob {key}")
    content_type, encoding, content = row
    return Blob(key, content_type, decode_blob(encoding, content))


def decode_blob(encoding: str, content: bytes) -> bytes:
    """The stored bytes of a blob, uncompressed."""
    return zlib.decompress(content) if encoding == "zlib" else bytes(content)


def _upsert_page(db: Database, url: str, captured_at: str) -> int:
    key = normalize(url)
    db.execute(
        """INSERT INTO pages (url, site, first_captured, last_captured) VALUES (?, ?, ?, ?)
           ON CONFLICT(url) DO UPDATE
           SET last_captured = max(last_captured, excluded.last_captured)""",
        [key, host_of(url), captured_at, captured_at],
    )
    row = db.execute("SELECT id FROM pages WHERE url = ?", [key]).fetchone()
    return int(row[0])


def save_capture(
    db: Database,
    capture: Capture,
    article: Article | None,
    source: str = "cli",
    extraction_error: str | None = None,
) -> int:
    """Store one capture (blobs first, then the row pointing at them). Returns its id."""
    with write_transaction(db):
        blobs = _put_capture_blobs(db, capture)
        page_id = _upsert_page(db, capture.url, capture.captured_at)
        row = _capture_row(capture, article, source, extraction_error)
        row.update(blobs, page_id=page_id)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        sql = f"INSERT INTO captures ({columns}) VALUES ({marks})"
        cursor = db.execute(sql, list(row.values()))
        return int(cursor.lastrowid or 0)


def _put_capture_blobs(db: Database, capture: Capture) -> dict[str, Any]:
    blobs: dict[str, Any] = {}
    if capture.html is not None:
        snapshot = capture.html.encode("utf-8", errors="replace")
        blobs["snapshot_hash"] = put_blob(db, snapshot, "text/html; charset=utf-8")
    if capture.body is not None:
        blobs["body_hash"] = put_blob(db, capture.body, capture.content_type)
    if capture.screenshot:
        blobs["screenshot_hash"] = put_blob(db, capture.screenshot, "image/png")
        size = _png_size(capture.screenshot)
        if size:
            blobs["screenshot_width"], blobs["screenshot_height"] = size
    return blobs


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) >= 24 and data[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def _capture_row(
    capture: Capture, article: Article | None, source: str, extraction_error: str | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "url": capture.url,
        "final_url": capture.final_url,
        "site": host_of(capture.final_url or capture.url),
        "status": capture.status,
        "error": capture.error,
        "http_status": capture.http_status,
        "content_type": capture.content_type,
        "title": capture.title or None,
        "captured_at": capture.captured_at,
        "duration_ms": capture.duration_ms,
        "source": source,
        "browser_version": capture.browser_version,
        "headers": json.dumps(capture.headers) if capture.headers else None,
        "extraction_error": extraction_error,
    }
    if capture.consent is not None:
        row["consent_cmp"] = capture.consent.cmp
        row["consent_action"] = capture.consent.action
        row["consent_ms"] = capture.consent.duration_ms
    if article is not None:
        row.update(
            title=article.title or row["title"],
            byline=article.byline,
            published=article.published,
            lang=article.lang,
            site_name=article.site_name,
            description=article.description,
            canonical_url=article.canonical_url,
            image_url=article.image_url,
            text=article.text,
            html=article.html or None,
            word_count=article.word_count,
        )
    return row


def get_capture(db: Database, capture_id: int) -> dict[str, Any]:
    row = db.execute("SELECT * FROM captures WHERE id = ?", [capture_id]).fetchone()
    if row is None:
        raise NotFound(f"There is no capture {capture_id} in this archive.")
    columns = [d[0] for d in db.execute("SELECT * FROM captures LIMIT 0").description]
    return dict(zip(columns, row, strict=True))


def search(db: Database, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Ranked full-text hits (bm25, title weighted above text), with a highlighted snippet."""
    sql = """
        SELECT c.id, c.url, c.title, c.captured_at, c.status,
               snippet(captures_fts, 1, '[', ']', ' … ', 12) AS snippet
        FROM captures_fts JOIN captures c ON c.id = captures_fts.rowid
        WHERE captures_fts MATCH ?
        ORDER BY bm25(captures_fts, 5.0, 1.0)
        LIMIT ?"""
    try:
        cursor = db.execute(sql, [fts_query(query), limit])
    except sqlite3.OperationalError as exc:
        raise ArchiverError(f"Cannot search for {query!r}: {exc}") from exc
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def fts_query(query: str) -> str:
    """Plain words -> an FTS5 query that matches all of them (each quoted, so that
    punctuation and FTS5 operators in user input cannot cause syntax errors)."""
    words = [w for w in query.split() if w.strip('"')]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)
