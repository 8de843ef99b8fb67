"""Captures: storing one (blobs first, then its row, then its page's tags), reading one back,
idempotency keys and API tokens."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from archiver.errors import NotFound
from archiver.models import Article, Capture
from archiver.store import resources
from archiver.store.blobs import put_blob
from archiver.store.connection import dict_rows, write_transaction
from archiver.store.pages import insert_page_tags
from archiver.store.screenshots import put_screenshot
from archiver.urls import host_of, normalize


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
    """Store one capture (blobs first, then the row pointing at them, then its tags, resources
    and frames), in one transaction. Returns its id."""
    with write_transaction(db):
        blobs = _put_capture_blobs(db, capture)
        page_id = _upsert_page(db, capture.url, capture.captured_at)
        row = _capture_row(capture, article, source, extraction_error)
        row.update(blobs, page_id=page_id, bookmarked_at=bookmarked_at)
        row.update(_resource_columns(capture))
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        sql = f"INSERT INTO captures ({columns}) VALUES ({marks})"
        capture_id = int(db.execute(sql, list(row.values())).lastrowid or 0)
        insert_page_tags(db, page_id, tags)
        resources.insert_resources(db, capture_id, capture.resources)
        resources.insert_frames(db, capture_id, capture.frames)
        return capture_id


def _resource_columns(capture: Capture) -> dict[str, Any]:
    found = resources.totals(capture.resources)
    return {"resources_stored": found.stored, "resources_skipped": found.skipped,
            "resources_bytes": found.bytes,
            "resources_status": found.status(capture.resources_kept)}


def archived_urls(db: Database, urls: Iterable[str]) -> set[str]:
    """Which of `urls` (normalized) already have a capture that did not fail (nor hit a
    wall)."""
    keys = {normalize(u) for u in urls}
    found: set[str] = set()
    sql = ("SELECT DISTINCT p.url FROM pages p JOIN captures c ON c.page_id = p.id "
           "WHERE c.status NOT IN ('failed', 'blocked') "
           "AND p.url IN (SELECT value FROM json_each(?))")
    chunk = list(keys)
    for start in range(0, len(chunk), 5000):
        part = json.dumps(chunk[start:start + 5000])
        found.update(r[0] for r in db.execute(sql, [part]).fetchall())
    return found


def failures(db: Database) -> list[dict[str, Any]]:
    """Pages whose latest capture failed or hit a wall (status `blocked`), with the reason:
    what `archiver retry` retries. Each has `status` and `wall` (the wall's kind, or None)."""
    sql = """
        SELECT c.id, c.url, c.status, c.error, c.http_status, c.captured_at,
               json_extract(c.wall, '$.kind') AS wall FROM captures c
        WHERE c.status IN ('failed', 'blocked') AND c.id = (
            SELECT max(c2.id) FROM captures c2 WHERE c2.page_id = c.page_id)
        ORDER BY c.id"""
    return dict_rows(db.execute(sql))


def _put_capture_blobs(db: Database, capture: Capture) -> dict[str, Any]:
    blobs: dict[str, Any] = {}
    if capture.html is not None:
        snapshot = capture.html.encode("utf-8", errors="replace")
        blobs["snapshot_hash"] = put_blob(db, snapshot, "text/html; charset=utf-8")
    if capture.body is not None:
        blobs["body_hash"] = put_blob(db, capture.body, capture.content_type)
    if capture.screenshot:
        blobs.update(put_screenshot(db, capture.screenshot))  # its own type: WebP, PNG, JPEG
    return blobs


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
        "wall": json.dumps(capture.wall, ensure_ascii=False) if capture.wall else None,
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
            extraction_path=article.extraction_path,
        )
    return row


def get_capture(db: Database, capture_id: int) -> dict[str, Any]:
    row = db.execute("SELECT * FROM captures WHERE id = ?", [capture_id]).fetchone()
    if row is None:
        raise NotFound(f"There is no capture {capture_id} in this archive.")
    columns = [d[0] for d in db.execute("SELECT * FROM captures LIMIT 0").description]
    return dict(zip(columns, row, strict=True))



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

