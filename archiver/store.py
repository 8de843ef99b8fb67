"""The archive database. The only module that writes SQL.

Two processes (the CLI and `archiver serve`) may write the same file at once, so every
connection runs in WAL mode with a busy timeout, and every write transaction starts with
`BEGIN IMMEDIATE` (a deferred transaction that reads, then writes, fails at once with
"database is locked" when another process holds the write lock, whatever the timeout).
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
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


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_blob(db: Database, content: bytes, content_type: str | None) -> str:
    """Store `content` once, keyed by its sha256, compressed when that helps."""
    key = sha256(content)
    if db.execute("SELECT 1 FROM blobs WHERE hash = ?", [key]).fetchone():
        return key
    packed, encoding = content, "identity"
    if not _already_compressed(content_type):
        packed, encoding = zlib.compress(content, 6), "zlib"
        if len(packed) > len(content) * MIN_COMPRESSION_GAIN:
            packed, encoding = content, "identity"
    db.execute(
        "INSERT INTO blobs (hash, content_type, size, encoding, content) VALUES (?, ?, ?, ?, ?)",
        [key, content_type, len(content), encoding, packed],
    )
    return key


COMPRESSED_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf",
                    "application/zip", "application/gzip", "video/", "audio/")


def _already_compressed(content_type: str | None) -> bool:
    """Formats that zlib cannot shrink: compressing them costs time (about 60 ms per MB of
    PNG) for nothing."""
    mime = (content_type or "").split(";")[0].strip().lower()
    return mime.startswith(COMPRESSED_TYPES)


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
    *,
    tags: Sequence[str] = (),
    bookmarked_at: str | None = None,
) -> int:
    """Store one capture (blobs first, then the row pointing at them, then its tags), in one
    transaction. Returns its id."""
    with write_transaction(db):
        blobs = _put_capture_blobs(db, capture)
        page_id = _upsert_page(db, capture.url, capture.captured_at)
        row = _capture_row(capture, article, source, extraction_error)
        row.update(blobs, page_id=page_id, bookmarked_at=bookmarked_at)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        sql = f"INSERT INTO captures ({columns}) VALUES ({marks})"
        capture_id = int(db.execute(sql, list(row.values())).lastrowid or 0)
        _insert_tags(db, capture_id, tags)
        return capture_id


def _insert_tags(db: Database, capture_id: int, tags: Sequence[str]) -> None:
    for tag in clean_tags(list(tags)):
        db.execute("INSERT OR IGNORE INTO capture_tags (capture_id, tag) VALUES (?, ?)",
                   [capture_id, tag])


def archived_urls(db: Database, urls: Iterable[str]) -> set[str]:
    """Which of `urls` (normalized) already have a capture that did not fail."""
    keys = {normalize(u) for u in urls}
    found: set[str] = set()
    sql = ("SELECT DISTINCT p.url FROM pages p JOIN captures c ON c.page_id = p.id "
           "WHERE c.status != 'failed' AND p.url IN (SELECT value FROM json_each(?))")
    chunk = list(keys)
    for start in range(0, len(chunk), 5000):
        part = json.dumps(chunk[start:start + 5000])
        found.update(r[0] for r in db.execute(sql, [part]).fetchall())
    return found


def failures(db: Database) -> list[dict[str, Any]]:
    """Pages whose latest capture failed, with the reason: what `archiver retry` retries."""
    sql = """
        SELECT c.id, c.url, c.error, c.http_status, c.captured_at FROM captures c
        WHERE c.status = 'failed' AND c.id = (
            SELECT max(c2.id) FROM captures c2 WHERE c2.page_id = c.page_id)
        ORDER BY c.id"""
    return _rows(db.execute(sql))


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


def fts_query(query: str) -> str:
    """Plain words -> an FTS5 query that matches all of them (each quoted, so that
    punctuation and FTS5 operators in user input cannot cause syntax errors)."""
    words = [w for w in query.split() if w.strip('"')]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


# --- tags, notes, reading

SNIPPET_START, SNIPPET_END = "\x02", "\x03"
"""Marks around matched words in `search_captures` snippets: control characters that cannot
occur in extracted text, so a view can HTML-escape the snippet and then turn them into tags."""

LISTING_COLUMNS = ("id", "page_id", "title", "site", "url", "captured_at", "status", "lang",
                   "word_count", "screenshot_hash")


@dataclass
class SearchFilters:
    """Narrow a search or a listing: every field that is set must match."""

    site: str | None = None
    tag: str | None = None
    lang: str | None = None
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None  # YYYY-MM-DD, inclusive


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def clean_tags(tags: list[str] | tuple[str, ...]) -> list[str]:
    """Tags as stored: surrounding and repeated whitespace removed, empty ones dropped."""
    cleaned = (" ".join(t.split()) for t in tags)
    return sorted({t for t in cleaned if t})


def _require_capture(db: Database, capture_id: int) -> None:
    if not db.execute("SELECT 1 FROM captures WHERE id = ?", [capture_id]).fetchone():
        raise NotFound(f"There is no capture {capture_id} in this archive.")


def add_tags(db: Database, capture_id: int, tags: list[str] | tuple[str, ...]) -> list[str]:
    """Tag a capture (tags it already has are kept once). Returns all its tags."""
    with write_transaction(db):
        _require_capture(db, capture_id)
        _insert_tags(db, capture_id, tags)
    return get_tags(db, capture_id)


def remove_tags(db: Database, capture_id: int, tags: list[str] | tuple[str, ...]) -> list[str]:
    """Take tags off a capture (absent ones are ignored). Returns the tags it still has."""
    with write_transaction(db):
        _require_capture(db, capture_id)
        for tag in clean_tags(tags):
            db.execute("DELETE FROM capture_tags WHERE capture_id = ? AND tag = ?",
                       [capture_id, tag])
    return get_tags(db, capture_id)


def set_note(db: Database, capture_id: int, note: str | None) -> None:
    """Set (or, with an empty `note`, clear) the note of a capture."""
    with write_transaction(db):
        _require_capture(db, capture_id)
        text = (note or "").strip() or None
        db.execute("UPDATE captures SET note = ? WHERE id = ?", [text, capture_id])


def get_tags(db: Database, capture_id: int) -> list[str]:
    sql = "SELECT tag FROM capture_tags WHERE capture_id = ? ORDER BY tag"
    return [r[0] for r in db.execute(sql, [capture_id]).fetchall()]


def tag_counts(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    sql = ("SELECT tag, count(*) AS n FROM capture_tags GROUP BY tag "
           "ORDER BY n DESC, tag LIMIT ?")
    return _rows(db.execute(sql, [limit]))


def site_counts(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    sql = "SELECT site, count(*) AS n FROM captures GROUP BY site ORDER BY n DESC, site LIMIT ?"
    return _rows(db.execute(sql, [limit]))


def archive_counts(db: Database) -> dict[str, int]:
    captures = db.execute("SELECT count(*) FROM captures").fetchone()[0]
    pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
    return {"captures": int(captures), "pages": int(pages)}


def languages(db: Database) -> list[str]:
    sql = "SELECT DISTINCT lang FROM captures WHERE lang IS NOT NULL ORDER BY lang"
    return [r[0] for r in db.execute(sql).fetchall()]


def _filter_sql(filters: SearchFilters) -> tuple[str, dict[str, Any]]:
    clauses = ["1"]
    if filters.site:
        clauses.append("c.site = :site")
    if filters.lang:
        clauses.append("c.lang = :lang")
    if filters.tag:
        clauses.append("c.id IN (SELECT capture_id FROM capture_tags WHERE tag = :tag)")
    if filters.since:
        clauses.append("c.captured_at >= :since")
    if filters.until:
        clauses.append("c.captured_at < date(:until, '+1 day')")
    return " AND ".join(clauses), vars(filters).copy()


def recent_captures(db: Database, filters: SearchFilters | None = None, limit: int = 20,
                    offset: int = 0) -> list[dict[str, Any]]:
    """Captures newest first (optionally filtered)."""
    where, params = _filter_sql(filters or SearchFilters())
    columns = ", ".join(f"c.{name}" for name in LISTING_COLUMNS)
    sql = (f"SELECT {columns} FROM captures c WHERE {where} "
           "ORDER BY c.captured_at DESC, c.id DESC LIMIT :limit OFFSET :offset")
    return _rows(db.execute(sql, {**params, "limit": limit, "offset": offset}))


def search_captures(db: Database, query: str, filters: SearchFilters | None = None,
                    limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
    """Ranked full-text hits (bm25, title weighted above text), filtered, each with a
    `snippet` whose matches are wrapped in SNIPPET_START/SNIPPET_END (not yet HTML-escaped)."""
    where, params = _filter_sql(filters or SearchFilters())
    columns = ", ".join(f"c.{name}" for name in LISTING_COLUMNS)
    sql = f"""
        WITH hits AS (
            SELECT rowid AS id, bm25(captures_fts, 5.0, 1.0) AS score
            FROM captures_fts WHERE captures_fts MATCH :q AND rowid >= :oldest)
        SELECT {columns}, hits.score FROM hits JOIN captures c ON c.id = hits.id
        WHERE {where} ORDER BY hits.score, c.id LIMIT :limit OFFSET :offset"""
    params.update(q=fts_query(query), limit=limit, offset=offset)
    try:
        params["oldest"] = _ranking_window(db, params["q"])
        hits = _rows(db.execute(sql, params))
        snippets = _snippets(db, params["q"], [h["id"] for h in hits])
    except sqlite3.OperationalError as exc:
        raise ArchiverError(f"Cannot search for {query!r}: {exc}") from exc
    for hit in hits:
        hit["snippet"] = snippets.get(hit["id"], "")
    return hits


RANK_WINDOW = 10_000


def _ranking_window(db: Database, fts: str) -> int:
    """The lowest rowid to rank. Scoring every match costs ~10 ms per 10,000 captures, so a
    query whose words are in more than RANK_WINDOW captures (a word on most pages) ranks
    only the newest RANK_WINDOW matches; any rarer query ranks them all."""
    row = db.execute(
        "SELECT rowid FROM captures_fts WHERE captures_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT 1 OFFSET ?", [fts, RANK_WINDOW - 1]).fetchone()
    return int(row[0]) if row else 0


def _snippets(db: Database, fts: str, ids: list[int]) -> dict[int, str]:
    """Snippets only for the hits shown (computing them for every match is the slow part)."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    sql = (f"SELECT rowid, snippet(captures_fts, 1, ?, ?, ' … ', 24) FROM captures_fts "
           f"WHERE captures_fts MATCH ? AND rowid IN ({marks})")
    rows = db.execute(sql, [SNIPPET_START, SNIPPET_END, fts, *ids]).fetchall()
    return {int(r[0]): r[1] or "" for r in rows}


def get_page(db: Database, page_id: int) -> dict[str, Any]:
    rows = _rows(db.execute("SELECT * FROM pages WHERE id = ?", [page_id]))
    if not rows:
        raise NotFound(f"There is no page {page_id} in this archive.")
    return rows[0]


def page_captures(db: Database, page_id: int) -> list[dict[str, Any]]:
    """Every capture of a page, oldest first (a timeline)."""
    sql = ("SELECT id, captured_at, status, error, title, word_count, http_status, "
           "screenshot_hash, snapshot_hash FROM captures WHERE page_id = ? "
           "ORDER BY captured_at, id")
    return _rows(db.execute(sql, [page_id]))


def capture_texts(db: Database, ids: list[int]) -> dict[int, str]:
    marks = ", ".join("?" for _ in ids)
    sql = f"SELECT id, coalesce(text, '') FROM captures WHERE id IN ({marks})"
    return {int(r[0]): r[1] for r in db.execute(sql, ids).fetchall()}


def iter_captures(db: Database, query: str | None = None) -> Iterator[dict[str, Any]]:
    """Every capture (or every hit of `query`, best first) with all its columns and `tags`."""
    if query:
        sql = ("SELECT rowid FROM captures_fts WHERE captures_fts MATCH ? "
               "ORDER BY bm25(captures_fts, 5.0, 1.0)")
        try:
            ids = [r[0] for r in db.execute(sql, [fts_query(query)]).fetchall()]
        except sqlite3.OperationalError as exc:
            raise ArchiverError(f"Cannot search for {query!r}: {exc}") from exc
    else:
        ids = [r[0] for r in db.execute("SELECT id FROM captures ORDER BY captured_at, id")]
    for capture_id in ids:
        row = get_capture(db, capture_id)
        row["tags"] = get_tags(db, capture_id)
        yield row


# --- extension captures


def capture_id_for_key(db: Database, key: str) -> int | None:
    """The capture already stored under this idempotency key, if any."""
    row = db.execute("SELECT id FROM captures WHERE idempotency_key = ?", [key]).fetchone()
    return int(row[0]) if row else None


def claim_idempotency_key(db: Database, capture_id: int, key: str) -> int:
    """Give a just-stored capture its idempotency key. If another capture holds the key already
    (a retry that raced this one), the new row is removed and the holder's id returned."""
    with write_transaction(db):
        holder = capture_id_for_key(db, key)
        if holder is not None and holder != capture_id:
            db.execute("DELETE FROM capture_tags WHERE capture_id = ?", [capture_id])
            db.execute("DELETE FROM captures WHERE id = ?", [capture_id])
            return holder
        db.execute("UPDATE captures SET idempotency_key = ? WHERE id = ?", [key, capture_id])
    return capture_id


def api_token_hashes(db: Database, scope: str) -> list[str]:
    rows = db.execute("SELECT token_hash FROM api_tokens WHERE scope = ?", [scope]).fetchall()
    return [r[0] for r in rows]


def replace_api_token(db: Database, token_hash: str, scope: str, created_at: str) -> None:
    """The new token (by its hash) becomes the only one with this scope."""
    with write_transaction(db):
        db.execute("DELETE FROM api_tokens WHERE scope = ?", [scope])
        db.execute("INSERT INTO api_tokens (token_hash, scope, created_at) VALUES (?, ?, ?)",
                   [token_hash, scope, created_at])
