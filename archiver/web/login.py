"""The login of an archive served beyond one machine's loopback (`archiver serve --host`,
`--require-login`): one password, kept as a salted scrypt hash (`archiver.passwords`).

- `/-/archiver/login`: a form (Datasette's CSRF token); the right password sets Datasette's
  signed `ds_actor` cookie (HttpOnly, SameSite=Lax, Secure over https, 30 days) for the actor
  `archiver-user`, carrying a fingerprint of the password hash, so that a new password ends
  every login. Wrong passwords wait a second and count: `MAX_FAILURES` in `WINDOW_S` from one
  client, and that client gets 429 until the window has passed.
- `/-/archiver/logout`: POST clears the cookie (Datasette's own "Log out" in the menu does too).
- An archived page is replayed in a sandbox (an opaque origin): the browser sends no SameSite
  cookie with the requests it makes for its stylesheets, images and frames. Their URLs carry a
  key instead (`replay_key`): signed by Datasette's secret for one capture and the current
  password, it opens that capture's resources and frames and nothing else.

The guard (`archiver.web.guard`) sends every other request without that cookie here, on every
route of the server, except the few `is_open` lets through: these pages, the stylesheet, and
the extension's API, which has its own bearer token.
"""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from datasette.utils.asgi import Response

from archiver.passwords import BadPasswordHash, fingerprint, verify_password
from archiver.settings import ServerSettings
from archiver.web import api
from archiver.web.http import error_page, render

USER_ID = "archiver-user"
LOGIN_PATH = "/-/archiver/login"
LOGOUT_PATH = "/-/archiver/logout"
HOME = "/-/archiver/"
COOKIE = "ds_actor"
LOGIN_DAYS = 30
MAX_FAILURES = 10
WINDOW_S = 15 * 60.0
WRONG_PASSWORD_DELAY_S = 1.0
FORM_PATHS = (LOGIN_PATH, LOGOUT_PATH)
MAX_FORM_BYTES = 16 * 1024

OPEN_PATHS = [
    re.compile(p) for p in (
        r"^/-/archiver/log(in|out)$",
        r"^/-/archiver/static/archiver\.css$",
        r"^/-/static/[\w.-]+\.css$",  # Datasette's own stylesheet (package files, no data)
        r"^/favicon\.ico$",
    )
] + [re.compile(pattern) for pattern, _ in api.ROUTES]  # the bearer token guards these


# --- settings per Datasette instance


_SETTINGS: weakref.WeakKeyDictionary[Any, ServerSettings] = weakref.WeakKeyDictionary()


def server_settings(datasette: Any) -> ServerSettings:
    """The plugin configuration as settings, read once per Datasette."""
    if datasette not in _SETTINGS:
        _SETTINGS[datasette] = ServerSettings.from_config(datasette.plugin_config("archiver"))
    return _SETTINGS[datasette]


# --- who is logged in


def is_open(path: str) -> bool:
    """Whether a request for `path` (as Datasette routes it) is answered without a login."""
    return any(pattern.match(path) for pattern in OPEN_PATHS)


def _session(settings: ServerSettings) -> str | None:
    if not settings.password_hash:
        return None
    return fingerprint(settings.password_hash, "archiver login session")


def actor(settings: ServerSettings) -> dict[str, str]:
    return {"id": USER_ID, "session": _session(settings) or ""}


def logged_in(datasette: Any, settings: ServerSettings, cookies: Mapping[str, str]) -> bool:
    """Whether `cookies` hold a login to this archive with its current password: Datasette's
    signed actor cookie, not expired, for our actor and the current password's fingerprint."""
    from datasette.utils import baseconv
    from itsdangerous import BadSignature

    session = _session(settings)
    value = cookies.get(COOKIE)
    if session is None or not value:
        return False
    try:
        decoded = datasette.unsign(value, "actor")
    except BadSignature:
        return False
    if not isinstance(decoded, dict) or not isinstance(decoded.get("a"), dict):
        return False
    try:
        expires = int(baseconv.base62.decode(str(decoded.get("e") or "")))
    except (ValueError, KeyError):
        return False
    who = decoded["a"]
    return (expires > time.time() and who.get("id") == USER_ID
            and isinstance(who.get("session"), str) and who["session"] == session)


_REPLAYED = re.compile(r"^/-/archiver/(?P<database>[^/]+)/(?P<id>\d+)/(?:r|frame)/\d+$")


def replay_key(datasette: Any, settings: ServerSettings, database: str,
               capture_id: int) -> str | None:
    """The key a replayed capture's resource and frame URLs carry (None: no login, no key)."""
    session = _session(settings)
    if not settings.require_login or session is None:
        return None
    return str(datasette.sign([database, str(capture_id)], f"archiver-replay-{session}"))


def _replay_key_opens(datasette: Any, settings: ServerSettings, path: str,
                      query_string: str) -> bool:
    from itsdangerous import BadSignature

    match = _REPLAYED.match(path)
    session = _session(settings)
    keys = parse_qs(query_string).get("k") or []
    if match is None or session is None or len(keys) != 1:
        return False
    try:
        value = datasette.unsign(keys[0], f"archiver-replay-{session}")
    except BadSignature:
        return False
    return bool(value == [match.group("database"), match.group("id")])


def authorised(datasette: Any, settings: ServerSettings, path: str, query_string: str,
               cookies: Mapping[str, str]) -> bool:
    """A login, or a replay key for the capture `path` is a resource or frame of."""
    return (logged_in(datasette, settings, cookies)
            or _replay_key_opens(datasette, settings, path, query_string))


def login_cookie(datasette: Any, settings: ServerSettings) -> str:
    from datasette.utils import baseconv

    expires = baseconv.base62.encode(int(time.time()) + LOGIN_DAYS * 86400)
    return str(datasette.sign({"a": actor(settings), "e": expires}, "actor"))


def local_path(target: str | None) -> str:
    """`target` if it is a path on this server (after a login, go back there), else home."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return HOME
    if any(ord(c) < 0x21 or c == "\\" for c in target):
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return HOME
    return target


def login_url(path: str, query_string: str = "") -> str:
    target = path + (f"?{query_string}" if query_string else "")
    if target == HOME or not target.startswith("/"):
        return LOGIN_PATH
    return f"{LOGIN_PATH}?next={quote(target, safe='')}"


# --- wrong passwords


class Throttle:
    """Wrong passwords per client: after `limit` in `window` seconds, none is checked until the
    oldest of them is older than the window. An attempt counts as wrong until it has been
    checked, so parallel guesses count too."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic, max_clients: int = 10_000) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.max_clients = max_clients
        self.failures: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float]:
        now = self.clock()
        times = self.failures.setdefault(client, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def wait(self, client: str) -> float:
        """Seconds before `client` may try again (0: now)."""
        times = self._recent(client)
        if len(times) < self.limit:
            return 0.0
        return max(1.0, self.window - (self.clock() - times[0]))

    def attempt(self, client: str) -> None:
        if len(self.failures) >= self.max_clients:
            self._forget_old()
        self._recent(client).append(self.clock())

    def succeeded(self, client: str) -> None:
        """The right password: the attempt was no failure (earlier failures still count)."""
        times = self.failures.get(client)
        if times:
            times.pop()

    def _forget_old(self) -> None:
        now = self.clock()
        for client in [c for c, t in self.failures.items() if not t or now - t[-1] >= self.window]:
            del self.failures[client]
        while len(self.failures) >= self.max_clients:  # all recent: drop the oldest client
            del self.failures[next(iter(self.failures))]


_THROTTLES: weakref.WeakKeyDictionary[Any, Throttle] = weakref.WeakKeyDictionary()


def throttle(datasette: Any) -> Throttle:
    if datasette not in _THROTTLES:
        _THROTTLES[datasette] = Throttle()
    return _THROTTLES[datasette]


# --- the pages


async def login(request: Any, datasette: Any) -> Response:
    """`/-/archiver/login`: the form (GET) and the check of the password (POST)."""
    settings = server_settings(datasette)
    if not settings.require_login:
        return Response.redirect(HOME)
    if request.method == "POST":
        return await _check(request, datasette, settings)
    target = local_path(request.args.get("next"))
    if logged_in(datasette, settings, request.cookies):
        return Response.redirect(target)
    return await _form(datasette, request, target)


async def _form(datasette: Any, request: Any, target: str, error: str | None = None,
                status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = await render(datasette, request, "archiver_login.html",
                            {"next": target, "error": error})
    response.status = status
    response.headers.update(headers or {})
    return response


async def _check(request: Any, datasette: Any, settings: ServerSettings) -> Response:
    form = await request.post_vars()
    target = local_path(form.get("next"))
    client = (request.scope.get("client") or ("unknown",))[0]
    limiter = throttle(datasette)
    wait = limiter.wait(client)
    if wait:
        minutes = max(1, round(wait / 60))
        return await _form(datasette, request, target,
                           f"Too many wrong passwords: try again in {minutes} minute"
                           f"{'s' if minutes > 1 else ''}.", 429,
                           {"Retry-After": str(int(wait))})
    limiter.attempt(client)
    password = form.get("password") or ""
    if settings.password_hash is None:
        return error_page("This archive asks for a login but has no password set: start it "
                          "with ARCHIVER_PASSWORD or --password-file.", 500)
    try:
        right = await asyncio.to_thread(verify_password, password, settings.password_hash)
    except BadPasswordHash as exc:
        return error_page(f"This archive's login is misconfigured: {exc}", 500)
    if not right:
        await asyncio.sleep(WRONG_PASSWORD_DELAY_S)
        return await _form(datasette, request, target, "Wrong password.", 403)
    limiter.succeeded(client)
    response = Response.redirect(target)
    response.set_cookie(COOKIE, login_cookie(datasette, settings), max_age=LOGIN_DAYS * 86400,
                        httponly=True, samesite="lax", secure=request.scheme == "https")
    return response


async def logout(request: Any, datasette: Any) -> Response:
    """`/-/archiver/logout`: POST ends the login (GET shows the button)."""
    if request.method == "POST":
        response = Response.redirect(LOGIN_PATH)
        response.set_cookie(COOKIE, "", expires=0, max_age=0, httponly=True, samesite="lax",
                            secure=request.scheme == "https")
        return response
    settings = server_settings(datasette)
    if not logged_in(datasette, settings, request.cookies):
        return Response.redirect(LOGIN_PATH)
    return await render(datasette, request, "archiver_login.html", {"logout": True})


ROUTES: list[tuple[str, Any]] = [
    (r"^/-/archiver/login$", login),
    (r"^/-/archiver/logout$", logout),
]
