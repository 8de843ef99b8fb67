"""Deleting pages and versions, and the blobs nothing refers to any more; reclaiming space.

A blob (a screenshot, a DOM, a stylesheet ...) is stored once for every capture that has the
same bytes, so deleting a capture deletes only those of its blobs that no other capture,
resource or frame refers to: the other pages' replay keeps working.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from archiver.errors import NotFound
from archiver.store.connection import StorageError, write_transaction

BLOB_REFERENCES = (
    ("captures", "screenshot_hash"), ("captures", "snapshot_hash"), ("captures", "body_hash"),
    ("captures", "thumbnail_hash"), ("resources", "body_hash"), ("frames", "snapshot_hash"),
)
"""Every column that refers to a blob (each one indexed, see migrations.m011_library)."""


@dataclass
class Deleted:
    """What a deletion removed (or, in a dry run, would remove)."""

    captures: list[int] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    resources: int = 0
    blobs: int = 0
    blob_bytes: int = 0  # bytes of the blobs as stored (compressed), freed in the file
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"captures": self.captures, "pages": self.pages, "resources": self.resources,
                "blobs": self.blobs, "blob_bytes": self.blob_bytes, "dry_run": self.dry_run}


class _DryRun(Exception):
    """Rolls a dry run's transaction back."""


def delete_pages(db: Database, page_ids: Sequence[int], dry_run: bool = False) -> Deleted:
    """Delete pages with every version, their tags, note and highlights."""
    ids: list[int] = []
    for page_id in dict.fromkeys(page_ids):
        if not db.execute("SELECT 1 FROM pages WHERE id = ?", [page_id]).fetchone():
            raise NotFound(f"There is no page {page_id} in this archive.")
        ids += [r[0] for r in db.execute("SELECT id FROM captures WHERE page_id = ?",
                                         [page_id]).fetchall()]
    return delete_captures(db, ids, dry_run, pages=list(dict.fromkeys(page_ids)))


def delete_captures(db: Database, capture_ids: Sequence[int], dry_run: bool = False,
                    pages: Sequence[int] = ()) -> Deleted:
    """Delete captures (versions) with their resources, frames, full-text rows and the blobs
    nothing else refers to. A page left without versions goes too, as do `pages`."""
    capture_ids = list(dict.fromkeys(capture_ids))
    report = Deleted(captures=capture_ids, dry_run=dry_run)
    try:
        with write_transaction(db):
            _delete(db, capture_ids, list(pages), report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _delete(db: Database, capture_ids: list[int], pages: list[int], report: Deleted) -> None:
    for capture_id in capture_ids:
        if not db.execute("SELECT 1 FROM captures WHERE id = ?", [capture_id]).fetchone():
            raise NotFound(f"There is no capture {capture_id} in this archive.")
    hashes = _blobs_of(db, capture_ids)
    touched = set(pages)
    for capture_id in capture_ids:
        touched.add(int(db.execute("SELECT page_id FROM captures WHERE id = ?",
                                   [capture_id]).fetchone()[0]))
        report.resources += db.execute("SELECT count(*) FROM resources WHERE capture_id = ?",
                                       [capture_id]).fetchone()[0]
        # Explicitly, not by ON DELETE CASCADE: Datasette's connections run without
        # foreign_keys, and the web UI deletes through them too.
        for table in ("resources", "frames"):
            db.execute(f"DELETE FROM {table} WHERE capture_id = ?", [capture_id])
        for table, column in (("checks", "capture_id"), ("checks", "previous_capture_id"),
                              ("watches", "last_capture_id"), ("highlights", "capture_id")):
            db.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} = ?", [capture_id])
        db.execute("DELETE FROM captures WHERE id = ?", [capture_id])
    for page_id in sorted(touched):
        row = db.execute("SELECT versions FROM pages WHERE id = ?", [page_id]).fetchone()
        if row is not None and (row[0] == 0 or page_id in pages):
            _delete_page_row(db, page_id)
            report.pages.append(page_id)
    for blob in hashes:
        if not _referenced(db, blob):
            size = db.execute("SELECT length(content) FROM blobs WHERE hash = ?",
                              [blob]).fetchone()
            if size is not None:
                db.execute("DELETE FROM blobs WHERE hash = ?", [blob])
                report.blobs += 1
                report.blob_bytes += int(size[0] or 0)


def _delete_page_row(db: Database, page_id: int) -> None:
    for table in _page_tables(db):
        db.execute(f"DELETE FROM {table} WHERE page_id = ?", [page_id])
    db.execute("DELETE FROM pages WHERE id = ?", [page_id])


def _page_tables(db: Database) -> list[str]:
    """Tables whose rows belong to a page (page_tags, highlights, ...)."""
    rows = db.execute(
        "SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
        "WHERE m.type = 'table' AND f.\"table\" = 'pages' AND f.\"from\" = 'page_id' "
        "AND m.name != 'captures'").fetchall()
    return [r[0] for r in rows]


def _blobs_of(db: Database, capture_ids: list[int]) -> set[str]:
    found: set[str] = set()
    for capture_id in capture_ids:
        for table, column in BLOB_REFERENCES:
            key = "id" if table == "captures" else "capture_id"
            sql = f"SELECT {column} FROM {table} WHERE {key} = ? AND {column} IS NOT NULL"
            found.update(r[0] for r in db.execute(sql, [capture_id]).fetchall())
    return found


def _referenced(db: Database, blob: str) -> bool:
    return any(
        db.execute(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", [blob]).fetchone()
        for table, column in BLOB_REFERENCES)


@dataclass
class Vacuumed:
    before: int  # bytes of the file (and its WAL) before
    after: int


def vacuum(db: Database, path: str | Path) -> Vacuumed:
    """Rewrite the file without its free pages (what deletions left), returning the sizes."""
    before = _file_size(path)
    try:
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.execute("VACUUM")
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception as exc:  # sqlite3.OperationalError: busy, or no room for the copy
        raise StorageError(f"Could not vacuum the archive: {exc}. VACUUM needs as much free "
                           "disk space as the archive itself, and no other writer.") from exc
    return Vacuumed(before, _file_size(path))


def _file_size(path: str | Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += os.path.getsize(f"{path}{suffix}")
        except OSError:
            pass
    return total
