"""Reading the archive: full-text search, listings, counts, a page's timeline."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from archiver.errors import ArchiverError
from archiver.store.captures import get_capture
from archiver.store.connection import dict_rows
from archiver.store.highlights import page_highlights
from archiver.store.pages import get_page, tags_of_pages


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
    """Narrow a search or a listing: every field that is set must match.

    `states` are the reading states shown (None: any); `failed` picks the pages whose every
    capture failed (True), the others (False), or both (None)."""

    site: str | None = None
    tag: str | None = None
    lang: str | None = None
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None  # YYYY-MM-DD, inclusive
    states: tuple[str, ...] | None = None
    favourite: bool = False
    failed: bool | None = None


def archive_counts(db: Database) -> dict[str, int]:
    """Captures, pages, and the pages of each kind the home page's filters show."""
    captures = db.execute("SELECT count(*) FROM captures").fetchone()[0]
    row = db.execute(
        """SELECT count(*),
                  sum(good_capture_id IS NULL),
                  sum(good_capture_id IS NOT NULL AND state = 'unread'),
                  sum(good_capture_id IS NOT NULL AND state = 'archived'),
                  sum(good_capture_id IS NOT NULL AND favourite)
           FROM pages""").fetchone()
    names = ("pages", "failed", "unread", "archived", "favourites")
    return {"captures": int(captures), **{n: int(v or 0) for n, v in zip(names, row, strict=True)}}


def languages(db: Database) -> list[str]:
    """The languages in the archive, in order: one index seek a language (captures_lang), not
    a scan of the index (1 ms instead of 100 for 100,000 captures)."""
    sql = """WITH RECURSIVE found(lang) AS (
                 SELECT min(lang) FROM captures WHERE lang IS NOT NULL
                 UNION ALL
                 SELECT (SELECT min(lang) FROM captures WHERE lang > found.lang)
                 FROM found WHERE found.lang IS NOT NULL)
             SELECT lang FROM found WHERE lang IS NOT NULL"""
    return [r[0] for r in db.execute(sql).fetchall()]


PAGE_COLUMNS = ("p.id AS page_id", "p.url AS page_url", "p.state", "p.favourite", "p.note",
                "p.versions", "p.first_captured", "p.last_captured", "p.good_capture_id")
SHOWN_COLUMNS = ("c.id", "c.title", "p.site", "c.url", "c.final_url", "c.captured_at",
                 "c.status", "c.error", "c.lang", "c.word_count", "c.screenshot_hash",
                 "c.description")


def _page_filter_sql(filters: SearchFilters) -> tuple[str, dict[str, Any]]:
    """Conditions on a page (`p`) and the version shown for it (`c`)."""
    clauses = ["1"]
    params: dict[str, Any] = vars(filters).copy()
    if filters.site:
        clauses.append("p.site = :site")
    if filters.lang:
        clauses.append("c.lang = :lang")
    if filters.tag:
        clauses.append("p.id IN (SELECT page_id FROM page_tags WHERE tag = :tag)")
    if filters.since:
        clauses.append("c.captured_at >= :since")
    if filters.until:
        clauses.append("c.captured_at < date(:until, '+1 day')")
    if filters.states is not None:
        clauses.append("p.state IN (SELECT value FROM json_each(:states_json))")
        params["states_json"] = json.dumps(list(filters.states))
    if filters.favourite:
        clauses.append("p.favourite")
    if filters.failed is not None:
        clauses.append("p.good_capture_id IS " + ("NULL" if filters.failed else "NOT NULL"))
    params.pop("states", None)
    return " AND ".join(clauses), params


def list_pages(db: Database, filters: SearchFilters | None = None, limit: int = 20,
               offset: int = 0) -> list[dict[str, Any]]:
    """Pages, newest activity first, each with its newest good version (its newest capture
    when every one failed), an `excerpt` and its `tags`."""
    filters = filters or SearchFilters()
    where, params = _page_filter_sql(filters)
    columns = ", ".join((*SHOWN_COLUMNS, *PAGE_COLUMNS))
    shown = "coalesce(p.good_capture_id, p.last_capture_id)"
    if filters.lang or filters.since or filters.until:  # conditions on the version shown
        sql = f"""SELECT {columns}, substr(c.text, 1, 400) AS excerpt FROM pages p
            JOIN captures c ON c.id = {shown}
            WHERE {where} ORDER BY p.last_captured DESC, p.id DESC
            LIMIT :limit OFFSET :offset"""
    else:  # the pages alone are paged through (their index), the versions read for 20 only
        sql = f"""WITH chosen AS (
                SELECT p.id FROM pages p WHERE {where}
                ORDER BY p.last_captured DESC, p.id DESC LIMIT :limit OFFSET :offset)
            SELECT {columns}, substr(c.text, 1, 400) AS excerpt FROM chosen
            JOIN pages p ON p.id = chosen.id JOIN captures c ON c.id = {shown}
            ORDER BY p.last_captured DESC, p.id DESC"""
    rows = dict_rows(db.execute(sql, {**params, "limit": limit, "offset": offset}))
    return _with_page_tags(db, rows)


def _with_page_tags(db: Database, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tags = tags_of_pages(db, [r["page_id"] for r in rows])
    for row in rows:
        row["tags"] = tags[row["page_id"]]
    return rows


PAGE_MATCHES = """
        hits AS MATERIALIZED (
            SELECT rowid AS id, bm25(captures_fts, 5.0, 1.0) AS score
            FROM captures_fts WHERE captures_fts MATCH :q AND rowid >= :oldest),
        marked AS MATERIALIZED (
            SELECT rowid AS id, bm25(highlights_fts) AS score
            FROM highlights_fts WHERE highlights_fts MATCH :q),
        noted AS MATERIALIZED (
            SELECT rowid AS page_id, bm25(pages_fts) AS score
            FROM pages_fts WHERE pages_fts MATCH :q),
        text_best AS (
            SELECT c.page_id, c.id, min(hits.score) AS score FROM hits
            JOIN captures c ON c.id = hits.id GROUP BY c.page_id),
        matches AS (
            SELECT page_id, id, score FROM text_best
            UNION ALL
            SELECT h.page_id, NULL, marked.score FROM marked JOIN highlights h ON h.id = marked.id
            UNION ALL
            SELECT page_id, NULL, score FROM noted),
        best AS (
            SELECT page_id, max(id) AS text_id, min(score) AS score FROM matches
            GROUP BY page_id)"""
"""Pages matching `:q`, each once (`best`): in a version's title or text (`text_id`: its
best-matching version), in a highlight or its note, or in the page's note (`text_id` NULL)."""


def search_pages(db: Database, query: str, filters: SearchFilters | None = None,
                 limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
    """Ranked full-text hits, one a page: its best-matching version (with that version's date
    and `snippet`), the page's `versions` and `tags`. Ranked by bm25, title above text.

    A page whose highlights or note match (and no version's text) shows as its newest good
    version, the snippet taken from the highlight or the note; `matched` says which of
    "text", "highlight" or "note" the snippet comes from."""
    where, params = _page_filter_sql(filters or SearchFilters())
    columns = ", ".join((*SHOWN_COLUMNS, *PAGE_COLUMNS))
    sql = f"""
        WITH {PAGE_MATCHES}
        SELECT {columns}, best.score, best.text_id IS NOT NULL AS in_text FROM best
        JOIN pages p ON p.id = best.page_id
        JOIN captures c ON c.id = coalesce(best.text_id, p.good_capture_id, p.last_capture_id)
        WHERE {where} ORDER BY best.score, p.id LIMIT :limit OFFSET :offset"""
    params.update(q=fts_query(query), limit=limit, offset=offset)
    try:
        params["oldest"] = _ranking_window(db, params["q"])
        hits = dict_rows(db.execute(sql, params))
        snippets = _snippets(db, params["q"], [h["id"] for h in hits if h["in_text"]])
        notes = _note_snippets(db, params["q"], [h["page_id"] for h in hits if not h["in_text"]])
    except sqlite3.OperationalError as exc:
        raise ArchiverError(f"Cannot search for {query!r}: {exc}") from exc
    for hit in hits:
        if hit.pop("in_text"):
            hit["matched"], hit["snippet"] = "text", snippets.get(hit["id"], "")
        else:
            hit["matched"], hit["snippet"] = notes.get(hit["page_id"], ("note", ""))
    return _with_page_tags(db, hits)


def _note_snippets(db: Database, fts: str, page_ids: list[int]) -> dict[int, tuple[str, str]]:
    """page id -> ("highlight" or "note", a snippet of its best-matching highlight (quote or
    note), else of the page's note)."""
    found: dict[int, tuple[str, str]] = {}
    if not page_ids:
        return found
    marks = ", ".join("?" for _ in page_ids)
    rows = db.execute(
        f"""SELECT h.page_id, snippet(highlights_fts, -1, ?, ?, ' … ', 24)
            FROM highlights_fts JOIN highlights h ON h.id = highlights_fts.rowid
            WHERE highlights_fts MATCH ? AND h.page_id IN ({marks})
            ORDER BY bm25(highlights_fts)""",
        [SNIPPET_START, SNIPPET_END, fts, *page_ids]).fetchall()
    for page_id, snippet in rows:
        found.setdefault(int(page_id), ("highlight", snippet or ""))
    rows = db.execute(
        f"SELECT rowid, snippet(pages_fts, 0, ?, ?, ' … ', 24) FROM pages_fts "
        f"WHERE pages_fts MATCH ? AND rowid IN ({marks})",
        [SNIPPET_START, SNIPPET_END, fts, *page_ids]).fetchall()
    for page_id, snippet in rows:
        found.setdefault(int(page_id), ("note", snippet or ""))
    return found


def search_captures(db: Database, query: str, filters: SearchFilters | None = None,
                    limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
    """Ranked full-text hits, every version apart (bm25, title weighted above text), filtered
    as `search_pages` filters, each with a `snippet` whose matches are wrapped in
    SNIPPET_START/SNIPPET_END (not yet HTML-escaped)."""
    where, params = _page_filter_sql(filters or SearchFilters())
    columns = ", ".join(f"c.{name}" for name in LISTING_COLUMNS)
    sql = f"""
        WITH hits AS (
            SELECT rowid AS id, bm25(captures_fts, 5.0, 1.0) AS score
            FROM captures_fts WHERE captures_fts MATCH :q AND rowid >= :oldest)
        SELECT {columns}, hits.score FROM hits JOIN captures c ON c.id = hits.id
        JOIN pages p ON p.id = c.page_id
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
        yield capture_with_page(db, capture_id)


def capture_with_page(db: Database, capture_id: int) -> dict[str, Any]:
    """A capture with all its columns and its page's `tags`, `note`, `state`, `favourite`
    and `versions` (what an export writes)."""
    row = get_capture(db, capture_id)
    page = get_page(db, row["page_id"])
    row.update(tags=page["tags"], note=page["note"], state=page["state"],
               favourite=bool(page["favourite"]), versions=page["versions"],
               highlights=page_highlights(db, row["page_id"]))
    return row


def iter_pages(db: Database, query: str | None = None) -> Iterator[dict[str, Any]]:
    """Every page that has a good version (or every page matching `query`, best first) as
    its newest good version with all its columns, and the page's own fields: `page_id`,
    `tags`, `note`, `state`, `favourite`, `versions`, `highlights`."""
    if query:
        sql = f"""WITH {PAGE_MATCHES}
                  SELECT p.id FROM best JOIN pages p ON p.id = best.page_id
                  WHERE p.good_capture_id IS NOT NULL ORDER BY best.score, p.id"""
        try:
            ids = [r[0] for r in db.execute(sql, {"q": fts_query(query), "oldest": 0})]
        except sqlite3.OperationalError as exc:
            raise ArchiverError(f"Cannot search for {query!r}: {exc}") from exc
    else:
        ids = [r[0] for r in db.execute(
            "SELECT id FROM pages WHERE good_capture_id IS NOT NULL ORDER BY first_captured, id")]
    for page_id in ids:
        good = db.execute("SELECT good_capture_id FROM pages WHERE id = ?", [page_id]).fetchone()
        yield capture_with_page(db, int(good[0]))

