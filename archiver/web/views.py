"""Reading the archive in Datasette: home, search, reader view, history with a diff, thumbnails
(routes under /-/archiver/)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response
from markupsafe import Markup
from sqlite_utils import Database

from archiver import store
from archiver.errors import NotFound
from archiver.export import markdown
from archiver.render import (
    STATIC,
    capture_path,
    highlight,
    page_path,
    reading_minutes,
    render_article,
    text_direction,
)
from archiver.replay.resources import ResourceIndex
from archiver.textdiff import diff_words
from archiver.thumbnail import ImageTooLarge, NotAnImage, make_thumbnail
from archiver.web import library
from archiver.web.http import (
    READER_CSP,
    READER_CSP_LIVE_IMAGES,
    BadRequest,
    database_name,
    error_page,
    filters_from,
    first_database,
    handles_errors,
    id_var,
    int_arg,
    page_headers,
    query,
    render,
)

PAGE_SIZE = 20



MATCHED_IN = {"highlight": Markup('<span class="matched-in">In a highlight:</span> '),
              "note": Markup('<span class="matched-in">In the note:</span> ')}
"""Said before the snippet of a hit found in the user's own words rather than the page's."""


STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def links_for(datasette: Any, name: str, capture: dict[str, Any]) -> dict[str, str]:
    """Where a capture's views are. `screenshot` is the page that shows the screenshot at the
    window's width; `screenshot_image` the image itself."""
    kinds = ("raw", "thumbnail", "body", "snapshot", "markdown")
    links = {kind: capture_path(name, capture["id"], kind) for kind in kinds}
    links.update(reader=capture_path(name, capture["id"]),
                 screenshot=capture_path(name, capture["id"], "screenshot-view"),
                 screenshot_image=capture_path(name, capture["id"], "screenshot"),
                 row=datasette.urls.row(name, "captures", str(capture["id"])),
                 history=page_path(name, capture["page_id"]))
    return links


async def archive_index(request: Any, datasette: Any) -> Response:
    """`/-/archiver/`: the home page of the first database."""
    name = first_database(datasette)
    if name is None:
        return error_page("Datasette serves no database.", 404)
    return Response.redirect(f"/-/archiver/{name}/")


HOME_FILTERS: dict[str, dict[str, Any]] = {
    "": {"states": ("unread", "read"), "failed": False},
    "unread": {"states": ("unread",), "failed": False},
    "favourites": {"favourite": True, "failed": False},
    "archived": {"states": ("archived",), "failed": False},
    "failed": {"failed": True},
}
"""The home page's filters: by default the pages to read (not archived, not failed)."""


def home_filters(request: Any) -> tuple[str, store.SearchFilters]:
    shown = request.args.get("show") or ""
    if shown not in HOME_FILTERS:
        raise BadRequest(f"show= is one of {', '.join(k for k in HOME_FILTERS if k)}, "
                         f"not {shown[:40]!r}.")
    return shown, store.SearchFilters(site=request.args.get("site") or None,
                                      tag=request.args.get("tag") or None,
                                      **HOME_FILTERS[shown])


@handles_errors
async def home(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/?show=&tag=&site=&offset=`: the library, a card a page (newest activity
    first), filters, counts by site and tag."""
    name = database_name(request, datasette)
    shown, filters = home_filters(request)
    offset = int_arg(request, "offset", 0)

    def read(db: Database) -> dict[str, Any]:
        return {"pages": store.list_pages(db, filters, PAGE_SIZE + 1, offset),
                "sites": store.site_counts(db), "tags": store.tag_counts(db, 30),
                "counts": store.archive_counts(db)}

    context = await query(datasette, name, read)
    pages = context["pages"]
    for capture in pages:
        capture["links"] = links_for(datasette, name, capture)
    more = len(pages) > PAGE_SIZE
    context.update(database=name, table_url=datasette.urls.table(name, "captures"),
                   pages=pages[:PAGE_SIZE], show=shown, filters=filters, offset=offset,
                   older_url=_page_url(request, offset + PAGE_SIZE) if more else None,
                   newer_url=_page_url(request, offset - PAGE_SIZE) if offset else None)
    context.update(library.home_extras(request, datasette, name))
    return await render(datasette, request, "archiver_home.html", context)


@handles_errors
async def search(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/search?q=&site=&tag=&lang=&since=&until=&offset=`: ranked hits."""
    name = database_name(request, datasette)
    q = (request.args.get("q") or "").strip()
    filters = filters_from(request)
    offset = int_arg(request, "offset", 0)

    def read(db: Database) -> dict[str, Any]:
        if q:
            hits = store.search_pages(db, q, filters, PAGE_SIZE + 1, offset)
        else:
            hits = store.list_pages(db, filters, PAGE_SIZE + 1, offset)
        return {"hits": hits, "sites": store.site_counts(db, 200),
                "tags": store.tag_counts(db, 200)}

    context = await query(datasette, name, read)
    context["langs"] = await languages(datasette, name)
    hits = context["hits"]
    for hit in hits:
        hit["links"] = links_for(datasette, name, hit)
        hit["snippet_html"] = MATCHED_IN.get(hit.get("matched"), "") + highlight(
            hit.get("snippet") or "")
    more = len(hits) > PAGE_SIZE
    context.update(database=name, q=q, filters=filters, hits=hits[:PAGE_SIZE], offset=offset,
                   next_url=_page_url(request, offset + PAGE_SIZE) if more else None,
                   prev_url=_page_url(request, offset - PAGE_SIZE) if offset else None)
    return await render(datasette, request, "archiver_search.html", context)



async def languages(datasette: Any, name: str) -> list[str]:
    """The languages in the archive, for the search filter (an index seek each: no cache)."""
    return await query(datasette, name, store.languages)


def _page_url(request: Any, offset: int) -> str:
    args = {k: request.args.get(k) for k in request.args.keys()
            if k != "offset" and request.args.get(k)}
    if offset > 0:
        args["offset"] = str(offset)
    return "?" + urlencode(args)


@handles_errors
async def reader(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID`: the article, readable, with its metadata, tags and note."""
    name = database_name(request, datasette)
    capture_id = id_var(request)
    live_images = request.args.get("images") == "live"

    def read(db: Database) -> dict[str, Any]:
        capture = store.get_capture(db, capture_id)
        page = store.get_page(db, capture["page_id"])
        return {"capture": capture, "page": page, "tags": page["tags"],
                "others": page["versions"] - 1,
                "highlights": store.page_highlights(db, page["id"]),
                "index": ResourceIndex(_archived_images(db, capture_id))}

    context = await query(datasette, name, read)
    capture, index = context["capture"], context.pop("index")

    def archived(url: str) -> str | None:
        rid = index.find(url)
        return capture_path(name, capture_id, f"r/{rid}") if rid is not None else None

    context.update(
        database=name, links=links_for(datasette, name, capture),
        article=render_article(capture["html"], live_images, archived),
        live_images=live_images,
        dir=text_direction(capture["lang"]), minutes=reading_minutes(capture["word_count"]))
    reading_highlights(context)
    csp = READER_CSP_LIVE_IMAGES if live_images else READER_CSP
    return await render(datasette, request, "archiver_reader.html", context, csp)


def reading_highlights(context: dict[str, Any]) -> None:
    """What the reader view's highlights need: whether each one's quote is in this version
    (the script finds it for sure: this is for a browser without it) and the limits."""
    for item in context["highlights"]:
        item["in_version"] = store.quote_in(context["capture"]["text"], item["exact"])
    context.update(max_quote=store.MAX_QUOTE, max_note=store.MAX_NOTE)


def _archived_images(db: Database, capture_id: int) -> dict[str, int]:
    """URL -> resource id of the images a capture holds (answered 2xx with an image)."""
    return {row["url"]: row["id"] for row in store.capture_resources(db, capture_id)
            if row["body_hash"] and (row["status"] or 200) < 400
            and (row["mime_type"] or "").startswith("image/")}


@handles_errors
async def raw(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/raw`: the archived page itself, in a sandboxed frame."""
    name = database_name(request, datasette)
    capture = await query(datasette, name,
                          lambda db: store.get_capture(db, id_var(request)))
    context = {"database": name, "capture": capture,
               "links": links_for(datasette, name, capture)}
    return await render(datasette, request, "archiver_raw.html", context)


@handles_errors
async def screenshot_view(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/screenshot-view`: the full-page screenshot at the window's width, to
    scroll through, with a link to the image at its full size."""
    name = database_name(request, datasette)
    capture_id = id_var(request)
    capture = await query(datasette, name, lambda db: store.get_capture(db, capture_id))
    if not capture["screenshot_hash"]:
        raise NotFound(f"Capture {capture_id} has no screenshot.")
    context = {"database": name, "capture": capture,
               "links": links_for(datasette, name, capture)}
    return await render(datasette, request, "archiver_screenshot.html", context)


@handles_errors
async def markdown_view(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/markdown`: the article as Markdown, front matter first (as exported)."""
    name = database_name(request, datasette)
    capture_id = id_var(request)

    capture = await query(datasette, name, lambda db: store.capture_with_page(db, capture_id))
    text = await asyncio.to_thread(markdown, capture)
    headers = {**page_headers(), "Content-Disposition": "inline"}
    return Response(text, content_type="text/markdown; charset=utf-8", headers=headers)


@handles_errors
async def thumbnail(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/thumbnail`: the top of the screenshot, 320 px wide (a JPEG), made
    off the event loop the first time it is asked for and kept in the archive."""
    name = database_name(request, datasette)
    capture_id = id_var(request)
    made, blob = await query(datasette, name, lambda db: store.thumbnail_source(db, capture_id))
    jpeg = blob.content
    if not made:
        try:
            jpeg = await asyncio.to_thread(make_thumbnail, blob.content)
        except (ImageTooLarge, NotAnImage) as exc:
            raise NotFound(f"Capture {capture_id} has no thumbnail: {exc}.") from exc
        await _keep_thumbnail(datasette, name, capture_id, jpeg)
    headers = {**page_headers("default-src 'none'; sandbox"),
               "Cache-Control": "private, max-age=31536000, immutable"}
    return Response(jpeg, content_type="image/jpeg", headers=headers)


async def _keep_thumbnail(datasette: Any, name: str, capture_id: int, jpeg: bytes) -> None:
    """Store a new thumbnail through Datasette's write thread; a read-only or busy archive
    just makes it again next time."""

    def write(conn: Any) -> None:
        db = Database(conn, recursive_triggers=False, execute_plugins=False)
        with store.write_transaction(db):
            store.set_thumbnail(db, capture_id, jpeg)

    try:
        await datasette.get_database(name).execute_write_fn(write, block=True)
    except Exception:  # noqa: BLE001 - a cache: failing to keep it costs only time
        pass


@handles_errors
async def history(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/page/PAGE_ID?a=&b=`: every capture of a page and a word diff of two."""
    name = database_name(request, datasette)
    page_id = id_var(request, "page_id")
    chosen = (int_arg(request, "a", 0), int_arg(request, "b", 0))

    def read(db: Database) -> dict[str, Any]:
        captures = store.page_versions(db, page_id)
        return {"page": store.get_page(db, page_id), "captures": captures,
                "pair": _pair(captures, *chosen)}

    context = await query(datasette, name, read)
    a, b = context["pair"]
    if a and b:
        texts = await query(datasette, name, lambda db: store.capture_texts(db, [a, b]))
        context["diff"] = diff_words(texts[a], texts[b])
    for capture in context["captures"]:
        capture["links"] = links_for(datasette, name, {**capture, "page_id": page_id})
    context.update(database=name, a=a, b=b)
    return await render(datasette, request, "archiver_history.html", context)


def _pair(captures: list[dict[str, Any]], a: int, b: int) -> tuple[int | None, int | None]:
    """The two captures to compare: those asked for, else the previous and the newest."""
    ids = [c["id"] for c in captures]
    if a or b:
        if a not in ids or b not in ids:
            raise BadRequest("Pick two captures of this page to compare.")
        return a, b
    if len(ids) < 2:
        return None, None
    return ids[-2], ids[-1]


async def static(request: Any, datasette: Any) -> Response:
    """`/-/archiver/static/NAME`: the views' stylesheet."""
    path = STATIC / request.url_vars["name"]
    content_type = STATIC_TYPES.get(path.suffix)
    if content_type is None or not path.is_file() or path.parent != STATIC:
        return error_page("Not found", 404)
    return Response(path.read_bytes(), content_type=content_type,
                    headers={"Cache-Control": "max-age=3600",
                             "X-Content-Type-Options": "nosniff"})


_DB = r"^/-/archiver/(?P<database>[^/]+)"


ROUTES: list[tuple[str, Any]] = [
    (r"^/-/archiver/?$", archive_index),
    (r"^/-/archiver/static/(?P<name>[\w.-]+)$", static),
    (_DB + r"/$", home),
    (_DB + r"/search$", search),
    (_DB + r"/(?P<id>\d+)$", reader),
    (_DB + r"/(?P<id>\d+)/raw$", raw),
    (_DB + r"/(?P<id>\d+)/screenshot-view$", screenshot_view),
    (_DB + r"/(?P<id>\d+)/markdown$", markdown_view),
    (_DB + r"/(?P<id>\d+)/thumbnail$", thumbnail),
    (_DB + r"/page/(?P<page_id>\d+)$", history),
]
