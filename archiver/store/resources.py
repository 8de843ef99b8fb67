"""What a page loaded (its resources) and its frames' DOMs, stored per capture; the bodies go
to the blobs table, so a site's stylesheets, fonts and logos are stored once for all captures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from archiver.models import FrameSnapshot, Resource
from archiver.store.blobs import get_blob, put_blob
from archiver.store.connection import dict_rows

RESOURCE_COLUMNS = ("id", "capture_id", "url", "method", "kind", "status", "mime_type",
                    "headers", "request_headers", "body_hash", "size", "skipped", "detail",
                    "fetched_at")


@dataclass
class ResourceTotals:
    """Capture quality as data: how many resources were kept, how many not, and their bytes."""

    stored: int = 0
    skipped: int = 0
    bytes: int = 0

    def status(self, kept: bool) -> str:
        """`resources_status`: none (not recorded), complete, or partial (some not kept)."""
        if not kept:
            return "none"
        return "partial" if self.skipped else "complete"


def totals(resources: Sequence[Resource]) -> ResourceTotals:
    result = ResourceTotals()
    for resource in resources:
        if resource.body is not None:
            result.stored += 1
            result.bytes += len(resource.body)
        elif resource.skipped:
            result.skipped += 1
    return result


def insert_resources(db: Database, capture_id: int, resources: Sequence[Resource]) -> None:
    """Store each resource's body as a blob, then its row (inside the capture's transaction)."""
    for resource in resources:
        body_hash = None
        if resource.body is not None:
            body_hash = put_blob(db, resource.body, resource.mime_type)
        size = len(resource.body) if resource.body is not None else resource.size
        db.execute(
            "INSERT INTO resources (capture_id, url, method, kind, status, mime_type, headers, "
            "request_headers, body_hash, size, skipped, detail, fetched_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [capture_id, resource.url, resource.method or "GET", resource.kind,
             resource.status, resource.mime_type, _json(resource.headers),
             _json(resource.request_headers), body_hash, size, resource.skipped,
             resource.detail, resource.fetched_at],
        )


def insert_frames(db: Database, capture_id: int, frames: Sequence[FrameSnapshot]) -> None:
    for frame in frames:
        snapshot = put_blob(db, frame.html.encode("utf-8", errors="replace"),
                            "text/html; charset=utf-8")
        db.execute(
            "INSERT INTO frames (capture_id, position, parent, url, snapshot_hash) "
            "VALUES (?, ?, ?, ?, ?)",
            [capture_id, frame.position, frame.parent, frame.url, snapshot],
        )


def _json(headers: dict[str, str]) -> str | None:
    return json.dumps(headers, ensure_ascii=False) if headers else None


def capture_resources(db: Database, capture_id: int) -> list[dict[str, Any]]:
    """Every resource row of a capture (without bodies), in the order they were recorded."""
    sql = (f"SELECT {', '.join(RESOURCE_COLUMNS)} FROM resources WHERE capture_id = ? "
           "ORDER BY id")
    return dict_rows(db.execute(sql, [capture_id]))


def resource_by_url(db: Database, capture_id: int, url: str) -> dict[str, Any] | None:
    """The resource of a capture for `url`: the one with a body if any (the page may have
    asked twice, once answered by a redirect), else the last one recorded."""
    sql = (f"SELECT {', '.join(RESOURCE_COLUMNS)} FROM resources WHERE capture_id = ? "
           "AND url = ? ORDER BY body_hash IS NULL, id DESC LIMIT 1")
    rows = dict_rows(db.execute(sql, [capture_id, url]))
    return rows[0] if rows else None


def resource_map(db: Database, capture_id: int) -> dict[str, int]:
    """URL -> resource id, for rewriting a capture's snapshot (bodies preferred)."""
    sql = ("SELECT url, id FROM resources WHERE capture_id = ? "
           "ORDER BY body_hash IS NOT NULL, id")
    return {str(url): int(rid) for url, rid in db.execute(sql, [capture_id]).fetchall()}


def get_resource(db: Database, capture_id: int, resource_id: int) -> dict[str, Any] | None:
    sql = (f"SELECT {', '.join(RESOURCE_COLUMNS)} FROM resources WHERE capture_id = ? "
           "AND id = ?")
    rows = dict_rows(db.execute(sql, [capture_id, resource_id]))
    return rows[0] if rows else None


def resource_body(db: Database, row: dict[str, Any]) -> bytes | None:
    return get_blob(db, row["body_hash"]).content if row.get("body_hash") else None


def capture_frames(db: Database, capture_id: int) -> list[dict[str, Any]]:
    sql = ("SELECT position, parent, url, snapshot_hash FROM frames WHERE capture_id = ? "
           "ORDER BY position")
    return dict_rows(db.execute(sql, [capture_id]))


def frame_snapshot(db: Database, capture_id: int, position: int) -> bytes | None:
    row = db.execute("SELECT snapshot_hash FROM frames WHERE capture_id = ? AND position = ?",
                     [capture_id, position]).fetchone()
    return get_blob(db, row[0]).content if row and row[0] else None
