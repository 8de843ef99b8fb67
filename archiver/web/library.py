"""Working on the library in the browser: add pages, mark them, tag them, write a note, delete
pages or versions, one page or a selection (routes under /-/archiver/DB/).

- `POST /-/archiver/DB/add`: URLs one a line (`url`), optional `tags`; each valid line is
  queued through the server's worker (the Runner the extension's "archive link" uses), the
  others are reported with why. Then the home page shows the batch with `?added=BATCH`.
- `POST /-/archiver/DB/pages`: `action` on every `page`: read, unread, archived, favourite,
  unfavourite, add-tag / remove-tag (`tag`), retry (queue again), delete (the confirmation).
- `POST /-/archiver/DB/page/PAGE_ID/edit`: the page's `tags` (comma-separated) and `note`.
- `GET  /-/archiver/DB/delete?page=…|capture=…`: what would go (a dry run); `POST` deletes.

Plain forms, no script (the views' CSP allows none). Every POST passes `forms.read_form`
(Origin, Sec-Fetch-Site, csrftoken); every write runs in the worker's writer thread, never on
Datasette's event loop and never beside the capture writer. Afterwards the browser is sent back
(303) with a Datasette message saying what was done.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from datasette.utils.asgi import Response
from sqlite_utils import Database

from archiver import store
from archiver.render import capture_path, page_path
from archiver.save import Job
from archiver.urls import InvalidURL, check_archivable, normalize, split
from archiver.web.forms import Form, Refused, read_form
from archiver.web.http import database_name, handles_errors, query, render
from archiver.web.jobs import RefusedLine
from archiver.web.runtime import ApiState, server_state

MAX_LINES = 200
MAX_TAGS = 50
MAX_TAG_LENGTH = 100
MAX_NOTE = 20_000
SOURCE = "web"

STATE_ACTIONS = {"read": "read", "unread": "unread", "archived": "archived"}
ACTIONS = (*STATE_ACTIONS, "favourite", "unfavourite", "add-tag", "remove-tag", "retry",
           "delete")


handles_forms = handles_errors  # refusals with their status, library errors as 404/400


def _server(datasette: Any) -> ApiState:
    state = server_state(datasette)
    if state is None:
        raise Refused(500, "This server has no archive file to write to.")
    return state


def home_path(name: str) -> str:
    return f"/-/archiver/{name}/"


def _redirect(location: str) -> Response:
    return Response.redirect(location, status=303)


def safe_next(form: Form, name: str) -> str:
    """Where to go back to: the `next` field when it is one of this archive's own pages,
    else the home page (never another site: `//evil.example`, `/\\evil.example`)."""
    target = form.get("next")
    home = home_path(name)
    parts = urlsplit(target)
    if (not target.startswith(home) or parts.scheme or parts.netloc or "\\" in target
            or any(ord(ch) < 32 for ch in target)):
        return home
    return target


def with_arg(url: str, key: str, value: str) -> str:
    """`url` with `key=value` in its query (replacing one there)."""
    parts = urlsplit(url)
    args = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    return f"{parts.path}?{urlencode([*args, (key, value)])}"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"


def split_tags(text: str) -> list[str]:
    """Comma-separated tags, as the forms take them."""
    tags = store.clean_tags(text.split(","))
    if len(tags) > MAX_TAGS:
        raise Refused(400, f"At most {MAX_TAGS} tags, please.")
    if any(len(t) > MAX_TAG_LENGTH for t in tags):
        raise Refused(400, f"A tag may have at most {MAX_TAG_LENGTH} characters.")
    return tags


# --- adding pages


def private_host(host: str) -> str | None:
    """Why a host name or address given in the form is private, or None. (Names that
    resolve to private addresses are refused by the capture's own guard, with the reason.)"""
    from archiver.capture.guard import address_problem

    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "a loopback name"
    try:
        ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None
    return address_problem(host.strip("[]"))


def archivable(line: str, allow_private: bool) -> str:
    """The URL to capture for one line of the form, or InvalidURL saying why not."""
    if any(ch.isspace() for ch in line):
        raise InvalidURL("not a URL (it contains spaces)")
    if "://" not in line and "." not in line.split("/")[0] and not line.startswith("localhost"):
        raise InvalidURL("not a URL (write it as https://example.org/page)")
    try:
        url = check_archivable(line)
    except ValueError as exc:  # InvalidURL is one
        raise InvalidURL(str(exc)) from exc
    host = split(url).hostname or ""
    problem = None if allow_private else private_host(host)
    if problem:
        raise InvalidURL(f"{host} is {problem}; this server does not capture private "
                         "addresses (archiver serve --allow-private-targets)")
    return url


@handles_forms
async def add(request: Any, datasette: Any) -> Response:
    """Queue the pasted URLs; report the lines that are not URLs or may not be captured."""
    name = database_name(request, datasette)
    form = await read_form(request, datasette)
    state = _server(datasette)
    tags = split_tags(form.get("tags"))
    urls: dict[str, str] = {}
    refused: list[RefusedLine] = []
    for raw in form.get("url").splitlines():
        line = raw.strip()
        if not line:
            continue
        if len(urls) + len(refused) >= MAX_LINES:
            refused.append(RefusedLine(line[:300], f"more than {MAX_LINES} lines at once: "
                                                    "add it again"))
            continue
        try:
            url = archivable(line, state.settings.allow_private_targets)
        except InvalidURL as exc:
            refused.append(RefusedLine(line[:300], str(exc)))
            continue
        urls.setdefault(normalize(url), url)
    if not urls and not refused:
        datasette.add_message(request, "Paste the address of a page to add (one a line).",
                              datasette.WARNING)
        return _redirect(home_path(name))
    jobs = [state.worker.submit(Job(url, tags=tags, source=SOURCE)) for url in urls.values()]
    batch = state.web_jobs.add(jobs, refused)
    return _redirect(f"{home_path(name)}?added={batch.id}")


def home_extras(request: Any, datasette: Any, name: str) -> dict[str, Any]:
    """What the home page's forms need: the batch just added (`?added=`) and other jobs
    still running, whether to reload (while that batch is being captured), its own URL."""
    state = server_state(datasette)
    args = [(k, v) for k in request.args.keys() for v in request.args.getlist(k)
            if k != "added"]
    here = home_path(name) + ("?" + urlencode(args) if args else "")
    batch = state.web_jobs.get(request.args.get("added") or "") if state else None
    pending = state.web_jobs.pending(besides=batch) if state else []
    return {"here": here, "can_write": state is not None,
            "adding": {"batch": batch, "jobs": (batch.jobs if batch else []) + pending,
                       "refresh": bool(batch and batch.pending)}}


# --- acting on pages


@handles_forms
async def pages(request: Any, datasette: Any) -> Response:
    """One action on the pages checked (or the one page of a card or the reader view)."""
    name = database_name(request, datasette)
    form = await read_form(request, datasette)
    state = _server(datasette)
    back = safe_next(form, name)
    action = form.get("action")
    if action not in ACTIONS:
        raise Refused(400, f"action is one of {', '.join(ACTIONS)}, not {action[:40]!r}.")
    ids = form.ids("page")
    if not ids:
        datasette.add_message(request, "Select one or more pages first.", datasette.WARNING)
        return _redirect(back)
    if action == "delete":
        args = [("page", str(i)) for i in ids] + [("next", back)]
        return _redirect(f"{home_path(name)}delete?{urlencode(args)}")
    if action == "retry":
        return await _retry(request, datasette, state, name, ids, back)
    what = plural(len(ids), "page")
    if action in STATE_ACTIONS:
        await state.worker.write(store.set_state, ids, STATE_ACTIONS[action])
        message = f"Marked {what} {STATE_ACTIONS[action]}."
    elif action in ("favourite", "unfavourite"):
        await state.worker.write(store.set_favourite, ids, action == "favourite")
        message = (f"Added {what} to the favourites." if action == "favourite"
                   else f"Took {what} out of the favourites.")
    else:
        tags = split_tags(form.get("tag"))
        if not tags:
            datasette.add_message(request, "Type the tag to add or remove first.",
                                  datasette.WARNING)
            return _redirect(back)
        said = ", ".join(tags)
        if action == "add-tag":
            await state.worker.write(store.add_tags, ids, tags)
            message = f"Tagged {what} {said}."
        else:
            await state.worker.write(store.remove_tags, ids, tags)
            message = f"Took the tag {said} off {what}."
    datasette.add_message(request, message)
    return _redirect(back)


async def _retry(request: Any, datasette: Any, state: ApiState, name: str, ids: list[int],
                 back: str) -> Response:
    urls = await query(datasette, name,
                       lambda db: [store.get_page(db, page_id)["url"] for page_id in ids])
    jobs = [state.worker.submit(Job(url, recapture=True, source=SOURCE)) for url in urls]
    batch = state.web_jobs.add(jobs, [])
    return _redirect(with_arg(back, "added", batch.id))


@handles_forms
async def edit(request: Any, datasette: Any) -> Response:
    """Replace a page's tags and note (the "Edit" panel of a card and of the reader view)."""
    name = database_name(request, datasette)
    page_id = int(request.url_vars["page_id"])
    form = await read_form(request, datasette)
    state = _server(datasette)
    tags = split_tags(form.get("tags"))
    note = form.get("note").replace("\r\n", "\n")
    if len(note) > MAX_NOTE:
        raise Refused(400, f"A note may have at most {MAX_NOTE} characters.")
    await state.worker.write(_save_page, page_id, tags, note)
    datasette.add_message(request, "Saved the tags and the note.")
    return _redirect(safe_next(form, name))


def _save_page(db: Database, page_id: int, tags: list[str], note: str) -> None:
    store.set_tags(db, page_id, tags)
    store.set_note(db, page_id, note)


# --- deleting


def _describe(db: Database, pages: list[int], captures: list[int]) -> list[dict[str, Any]]:
    """What a deletion names, for the confirmation: each page (title, URL, versions) or each
    version (title, date, its page)."""
    items = []
    for page_id in pages:
        page = store.get_page(db, page_id)
        versions = store.page_versions(db, page_id)
        shown = next((v for v in reversed(versions) if v["status"] in ("ok", "partial")),
                     versions[-1] if versions else {})
        items.append({"page": page, "title": shown.get("title"), "versions": len(versions),
                      "capture_id": shown.get("id")})
    for capture_id in captures:
        page = store.get_page(db, store.page_of_capture(db, capture_id))
        version = next(v for v in store.page_versions(db, page["id"]) if v["id"] == capture_id)
        items.append({"page": page, "title": version["title"], "capture": version,
                      "capture_id": capture_id, "versions": page["versions"]})
    return items


def _chosen(args: Any) -> tuple[list[int], list[int]]:
    pages, captures = Form(list(args)).ids("page"), Form(list(args)).ids("capture")
    if not pages and not captures:
        raise Refused(400, "Nothing to delete: name a page (page=ID) or a version "
                           "(capture=ID).")
    if pages and captures:
        raise Refused(400, "Delete pages or versions, not both at once.")
    return pages, captures


async def _dry_run(state: ApiState, pages: list[int], captures: list[int]) -> store.Deleted:
    if pages:
        return await state.worker.write(store.delete_pages, pages, True)
    return await state.worker.write(store.delete_captures, captures, True)


@handles_forms
async def delete(request: Any, datasette: Any) -> Response:
    """GET: what would be deleted and a button that deletes it. POST: delete."""
    name = database_name(request, datasette)
    if request.method == "POST":
        return await _delete(request, datasette, name)
    state = _server(datasette)
    args = [(k, v) for k in request.args.keys() for v in request.args.getlist(k)]
    pages, captures = _chosen(args)
    items = await query(datasette, name, lambda db: _describe(db, pages, captures))
    report = await _dry_run(state, pages, captures)
    back = safe_next(Form(args), name)
    if back == home_path(name) and captures:
        back = page_path(name, items[0]["page"]["id"])
    context = {"database": name, "items": items, "pages": pages, "captures": captures,
               "report": report, "freed": human_size(report.blob_bytes), "back": back,
               "links": {i["capture_id"]: capture_path(name, i["capture_id"])
                         for i in items if i.get("capture_id")}}
    return await render(datasette, request, "archiver_delete.html", context)


async def _delete(request: Any, datasette: Any, name: str) -> Response:
    form = await read_form(request, datasette)
    state = _server(datasette)
    pages, captures = _chosen(form.pairs)
    first_page = None
    if captures:
        first_page = await query(datasette, name,
                                 lambda db: store.page_of_capture(db, captures[0]))
    if pages:
        report = await state.worker.write(store.delete_pages, pages)
    else:
        report = await state.worker.write(store.delete_captures, captures)
    freed = f"{human_size(report.blob_bytes)} of stored content freed"
    if pages:
        datasette.add_message(request, f"Deleted {plural(len(report.pages), 'page')} "
                                       f"({plural(len(report.captures), 'version')}); {freed}.")
        back = safe_next(form, name)
        return _redirect(back if urlsplit(back).path == home_path(name) else home_path(name))
    gone = " and its page, which had no other version" if report.pages else ""
    datasette.add_message(request, f"Deleted {plural(len(report.captures), 'version')}{gone}; "
                                   f"{freed}.")
    if report.pages or first_page is None:
        return _redirect(home_path(name))
    return _redirect(page_path(name, first_page))


_DB = r"^/-/archiver/(?P<database>[^/]+)"


ROUTES: list[tuple[str, Any]] = [
    (_DB + r"/add$", add),
    (_DB + r"/pages$", pages),
    (_DB + r"/page/(?P<page_id>\d{1,18})/edit$", edit),
    (_DB + r"/delete$", delete),
]
