"""Highlights from the reader view's script, and a page's highlights as W3C annotations.

- `POST /-/archiver/DB/page/PAGE_ID/highlights`: a new highlight (`exact`, `prefix`,
  `suffix`, `start`, `end`, `capture_id`, optional `note`).
- `POST /-/archiver/DB/highlights/HID`: `action=note` (with `note`) or `action=delete`.
- `GET  /-/archiver/DB/page/PAGE_ID/annotations.jsonld`: the page's highlights as a W3C
  AnnotationCollection.

The POSTs are form-encoded with Datasette's `csrftoken` field, and refused (403) unless they
come from a page of this server: `Origin` must be the server's own origin and `Sec-Fetch-Site`,
when the browser sends it, `same-origin`. (Datasette's CSRF check lets a POST without cookies
through: the Origin rule is what stops another site's form.)
Writes run in the pipeline's writer thread, in order with the captures.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from datasette.utils.asgi import Response
from sqlite_utils import Database

from archiver import store
from archiver.annotations import CONTENT_TYPE, collection
from archiver.errors import NotFound, Refused
from archiver.web.forms import check_request, own_origin
from archiver.web.http import (
    SQLITE_MAX_INT,
    BodyTooLarge,
    answers_json,
    bounded_body,
    database_name,
    error_page,
    id_var,
    query,
)

MAX_BODY = 3 * (store.MAX_QUOTE + store.MAX_NOTE) + 4096
"""Bytes of a form: a quote and a note percent-encoded, and the rest."""
FORM_TYPE = "application/x-www-form-urlencoded"
T = TypeVar("T")


async def read_form(request: Any, datasette: Any) -> dict[str, str]:
    """The POSTed form (one value a field), after the method, origin and size checks."""
    check_request(request, datasette)  # method, Sec-Fetch-Site, Origin: web.forms' rule
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise Refused(415, f"Send the form as {FORM_TYPE}.")
    try:
        body = await bounded_body(request, MAX_BODY)
    except BodyTooLarge:
        raise Refused(413, f"The form is larger than {MAX_BODY} bytes.") from None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20,
                          strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(400, f"The form cannot be read: {exc}") from exc
    return {key: values[0] for key, values in fields.items()}


def _number(form: dict[str, str], name: str) -> int | None:
    value = form.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) > SQLITE_MAX_INT:
        raise Refused(400, f"{name} must be a whole number, not {value[:40]!r}.")
    return int(value)


def _text(form: dict[str, str], name: str, limit: int) -> str:
    value = form.get(name, "")
    if len(value) > limit:
        raise Refused(400, f"{name} is longer than {limit} characters.")
    return value


_answer = answers_json  # errors as JSON {"ok": false, "error"} with their status


async def _write(datasette: Any, name: str, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(db, *args)` in the pipeline's writer thread (in order with the captures), or,
    for a database the pipeline does not write, on Datasette's write connection."""
    from archiver.web import runtime

    state = runtime.server_state(datasette)  # None without an archive file
    if state is not None and state.database == name:
        return await state.worker.write(fn, *args)

    def run(conn: Any) -> T:
        return fn(Database(conn, recursive_triggers=False, execute_plugins=False), *args)

    return await datasette.get_database(name).execute_write_fn(run, block=True)  # type: ignore[no-any-return]


def _public(highlight: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "page_id", "capture_id", "exact", "prefix", "suffix", "start", "end", "note",
            "created_at", "updated_at")
    return {key: highlight[key] for key in keys}


def _create(db: Database, page_id: int, quote: store.Quote, capture_id: int | None,
            note: str | None) -> dict[str, Any]:
    return store.get_highlight(db, store.add_highlight(db, page_id, quote, capture_id, note))


def _update(db: Database, highlight_id: int, action: str, note: str | None
            ) -> dict[str, Any] | None:
    if action == "delete":
        store.delete_highlight(db, highlight_id)
        return None
    store.set_highlight_note(db, highlight_id, note)
    return store.get_highlight(db, highlight_id)


@_answer
async def create(request: Any, datasette: Any) -> Response:
    """`POST /-/archiver/DB/page/PAGE_ID/highlights`: a new highlight (201)."""
    name = database_name(request, datasette)
    page_id = id_var(request, "page_id")
    form = await read_form(request, datasette)
    quote = store.Quote(_text(form, "exact", 3 * store.MAX_QUOTE),
                        _text(form, "prefix", store.MAX_CONTEXT),
                        _text(form, "suffix", store.MAX_CONTEXT),
                        _number(form, "start"), _number(form, "end"))
    note = _text(form, "note", store.MAX_NOTE) or None
    made = await _write(datasette, name, _create, page_id, quote,
                        _number(form, "capture_id"), note)
    return Response.json({"ok": True, "highlight": _public(made)}, status=201,
                         headers={"Cache-Control": "no-store"})


@_answer
async def update(request: Any, datasette: Any) -> Response:
    """`POST /-/archiver/DB/highlights/HID`: `action=note` with `note`, or `action=delete`."""
    name = database_name(request, datasette)
    highlight_id = id_var(request, "hid")
    form = await read_form(request, datasette)
    action = form.get("action", "")
    if action not in ("note", "delete"):
        raise Refused(400, "action is 'note' or 'delete'.")
    note = _text(form, "note", store.MAX_NOTE)
    changed = await _write(datasette, name, _update, highlight_id, action, note)
    body: dict[str, Any] = {"ok": True, "deleted": changed is None}
    if changed is not None:
        body["highlight"] = _public(changed)
    return Response.json(body, headers={"Cache-Control": "no-store"})


async def page_annotations(request: Any, datasette: Any) -> Response:
    """`GET /-/archiver/DB/page/PAGE_ID/annotations.jsonld`: the page's highlights as W3C
    Web Annotations."""
    try:
        name = database_name(request, datasette)
        page_id = id_var(request, "page_id")

        def read(db: Database) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            return store.get_page(db, page_id), list(store.iter_highlights(db, [page_id]))

        page, found = await query(datasette, name, read)
    except NotFound as exc:
        return error_page(str(exc), 404)
    own = own_origin(request, datasette) + request.path
    document = collection(found, f"Highlights on {page['url']}", own)
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(body, content_type=CONTENT_TYPE,
                    headers={"X-Content-Type-Options": "nosniff",
                             "Content-Security-Policy": "default-src 'none'; sandbox"})


_DB = r"^/-/archiver/(?P<database>[^/]+)"

ROUTES: list[tuple[str, Any]] = [
    (_DB + r"/page/(?P<page_id>\d+)/highlights$", create),
    (_DB + r"/highlights/(?P<hid>\d+)$", update),
    (_DB + r"/page/(?P<page_id>\d+)/annotations\.jsonld$", page_annotations),
]
