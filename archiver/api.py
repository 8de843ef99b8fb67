"""The companion backend the browser extension talks to (routes under /-/archiver/api/).

- `GET  /-/archiver/api/ping`: is this an archiver, and is the token right?
- `POST /-/archiver/api/captures`: store a page as the browser shows it (DOM + screenshot),
  through the same extraction and storage as `archiver save`. An `idempotency_key` makes a
  retried upload land once.
- `POST /-/archiver/api/archive-link`: queue a URL; a worker thread with its own event loop and
  one Chromium captures it (private addresses blocked unless the server allows them).
- `GET  /-/archiver/api/jobs/ID`: how that went.

Every route needs `Authorization: Bearer <token>` (see `archiver.tokens`); requests from web
origins and with a foreign `Host` header are refused. Nothing here blocks Datasette's event loop:
SQLite work runs in worker threads on the API's own connection.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import threading
import uuid
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasette.utils.asgi import Response

from archiver import __version__, store, tokens
from archiver.capture import Browser, CaptureSettings
from archiver.errors import ArchiverError
from archiver.models import Capture, now_iso
from archiver.urls import InvalidURL, check_archivable

PREFIX = "/-/archiver/api/"
DEFAULT_MAX_BODY = 50 * 1024 * 1024
EXTENSION_ORIGINS = ("chrome-extension://", "moz-extension://", "safari-web-extension://")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,200}$")
MAX_TAGS = 50
MAX_TAG_LENGTH = 100
IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
TRUE_WORDS = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class ApiSettings:
    """Resolved at the edge (`archiver serve` options -> environment -> plugin startup)."""

    allow_private_targets: bool = False
    max_body: int = DEFAULT_MAX_BODY
    extra_hosts: tuple[str, ...] = ()  # more names the server may be reached by

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ApiSettings:
        hosts = environ.get("ARCHIVER_API_HOSTS", "")
        return cls(
            allow_private_targets=environ.get("ARCHIVER_ALLOW_PRIVATE", "").lower() in TRUE_WORDS,
            max_body=int(environ.get("ARCHIVER_API_MAX_BODY") or DEFAULT_MAX_BODY),
            extra_hosts=tuple(h.strip().lower() for h in hosts.split(",") if h.strip()),
        )


class ApiError(Exception):
    """An answer other than success: HTTP status and a sentence saying what is wrong."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


# --- state per Datasette instance


class Writer:
    """The API's own SQLite connection, used from worker threads one call at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self._db: Any = None
        self._lock = threading.Lock()

    def _open(self) -> Any:
        if self._db is None:
            self._db = store.open_db(self.path)
        return self._db

    def token_ok(self, token: str) -> bool:
        with self._lock:
            return tokens.is_valid(self._open(), token)

    def has_token(self) -> bool:
        with self._lock:
            return tokens.has_token(self._open())

    def save(self, capture: Capture, key: str | None, tags: list[str]) -> tuple[int, bool]:
        """Extract and store (as `archiver save` does); returns (id, created). A key seen
        before returns the capture stored under it and stores nothing."""
        from archiver.save import store_capture

        with self._lock:
            db = self._open()
            existing = store.capture_id_for_key(db, key) if key else None
            if existing is not None:
                return existing, False
            result = store_capture(db, capture, source="extension", tags=tags)
            assert result.id is not None
            if key is None:
                return result.id, True
            capture_id = store.claim_idempotency_key(db, result.id, key)
            return capture_id, capture_id == result.id


@dataclass
class Job:
    id: str
    url: str
    tags: list[str]
    key: str | None
    status: str = "queued"  # queued | running | done | failed
    capture_id: int | None = None
    error: str | None = None
    created_at: str = field(default_factory=now_iso)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "status": self.status,
                "capture_id": self.capture_id, "error": self.error,
                "created_at": self.created_at}


class LinkWorker:
    """Captures queued URLs in a background thread with its own event loop and one Chromium,
    started on the first job. Jobs are kept in memory; their captures are in the archive."""

    def __init__(self, writer: Writer, settings: CaptureSettings, concurrency: int = 2) -> None:
        self.writer = writer
        self.settings = settings
        self.concurrency = concurrency
        self._jobs: dict[str, Job] = {}
        self._by_key: dict[str, str] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._browser: Browser | None = None
        self._browser_lock: asyncio.Lock | None = None
        self._slots: asyncio.Semaphore | None = None

    def submit(self, url: str, tags: list[str], key: str | None) -> Job:
        with self._lock:
            if key and key in self._by_key:
                return self._jobs[self._by_key[key]]
            job = Job(uuid.uuid4().hex[:16], url, tags, key)
            self._jobs[job.id] = job
            if key:
                self._by_key[key] = job.id
            loop = self._ensure_loop()
        asyncio.run_coroutine_threadsafe(self._run(job), loop)
        return job

    def job(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=self._loop.run_forever, name="archiver-links",
                             daemon=True).start()
        return self._loop

    async def _run(self, job: Job) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            job.status = "running"
            try:
                browser = await self._get_browser()
                capture = await browser.capture(job.url)
                job.capture_id, _ = await asyncio.to_thread(
                    self.writer.save, capture, job.key, job.tags)
                job.error = capture.error
                job.status = "failed" if capture.status == "failed" else "done"
            except Exception as exc:  # noqa: BLE001 - a job must end with a reason, always
                job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"

    async def _get_browser(self) -> Browser:
        if self._browser_lock is None:
            self._browser_lock = asyncio.Lock()
        async with self._browser_lock:
            if self._browser is None:
                browser = Browser(self.settings)
                await browser.start()
                self._browser = browser
            return self._browser


@dataclass
class ApiState:
    settings: ApiSettings
    database: str
    writer: Writer
    links: LinkWorker


_STATES: weakref.WeakKeyDictionary[Any, ApiState] = weakref.WeakKeyDictionary()


def configure(datasette: Any, settings: ApiSettings) -> None:
    """Called by the plugin's startup hook with settings resolved from the environment."""
    try:
        name, path = _archive_database(datasette)
    except ApiError:
        return  # no archive file (e.g. `datasette --memory`): the API answers 500 saying so
    writer = Writer(path)
    capture_settings = CaptureSettings(block_private=not settings.allow_private_targets,
                                       page_deadline=60.0)
    _STATES[datasette] = ApiState(settings, name, writer, LinkWorker(writer, capture_settings))


def _state(datasette: Any) -> ApiState:
    if datasette not in _STATES:
        configure(datasette, ApiSettings())
    return _STATES[datasette]


def _archive_database(datasette: Any) -> tuple[str, str]:
    for name, database in datasette.databases.items():
        if not name.startswith("_") and getattr(database, "path", None):
            return name, str(database.path)
    raise ApiError(500, "archiver serve has no archive database file")


# --- checks shared by every route


def _check_host(request: Any, settings: ApiSettings) -> None:
    """DNS rebinding: a page on attacker.example whose name now points at 127.0.0.1."""
    host = (request.headers.get("host") or "").lower()
    server = request.scope.get("server")
    if server:
        port = server[1]
        allowed = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}",
                   f"{str(server[0]).lower()}:{port}"}
    else:  # in-process client (tests, datasette.client)
        allowed = {"localhost", "127.0.0.1"}
    if host not in allowed | set(settings.extra_hosts):
        raise ApiError(403, f"Host {host!r} is not this server's name (DNS rebinding guard); "
                            "set ARCHIVER_API_HOSTS to allow more names")


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


async def _authorize(request: Any, state: ApiState) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    challenge = {"WWW-Authenticate": "Bearer"}
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Missing token: send 'Authorization: Bearer <token>' "
                            "(the token is shown by `archiver token`)", challenge)
    if await asyncio.to_thread(state.writer.token_ok, token):
        return
    if not await asyncio.to_thread(state.writer.has_token):
        raise ApiError(401, "This archive has no token yet: run `archiver token` and paste "
                            "what it prints into the extension's options", challenge)
    raise ApiError(401, "Wrong token: paste the one `archiver token` shows "
                        "(`archiver token --rotate` makes a new one)", challenge)


async def _read_body(request: Any, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is larger than `limit`."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"The body is {int(declared)} bytes; the limit is {limit} "
                            "(ARCHIVER_API_MAX_BODY)")
    chunks, size = [], 0
    while True:
        message = await request.receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"The body is larger than the limit of {limit} bytes "
                                "(ARCHIVER_API_MAX_BODY)")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _json_object(request: Any, limit: int) -> dict[str, Any]:
    body = await _read_body(request, limit)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object")
    return data


Handler = Callable[[Any, Any, ApiState], Awaitable[Response]]


def _route(methods: tuple[str, ...], handler: Handler) -> Callable[[Any, Any], Any]:
    """Wrap a handler with the checks every API route shares, in this order:
    Host (403), Origin (403), method (405), token (401); errors as {"ok": false, "error"}."""

    async def view(request: Any, datasette: Any) -> Response:
        try:
            state = _state(datasette)
            _check_host(request, state.settings)
            _check_origin(request)
            _check_method(request, methods)
            await _authorize(request, state)
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


def _url(data: dict[str, Any]) -> str:
    url = _field(data, "url", str, required=True)
    if "://" not in url:
        raise ApiError(400, f"Field 'url' must be an absolute http(s) URL, not {url[:200]!r}")
    try:
        return check_archivable(url)
    except InvalidURL as exc:
        raise ApiError(400, f"Field 'url': {exc}") from exc


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
    )


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
    key, tags = _key(data), _tags(data)
    try:
        capture_id, created = await asyncio.to_thread(state.writer.save, capture, key, tags)
    except ArchiverError as exc:
        raise ApiError(503, f"The archive could not store this capture: {exc}") from exc
    return Response.json(
        {"ok": True, "id": capture_id, "created": created,
         "url": _capture_url(request, datasette, state, capture_id)},
        status=201 if created else 200,
    )


async def archive_link(request: Any, datasette: Any, state: ApiState) -> Response:
    data = await _json_object(request, state.settings.max_body)
    job = state.links.submit(_url(data), _tags(data), _key(data))
    status_url = datasette.absolute_url(request, f"{PREFIX}jobs/{job.id}")
    return Response.json({"ok": True, "status": job.status, "job": job.as_json(),
                          "status_url": status_url}, status=202)


async def job_status(request: Any, datasette: Any, state: ApiState) -> Response:
    job = state.links.job(request.url_vars["job_id"])
    if job is None:
        raise ApiError(404, "No such job (jobs are kept until the server restarts)")
    body = job.as_json()
    if job.capture_id is not None:
        body["capture_url"] = _capture_url(request, datasette, state, job.capture_id)
    return Response.json({"ok": True, "job": body})


ROUTES: list[tuple[str, Any]] = [
    (r"^/-/archiver/api/ping$", _route(("GET",), ping)),
    (r"^/-/archiver/api/captures$", _route(("POST",), post_capture)),
    (r"^/-/archiver/api/archive-link$", _route(("POST",), archive_link)),
    (r"^/-/archiver/api/jobs/(?P<job_id>[0-9a-f]{1,32})$", _route(("GET",), job_status)),
]


def is_api_path(path: str) -> bool:
    return path.startswith(PREFIX)
