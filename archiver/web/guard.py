"""The checks every request to the archive passes, whatever route answers it (installed by the
plugin's `asgi_wrapper` hook, so Datasette's own pages, JSON and CSV are covered as well as the
archiver's views and API):

- DNS rebinding: a page on attacker.example whose name now resolves to 127.0.0.1 is
  same-origin with the archive and could read all of it. Only requests naming one of the
  server's own names in `Host` are answered; the others get a 403 saying which option adds a
  name (SECURITY.md §2).
- A login, when the server asks for one (`archiver serve --host` beyond loopback,
  `--require-login`): a request without it, on any route but the few `login.is_open` lets
  through, is sent to the login page (a browser's GET) or gets 401 (SECURITY.md §2).
- Every response goes out with `X-Content-Type-Options: nosniff`, so that no answer (a CSV,
  a JSON, a plain-text error) can be loaded as a script or a stylesheet (SECURITY.md §1).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from archiver.settings import ServerSettings
from archiver.web.login import FORM_PATHS, MAX_FORM_BYTES, is_open, login_url

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
ALLOW_OPTION = "archiver serve --allow-host NAME"


def split_host(host: str) -> tuple[str, str | None]:
    """`name:port` -> (name, port); IPv6 literals keep their brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest[1:] if rest.startswith(":") else None
    if host.count(":") > 1:  # a bare IPv6 address (as --host ::1 gives it)
        return f"[{host}]", None
    name, sep, port = host.rpartition(":")
    return (name, port) if sep else (host, None)


def host_allowed(host: str, port: int | None, extra: Iterable[str]) -> bool:
    """Whether a request whose `Host` header is `host` reached this server by one of its own
    names: 127.0.0.1, localhost, [::1] or a name the user allowed (with the server's port,
    or none when it is the default one), or exactly a `name:port` the user allowed."""
    host = host.strip().lower()
    name, given_port = split_host(host)
    names = set(LOCAL_NAMES)
    for item in extra:
        item = item.strip().lower()
        item_name, item_port = split_host(item)
        if item_port is None:
            names.add(item_name)
        elif host == f"{item_name}:{item_port}":
            return True
    if name not in names:
        return False
    if given_port is None:
        return port in (None, 80, 443)
    return port is None or given_port == str(port)


def refusal(host: str, path: str) -> tuple[int, bytes, bytes]:
    """The 403 for a foreign Host: JSON for the extension's API, plain text elsewhere."""
    message = (f"Host {host!r} is not one of this server's names (DNS rebinding guard). "
               f"If you reach the archive by that name, start it with `{ALLOW_OPTION}`.")
    if path.startswith("/-/archiver/api/"):
        return 403, json.dumps({"ok": False, "error": message}).encode(), b"application/json"
    return 403, message.encode(), b"text/plain; charset=utf-8"


def login_refusal(scope: Scope, path: str) -> tuple[int, bytes, bytes, dict[bytes, bytes]]:
    """No login: a browser asking for a page goes to the login page (and back after it);
    anything else gets 401 saying where to log in (JSON for JSON, else plain text)."""
    query = bytes(scope.get("query_string") or b"").decode("latin-1")
    target = login_url(path, query)
    if scope.get("method") in ("GET", "HEAD") and "text/html" in _header(scope, b"accept"):
        return 302, b"", b"text/plain; charset=utf-8", {b"location": target.encode()}
    message = f"This archive needs a login: {target}"
    if path.startswith("/-/archiver/api/") or path.split("?")[0].endswith(".json") \
            or "application/json" in _header(scope, b"accept"):
        body = json.dumps({"ok": False, "error": message}).encode()
        return 401, body, b"application/json", {}
    return 401, message.encode(), b"text/plain; charset=utf-8", {}


class Guard:
    """ASGI middleware around Datasette: the Host check, the login (when the settings ask for
    one; `authorised(scope, path)` says whether the request holds it), then nosniff on the
    answer."""

    def __init__(self, app: App, settings: Callable[[], ServerSettings],
                 authorised: Callable[[Scope, str], bool] = lambda scope, path: False) -> None:
        self.app = app
        self.settings = settings
        self.authorised = authorised

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        if not str(scope.get("path", "")).startswith("/"):
            await _answer(send, *not_a_path(scope))
            return
        host = _header(scope, b"host")
        server = scope.get("server")
        port = int(server[1]) if server and server[1] is not None else None
        settings = self.settings()
        if not host_allowed(host, port, settings.extra_hosts):
            await _answer(send, *refusal(host, str(scope.get("path", ""))))
            return
        path = routed_path(scope)
        if path in FORM_PATHS and scope.get("method") == "POST" and not _small_body(scope):
            await _answer(send, 413, f"The login form takes at most {MAX_FORM_BYTES} bytes, "
                          "with a Content-Length.".encode(), b"text/plain; charset=utf-8")
            return
        if settings.require_login and not is_open(path) and not self.authorised(scope, path):
            await _answer(send, *login_refusal(scope, path))
            return
        await self.app(scope, receive, _with_nosniff(send))


def not_a_path(scope: Scope) -> tuple[int, bytes, bytes]:
    """A 400 for a request target that is not a path (`GET *`, `OPTIONS *`, `GET a.json`):
    Datasette's own error page would fail on it with a 500."""
    target = str(scope.get("path", ""))[:100]
    message = (f"The request target {target!r} is not a path: ask for one that starts with "
               "'/', such as /-/archiver/.")
    return 400, message.encode(), b"text/plain; charset=utf-8"


def _small_body(scope: Scope) -> bool:
    """Whether the request says it sends at most MAX_FORM_BYTES (anyone may post the login
    form, and Datasette's CSRF check reads all of a form before any view sees it)."""
    length = _header(scope, b"content-length").strip()
    return length.isdigit() and int(length) <= MAX_FORM_BYTES


def routed_path(scope: Scope) -> str:
    """The path as Datasette's router matches it (the raw path when there is one)."""
    raw = scope.get("raw_path")
    if raw:
        return bytes(raw).decode("latin-1").partition("?")[0]
    return str(scope.get("path", ""))


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _with_nosniff(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message.get("type") == "http.response.start":
            headers = list(message.get("headers") or [])
            if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                headers.append((b"x-content-type-options", b"nosniff"))
            message = {**message, "headers": headers}
        await send(message)

    return sending


async def _answer(send: Send, status: int, body: bytes, content_type: bytes,
                  extra: dict[bytes, bytes] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type),
                            (b"content-length", str(len(body)).encode()),
                            (b"x-content-type-options", b"nosniff"),
                            (b"cache-control", b"no-store"),
                            *(extra or {}).items()]})
    await send({"type": "http.response.body", "body": body})
