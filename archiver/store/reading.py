"""Reading the archive: full-text search, listings, counts, a page's timeline."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from archiver.errors import ArchiverError, NotFound
from archiver.store.captures import get_capture, get_tags
from archiver.store.connection import dict_rows


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



def tag_counts(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    sql = ("SELECT tag, count(*) AS n FROM capture_tags GROUP BY tag "
           "ORDER BY n DESC, tag LIMIT ?")
    return dict_rows(db.execute(sql, [limit]))


def site_counts(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    sql = "SELECT site, count(*) AS n FROM captures GROUP BY site ORDER BY n DESC, site LIMIT ?"
    return dict_rows(db.execute(sql, [limit]))


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
    return dict_rows(db.execute(sql, {**params, "limit": limit, "offset": offset}))


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
        hits = dict_rows(db.execute(sql, params))
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
    rows = dict_rows(db.execute("SELECT * FROM pages WHERE id = ?", [page_id]))
    if not rows:
        raise NotFound(f"There is no page {page_id} in this archive.")
    return rows[0]


def page_captures(db: Database, page_id: int) -> list[dict[str, Any]]:
    """Every capture of a page, oldest first (a timeline)."""
    sql = ("SELECT id, captured_at, status, error, title, word_count, http_status, "
           "screenshot_hash, snapshot_hash FROM captures WHERE page_id = ? "
           "ORDER BY captured_at, id")
    return dict_rows(db.execute(sql, [page_id]))


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

