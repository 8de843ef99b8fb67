"""The Datasette plugin: metadata for the archive's tables, and routes under `/-/archiver/`.

Declared as a `datasette` entry point, so it is active in `archiver serve` and in a plain
`datasette db/archive.db` alike.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from archiver import store

ARCHIVE_TABLES = ("captures", "pages", "blobs")

CAPTURE_COLUMNS = {
    "url": "The URL as asked for",
    "final_url": "The URL after redirects",
    "site": "Host name without www.",
    "status": "ok, partial (archived, but something did not load) or failed",
    "error": "Why the capture failed, or why it is partial",
    "http_status": "HTTP status of the page",
    "content_type": "Content-Type of the page",
    "title": "Title of the article (or of the page)",
    "byline": "Author(s)",
    "published": "Publication date, as found on the page",
    "lang": "Language of the page",
    "site_name": "Name of the site, as the page gives it",
    "description": "The page's own summary",
    "text": "The article as plain text (full-text searchable)",
    "html": "The article as sanitized HTML",
    "word_count": "Words in the article",
    "extraction_path": "Which extraction path found the text: cleaned, readability, "
                       "trafilatura or page",
    "captured_at": "When the capture was taken (UTC)",
    "duration_ms": "How long the capture took",
    "source": "cli, extension or api",
    "consent_cmp": "Cookie-consent platform detected on the page",
    "consent_action": "What the capture browser did about the consent prompt",
    "snapshot_hash": "The rendered HTML as captured (a blob)",
    "body_hash": "The response body as served, for non-HTML pages (a blob)",
    "screenshot_hash": "Full-page screenshot, PNG (a blob)",
    "page_id": "The page (normalized URL) this is a capture of",
}

CANNED_QUERIES = {
    "recent": {
        "title": "Recent captures",
        "sql": "select id, title, site, captured_at, status, word_count, url from captures "
               "order by captured_at desc limit 100",
    },
    "search": {
        "title": "Search the archive",
        "description": "Full-text search over titles and article text, best matches first",
        "sql": "select captures.id, captures.title, captures.site, captures.captured_at, "
               "snippet(captures_fts, 1, '<<', '>>', ' … ', 16) as snippet, captures.url "
               "from captures_fts join captures on captures.id = captures_fts.rowid "
               "where captures_fts match :q order by bm25(captures_fts, 5.0, 1.0) limit 100",
    },
    "failures": {
        "title": "Failed and partial captures",
        "sql": "select id, url, status, error, http_status, captured_at from captures "
               "where status != 'ok' order by captured_at desc",
    },
    "history": {
        "title": "All captures of one page",
        "description": "Every capture of a URL, newest first (the URL as saved, or part of it)",
        "sql": "select captures.id, captures.captured_at, captures.status, captures.title, "
               "captures.word_count, pages.url from captures join pages "
               "on pages.id = captures.page_id where pages.url like '%' || :url || '%' "
               "order by captures.captured_at desc",
    },
}


def database_metadata() -> dict[str, Any]:
    return {
        "tables": {
            "captures": {
                "description": "One row per capture: a snapshot of a page at a time.",
                "sort_desc": "captured_at",
                "facets": ["site", "status", "lang", "source"],
                "fts_table": "captures_fts",
                "fts_pk": "id",
                "searchmode": "raw",
                "columns": CAPTURE_COLUMNS,
                "label_column": "title",
            },
            "pages": {
                "description": "One row per normalized URL; its captures link here.",
                "sort_desc": "last_captured",
                "label_column": "url",
                "facets": ["site"],
            },
            "capture_tags": TAGS_METADATA,
            "blobs": {
                "description": "Raw HTML snapshots, screenshots and bodies, stored once by "
                               "sha256, zlib-compressed where that helps.",
                "hidden": False,
            },
        },
        "queries": CANNED_QUERIES,
    }


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> Any:
    names = [n for n in datasette.databases if not n.startswith("_")]
    return {
        "title": "Web archive",
        "description": "Pages captured by archiver: search, read, and see how they looked.",
        "databases": {name: database_metadata() for name in names},
    }


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, row: Any) -> Any:
    """Blob hashes in the captures table become links to the content itself."""
    if table != "captures" or not value:
        return None
    if column in ("screenshot_hash", "title"):
        return _reading_cell(value, column, database, row)
    if column in ("screenshot_hash", "snapshot_hash", "body_hash"):
        kind = {"screenshot_hash": "screenshot", "snapshot_hash": "snapshot",
                "body_hash": "body"}[column]
        href = f"/-/archiver/{escape(database)}/{int(row['id'])}/{kind}"
        return Markup(f'<a href="{href}">{kind}</a>')
    return None


async def blob_view(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/ID/screenshot|snapshot|body`: the stored content of a capture.

    Archived content is hostile: it is served with a sandbox CSP (no scripts, no same-origin,
    no network except images/styles from the archive itself) and nosniff."""
    name = request.url_vars["database"]
    kind = request.url_vars["kind"]
    try:
        db = datasette.get_database(name)
    except KeyError:
        return Response.text("No such database", status=404)
    column = {"screenshot": "screenshot_hash", "snapshot": "snapshot_hash", "body": "body_hash"}
    sql = (f"select b.content_type, b.encoding, b.content from captures c join blobs b "
           f"on b.hash = c.{column[kind]} where c.id = :id")
    rows = await db.execute(sql, {"id": int(request.url_vars["id"])})
    row = rows.first()
    if row is None:
        return Response.text(f"Capture {request.url_vars['id']} has no {kind}.", status=404)
    content = store.decode_blob(row["encoding"], row["content"])
    return Response(content, content_type=_safe_type(kind, row["content_type"]),
                    headers=_hostile_headers(kind))


def _safe_type(kind: str, content_type: str | None) -> str:
    if kind == "screenshot":
        return "image/png"
    return content_type or "application/octet-stream"


SNAPSHOT_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                "font-src data:; media-src data:; form-action 'none'; base-uri 'none'; "
                "frame-ancestors 'self'")
"""Archived content may load nothing from the network (subresources are not archived, and a
fetch from the live web would tell a third party that the archive was opened)."""


def _hostile_headers(kind: str) -> dict[str, str]:
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SNAPSHOT_CSP,
        "X-DNS-Prefetch-Control": "off",
        "Cache-Control": "private, max-age=31536000, immutable",
        "Referrer-Policy": "no-referrer",
    }
    if kind == "body":
        headers["Content-Disposition"] = "attachment"
    return headers


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    from archiver import api, views

    return [
        (r"^/-/archiver/(?P<database>[^/]+)/(?P<id>\d+)/(?P<kind>screenshot|snapshot|body)$",
         blob_view),
        *views.ROUTES,
        *api.ROUTES,
    ]


# --- reading the archive: views, templates, links (archiver/views.py)


def _reading_cell(value: Any, column: str, database: str, row: Any) -> Markup:
    """The title links to the reader view; the screenshot is a thumbnail linking to itself."""
    base = f"/-/archiver/{escape(database)}/{int(row['id'])}"
    if column == "title":
        return Markup(f'<a href="{base}">{escape(value)}</a>')
    return Markup(f'<a href="{base}/screenshot"><img loading="lazy" src="{base}/thumbnail" '
                  'alt="screenshot" width="96" height="60" '
                  'style="object-fit: cover; object-position: top"></a>')


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    """Find the views' templates (`archiver_*.html`) after any --template-dir and Datasette's
    own (Datasette only looks next to plugins that are packages; this one is a module)."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    from archiver.views import TEMPLATES

    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])


@hookimpl
def menu_links(datasette: Any, actor: Any, request: Any) -> list[dict[str, str]]:
    return [{"href": "/-/archiver/", "label": "Archive: read and search"}]


TAGS_METADATA = {
    "description": "Tags on captures (`archiver tag ID TAG...`); facet by tag to see what "
                   "is tagged how.",
    "facets": ["tag"],
    "sort": "tag",
}


@hookimpl
def startup(datasette: Any) -> None:
    """The companion API's settings, resolved from the environment `archiver serve` sets."""
    import os

    from archiver import api

    api.configure(datasette, api.ApiSettings.from_env(os.environ))


@hookimpl
def skip_csrf(datasette: Any, scope: Any) -> bool | None:
    """The extension's API authenticates with a bearer token, not cookies: no CSRF token."""
    from archiver import api

    return True if api.is_api_path(scope.get("path", "")) else None


COLLAPSE_COLUMN_DESCRIPTIONS = """
const dl = document.querySelector("dl.column-descriptions");
if (dl) {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = "What the columns mean";
  dl.before(details);
  details.append(summary, dl);
}
"""


@hookimpl
def extra_body_script(view_name: str, table: str | None) -> str | None:
    """Datasette lists column descriptions above the table; with 30 columns that pushes the
    rows off the screen, so they fold into a <details>."""
    if view_name == "table" and table in ARCHIVE_TABLES:
        return COLLAPSE_COLUMN_DESCRIPTIONS
    return None
