"""The Datasette plugin: it only wires hooks and routes; the views, the archived content and the
extension's API are modules of their own.

Declared as a `datasette` entry point, so it is active in `archiver serve` and in a plain
`datasette db/archive.db` alike.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from jinja2 import ChoiceLoader, FileSystemLoader

from archiver.render import TEMPLATES
from archiver.settings import ServerSettings
from archiver.web import api, archived, changes, library, replay, views
from archiver.web.guard import Guard
from archiver.web.http import first_database
from archiver.web.metadata import (
    ARCHIVE_TABLES,
    COLLAPSE_COLUMN_DESCRIPTIONS,
    database_metadata,
)


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
    """Blob hashes and titles in the captures table become links to the content itself; a
    watch's compared text shows as a word count, a check's diff as a diff."""
    if table in ("watches", "checks") and value:
        return changes.watch_cell(value, column)
    if table != "captures" or not value:
        return None
    return archived.capture_cell(value, column, database, row)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [*archived.ROUTES, *replay.ROUTES, *changes.ROUTES, *views.ROUTES, *library.ROUTES,
            *api.ROUTES]


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    """Find the views' templates (`archiver_*.html`) after any --template-dir and Datasette's
    own (Datasette only looks next to plugins that are packages; this one is a module)."""
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])


@hookimpl
def menu_links(datasette: Any, actor: Any, request: Any) -> list[dict[str, str]]:
    links = [{"href": "/-/archiver/", "label": "Archive: read and search"}]
    name = first_database(datasette)
    if name is not None:
        links.append({"href": f"/-/archiver/{name}/changes", "label": "Changes of watched pages"})
    return links


@hookimpl
def startup(datasette: Any) -> None:
    """The server's settings, from the plugin configuration (which `archiver serve` sets)."""
    api.configure(datasette, ServerSettings.from_config(datasette.plugin_config("archiver")))


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Every request, on every route: the Host check (DNS rebinding) and nosniff."""
    resolved: list[ServerSettings] = []

    def settings() -> ServerSettings:
        if not resolved:
            resolved.append(ServerSettings.from_config(datasette.plugin_config("archiver")))
        return resolved[0]

    return lambda app: Guard(app, settings)


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
