"""The archived content itself (`/-/archiver/DB/ID/screenshot|body`), served as the hostile
input it is, and the captures table's links to it."""

from __future__ import annotations

from typing import Any

from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from archiver import store
from archiver.errors import NotFound
from archiver.render import capture_path
from archiver.web.http import database_name, handles_errors, id_var, query

SNAPSHOT_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                "font-src data:; media-src data:; form-action 'none'; base-uri 'none'; "
                "frame-ancestors 'self'")
"""Archived content may load nothing from the network (subresources are not archived, and a
fetch from the live web would tell a third party that the archive was opened)."""


@handles_errors
async def blob_view(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/screenshot|body`: the stored content of a capture (the snapshot is
    replayed by archiver.web.replay).

    Archived content is hostile: it is served with a sandbox CSP (no scripts, no same-origin,
    no network except images/styles from the archive itself) and nosniff."""
    name = database_name(request, datasette)
    kind, capture_id = request.url_vars["kind"], id_var(request)
    blob = await query(datasette, name, lambda db: store.capture_blob(db, capture_id, kind))
    if blob is None:
        raise NotFound(f"Capture {capture_id} has no {kind}.")
    return Response(blob.content, content_type=_safe_type(kind, blob.content_type, blob.content),
                    headers=hostile_headers(kind))


def _safe_type(kind: str, content_type: str | None, content: bytes = b"") -> str:
    if kind == "screenshot":  # WebP, PNG or JPEG, as its bytes say; never anything else
        return store.screenshot_type(content, content_type)
    return content_type or "application/octet-stream"


def hostile_headers(kind: str, csp: str = SNAPSHOT_CSP) -> dict[str, str]:
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": csp,
        "X-DNS-Prefetch-Control": "off",
        "Cache-Control": "private, max-age=31536000, immutable",
        "Referrer-Policy": "no-referrer",
    }
    if kind == "body":
        headers["Content-Disposition"] = "attachment"
    return headers


def capture_cell(value: Any, column: str, database: str, row: Any) -> Markup | None:
    """In the captures table: the title links to the reader view; the screenshot is a
    thumbnail linking to the screenshot's view; the other blob hashes link to their content."""
    if column == "title":
        return Markup(f'<a href="{escape(capture_path(database, row["id"]))}">{escape(value)}</a>')
    if column == "screenshot_hash":
        shot = escape(capture_path(database, row["id"], "screenshot-view"))
        thumb = escape(capture_path(database, row["id"], "thumbnail"))
        return Markup(f'<a href="{shot}"><img loading="lazy" src="{thumb}" alt="screenshot" '
                      'width="96" height="60" style="object-fit: cover; object-position: top">'
                      '</a>')
    kinds = {hash_column: kind for kind, hash_column in store.BLOB_COLUMNS.items()}
    if column in kinds:
        href = escape(capture_path(database, row["id"], kinds[column]))
        return Markup(f'<a href="{href}">{kinds[column]}</a>')
    return None


ROUTES: list[tuple[str, Any]] = [
    (r"^/-/archiver/(?P<database>[^/]+)/(?P<id>\d+)/(?P<kind>screenshot|body)$", blob_view),
]
