"""The archive database. The only package that writes SQL.

`connection` opens the file and runs write transactions; `blobs` stores content once by hash;
`captures` stores and reads captures (with their tags, notes, keys); `reading` searches and
lists them. Everything is re-exported here: callers use `store.NAME`.
"""

from __future__ import annotations

from sqlite_utils import Database

from archiver.store.blobs import (
    BLOB_COLUMNS,
    Blob,
    capture_blob,
    decode_blob,
    get_blob,
    put_blob,
    set_thumbnail,
    sha256,
    thumbnail_source,
)
from archiver.store.captures import (
    add_tags,
    api_token_hashes,
    archived_urls,
    capture_id_for_key,
    claim_idempotency_key,
    clean_tags,
    failures,
    get_capture,
    get_tags,
    remove_tags,
    replace_api_token,
    save_capture,
    set_note,
)
from archiver.store.connection import BUSY_TIMEOUT_S, StorageError, open_db, write_transaction
from archiver.store.reading import (
    LISTING_COLUMNS,
    RANK_WINDOW,
    SNIPPET_END,
    SNIPPET_START,
    SearchFilters,
    archive_counts,
    capture_texts,
    fts_query,
    get_page,
    iter_captures,
    languages,
    page_captures,
    recent_captures,
    search_captures,
    site_counts,
    tag_counts,
)
from archiver.store.resources import (
    ResourceTotals,
    capture_frames,
    capture_resources,
    frame_snapshot,
    get_resource,
    resource_body,
    resource_by_url,
    resource_map,
)
from archiver.store.watches import (
    CHANGE_OUTCOMES,
    WatchExists,
    add_watch,
    changes,
    checks_of,
    claim_due,
    extend_claims,
    get_watch,
    list_watches,
    record_check,
    record_delivery,
    release,
    remove_watch,
    watch_facets,
    watch_for,
)

__all__ = [
    "BLOB_COLUMNS", "capture_blob", "set_thumbnail", "thumbnail_source",
    "BUSY_TIMEOUT_S", "LISTING_COLUMNS", "RANK_WINDOW", "SNIPPET_END", "SNIPPET_START", "Blob",
    "Database", "SearchFilters", "StorageError", "add_tags", "api_token_hashes",
    "archive_counts", "archived_urls", "capture_id_for_key", "capture_texts",
    "claim_idempotency_key", "clean_tags", "decode_blob", "failures", "fts_query", "get_blob",
    "get_capture", "get_page", "get_tags", "iter_captures", "languages", "open_db",
    "page_captures", "put_blob", "recent_captures", "remove_tags", "replace_api_token",
    "save_capture", "search_captures", "set_note", "sha256", "site_counts", "tag_counts",
    "write_transaction", "ResourceTotals", "capture_frames", "capture_resources",
    "frame_snapshot", "get_resource", "resource_body", "resource_by_url", "resource_map",
    "CHANGE_OUTCOMES", "WatchExists", "add_watch", "changes", "checks_of", "claim_due",
    "extend_claims", "get_watch", "list_watches", "record_check", "record_delivery", "release",
    "remove_watch", "watch_facets", "watch_for",
]
