"""The archived page, replayed from the archive alone (routes under /-/archiver/DB/ID/).

- `snapshot`: the stored DOM, every URL in it rewritten to this capture's resources;
- `frame/N`: the stored DOM of the page's frame N, rewritten the same way;
- `r/RID`: one stored resource (stylesheets rewritten too: their `url()`s and `@import`s);
- `/-/archiver/missing`: where everything the archive does not hold points (404).

All of it is archived, hostile content: served with a sandbox CSP (no scripts, an opaque
origin) that allows loading only from this server, and nosniff. Nothing ever points at the
original site, so opening an archived page contacts no one but the archive.
"""

from __future__ import annotations

import asyncio
from typing import Any

from datasette.utils.asgi import Response
from sqlite_utils import Database

from archiver import store
from archiver.errors import NotFound
from archiver.render import capture_path
from archiver.replay.resources import ResourceIndex
from archiver.replay.rewrite import MISSING_MARK, Rewriter, rewrite_css
from archiver.web import login
from archiver.web.archived import hostile_headers
from archiver.web.http import database_name, handles_errors, id_var, query

REPLAY_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' "
              "'unsafe-inline' data:; font-src 'self' data:; media-src 'self' data:; "
              "frame-src 'self'; script-src 'none'; form-action 'none'; base-uri 'none'")
FRAME_ANCESTORS = "; frame-ancestors 'self'"
"""Only the archive may frame an archived page. Not for its frames: their parent is the
sandboxed page, whose origin is opaque and so never 'self' (they are sandboxed themselves)."""
HTML = "text/html; charset=utf-8"


class _Links:
    """Where the rewritten page of one capture finds its resources and frames. With a login,
    their URLs carry the capture's replay key (the sandboxed page's requests carry no cookie:
    `archiver.web.login`)."""

    def __init__(self, database: str, capture_id: int, index: ResourceIndex,
                 key: str | None = None) -> None:
        self.base = capture_path(database, capture_id)
        self.index = index
        self.query = f"?k={key}" if key else ""

    def resolve(self, url: str, kind: str) -> str:
        rid = self.index.find(url)
        return f"{self.base}/r/{rid}{self.query}" if rid is not None else MISSING_MARK

    def frame(self, position: int) -> str:
        return f"{self.base}/frame/{position}{self.query}"

    def rewriter(self, base_url: str) -> Rewriter:
        return Rewriter(base=base_url, resolve=self.resolve, frame_source=self.frame)


def _links(datasette: Any, name: str, capture_id: int, index: ResourceIndex) -> _Links:
    key = login.replay_key(datasette, login.server_settings(datasette), name, capture_id)
    return _Links(name, capture_id, index, key)


def _page_source(capture_id: int, position: int | None) -> Any:
    """A reader of (base URL, stored HTML, resource index) for the page or one of its frames."""

    def read(db: Database) -> tuple[str, bytes, ResourceIndex]:
        capture = store.get_capture(db, capture_id)
        base = str(capture["final_url"] or capture["url"])
        if position is None:
            blob = store.capture_blob(db, capture_id, "snapshot")
            html = blob.content if blob else None
        else:
            html = store.frame_snapshot(db, capture_id, position)
            frame = next((f for f in store.capture_frames(db, capture_id)
                          if f["position"] == position), None)
            base = (frame or {}).get("url") or base
        if html is None:
            what = "archived page" if position is None else f"frame {position}"
            raise NotFound(f"Capture {capture_id} has no {what}.")
        return base, html, ResourceIndex.of(db, capture_id)

    return read


async def _replay(request: Any, datasette: Any, position: int | None) -> Response:
    name = database_name(request, datasette)
    capture_id = id_var(request)
    base, html, index = await query(datasette, name, _page_source(capture_id, position))
    links = _links(datasette, name, capture_id, index)
    page = await asyncio.to_thread(links.rewriter(base).html, html.decode("utf-8", "replace"))
    csp = REPLAY_CSP + (FRAME_ANCESTORS if position is None else "")
    return Response(page, content_type=HTML, headers=hostile_headers("snapshot", csp))


@handles_errors
async def snapshot(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/snapshot`: the archived page."""
    return await _replay(request, datasette, None)


@handles_errors
async def frame(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/frame/N`: one frame of the archived page."""
    return await _replay(request, datasette, id_var(request, "position"))


@handles_errors
async def resource(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/r/RID`: one stored resource of a capture."""
    name = database_name(request, datasette)
    capture_id, rid = id_var(request), id_var(request, "rid")

    def read(db: Database) -> tuple[dict[str, Any], bytes, ResourceIndex]:
        row = store.get_resource(db, capture_id, rid)
        body = store.resource_body(db, row) if row else None
        if row is None or body is None:
            raise NotFound(f"Capture {capture_id} holds no resource {rid}.")
        return row, body, ResourceIndex.of(db, capture_id)

    row, body, index = await query(datasette, name, read)
    links = _links(datasette, name, capture_id, index)
    mime = (row["mime_type"] or "application/octet-stream").split(";")[0].strip().lower()
    if mime == "text/css" or row["kind"] == "stylesheet":
        css = await asyncio.to_thread(rewrite_css, body.decode("utf-8", "replace"), row["url"],
                                      links.resolve)
        body, mime = css.encode("utf-8"), "text/css; charset=utf-8"
    elif "html" in mime:
        page = await asyncio.to_thread(links.rewriter(row["url"]).html,
                                       body.decode("utf-8", "replace"))
        body, mime = page.encode("utf-8"), HTML
    headers = hostile_headers("resource", REPLAY_CSP)
    if _is_font(row, mime):
        headers["Access-Control-Allow-Origin"] = "*"
    return Response(body, status=_status(row["status"]), content_type=mime, headers=headers)


def _status(recorded: int | None) -> int:
    """The status the site answered with (an image that was a 404 stays a 404)."""
    return recorded if recorded and 200 <= recorded < 600 and not 300 <= recorded < 400 else 200


def _is_font(row: dict[str, Any], mime: str) -> bool:
    """Fonts are fetched in CORS mode, and the sandboxed page asking for them has an opaque
    origin: only fonts (nothing private in them) are readable across origins."""
    return row["kind"] == "font" or mime.startswith(("font/", "application/font"))


async def missing(request: Any, datasette: Any) -> Response:
    """What the archive does not hold: a 404 here, never a request to the live web."""
    return Response.text("Not archived.", status=404,
                         headers=hostile_headers("resource", REPLAY_CSP))


_CAPTURE = r"^/-/archiver/(?P<database>[^/]+)/(?P<id>\d+)"
ROUTES: list[tuple[str, Any]] = [
    (_CAPTURE + r"/snapshot$", snapshot),
    (_CAPTURE + r"/frame/(?P<position>\d+)$", frame),
    (_CAPTURE + r"/r/(?P<rid>\d+)$", resource),
    (r"^/-/archiver/missing$", missing),
]
