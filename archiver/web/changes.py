"""What watched pages changed: the Changes view and its Atom feed (routes under /-/archiver/).

- `/-/archiver/DB/changes?tag=&site=&offset=`: newest first, each with its diff and links to
  the capture before, the capture after and the page's history.
- `/-/archiver/changes.atom` (the first database) and `/-/archiver/DB/changes.atom`: one entry
  per change, the diff as HTML; a feed reader becomes the notification channel.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response
from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from markupsafe import Markup, escape
from sqlite_utils import Database

from archiver import store
from archiver.durations import parse_time
from archiver.render import capture_path, diff_markup, page_path
from archiver.web.http import (
    database_name,
    error_page,
    first_database,
    handles_errors,
    int_arg,
    query,
    render,
)

PAGE_SIZE = 50
FEED_SIZE = 50


def _links(name: str, change: dict[str, Any]) -> dict[str, str | None]:
    def capture(capture_id: int | None) -> str | None:
        return capture_path(name, capture_id) if capture_id else None

    return {"after": capture(change["capture_id"]),
            "before": capture(change["previous_capture_id"]),
            "history": page_path(name, change["page_id"]) if change["page_id"] else None}


@handles_errors
async def changes_view(request: Any, datasette: Any) -> Response:
    """`/-/archiver/DB/changes`: the changes of watched pages, newest first."""
    name = database_name(request, datasette)
    tag, site = request.args.get("tag") or None, request.args.get("site") or None
    offset = int_arg(request, "offset", 0)

    from archiver.watch import fix_for  # lazily, as api.py does: it brings the capture stack

    def read(db: Database) -> dict[str, Any]:
        found = store.changes(db, tag=tag, site=site, limit=PAGE_SIZE + 1, offset=offset)
        watches = store.list_watches(db)
        failing = [{**w, "fix": fix_for(w["error"])} for w in watches
                   if w["status"] in ("failing", "no match") or (w["failures"] or 0) > 0]
        return {"changes": found, **store.watch_facets(db), "watching": len(watches),
                "failing": failing}

    context = await query(datasette, name, read)
    found = context["changes"]
    for change in found:
        change["links"] = _links(name, change)
        change["diff_html"] = diff_markup(change["diff"])
    more = len(found) > PAGE_SIZE
    args = {k: v for k, v in (("tag", tag), ("site", site)) if v}
    context.update(
        database=name, changes=found[:PAGE_SIZE], tag=tag, site=site,
        feed_url=f"/-/archiver/{name}/changes.atom" + (f"?{urlencode(args)}" if args else ""),
        watches_url=datasette.urls.table(name, "watches"),
        next_url=f"?{urlencode({**args, 'offset': offset + PAGE_SIZE})}" if more else None)
    return await render(datasette, request, "archiver_changes.html", context)


async def feed_index(request: Any, datasette: Any) -> Response:
    """`/-/archiver/changes.atom`: the feed of the first database (a URL that stays)."""
    name = first_database(datasette)
    if name is None:
        return error_page("Datasette serves no database.", 404)
    return await _feed(request, datasette, name)


@handles_errors
async def feed(request: Any, datasette: Any) -> Response:
    return await _feed(request, datasette, database_name(request, datasette))


async def _feed(request: Any, datasette: Any, name: str) -> Response:
    tag, site = request.args.get("tag") or None, request.args.get("site") or None
    found = await query(datasette, name,
                        lambda db: store.changes(db, tag=tag, site=site, limit=FEED_SIZE))

    def absolute(path: str) -> str:
        return str(datasette.absolute_url(request, path))

    generator = FeedGenerator()
    generator.id(f"tag:archiver,2026:{name}/changes")
    generator.title("Changes of watched pages" + (f" tagged {tag}" if tag else "")
                    + (f" on {site}" if site else ""))
    generator.link(href=absolute(f"/-/archiver/{name}/changes"), rel="alternate")
    generator.link(href=absolute(request.path), rel="self")
    generator.generator("archiver")
    generator.updated(parse_time(found[0]["checked_at"]) if found else parse_time("2026-01-01"))
    for change in reversed(found):  # feedgen puts the last added first
        _entry(generator.add_entry(), name, change, absolute)
    body = generator.atom_str(pretty=True)
    return Response(body, content_type="application/atom+xml; charset=utf-8",
                    headers={"X-Content-Type-Options": "nosniff"})


def _entry(entry: Any, name: str, change: dict[str, Any], absolute: Any) -> None:
    links = {k: absolute(v) for k, v in _links(name, change).items() if v}
    label = change["title"] or change["url"]
    entry.id(f"tag:archiver,2026:{name}/check/{change['id']}")
    entry.updated(parse_time(change["checked_at"]))
    entry.published(parse_time(change["checked_at"]))
    if change["outcome"] == "gone":
        entry.title(f"Gone: {label}")
        summary = f"<p>The page answered: {escape(change['error'] or 'not found')}.</p>"
    else:
        entry.title(f"Changed: {label}")
        summary = (f"<p>{change['words_added'] or 0} words added, "
                   f"{change['words_removed'] or 0} words removed.</p>"
                   f"<blockquote>{diff_markup(change['diff'])}</blockquote>")
    entry.link(href=links.get("after") or links.get("history") or change["url"], rel="alternate")
    names = {"before": "the capture before", "after": "the capture after",
             "history": "the page's history"}
    anchors = " · ".join(f'<a href="{escape(links[k])}">{v}</a>' for k, v in names.items()
                         if k in links)
    page = f'<p><a href="{escape(change["url"])}">{escape(change["url"])}</a></p>'
    entry.content(page + summary + f"<p>{anchors}</p>", type="html")
    if change["tag"]:
        entry.category(term=change["tag"])


def watch_cell(value: Any, column: str) -> Any:
    """In the watches table, `last_text` (a whole article) as its word count; in the checks
    table, `diff` as the diff it is. None: Datasette's own rendering."""
    if column == "last_text" and isinstance(value, str):
        return Markup(f"<span title=\"the text the next check compares with\">"
                      f"{len(value.split())} words</span>")
    if column == "diff" and isinstance(value, str):
        try:
            segments = json.loads(value)
        except ValueError:
            return None
        return Markup(f'<div class="diff-text">{diff_markup(segments)}</div>')
    return None


_DB = r"^/-/archiver/(?P<database>[^/]+)"

ROUTES: list[tuple[str, Any]] = [
    (r"^/-/archiver/changes\.atom$", feed_index),
    (_DB + r"/changes$", changes_view),
    (_DB + r"/changes\.atom$", feed),
]
