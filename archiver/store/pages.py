"""Pages: the unit of the library. A page is one normalized URL; its captures are its versions.

A page holds what the user says about it (tags, a note, a reading state, a favourite flag);
its summary columns (newest capture, newest good capture, how many versions) follow its
captures through triggers (see `migrations.m011_library`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from archiver.errors import ArchiverError, NotFound
from archiver.store.connection import dict_rows, write_transaction
from archiver.urls import InvalidURL, normalize

STATES = ("unread", "read", "archived")
"""A page's reading state."""


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags as stored: surrounding and repeated whitespace removed, empty ones dropped."""
    cleaned = (" ".join(t.split()) for t in tags)
    return sorted({t for t in cleaned if t})


def insert_page_tags(db: Database, page_id: int, tags: Iterable[str]) -> None:
    for tag in clean_tags(tags):
        db.execute("INSERT OR IGNORE INTO page_tags (page_id, tag) VALUES (?, ?)",
                   [page_id, tag])


def page_of_capture(db: Database, capture_id: int) -> int:
    """The page a capture is a version of."""
    row = db.execute("SELECT page_id FROM captures WHERE id = ?", [capture_id]).fetchone()
    if row is None:
        raise NotFound(f"There is no capture {capture_id} in this archive.")
    return int(row[0])


def page_by_url(db: Database, url: str) -> dict[str, Any] | None:
    """The page of this URL (normalized: the same page however it is written), if archived."""
    try:
        key = normalize(url)
    except (InvalidURL, ValueError):
        return None
    rows = dict_rows(db.execute("SELECT * FROM pages WHERE url = ?", [key]))
    return _with_tags(db, rows[0]) if rows else None


def resolve_page(db: Database, ref: str | int) -> int:
    """A page from what a user typed: a capture id (its page) or a URL."""
    text = str(ref).strip()
    if text.isdigit():
        return page_of_capture(db, int(text))
    page = page_by_url(db, text)
    if page is None:
        raise NotFound(f"{text!r} is neither a capture id nor the URL of an archived page.")
    return int(page["id"])


def get_page(db: Database, page_id: int) -> dict[str, Any]:
    """A page's row with its `tags`."""
    rows = dict_rows(db.execute("SELECT * FROM pages WHERE id = ?", [page_id]))
    if not rows:
        raise NotFound(f"There is no page {page_id} in this archive.")
    return _with_tags(db, rows[0])


def _with_tags(db: Database, page: dict[str, Any]) -> dict[str, Any]:
    page["tags"] = page_tags(db, int(page["id"]))
    return page


def page_tags(db: Database, page_id: int) -> list[str]:
    sql = "SELECT tag FROM page_tags WHERE page_id = ? ORDER BY tag"
    return [r[0] for r in db.execute(sql, [page_id]).fetchall()]


def tags_of_pages(db: Database, page_ids: Sequence[int]) -> dict[int, list[str]]:
    """Tags of several pages at once (for a listing)."""
    found: dict[int, list[str]] = {int(p): [] for p in page_ids}
    if not found:
        return found
    marks = ", ".join("?" for _ in found)
    sql = f"SELECT page_id, tag FROM page_tags WHERE page_id IN ({marks}) ORDER BY tag"
    for page_id, tag in db.execute(sql, list(found)).fetchall():
        found[int(page_id)].append(tag)
    return found


def _require_pages(db: Database, page_ids: Sequence[int]) -> None:
    for page_id in page_ids:
        if not db.execute("SELECT 1 FROM pages WHERE id = ?", [page_id]).fetchone():
            raise NotFound(f"There is no page {page_id} in this archive.")


def _touch(db: Database, page_ids: Sequence[int]) -> None:
    from archiver.models import now_iso

    for page_id in page_ids:
        db.execute("UPDATE pages SET updated_at = ? WHERE id = ?", [now_iso(), page_id])


def add_tags(db: Database, page_ids: Sequence[int], tags: Iterable[str]) -> None:
    """Tag pages (tags they have already are kept once)."""
    tags = clean_tags(tags)
    with write_transaction(db):
        _require_pages(db, page_ids)
        for page_id in page_ids:
            insert_page_tags(db, page_id, tags)
        _touch(db, page_ids)


def remove_tags(db: Database, page_ids: Sequence[int], tags: Iterable[str]) -> None:
    """Take tags off pages (absent ones are ignored)."""
    tags = clean_tags(tags)
    with write_transaction(db):
        _require_pages(db, page_ids)
        for page_id in page_ids:
            for tag in tags:
                db.execute("DELETE FROM page_tags WHERE page_id = ? AND tag = ?",
                           [page_id, tag])
        _touch(db, page_ids)


def set_tags(db: Database, page_id: int, tags: Iterable[str]) -> list[str]:
    """Replace a page's tags with `tags`. Returns them as stored."""
    with write_transaction(db):
        _require_pages(db, [page_id])
        db.execute("DELETE FROM page_tags WHERE page_id = ?", [page_id])
        insert_page_tags(db, page_id, tags)
        _touch(db, [page_id])
    return page_tags(db, page_id)


def set_note(db: Database, page_id: int, note: str | None) -> None:
    """Set (or, with an empty `note`, clear) the note of a page."""
    with write_transaction(db):
        _require_pages(db, [page_id])
        text = (note or "").strip() or None
        db.execute("UPDATE pages SET note = ? WHERE id = ?", [text, page_id])
        _touch(db, [page_id])


def set_state(db: Database, page_ids: Sequence[int], state: str) -> None:
    """Mark pages unread, read or archived."""
    if state not in STATES:
        raise ArchiverError(f"A page is {', '.join(STATES)}; not {state!r}.")
    with write_transaction(db):
        _require_pages(db, page_ids)
        for page_id in page_ids:
            db.execute("UPDATE pages SET state = ? WHERE id = ?", [state, page_id])
        _touch(db, page_ids)


def set_favourite(db: Database, page_ids: Sequence[int], favourite: bool) -> None:
    with write_transaction(db):
        _require_pages(db, page_ids)
        for page_id in page_ids:
            db.execute("UPDATE pages SET favourite = ? WHERE id = ?",
                       [int(favourite), page_id])
        _touch(db, page_ids)


def tag_counts(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """Tags by how many pages carry them."""
    sql = ("SELECT tag, count(*) AS n FROM page_tags GROUP BY tag "
           "ORDER BY n DESC, tag LIMIT ?")
    return dict_rows(db.execute(sql, [limit]))


def site_counts(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """Sites by how many pages of theirs the archive holds."""
    sql = "SELECT site, count(*) AS n FROM pages GROUP BY site ORDER BY n DESC, site LIMIT ?"
    return dict_rows(db.execute(sql, [limit]))


def page_versions(db: Database, page_id: int) -> list[dict[str, Any]]:
    """Every capture of a page, oldest first (a timeline)."""
    sql = ("SELECT id, captured_at, status, error, title, word_count, http_status, "
           "screenshot_hash, snapshot_hash FROM captures WHERE page_id = ? "
           "ORDER BY captured_at, id")
    return dict_rows(db.execute(sql, [page_id]))
