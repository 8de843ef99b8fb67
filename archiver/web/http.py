"""Plumbing shared by the archive's Datasette routes: security headers, reading the archive on
Datasette's connections, rendering templates, errors as plain-text pages, request arguments.

Every page here shows archived (hostile) text, so each goes out with a strict
Content-Security-Policy as a second line of defence behind escaping and sanitizing: no script
but the one Datasette's page template inlines (by its hash; the views load no script files, so
not even the archive's own URLs may be loaded as scripts: a CSV or JSON answer is no gadget), no
network but the archive, no forms posting elsewhere. The reader view allows one more inline
script, its own (highlights), also by its hash. Their `Referrer-Policy: same-origin` tells
other sites nothing, yet lets the archive's own forms send their `Origin` (web.forms checks it).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from datasette.utils.asgi import Response
from sqlite_utils import Database

from archiver import store
from archiver.errors import ArchiverError, BadRequest, NotFound, Refused, http_status
from archiver.render import TEMPLATES

T = TypeVar("T")


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


SCRIPT_SRC = datasette_script_hashes().strip() or "'none'"
CSP = (f"default-src 'self'; script-src {SCRIPT_SRC}; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; "
       "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'self'")


CSP_LIVE_IMAGES = CSP.replace("img-src 'self' data:", "img-src 'self' data: https: http:")


def template_script_hash(template: Path) -> str:
    """The CSP hash of the one inline <script> of one of the views' templates, as rendered
    (the script holds no Jinja syntax, so the file's text is what the browser gets)."""
    import base64
    import hashlib

    text = template.read_text(encoding="utf-8")
    start, end = text.index("<script>") + len("<script>"), text.index("</script>")
    digest = hashlib.sha256(text[start:end].encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


READER_SCRIPT = template_script_hash(TEMPLATES / "_archiver_highlights_script.html")
"""The reader view's own script (highlights and notes), allowed there by its hash alone."""
_READER_SCRIPT_SRC = " ".join(s for s in (SCRIPT_SRC, READER_SCRIPT) if s != "'none'")
READER_CSP = CSP.replace(f"script-src {SCRIPT_SRC};", f"script-src {_READER_SCRIPT_SRC};")
READER_CSP_LIVE_IMAGES = CSP_LIVE_IMAGES.replace(f"script-src {SCRIPT_SRC};",
                                                 f"script-src {_READER_SCRIPT_SRC};")


def page_headers(csp: str = CSP) -> dict[str, str]:
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin", "X-DNS-Prefetch-Control": "off"}


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


class BodyTooLarge(Exception):
    """A request body over the route's limit; `declared` is its Content-Length, if it said."""

    def __init__(self, declared: int | None) -> None:
        super().__init__(declared)
        self.declared = declared


async def bounded_body(request: Any, limit: int) -> bytes:
    """The request body, refused (`BodyTooLarge`) as soon as it says or turns out to be larger
    than `limit`: one reader for every route that takes a body (API, forms, highlights)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared))
    chunks, size = [], 0
    while True:
        message = await request.receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(None)
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def handles_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Library errors become plain-text pages with their status (`errors.http_status`: 404,
    400, 503 ...), never a traceback."""

    @functools.wraps(view)
    async def wrapper(request: Any, datasette: Any) -> Response:
        try:
            return await view(request, datasette)  # type: ignore[no-any-return]
        except ArchiverError as exc:
            extra = exc.headers if isinstance(exc, Refused) else {}
            return Response.text(str(exc), status=http_status(exc),
                                 headers={**page_headers(), **extra})

    return wrapper


def answers_json(view: Callable[..., Any]) -> Callable[..., Any]:
    """Library errors become `{"ok": false, "error"}` with their status, never a traceback."""

    @functools.wraps(view)
    async def wrapper(request: Any, datasette: Any) -> Response:
        try:
            return await view(request, datasette)  # type: ignore[no-any-return]
        except ArchiverError as exc:
            status = http_status(exc)
            headers = {"Allow": "POST"} if status == 405 else {}
            return Response.json({"ok": False, "error": str(exc)}, status=status,
                                 headers={**headers, "Cache-Control": "no-store"})

    return wrapper


def first_database(datasette: Any) -> str | None:
    names = [n for n in datasette.databases if not n.startswith("_")]
    return names[0] if names else None


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


SQLITE_MAX_INT = 2**63 - 1


def int_arg(request: Any, name: str, default: int) -> int:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    if not str(value).isdigit() or int(value) > SQLITE_MAX_INT:
        raise BadRequest(f"{name} must be a whole number from 0 to {SQLITE_MAX_INT}, "
                         f"not {value[:40]!r}.")
    return int(value)


def id_var(request: Any, name: str = "id") -> int:
    """A row id from the URL (the routes' patterns let only digits through): one beyond
    SQLite's integer range names no row."""
    value = int(request.url_vars[name])
    if value > SQLITE_MAX_INT:
        what = {"id": "capture", "page_id": "page", "rid": "resource", "position": "frame",
                "hid": "highlight"}
        raise NotFound(f"There is no {what.get(name, name)} {str(value)[:40]}.")
    return value
