"""The Datasette plugin: it only wires hooks and routes; the views, the archived content and the
extension's API are modules of their own.

Declared as a `datasette` entry point, so it is active in `archiver serve` and in a plain
`datasette db/archive.db` alike.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from datasette import hookimpl
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import escape

from archiver.errors import ArchiverError
from archiver.passwords import check_hash
from archiver.render import TEMPLATES
from archiver.settings import ServerSettings
from archiver.web import (
    api,
    archived,
    changes,
    highlights,
    library,
    login,
    replay,
    runtime,
    views,
)
from archiver.web.guard import Guard
from archiver.web.http import first_database
from archiver.web.metadata import (
    ARCHIVE_TABLES,
    COLLAPSE_COLUMN_DESCRIPTIONS,
    database_metadata,
)


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> Any:
    """Datasette's index and database pages say what the archive is and link to its home
    (Datasette 0.65 has no hook for the top of those pages; their description is shown)."""
    names = [n for n in datasette.databases if not n.startswith("_")]
    first = names[0] if names else None
    return {
        "title": "Web archive",
        "description_html": _archive_description(first),
        "databases": {name: {**database_metadata(), "description_html": _archive_description(name)}
                      for name in names},
    }


def _archive_description(name: str | None) -> str:
    text = "Pages captured by archiver: search, read, and see how they looked."
    if name is None:
        return str(escape(text))
    href = escape(f"/-/archiver/{quote(name)}/")
    return (f'{escape(text)} <a class="archive-home" href="{href}"><strong>Open the archive'
            "</strong>: home, search, reader view</a>")


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, row: Any) -> Any:
    """Blob hashes and titles in the captures table become links to the content itself; a
    watch's compared text shows as a word count, a check's diff as a diff."""
    if table in ("watches", "checks") and value:
        return changes.watch_cell(value, column)
    if table != "captures" or not value:
        return None
    return archived.capture_cell(value, column, database, row)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    # The API's fixed paths first: `/-/archiver/api/pages` would otherwise match the views'
    # `/-/archiver/DB/pages` with a database named "api".
    return [*api.ROUTES, *login.ROUTES, *archived.ROUTES, *replay.ROUTES, *changes.ROUTES,
            *views.ROUTES, *library.ROUTES, *highlights.ROUTES]


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    """Find the views' templates (`archiver_*.html`) after any --template-dir and Datasette's
    own (Datasette only looks next to plugins that are packages; this one is a module)."""
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])


@hookimpl
def menu_links(datasette: Any, actor: Any, request: Any) -> list[dict[str, str]]:
    """The archive's pages in Datasette's menu (none on the login page; logged in, the menu
    also has Datasette's own "Log out")."""
    if login.server_settings(datasette).require_login and not actor:
        return []
    links = [{"href": "/-/archiver/", "label": "Archive: read and search"}]
    name = first_database(datasette)
    if name is not None:
        links.append({"href": f"/-/archiver/{name}/changes", "label": "Changes of watched pages"})
    return links


@hookimpl
def startup(datasette: Any) -> None:
    """The server's settings, from the plugin configuration (which `archiver serve` sets). A
    login without a usable password hash stops the server (the guard would let no one in)."""
    settings = login.server_settings(datasette)
    if settings.require_login:
        if not settings.password_hash:
            raise ArchiverError("The archiver plugin's require_login is set but no password_hash "
                                "(make one with `archiver password-hash`).")
        check_hash(settings.password_hash)
    runtime.configure(datasette, settings)


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Every request, on every route: the Host check (DNS rebinding), the login when one is
    asked for, and nosniff."""
    from datasette.utils.asgi import Request

    def settings() -> ServerSettings:
        return login.server_settings(datasette)

    def authorised(scope: Any, path: str) -> bool:
        query_string = bytes(scope.get("query_string") or b"").decode("latin-1")
        return login.authorised(datasette, settings(), path, query_string,
                                Request(scope, None).cookies)

    return lambda app: Guard(app, settings, authorised)


@hookimpl
def skip_csrf(datasette: Any, scope: Any) -> bool | None:
    """The extension's API authenticates with a bearer token, not cookies: no CSRF token."""
    return True if api.is_api_path(scope.get("path", "")) else None


@hookimpl
def extra_body_script(view_name: str, table: str | None) -> str | None:
    """Datasette lists column descriptions above the table; with 30 columns that pushes the
    rows off the screen, so they fold into a <details>."""
    if view_name == "table" and table in ARCHIVE_TABLES:
        return COLLAPSE_COLUMN_DESCRIPTIONS
    return None
