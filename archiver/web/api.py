"""The companion backend the browser extension talks to (routes under /-/archiver/api/).

- `GET  /-/archiver/api/ping`: is this an archiver, and is the token right?
- `POST /-/archiver/api/captures`: store a page as the browser shows it (DOM + screenshot),
  through the same extraction and storage as `archiver save`. An `idempotency_key` makes a
  retried upload land once.
- `POST /-/archiver/api/archive-link`: queue a URL for the pipeline (`archiver.worker`, the
  same Runner as `archiver save`: retries, per-host limits), private addresses blocked unless
  the server allows them.
- `GET  /-/archiver/api/jobs/ID`: how that went.
- `POST /-/archiver/api/watches`: watch a page ("Watch this page" in the extension's menu):
  `{"url", "every": "1d", "selector", "tag"}`; a page watched already answers with that watch.
- `GET  /-/archiver/api/pages?url=URL`: is this page in the archive (the URL normalized as
  storage does), with its versions, tags and note (the extension's popup).
- `GET  /-/archiver/api/pages/ID`, `POST /-/archiver/api/pages/ID` with `{"tags", "note"}`
  (each optional; tags replace the page's tags): a page, and what the user says about it.

Every route needs `Authorization: Bearer <token>` (see `archiver.tokens`); requests from web
origins are refused, and so is, on every route of the server, a foreign `Host` header
(archiver.web.guard). Nothing here blocks Datasette's event loop:
reads run on Datasette's connections, captures and writes in the worker's thread.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from datasette.utils.asgi import Response
from sqlite_utils import Database

from archiver import __version__, store, tokens
from archiver.errors import ArchiverError, NotFound
from archiver.models import Capture, FrameSnapshot, Resource, now_iso
from archiver.render import capture_path, page_path
from archiver.save import Job
from archiver.thumbnail import ImageTooLarge, NotAnImage, check_size, image_size
from archiver.urls import InvalidURL, check_archivable, split
from archiver.web.http import BodyTooLarge, bounded_body
from archiver.web.runtime import ApiState
from archiver.web.runtime import state as _state

PREFIX = "/-/archiver/api/"
EXTENSION_ORIGINS = ("chrome-extension://", "moz-extension://", "safari-web-extension://")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,200}$")
MAX_TAGS = 50
MAX_TAG_LENGTH = 100
MAX_NOTE_LENGTH = 100_000
IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
T = TypeVar("T")


class ApiError(Exception):
    """An answer other than success: HTTP status and a sentence saying what is wrong."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


# --- checks shared by every route


def _check_origin(request: Any) -> None:
    origin = request.headers.get("origin")
    if origin is None or origin.startswith(EXTENSION_ORIGINS):
        return
    raise ApiError(403, f"Requests from the web origin {origin!r} are not accepted; only the "
                        "archiver browser extension may use this API")


def _check_method(request: Any, methods: tuple[str, ...]) -> None:
    if request.method not in methods:
        raise ApiError(405, f"Use {' or '.join(methods)} for this URL",
                       {"Allow": ", ".join(methods)})


async def _authorize(request: Any, datasette: Any, state: ApiState) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    challenge = {"WWW-Authenticate": "Bearer"}
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Missing token: send 'Authorization: Bearer <token>' "
                            "(the token is shown by `archiver token`)", challenge)
    if await _read(datasette, state, lambda db: tokens.is_valid(db, token)):
        return
    if not await _read(datasette, state, tokens.has_token):
        raise ApiError(401, "This archive has no token yet: run `archiver token` and paste "
                            "what it prints into the extension's options", challenge)
    raise ApiError(401, "Wrong token: paste the one `archiver token` shows "
                        "(`archiver token --rotate` makes a new one)", challenge)


async def _read(datasette: Any, state: ApiState, fn: Callable[[Database], T]) -> T:
    """Run a reading function on one of Datasette's own connections to the archive."""
    def run(conn: Any) -> T:
        return fn(Database(conn, recursive_triggers=False, execute_plugins=False))

    return await datasette.get_database(state.database).execute_fn(run)  # type: ignore[no-any-return]


async def _read_body(request: Any, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is larger than `limit`."""
    try:
        return await bounded_body(request, limit)
    except BodyTooLarge as exc:
        if exc.declared is not None:
            raise ApiError(413, f"The body is {exc.declared} bytes; the limit is {limit} "
                                "(archiver serve --max-body)") from None
        raise ApiError(413, f"The body is larger than the limit of {limit} bytes "
                            "(archiver serve --max-body)") from None


async def _json_object(request: Any, limit: int) -> dict[str, Any]:
    body = await _read_body(request, limit)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ApiError(400, "The body is JSON nested too deeply to read") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object")
    return data


Handler = Callable[[Any, Any, ApiState], Awaitable[Response]]


def _runtime(datasette: Any) -> ApiState:
    try:
        return _state(datasette)
    except KeyError:
        raise ApiError(500, "archiver serve has no archive database file") from None


def _route(methods: tuple[str, ...], handler: Handler) -> Callable[[Any, Any], Any]:
    """Wrap a handler with the checks every API route shares, in this order:
    Origin (403), method (405), token (401); errors as {"ok": false, "error"}. (The Host
    check guards every route of the server: archiver.web.guard.)"""

    async def view(request: Any, datasette: Any) -> Response:
        try:
            state = _runtime(datasette)
            _check_origin(request)
            _check_method(request, methods)
            await _authorize(request, datasette, state)
            return await handler(request, datasette, state)
        except ApiError as exc:
            return Response.json({"ok": False, "error": str(exc)}, status=exc.status,
                                 headers=exc.headers)

    return view


# --- validation of the JSON bodies


def _field(data: dict[str, Any], name: str, kind: type, required: bool = False) -> Any:
    value = data.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"Field {name!r} is required")
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ApiError(400, f"Field {name!r} must be a {kind.__name__}, "
                            f"not {type(value).__name__}")
    return value


def _url(data: dict[str, Any], what: str = "Field") -> str:
    url = _field(data, "url", str, required=True)
    if "://" not in url:
        raise ApiError(400, f"{what} 'url' must be an absolute http(s) URL, not {url[:200]!r}")
    try:
        return check_archivable(url)
    except InvalidURL as exc:
        raise ApiError(400, f"{what} 'url': {exc}") from exc


def _tags(data: dict[str, Any]) -> list[str]:
    tags = _field(data, "tags", list) or []
    if len(tags) > MAX_TAGS or not all(isinstance(t, str) for t in tags):
        raise ApiError(400, f"Field 'tags' must be a list of at most {MAX_TAGS} strings")
    cleaned = [t.strip() for t in tags if t.strip()]
    if any(len(t) > MAX_TAG_LENGTH for t in cleaned):
        raise ApiError(400, f"Field 'tags': a tag may have at most {MAX_TAG_LENGTH} characters")
    return list(dict.fromkeys(cleaned))


def _key(data: dict[str, Any]) -> str | None:
    key = _field(data, "idempotency_key", str)
    if key is not None and not KEY_PATTERN.match(key):
        raise ApiError(400, "Field 'idempotency_key' must be 8-200 letters, digits or ._:-")
    return key  # type: ignore[no-any-return]


def _screenshot(data: dict[str, Any]) -> bytes | None:
    """A data URL or bare base64 of a PNG or JPEG."""
    value = _field(data, "screenshot", str)
    if not value:
        return None
    if value.startswith("data:"):
        header, _, value = value.partition(",")
        if not header.endswith(";base64"):
            raise ApiError(400, "Field 'screenshot': the data URL must be base64-encoded")
    try:
        image = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(400, f"Field 'screenshot' is not valid base64: {exc}") from exc
    if not any(image.startswith(magic) for magic in IMAGE_MAGIC):
        raise ApiError(400, "Field 'screenshot' must be a PNG or JPEG image")
    try:
        check_size(*image_size(image))  # from the header: a decompression bomb stops here
    except (ImageTooLarge, NotAnImage) as exc:
        raise ApiError(400, f"Field 'screenshot': {exc}") from exc
    return image


def capture_from(data: dict[str, Any], user_agent: str | None) -> Capture:
    """The page as the user's browser had it, as a Capture the pipeline can store."""
    url = _url(data)
    html = _field(data, "html", str, required=True)
    title = _field(data, "title", str)
    return Capture(
        url=url, final_url=url, status="ok", content_type="text/html; charset=utf-8",
        html=html, screenshot=_screenshot(data), title=(title or "")[:1000] or None,
        captured_at=now_iso(), browser_version=(user_agent or "")[:300] or None,
        resources=_resources(data), frames=_frames(data),
        resources_kept="resources" in data,
    )


MAX_RESOURCES = 3000
MAX_FRAMES = 100


def _items(data: dict[str, Any], name: str, limit: int) -> list[dict[str, Any]]:
    items = _field(data, name, list) or []
    if len(items) > limit or not all(isinstance(item, dict) for item in items):
        raise ApiError(400, f"Field {name!r} must be a list of at most {limit} objects")
    return items


def _resources(data: dict[str, Any]) -> list[Resource]:
    """The resources the extension read from the browser: bodies as base64."""
    resources = []
    for n, item in enumerate(_items(data, "resources", MAX_RESOURCES)):
        where = f"resources[{n}]"
        url = _field(item, "url", str, required=True)
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, f"Field {where}.url must be an http(s) URL")
        _parsable(url, f"{where}.url")
        body = _base64(item, where) if item.get("body") is not None else None
        resources.append(Resource(
            url=url[:8000], status=_field(item, "status", int),
            mime_type=(_field(item, "mime_type", str) or None),
            body=body, size=_field(item, "size", int),
            skipped=None if body is not None else (_field(item, "skipped", str) or "failed"),
            detail=(_field(item, "detail", str) or "")[:500] or None, fetched_at=now_iso()))
    return resources


def _parsable(url: str, where: str) -> None:
    try:
        split(url).port  # noqa: B018 - raises ValueError for a bad port
    except (InvalidURL, ValueError) as exc:
        raise ApiError(400, f"Field {where} is not a valid URL: {url[:200]!r}") from exc


def _base64(item: dict[str, Any], where: str) -> bytes:
    try:
        return base64.b64decode(_field(item, "body", str), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(400, f"Field {where}.body is not valid base64: {exc}") from exc


def _frames(data: dict[str, Any]) -> list[FrameSnapshot]:
    frames = []
    for n, item in enumerate(_items(data, "frames", MAX_FRAMES)):
        position = _field(item, "position", int)
        if position != n:
            raise ApiError(400, f"Field frames[{n}].position must be {n}")
        parent = _field(item, "parent", int)
        if parent is not None and not 0 <= parent < n:
            raise ApiError(400, f"Field frames[{n}].parent must name an earlier frame")
        if _field(item, "url", str):
            _parsable(item["url"], f"frames[{n}].url")
        frames.append(FrameSnapshot(n, _field(item, "url", str),
                                    _field(item, "html", str, required=True), parent))
    return frames


# --- the routes


def _capture_url(request: Any, datasette: Any, state: ApiState, capture_id: int) -> str:
    path = datasette.urls.row(state.database, "captures", str(capture_id))
    return str(datasette.absolute_url(request, path))


async def ping(request: Any, datasette: Any, state: ApiState) -> Response:
    return Response.json({"ok": True, "app": "archiver", "version": __version__,
                          "database": state.database})


async def post_capture(request: Any, datasette: Any, state: ApiState) -> Response:
    data = await _json_object(request, state.settings.max_body)
    capture = capture_from(data, request.headers.get("user-agent"))
    job = Job(capture.url, tags=_tags(data), idempotency_key=_key(data), source="extension")
    try:
        result = await state.worker.extract_and_store(capture, job)
    except ArchiverError as exc:
        raise ApiError(503, f"The archive could not store this capture: {exc}") from exc
    assert result.id is not None
    capture_id = result.id
    page_id = await _read(datasette, state, lambda db: store.page_of_capture(db, capture_id))
    return Response.json(
        {"ok": True, "id": result.id, "created": result.created, "page_id": page_id,
         "url": _capture_url(request, datasette, state, result.id)},
        status=201 if result.created else 200,
    )


async def archive_link(request: Any, datasette: Any, state: ApiState) -> Response:
    data = await _json_object(request, state.settings.max_body)
    job = state.worker.submit(Job(_url(data), tags=_tags(data), idempotency_key=_key(data),
                                  source="extension"))
    status_url = datasette.absolute_url(request, f"{PREFIX}jobs/{job.id}")
    return Response.json({"ok": True, "status": job.status, "job": job.as_json(),
                          "status_url": status_url}, status=202)


async def job_status(request: Any, datasette: Any, state: ApiState) -> Response:
    job = state.worker.job(request.url_vars["job_id"])
    if job is None:
        raise ApiError(404, "No such job (jobs are kept until the server restarts)")
    body = job.as_json()
    if job.capture_id is not None:
        body["capture_url"] = _capture_url(request, datasette, state, job.capture_id)
    return Response.json({"ok": True, "job": body})


DEFAULT_WATCH_INTERVAL = "1d"


async def post_watch(request: Any, datasette: Any, state: ApiState) -> Response:
    from archiver import watch

    data = await _json_object(request, state.settings.max_body)
    every = data.get("every", DEFAULT_WATCH_INTERVAL)
    if not isinstance(every, str | int) or isinstance(every, bool):
        raise ApiError(400, "Field 'every' must be a duration like \"1d\" or seconds")
    tags = _tags({"tags": [data["tag"]] if isinstance(data.get("tag"), str) else data.get("tag")})
    wish = watch.WatchRequest(_url(data), every, _field(data, "selector", str),
                              tags[0] if tags else None, source="extension")
    try:
        found, created = await state.worker.write(_add_watch, wish)
    except watch.BadWatch as exc:
        raise ApiError(400, str(exc)) from exc
    except ArchiverError as exc:
        raise ApiError(503, f"The archive could not store this watch: {exc}") from exc
    body = {key: found[key] for key in ("id", "url", "interval", "selector", "tag", "next_due",
                                        "status")}
    return Response.json({"ok": True, "created": created, "watch": body},
                         status=201 if created else 200)


def _add_watch(db: Database, wish: Any) -> tuple[dict[str, Any], bool]:
    """The new watch, or the one this page has already: (watch, created)."""
    from archiver import store, watch

    fields = watch.validate(wish)
    existing = store.watch_for(db, fields["url"], fields["selector"])
    if existing is not None:
        return existing, False
    return store.get_watch(db, watch.add(db, wish, watch.system_clock())), True


PAGE_FIELDS = ("tags", "note")


def _page_json(request: Any, datasette: Any, state: ApiState,
               page: dict[str, Any]) -> dict[str, Any]:
    """A page as the extension sees it; `reader_url` is its newest good capture in the reader
    view (its history when every capture failed)."""
    capture_id = page["good_capture_id"]
    path = (capture_path(state.database, capture_id) if capture_id is not None
            else page_path(state.database, page["id"]))
    return {"id": page["id"], "url": page["url"], "versions": page["versions"],
            "last_captured": page["last_captured"], "tags": page["tags"],
            "note": page["note"], "state": page["state"], "favourite": bool(page["favourite"]),
            "reader_url": datasette.absolute_url(request, path)}


def _page_id(request: Any) -> int:
    page_id = int(request.url_vars["page_id"])
    if page_id > 2**63 - 1:
        raise ApiError(404, f"There is no page {page_id} in this archive.")
    return page_id


async def find_page(request: Any, datasette: Any, state: ApiState) -> Response:
    """`GET pages?url=URL`: the page of this URL, if the archive holds it."""
    given = request.args.getlist("url")
    if len(given) != 1:
        raise ApiError(400, "Parameter 'url' is required, once: GET pages?url=URL")
    url = _url({"url": given[0]}, "Parameter")
    found = await _read(datasette, state, lambda db: store.page_by_url(db, url))
    body = None if found is None else _page_json(request, datasette, state, found)
    return Response.json({"ok": True, "archived": found is not None, "page": body})


async def one_page(request: Any, datasette: Any, state: ApiState) -> Response:
    """`GET pages/ID`: a page; `POST pages/ID` with `{"tags", "note"}`: set them, answer the
    page as it is now. Tags replace the page's tags; an empty note clears it."""
    page_id = _page_id(request)
    if request.method == "GET":
        try:
            found = await _read(datasette, state, lambda db: store.get_page(db, page_id))
        except NotFound as exc:
            raise ApiError(404, str(exc)) from exc
        return Response.json({"ok": True, "page": _page_json(request, datasette, state, found)})
    data = await _json_object(request, state.settings.max_body)
    unknown = sorted(set(data) - set(PAGE_FIELDS))
    if unknown:
        raise ApiError(400, f"Field {unknown[0]!r} cannot be set here; only "
                            f"{' and '.join(PAGE_FIELDS)}")
    tags = _tags(data) if data.get("tags") is not None else None
    note = _field(data, "note", str)
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise ApiError(400, f"Field 'note' may have at most {MAX_NOTE_LENGTH} characters")
    try:
        updated = await state.worker.write(_update_page, page_id, tags, note)
    except NotFound as exc:
        raise ApiError(404, str(exc)) from exc
    except ArchiverError as exc:
        raise ApiError(503, f"The archive could not store this: {exc}") from exc
    return Response.json({"ok": True, "page": _page_json(request, datasette, state, updated)})


def _update_page(db: Database, page_id: int, tags: list[str] | None,
                 note: str | None) -> dict[str, Any]:
    """In the writer thread: the page's new tags and note (either may be None: unchanged)."""
    store.get_page(db, page_id)  # NotFound before anything is written
    if tags is not None:
        store.set_tags(db, page_id, tags)
    if note is not None:
        store.set_note(db, page_id, note)
    return store.get_page(db, page_id)


ROUTES: list[tuple[str, Any]] = [
    (r"^/-/archiver/api/ping$", _route(("GET",), ping)),
    (r"^/-/archiver/api/captures$", _route(("POST",), post_capture)),
    (r"^/-/archiver/api/archive-link$", _route(("POST",), archive_link)),
    (r"^/-/archiver/api/jobs/(?P<job_id>[0-9a-f]{1,32})$", _route(("GET",), job_status)),
    (r"^/-/archiver/api/watches$", _route(("POST",), post_watch)),
    (r"^/-/archiver/api/pages$", _route(("GET",), find_page)),
    (r"^/-/archiver/api/pages/(?P<page_id>[0-9]{1,20})$", _route(("GET", "POST"), one_page)),
]


def is_api_path(path: str) -> bool:
    return path.startswith(PREFIX)
