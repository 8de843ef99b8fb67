"""Reading the archive in Datasette: reader view, history, diff (routes under /-/archiver/).

Every page here shows archived (hostile) text, so each goes out with a strict
Content-Security-Policy as a second line of defence behind escaping and sanitizing: no scripts
from anywhere but the archive, no network but the archive, no forms posting elsewhere.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import lxml.html
from datasette.utils.asgi import Response
from markupsafe import Markup, escape
from sqlite_utils import Database

from archiver import store
from archiver.errors import ArchiverError, NotFound
from archiver.extract import sanitize_html
from archiver.textdiff import diff_words
from archiver.thumbnail import crop_top

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
PAGE_SIZE = 20
WORDS_PER_MINUTE = 230
THUMBNAIL_HEIGHT = 900
LANGUAGES_TTL_S = 600
RTL_LANGUAGES = frozenset("ar arc ckb dv fa he iw ks ps sd ug ur yi".split())
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}



def datasette_script_hashes() -> str:
    """CSP hashes of the inline script Datasette's base.html includes (closes open menus)."""
    import base64
    import hashlib

    import datasette

    template = Path(datasette.__file__).parent / "templates" / "_close_open_menus.html"
    text = template.read_text() if template.is_file() else ""
    start, end = text.find("<script>"), text.find("</script>")
    if start < 0 or end < 0:
        return ""
    digest = hashlib.sha256(text[start + len("<script>"):end].encode()).digest()
    return f" 'sha256-{base64.b64encode(digest).decode()}'"


CSP = (f"default-src 'self'; script-src 'self'{datasette_script_hashes()}; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; "
       "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'self'")
CSP_LIVE_IMAGES = CSP.replace("img-src 'self' data:", "img-src 'self' data: https: http:")
T = TypeVar("T")


class BadRequest(ArchiverError):
    pass


# --- plumbing shared by the views -----------------------------------------------------------


def page_headers(csp: str = CSP) -> dict[str, str]:
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-DNS-Prefetch-Control": "off"}


async def query(datasette: Any, name: str, fn: Callable[[Database], T]) -> T:
    """Run a `store` reading function on one of Datasette's read connections."""
    db = datasette.get_database(name)

    def run(conn: sqlite3.Connection) -> T:
        return fn(Database(conn, recursive_triggers=False, execute_plugins=False))

    return await db.execute_fn(run)  # type: ignore[no-any-return]


async def render(datasette: Any, request: Any, template: str, context: dict[str, Any],
                 csp: str = CSP) -> Response:
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, headers=page_headers(csp))


def error_page(message: str, status: int) -> Response:
    return Response.text(message, status=status, headers=page_headers())


def database_name(request: Any, datasette: Any) -> str:
    name = str(request.url_vars["database"])
    if name not in datasette.databases or name.startswith("_"):
        raise NotFound(f"There is no database {name!r}.")
    return name


def handles_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Library errors become plain-text 404/400 pages (never a traceback)."""

    async def wrapper(request: Any, datasette: Any) -> Response:
        try:
            return await view(request, datasette)  # type: ignore[no-any-return]
        except NotFound as exc:
            return error_page(str(exc), 404)
        except ArchiverError as exc:
            return error_page(str(exc), 400)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def first_database(datasette: Any) -> str | None:
    names = [n for n in datasette.databases if not n.startswith("_")]
    return names[0] if names else None


# --- rendering helpers (pure) ---------------------------------------------------------------


def text_direction(lang: str | None) -> str:
    primary = (lang or "").replace("_", "-").split("-")[0].lower()
    return "rtl" if primary in RTL_LANGUAGES else "ltr"


def reading_minutes(word_count: int | None) -> int:
    return max(1, math.ceil((word_count or 0) / WORDS_PER_MINUTE))


def highlight(snippet: str) -> Markup:
    """An FTS snippet, HTML-escaped, with its match marks turned into <mark>."""
    escaped = str(escape(snippet))
    return Markup(escaped.replace(store.SNIPPET_START, "<mark>")
                  .replace(store.SNIPPET_END, "</mark>"))


def render_article(html: str | None, live_images: bool = False) -> Markup:
    """The stored article HTML, sanitized again; unless `live_images`, images (which are not
    archived) become links to their original address, so reading contacts no other site."""
    safe = sanitize_html(html or "")
    if not safe or live_images:
        return Markup(safe)
    return Markup(_placeholder_media(safe))


def _placeholder_media(safe_html: str) -> str:
    root = lxml.html.fragment_fromstring(safe_html, create_parent="div")
    for source in list(root.iter("source")):
        source.drop_tree()
    for media in list(root.iter("img", "video", "audio")):
        media.addprevious(_placeholder(media))
        media.drop_tree()
    inner = "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return (root.text and str(escape(root.text)) or "") + inner


def _placeholder(media: Any) -> Any:
    url = media.get("src") or media.get("poster") or ""
    label = media.get("alt") or media.get("title") or media.tag
    link = lxml.html.Element("a", {"class": "not-archived", "rel": "noopener noreferrer"})
    if url.startswith(("http://", "https://")):
        link.set("href", url)
    link.set("title", "Not archived: opening it contacts the original site")
    link.text = f"{media.tag}: {label}"
    link.tail = media.tail
    return link


def filters_from(request: Any) -> store.SearchFilters:
    args = request.args
    return store.SearchFilters(
        site=args.get("site") or None, tag=args.get("tag") or None,
        lang=args.get("lang") or None, since=_date_arg(args.get("since")),
        until=_date_arg(args.get("until")))


def _date_arg(value: str | None) -> str | None:
    if not value:
        return None
    if len(value) != 10 or not value[:4].isdigit() or value[4] != "-" or value[7] != "-":
        raise BadRequest(f"Dates are written YYYY-MM-DD, not {value!r}.")
    return value


def int_arg(request: Any, name: str, default: int) -> int:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    if not str(value).isdigit():
        raise BadRequest(f"{name} must be a whole number, not {value!r}.")
    return int(value)


def links_for(datasette: Any, name: str, capture: dict[str, Any]) -> dict[str, str]:
    base = f"/-/archiver/{name}/{capture['id']}"
    return {
        "reader": base,
        "raw": base + "/raw",
        "screenshot": base + "/screenshot",
        "thumbnail": base + "/thumbnail",
        "body": base + "/body",
        "snapshot": base + "/snapshot",
        "row": datasette.urls.row(name, "captures", str(capture["id"])),
        "history": f"/-/archiver/{name}/page/{capture['page_id']}",
    }


# --- views -------------------------------------------------------------------------------


async def archive_index(request: Any, datasette: Any) -> Response:
    """`/-/archiver/`: the home page of the first database."""
    name = first_database(datasette)
    if name is None:
        return error_page("Datasette serves no database.", 404)
    return Response.redirect(f"/-/archiver/{name}/")


@handles_errors
async def home(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/`: search box, recent captures with thumbnails, counts by site."""
    name = database_name(request, datasette)

    def read(db: Database) -> dict[str, Any]:
        return {"recent": store.recent_captures(db, limit=PAGE_SIZE),
                "sites": store.site_counts(db), "tags": store.tag_counts(db, 30),
                "counts": store.archive_counts(db)}

    context = await query(datasette, name, read)
    for capture in context["recent"]:
        capture["links"] = links_for(datasette, name, capture)
    context.update(database=name, table_url=datasette.urls.table(name, "captures"))
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
            hits = store.search_captures(db, q, filters, PAGE_SIZE + 1, offset)
        else:
            hits = store.recent_captures(db, filters, PAGE_SIZE + 1, offset)
        return {"hits": hits, "sites": store.site_counts(db, 200),
                "tags": store.tag_counts(db, 200)}

    context = await query(datasette, name, read)
    context["langs"] = await languages(datasette, name)
    hits = context["hits"]
    for hit in hits:
        hit["links"] = links_for(datasette, name, hit)
        hit["snippet_html"] = highlight(hit.get("snippet") or "")
    more = len(hits) > PAGE_SIZE
    context.update(database=name, q=q, filters=filters, hits=hits[:PAGE_SIZE], offset=offset,
                   next_url=_page_url(request, offset + PAGE_SIZE) if more else None,
                   prev_url=_page_url(request, offset - PAGE_SIZE) if offset else None)
    return await render(datasette, request, "archiver_search.html", context)


_languages: dict[str, tuple[float, list[str]]] = {}


async def languages(datasette: Any, name: str) -> list[str]:
    """The languages in the archive, for the search filter. Finding them scans every capture
    (there is no index on `lang`), so the answer is kept for LANGUAGES_TTL_S."""
    cached = _languages.get(name)
    if cached and time.monotonic() - cached[0] < LANGUAGES_TTL_S:
        return cached[1]
    found = await query(datasette, name, store.languages)
    _languages[name] = (time.monotonic(), found)
    return found


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
    capture_id = int(request.url_vars["id"])
    live_images = request.args.get("images") == "live"

    def read(db: Database) -> dict[str, Any]:
        capture = store.get_capture(db, capture_id)
        return {"capture": capture, "tags": store.get_tags(db, capture_id),
                "others": len(store.page_captures(db, capture["page_id"])) - 1}

    context = await query(datasette, name, read)
    capture = context["capture"]
    context.update(
        database=name, links=links_for(datasette, name, capture),
        article=render_article(capture["html"], live_images), live_images=live_images,
        dir=text_direction(capture["lang"]), minutes=reading_minutes(capture["word_count"]))
    csp = CSP_LIVE_IMAGES if live_images else CSP
    return await render(datasette, request, "archiver_reader.html", context, csp)


@handles_errors
async def raw(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/raw`: the archived page itself, in a sandboxed frame."""
    name = database_name(request, datasette)
    capture = await query(datasette, name,
                          lambda db: store.get_capture(db, int(request.url_vars["id"])))
    context = {"database": name, "capture": capture,
               "links": links_for(datasette, name, capture)}
    return await render(datasette, request, "archiver_raw.html", context)


@handles_errors
async def thumbnail(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/thumbnail`: the top of the screenshot (a smaller PNG)."""
    name = database_name(request, datasette)

    def read(db: Database) -> bytes:
        capture = store.get_capture(db, int(request.url_vars["id"]))
        if not capture["screenshot_hash"]:
            raise NotFound(f"Capture {capture['id']} has no screenshot.")
        return store.get_blob(db, capture["screenshot_hash"]).content

    png = crop_top(await query(datasette, name, read), THUMBNAIL_HEIGHT)
    headers = {**page_headers("default-src 'none'; sandbox"),
               "Cache-Control": "private, max-age=31536000, immutable"}
    return Response(png, content_type="image/png", headers=headers)


@handles_errors
async def history(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/page/PAGE_ID?a=&b=`: every capture of a page and a word diff of two."""
    name = database_name(request, datasette)
    page_id = int(request.url_vars["page_id"])
    chosen = (int_arg(request, "a", 0), int_arg(request, "b", 0))

    def read(db: Database) -> dict[str, Any]:
        captures = store.page_captures(db, page_id)
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
    (_DB + r"/(?P<id>\d+)/thumbnail$", thumbnail),
    (_DB + r"/page/(?P<page_id>\d+)$", history),
]
