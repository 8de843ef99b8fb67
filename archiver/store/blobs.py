"""Content stored once, keyed by its sha256, compressed where that helps."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

from sqlite_utils import Database

from archiver.errors import NotFound

# Content that compresses less than this is stored as it is (PNG, PDF, JPEG ...).
MIN_COMPRESSION_GAIN = 0.9


@dataclass
class Blob:
    hash: str
    content_type: str | None
    content: bytes



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



BLOB_COLUMNS = {"screenshot": "screenshot_hash", "snapshot": "snapshot_hash", "body": "body_hash"}
"""What a capture keeps as blobs, by kind: the column of `captures` that holds its hash."""


def capture_blob(db: Database, capture_id: int, kind: str) -> Blob | None:
    """One of a capture's blobs (see BLOB_COLUMNS), or None when it has none of that kind."""
    column = BLOB_COLUMNS[kind]
    row = db.execute(f"SELECT {column} FROM captures WHERE id = ?", [capture_id]).fetchone()
    return get_blob(db, row[0]) if row and row[0] else None


def thumbnail_source(db: Database, capture_id: int) -> tuple[bool, Blob]:
    """(True, the capture's thumbnail) when one was made, else (False, its screenshot) to make
    one of. Raises NotFound when the capture has neither."""
    row = db.execute("SELECT thumbnail_hash, screenshot_hash FROM captures WHERE id = ?",
                     [capture_id]).fetchone()
    if row is None:
        raise NotFound(f"There is no capture {capture_id} in this archive.")
    if not (row[0] or row[1]):
        raise NotFound(f"Capture {capture_id} has no screenshot.")
    return bool(row[0]), get_blob(db, row[0] or row[1])


def set_thumbnail(db: Database, capture_id: int, jpeg: bytes) -> str:
    """Keep `jpeg` as the capture's thumbnail (the caller holds a write transaction)."""
    key = put_blob(db, jpeg, "image/jpeg")
    db.execute("UPDATE captures SET thumbnail_hash = ? WHERE id = ?", [key, capture_id])
    return key
