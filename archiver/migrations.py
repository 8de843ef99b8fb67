"""The database schema, as `sqlite_utils.Migrations`. Applied every time a database is opened.

Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("archiver")


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE pages (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,       -- normalized URL: the key for "same page"
            site TEXT NOT NULL,             -- host name without "www."
            first_captured TEXT NOT NULL,
            last_captured TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE blobs (
            hash TEXT PRIMARY KEY,          -- sha256 of the content as captured
            content_type TEXT,
            size INTEGER NOT NULL,          -- bytes before compression
            encoding TEXT NOT NULL,         -- 'zlib' or 'identity'
            content BLOB NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE captures (
            id INTEGER PRIMARY KEY,
            screenshot_hash TEXT REFERENCES blobs(hash),  -- full-page PNG
            title TEXT,
            site TEXT NOT NULL,             -- host name without "www.", for facets
            captured_at TEXT NOT NULL,
            status TEXT NOT NULL,           -- ok | partial | failed
            word_count INTEGER,
            url TEXT NOT NULL,              -- the URL as asked for
            final_url TEXT,                 -- after redirects
            error TEXT,                     -- why it failed or is partial
            http_status INTEGER,
            content_type TEXT,
            byline TEXT,
            published TEXT,
            lang TEXT,
            site_name TEXT,
            description TEXT,
            canonical_url TEXT,
            image_url TEXT,
            source TEXT NOT NULL,           -- cli | extension | api
            duration_ms INTEGER,
            browser_version TEXT,
            consent_cmp TEXT,
            consent_action TEXT,
            consent_ms INTEGER,
            extraction_error TEXT,
            page_id INTEGER NOT NULL REFERENCES pages(id),
            snapshot_hash TEXT REFERENCES blobs(hash),  -- rendered DOM (HTML pages)
            body_hash TEXT REFERENCES blobs(hash),  -- body as served (non-HTML)
            screenshot_width INTEGER,
            screenshot_height INTEGER,
            headers TEXT,                   -- response headers, JSON
            text TEXT,                      -- the article as plain text
            html TEXT                       -- the article as sanitized HTML
        )"""
    )
    db.execute("CREATE INDEX captures_page ON captures(page_id, captured_at)")
    db.execute("CREATE INDEX captures_captured_at ON captures(captured_at)")
    db.execute("CREATE INDEX captures_status ON captures(status)")
    db.execute("CREATE INDEX captures_site ON captures(site)")
    _create_fts(db)


def _create_fts(db: Database) -> None:
    """FTS5 over title and text, an external-content index kept current by triggers.

    Written by hand rather than with `enable_fts()` because that uses `executescript()`, which
    commits the migration's transaction half-way."""
    db.execute(
        """CREATE VIRTUAL TABLE captures_fts USING fts5(
            title, text, content="captures", content_rowid="id",
            tokenize="porter unicode61 remove_diacritics 2")"""
    )
    db.execute(
        """CREATE TRIGGER captures_ai AFTER INSERT ON captures BEGIN
            INSERT INTO captures_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END"""
    )
    db.execute(
        """CREATE TRIGGER captures_ad AFTER DELETE ON captures BEGIN
            INSERT INTO captures_fts(captures_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END"""
    )
    db.execute(
        """CREATE TRIGGER captures_au AFTER UPDATE OF title, text ON captures BEGIN
            INSERT INTO captures_fts(captures_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO captures_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END"""
    )


@migrations()
def m002_tags_notes_keys(db: Database) -> None:
    """Tags and a note per capture; an idempotency key so a retried upload is stored once."""
    db.execute("ALTER TABLE captures ADD COLUMN note TEXT")
    db.execute("ALTER TABLE captures ADD COLUMN idempotency_key TEXT")
    db.execute(
        "CREATE UNIQUE INDEX captures_idempotency_key ON captures(idempotency_key) "
        "WHERE idempotency_key IS NOT NULL"
    )
    db.execute(
        """
        CREATE TABLE capture_tags (
            capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (capture_id, tag)
        )"""
    )
    db.execute("CREATE INDEX capture_tags_tag ON capture_tags(tag)")


@migrations()
def m003_api_tokens(db: Database) -> None:
    """Tokens of the companion API (the browser extension), stored as sha256 hashes only."""
    db.execute(
        """
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,    -- sha256 of the token; the token is never stored
            scope TEXT NOT NULL,                -- what it allows: 'captures:write'
            created_at TEXT NOT NULL
        )"""
    )


@migrations()
def m004_bookmarks(db: Database) -> None:
    """When the user bookmarked a URL that came from an import (Pocket, Pinboard, browser)."""
    db.execute("ALTER TABLE captures ADD COLUMN bookmarked_at TEXT")


@migrations()
def m005_lang_index(db: Database) -> None:
    """Filtering and faceting by language reads an index instead of every capture."""
    db.execute("CREATE INDEX captures_lang ON captures(lang)")


@migrations()
def m006_resources(db: Database) -> None:
    """Every response a page used (stylesheets, images, fonts, frames, scripts, XHR), its
    frames' DOMs, and per capture how many resources were kept. Captures made before this are
    marked `resources_status = 'none'`: they still replay, without their resources."""
    db.execute(
        """
        CREATE TABLE resources (
            id INTEGER PRIMARY KEY,
            capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            method TEXT NOT NULL DEFAULT 'GET',
            kind TEXT,                      -- document, stylesheet, image, font, script, ...
            status INTEGER,                 -- HTTP status
            mime_type TEXT,
            headers TEXT,                   -- response headers, JSON
            request_headers TEXT,           -- request headers, JSON
            body_hash TEXT REFERENCES blobs(hash),  -- NULL when the body was not kept
            size INTEGER,                   -- bytes of the body (also when not kept, if known)
            skipped TEXT,                   -- why the body was not kept, NULL when it was
            detail TEXT,
            fetched_at TEXT
        )"""
    )
    db.execute("CREATE INDEX resources_capture_url ON resources(capture_id, url)")
    db.execute("CREATE INDEX resources_body ON resources(body_hash)")
    db.execute(
        """
        CREATE TABLE frames (
            id INTEGER PRIMARY KEY,
            capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,      -- data-archiver-frame="POSITION" in the parent's DOM
            parent INTEGER,                 -- the parent frame's position; NULL: the page
            url TEXT,
            snapshot_hash TEXT REFERENCES blobs(hash),  -- the frame's rendered DOM
            UNIQUE (capture_id, position)
        )"""
    )
    for column in ("resources_stored INTEGER", "resources_skipped INTEGER",
                   "resources_bytes INTEGER", "resources_status TEXT"):
        db.execute(f"ALTER TABLE captures ADD COLUMN {column}")
    db.execute("UPDATE captures SET resources_status = 'none'")


@migrations()
def m007_extraction_path(db: Database) -> None:
    """Which extraction path produced a capture's text (cleaned, readability, trafilatura, page)."""
    db.execute("ALTER TABLE captures ADD COLUMN extraction_path TEXT")


@migrations()
def m009_thumbnails(db: Database) -> None:
    """The thumbnail of a capture's screenshot (a JPEG blob), made when it is first shown."""
    db.execute("ALTER TABLE captures ADD COLUMN thumbnail_hash TEXT REFERENCES blobs(hash)")


@migrations()
def m010_watches(db: Database) -> None:
    """Watched pages, checked again on a schedule; each check's outcome (a change keeps a
    capture and a short diff, an unchanged check keeps only a small row); webhook deliveries."""
    db.execute(
        """
        CREATE TABLE watches (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,              -- the URL as given
            page_url TEXT NOT NULL,         -- normalized: the pages table's key
            site TEXT NOT NULL,
            interval INTEGER NOT NULL,      -- seconds between checks
            selector TEXT,                  -- CSS selector: compare only this part's text
            tag TEXT,                       -- put on the captures of changes
            ignore_numbers INTEGER NOT NULL DEFAULT 0,
            ignore_dates INTEGER NOT NULL DEFAULT 0,
            threshold INTEGER NOT NULL DEFAULT 1,  -- words added + removed that make a change
            webhook TEXT,                   -- JSON POST on change
            source TEXT NOT NULL,           -- cli | extension
            created_at TEXT NOT NULL,
            next_due TEXT NOT NULL,
            last_checked TEXT,
            last_changed TEXT,
            last_capture_id INTEGER REFERENCES captures(id) ON DELETE SET NULL,
            last_text TEXT,                 -- the compared text of the last capture kept
            status TEXT NOT NULL DEFAULT 'new',  -- new | ok | failing | gone | no match
            error TEXT,
            failures INTEGER NOT NULL DEFAULT 0,  -- failed checks in a row (backoff)
            claimed_by TEXT,                -- the process checking it now
            claimed_until TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX watches_page_selector "
               "ON watches(page_url, ifnull(selector, ''))")
    db.execute("CREATE INDEX watches_next_due ON watches(next_due)")
    db.execute(
        """
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
            checked_at TEXT NOT NULL,
            outcome TEXT NOT NULL,          -- first | changed | unchanged | failed | gone
            capture_id INTEGER REFERENCES captures(id) ON DELETE SET NULL,  -- the new capture
            previous_capture_id INTEGER REFERENCES captures(id) ON DELETE SET NULL,
            words_added INTEGER,
            words_removed INTEGER,
            diff TEXT,                      -- a short word diff, JSON [[kind, text], ...]
            error TEXT
        )"""
    )
    db.execute("CREATE INDEX checks_watch ON checks(watch_id, checked_at)")
    db.execute("CREATE INDEX checks_outcome ON checks(outcome, checked_at)")
    db.execute(
        """
        CREATE TABLE webhook_deliveries (
            id INTEGER PRIMARY KEY,
            check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            http_status INTEGER,
            delivered INTEGER NOT NULL,     -- 1: the target answered 2xx
            error TEXT,
            sent_at TEXT NOT NULL
        )"""
    )


GOOD_STATUSES = "('ok', 'partial')"
"""A capture of these statuses is a version worth showing (the others failed or hit a wall)."""


@migrations()
def m011_library(db: Database) -> None:
    """The page is the unit, its captures are its versions: tags, a note, a reading state and a
    favourite flag belong to the page (moved from the captures, merged, nothing lost); the page
    keeps its newest capture, its newest good one and how many it has, kept current by
    triggers, so that listing pages reads one row a page."""
    for column in ("note TEXT", "state TEXT NOT NULL DEFAULT 'unread'",
                   "favourite INTEGER NOT NULL DEFAULT 0", "updated_at TEXT",
                   "first_capture_id INTEGER", "last_capture_id INTEGER",
                   "good_capture_id INTEGER", "versions INTEGER NOT NULL DEFAULT 0"):
        db.execute(f"ALTER TABLE pages ADD COLUMN {column}")
    db.execute(
        """
        CREATE TABLE page_tags (
            page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (page_id, tag)
        )"""
    )
    db.execute("CREATE INDEX page_tags_tag ON page_tags(tag)")
    db.execute("INSERT OR IGNORE INTO page_tags (page_id, tag) SELECT c.page_id, t.tag "
               "FROM capture_tags t JOIN captures c ON c.id = t.capture_id")
    db.execute("DROP TABLE capture_tags")
    # Notes of several versions are joined, oldest first, each said once.
    db.execute(
        """UPDATE pages SET note = (
               SELECT group_concat(note, char(10) || char(10)) FROM (
                   SELECT note FROM captures WHERE page_id = pages.id AND note IS NOT NULL
                   GROUP BY note ORDER BY min(captured_at), min(id)))""")
    db.execute("ALTER TABLE captures DROP COLUMN note")
    _create_page_triggers(db)
    db.execute(f"UPDATE pages SET {_PAGE_SUMMARY}, updated_at = last_captured")
    db.execute("DELETE FROM pages WHERE versions = 0")
    db.execute("CREATE INDEX pages_last_captured ON pages(last_captured)")
    db.execute("CREATE INDEX pages_site ON pages(site)")
    db.execute("CREATE INDEX pages_good ON pages(good_capture_id)")
    # What `archiver delete` asks when it looks for blobs nothing refers to any more.
    for column in ("screenshot_hash", "snapshot_hash", "body_hash", "thumbnail_hash"):
        db.execute(f"CREATE INDEX captures_{column} ON captures({column})")
    db.execute("CREATE INDEX frames_snapshot ON frames(snapshot_hash)")


_PAGE_SUMMARY = f"""
    versions = (SELECT count(*) FROM captures WHERE page_id = pages.id),
    first_captured = coalesce((SELECT min(captured_at) FROM captures WHERE page_id = pages.id),
                              first_captured),
    last_captured = coalesce((SELECT max(captured_at) FROM captures WHERE page_id = pages.id),
                             last_captured),
    first_capture_id = (SELECT id FROM captures WHERE page_id = pages.id
                        ORDER BY captured_at, id LIMIT 1),
    last_capture_id = (SELECT id FROM captures WHERE page_id = pages.id
                       ORDER BY captured_at DESC, id DESC LIMIT 1),
    good_capture_id = (SELECT id FROM captures WHERE page_id = pages.id
                       AND status IN {GOOD_STATUSES} ORDER BY captured_at DESC, id DESC LIMIT 1)
"""


def _create_page_triggers(db: Database) -> None:
    """A page's summary columns follow its captures (inserted, deleted, status changed)."""
    db.execute(f"""CREATE TRIGGER captures_page_ai AFTER INSERT ON captures BEGIN
        UPDATE pages SET {_PAGE_SUMMARY} WHERE id = new.page_id; END""")
    db.execute(f"""CREATE TRIGGER captures_page_ad AFTER DELETE ON captures BEGIN
        UPDATE pages SET {_PAGE_SUMMARY} WHERE id = old.page_id; END""")
    db.execute(f"""CREATE TRIGGER captures_page_au AFTER UPDATE OF status, captured_at, page_id
        ON captures BEGIN
        UPDATE pages SET {_PAGE_SUMMARY} WHERE id IN (old.page_id, new.page_id); END""")


@migrations()
def m012_highlights(db: Database) -> None:
    """Highlights with notes, as W3C Web Annotations: the quote with its context
    (TextQuoteSelector) and where it was in the version it was made on (TextPositionSelector,
    a hint), so that it anchors on every version of the page that still has the quote.
    Full-text indexes over highlights (quote, note) and over the pages' notes."""
    db.execute(
        """
        CREATE TABLE highlights (
            id INTEGER PRIMARY KEY,
            page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
            capture_id INTEGER REFERENCES captures(id) ON DELETE SET NULL,  -- made on
            exact TEXT NOT NULL,            -- the quote, whitespace collapsed
            prefix TEXT NOT NULL DEFAULT '',  -- up to 32 characters before it
            suffix TEXT NOT NULL DEFAULT '',  -- up to 32 characters after it
            start INTEGER,                  -- code points into the article's text: a hint
            "end" INTEGER,
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX highlights_page ON highlights(page_id, start)")
    db.execute("CREATE INDEX highlights_capture ON highlights(capture_id)")
    _create_note_fts(db, "highlights", ("exact", "note"))
    _create_note_fts(db, "pages", ("note",))
    db.execute("INSERT INTO pages_fts(pages_fts) VALUES ('rebuild')")


def _create_note_fts(db: Database, table: str, columns: tuple[str, ...]) -> None:
    """An external-content FTS5 index over `columns` of `table`, kept current by triggers
    (by hand, for the reason `_create_fts` gives)."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    fts = f"{table}_fts"
    db.execute(f"""CREATE VIRTUAL TABLE {fts} USING fts5(
        {names}, content="{table}", content_rowid="id",
        tokenize="porter unicode61 remove_diacritics 2")""")
    db.execute(f"""CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN
        INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END""")
    db.execute(f"""CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN
        INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END""")
    db.execute(f"""CREATE TRIGGER {table}_fts_au AFTER UPDATE OF {names} ON {table} BEGIN
        INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});
        INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END""")


@migrations()
def m013_page_listing(db: Database) -> None:
    """The home page's Favourites filter reads an index of favourites in order, not every
    page (a few favourites among 20,000 pages: 29 ms to under 1)."""
    db.execute("CREATE INDEX pages_favourites ON pages(last_captured) WHERE favourite")


@migrations()
def m013_walls(db: Database) -> None:
    """Walls (`archiver.walls`): a capture whose page was a bot challenge, a login form, a
    consent page, a "not found" page, an empty app shell (status `blocked`) or a paywall's
    teaser (`partial`) says which and why in `wall` (JSON: kind, label, evidence). A watch may
    name a cookies.txt file (its path, never its values) that its checks capture with."""
    db.execute("ALTER TABLE captures ADD COLUMN wall TEXT")
    db.execute("ALTER TABLE watches ADD COLUMN cookies_file TEXT")
