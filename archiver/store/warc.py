"""SQL for web archives in and out.

`RecordIndex` is a scratch SQLite file (in a temporary folder, not the archive) listing every
record of the WARC files being imported: where it is and the headers needed to find it. It keeps
an import's memory flat whatever the size of the file; the payloads stay in the WARC files.

The rest reads the archive for the export, and finds captures an import stored before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from archiver.errors import ArchiverError
from archiver.store.connection import write_transaction
from archiver.store.pages import page_tags
from archiver.store.reading import fts_query
from archiver.urls import normalize

RECORD_COLUMNS = ("file", "offset", "length", "type", "url", "ms", "date", "record_id",
                  "concurrent_to", "status", "mime", "location", "digest", "refers_uri",
                  "refers_date", "fetch_dest", "method", "page_id", "referer")
RESPONSES = ("response", "revisit")
REFERER_WINDOW_MS = 5 * 60 * 1000
"""How long after a page its Referer still ties a recorded request to it."""
BATCH = 2000


class RecordIndex:
    """Where each record of an archive's WARC files is, in a scratch database at `path`."""

    def __init__(self, path: Path) -> None:
        # used by one thread at a time (an import run from within an event loop runs in a
        # thread of its own: archiver.warc.importer)
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        columns = ", ".join(RECORD_COLUMNS)
        self.conn.execute(f"CREATE TABLE records (id INTEGER PRIMARY KEY, {columns})")
        self.conn.execute("CREATE TABLE bad (file INTEGER, offset INTEGER, problem TEXT)")
        self._pending: list[Sequence[Any]] = []

    def close(self) -> None:
        self.conn.close()

    def add(self, values: dict[str, Any]) -> None:
        self._pending.append([values.get(c) for c in RECORD_COLUMNS])
        if len(self._pending) >= BATCH:
            self._flush()

    def add_bad(self, file: int, offset: int, problem: str) -> None:
        self.conn.execute("INSERT INTO bad VALUES (?, ?, ?)", [file, offset, problem])

    def _flush(self) -> None:
        marks = ", ".join("?" for _ in RECORD_COLUMNS)
        self.conn.execute("BEGIN")
        self.conn.executemany(
            f"INSERT INTO records ({', '.join(RECORD_COLUMNS)}) VALUES ({marks})",
            self._pending)
        self.conn.execute("COMMIT")
        self._pending = []

    def finish(self) -> None:
        """Write what is pending and index the records for the lookups."""
        self._flush()
        for name, columns in (("url_ms", "url, ms"), ("record_id", "record_id"),
                              ("concurrent", "concurrent_to"), ("location", "location"),
                              ("digest", "digest"), ("page", "page_id"),
                              ("referer", "referer")):
            self.conn.execute(f"CREATE INDEX records_{name} ON records({columns})")

    # --- counts

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM records").fetchone()[0])

    def bad_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM bad").fetchone()[0])

    # --- lookups (each returns a row with RECORD_COLUMNS and id, or None)

    def _one(self, sql: str, params: Sequence[Any]) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def nearest(self, url: str, ms: int | None, types: Sequence[str] = RESPONSES,
                after: bool = False) -> sqlite3.Row | None:
        """The record of `url` (of one of `types`) closest in time to `ms`; with `after`,
        one at or after `ms` wins over any earlier one (what a page loads comes after it)."""
        marks = ", ".join("?" for _ in types)
        order, order_params = "abs(coalesce(ms, 0) - ?)", [ms or 0]
        if after:
            order, order_params = f"coalesce(ms, 0) < ?, {order}", [ms or 0, ms or 0]
        sql = (f"SELECT * FROM records WHERE url = ? AND type IN ({marks}) "
               f"ORDER BY {order}, id LIMIT 1")
        return self._one(sql, [url, *types, *order_params])

    def nearest_ignoring_query(self, url: str, ms: int | None) -> sqlite3.Row | None:
        """A response for `url` with another query string (a cache-buster, a session
        parameter a script made up), nearest in time after `ms`: what Webrecorder's replay
        tools answer with when the exact URL was never recorded. Only URLs with a query."""
        base, mark, _ = url.partition("?")
        if not mark:
            return None
        return self._one(
            "SELECT * FROM records WHERE url >= ? AND url < ? AND type IN ('response', "
            "'revisit') ORDER BY coalesce(ms, 0) < ?, abs(coalesce(ms, 0) - ?), id LIMIT 1",
            [base + "?", base + "@", ms or 0, ms or 0])  # '@' follows '?' in code points

    def request_for(self, response: sqlite3.Row) -> sqlite3.Row | None:
        """The request record that goes with a response (WARC-Concurrent-To, either way)."""
        if response["record_id"]:
            row = self._one("SELECT * FROM records WHERE type = 'request' AND concurrent_to = ? "
                            "LIMIT 1", [response["record_id"]])
            if row is not None:
                return row
        if response["concurrent_to"]:
            row = self._one("SELECT * FROM records WHERE type = 'request' AND record_id = ? "
                            "LIMIT 1", [response["concurrent_to"]])
            if row is not None:
                return row
        return None

    def original(self, revisit: sqlite3.Row) -> sqlite3.Row | None:
        """The response a revisit record refers to: by its Refers-To URI and date, else by
        payload digest (same URL first)."""
        uri, date, digest = revisit["refers_uri"], revisit["refers_date"], revisit["digest"]
        queries: list[tuple[str, list[Any]]] = []
        if uri and date:
            queries.append(("url = ? AND date = ?", [uri, date]))
        if digest:
            queries.append(("url = ? AND digest = ?", [uri or revisit["url"], digest]))
            queries.append(("digest = ?", [digest]))
        if uri and not digest:
            queries.append(("url = ?", [uri]))
        for where, params in queries:
            row = self._one(f"SELECT * FROM records WHERE type = 'response' AND {where} "
                            "ORDER BY abs(coalesce(ms, 0) - ?) LIMIT 1",
                            [*params, revisit["ms"] or 0])
            if row is not None:
                return row
        return None

    def redirect_to(self, url: str, ms: int | None) -> sqlite3.Row | None:
        """A 3xx response whose Location is `url`, just before `ms` (the previous hop)."""
        return self._one(
            "SELECT * FROM records WHERE location = ? AND type IN ('response', 'revisit') "
            "AND status BETWEEN 300 AND 399 AND coalesce(ms, 0) <= ? + 1000 "
            "ORDER BY abs(coalesce(ms, 0) - ?) LIMIT 1", [url, ms or 0, ms or 0])

    def resource_records(self, prefixes: Sequence[str], url: str,
                         ms: int | None) -> sqlite3.Row | None:
        """The `resource` record named PREFIX + url (urn:pageinfo:, urn:view: ...) nearest in
        time, the first prefix winning."""
        for prefix in prefixes:
            row = self.nearest(prefix + url, ms, types=("resource",))
            if row is not None:
                return row
        return None

    def same_page(self, page_id: str) -> list[sqlite3.Row]:
        """Responses recorded for one page (WARC-Page-ID, as ArchiveWeb.page writes it), but
        not navigations (a link followed from the page is recorded under its id too, with its
        redirects): HTML and 3xx answers not known to be frames or subresources."""
        return list(self.conn.execute(
            """SELECT r.* FROM records r
               LEFT JOIN records q ON q.type = 'request'
                    AND (q.concurrent_to = r.record_id OR q.record_id = r.concurrent_to)
               WHERE r.page_id = ? AND r.type IN ('response', 'revisit')
                 AND NOT (coalesce(q.fetch_dest, 'document') = 'document'
                          AND (r.mime IN ('text/html', 'application/xhtml+xml')
                               OR r.status BETWEEN 300 AND 399))
               GROUP BY r.id ORDER BY r.id""", [page_id]))

    def referred_by(self, url: str, ms: int | None,
                    window_ms: int = REFERER_WINDOW_MS) -> list[sqlite3.Row]:
        """Responses whose request named `url` as its Referer, recorded from `ms` on (within
        `window_ms`): what a page or a frame asked for, its scripts' requests included, in
        archives that keep request records but no page ids (pywb, warcprox, older crawlers).
        Not navigations (a link followed from the page names it as Referer too)."""
        start = ms or 0
        return list(self.conn.execute(
            """SELECT r.* FROM records q
               JOIN records r ON r.type IN ('response', 'revisit')
                    AND (q.concurrent_to = r.record_id OR q.record_id = r.concurrent_to)
               WHERE q.type = 'request' AND q.referer = ?
                 AND coalesce(q.ms, 0) BETWEEN ? AND ?
                 AND NOT (coalesce(q.fetch_dest, 'document') = 'document'
                          AND (r.mime IN ('text/html', 'application/xhtml+xml')
                               OR r.status BETWEEN 300 AND 399))
               GROUP BY r.id ORDER BY r.ms, r.id""",
            [url, start - 1000, start + window_ms]))

    def pageinfo_records(self) -> Iterator[sqlite3.Row]:
        yield from self.conn.execute(
            "SELECT * FROM records WHERE type = 'resource' AND url LIKE 'urn:pageinfo:%' "
            "ORDER BY ms, id")

    def document_records(self) -> Iterator[sqlite3.Row]:
        """HTML responses that were top-level documents (their request was a navigation, or
        nothing says otherwise): the pages of a WARC that lists none."""
        yield from self.conn.execute(
            """SELECT r.* FROM records r
               LEFT JOIN records q ON q.type = 'request'
                    AND (q.concurrent_to = r.record_id OR q.record_id = r.concurrent_to)
               WHERE r.type IN ('response', 'revisit')
                 AND r.mime IN ('text/html', 'application/xhtml+xml')
                 AND (r.status IS NULL OR r.status < 300 OR r.status >= 400)
                 AND coalesce(q.fetch_dest, 'document') = 'document'
                 AND coalesce(q.method, 'GET') = 'GET'
               GROUP BY r.id ORDER BY r.ms, r.id""")


# --- the archive


def capture_at(db: Database, url: str, captured_at: str) -> int | None:
    """A capture of this page (normalized URL) taken at exactly this time, if any: what an
    import stored before, so a second import of the same file adds nothing."""
    row = db.execute(
        "SELECT c.id FROM captures c JOIN pages p ON p.id = c.page_id "
        "WHERE p.url = ? AND c.captured_at = ? LIMIT 1",
        [normalize(url), captured_at]).fetchone()
    return int(row[0]) if row else None


def fill_missing_text(db: Database, capture_id: int, text: str) -> None:
    """Give a capture whose extraction found no text the crawler's text of the page."""
    with write_transaction(db):
        db.execute("UPDATE captures SET text = ?, word_count = ? WHERE id = ? "
                   "AND coalesce(text, '') = ''", [text, len(text.split()), capture_id])


EXPORT_COLUMNS = ("id", "url", "final_url", "status", "error", "http_status", "content_type",
                  "headers", "title", "captured_at", "text", "lang", "screenshot_hash",
                  "snapshot_hash", "body_hash", "resources_status", "page_id")


def _export_filter(query: str | None, since: str | None) -> tuple[str, list[Any]]:
    where, params = ["1"], []
    if query:
        where.append("id IN (SELECT rowid FROM captures_fts WHERE captures_fts MATCH ?)")
        params.append(fts_query(query))
    if since:
        where.append("captured_at >= ?")
        params.append(since)
    return " AND ".join(where), params


def export_captures(db: Database, query: str | None = None,
                    since: str | None = None) -> Iterator[dict[str, Any]]:
    """The captures to export (all, or a search's hits), oldest first, one row at a time."""
    where, params = _export_filter(query, since)
    sql = (f"SELECT {', '.join(EXPORT_COLUMNS)} FROM captures WHERE {where} "
           "ORDER BY captured_at, id")
    cursor = _execute(db, sql, params, query)
    while rows := cursor.fetchmany(100):
        for row in rows:
            capture = dict(zip(EXPORT_COLUMNS, row, strict=True))
            capture["tags"] = page_tags(db, capture["page_id"])
            yield capture


def count_export(db: Database, query: str | None = None, since: str | None = None) -> int:
    """How many captures `export_captures` yields (for a progress bar)."""
    where, params = _export_filter(query, since)
    return int(_execute(db, f"SELECT count(*) FROM captures WHERE {where}", params,
                        query).fetchone()[0])


def _execute(db: Database, sql: str, params: list[Any], query: str | None) -> sqlite3.Cursor:
    try:
        return db.execute(sql, params)
    except sqlite3.OperationalError as exc:
        raise ArchiverError(f"Cannot search for {query!r}: {exc}") from exc
