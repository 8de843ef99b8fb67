"""Shared fixtures: a local HTTP server with fixture pages, a fresh archive, the browser.

Tests that need the browser never skip: a missing browser is a failure (CI must install one).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from samples import minimal_pdf  # noqa: F401 - re-exported for the tests

from archiver import store
from archiver.capture import guard, relay

PAGES = Path(__file__).parent / "pages"


@dataclass
class Reply:
    """What the fixture server answers for one path."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # accept the request, never answer (until the server stops)
    delay: float = 0.0


class FixtureServer:
    """A threaded HTTP server on 127.0.0.1 with a free port.

    Serves files from tests/pages/ plus routes added with `add()`; counts hits per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply | Callable[[BaseHTTPRequestHandler], Reply]] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, reply: Reply | Callable[[BaseHTTPRequestHandler], Reply]) -> str:
        self.routes[path] = reply
        return self.url(path)

    def add_page(self, path: str, html: str | bytes, **kwargs: Any) -> str:
        body = html.encode("utf-8") if isinstance(html, str) else html
        return self.add(path, Reply(body=body, **kwargs))

    def reply_for(self, handler: BaseHTTPRequestHandler) -> Reply:
        path = handler.path.split("?")[0]
        route = self.routes.get(path)
        if route is not None:
            return route(handler) if callable(route) else route
        file = (PAGES / path.lstrip("/")).resolve()
        if file.is_file() and PAGES.resolve() in file.parents:
            return Reply(body=file.read_bytes(), content_type=_guess_type(file))
        return Reply(body=b"<h1>Not found</h1>", status=404)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.hits[self.path.split("?")[0]] += 1
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                reply = server.reply_for(self)
                if reply.hang:
                    server.stopping.wait(120)
                    return
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_POST = do_GET  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler

    def start(self) -> FixtureServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _guess_type(file: Path) -> str:
    return {
        ".html": "text/html; charset=utf-8",
        ".css": "text/css",
        ".js": "application/javascript",
        ".png": "image/png",
        ".svg": "image/svg+xml",
        ".pdf": "application/pdf",
        ".txt": "text/plain; charset=utf-8",
        ".json": "application/json",
    }.get(file.suffix, "application/octet-stream")


@pytest.fixture(scope="session")
def server() -> Iterator[FixtureServer]:
    """One fixture server for the session; tests add their own routes with unique paths."""
    srv = FixtureServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Any]:
    database = store.open_db(db_path)
    yield database
    database.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])



class LiveServer:
    """A real `archiver serve` process on 127.0.0.1 (for tests where a browser must reach it)."""

    def __init__(self, db_path: Path, *args: str, env: dict[str, str] | None = None) -> None:
        import os
        import subprocess
        import sys

        self.port = free_port()
        self.db_path = db_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db_path.parent / f"serve-{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archiver", "serve", "--db", str(db_path),
             "--port", str(self.port), *args],
            env={**os.environ, **(env or {})}, stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 30.0) -> None:
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"archiver serve exited: {self.log.read_text()}")
            try:
                urllib.request.urlopen(self.url + "/-/versions.json", timeout=2).read()
                return
            except urllib.error.HTTPError:
                return  # it answers (401: it asks for a login)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"archiver serve did not start: {self.log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except Exception:
            self.proc.kill()


@pytest.fixture
def live_server(db_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Factory: `live_server(*serve_args, env={...})` starts `archiver serve` on `db_path`."""
    started: list[LiveServer] = []

    def start(*args: str, env: dict[str, str] | None = None) -> LiveServer:
        started.append(LiveServer(db_path, *args, env=env))
        return started[-1]

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A plain Playwright Chromium (sync API) for looking at pages as a reader would."""
    import os

    from playwright.sync_api import sync_playwright

    from archiver.capture import find_browser

    with sync_playwright() as p:
        path = find_browser(os.environ.get("ARCHIVER_BROWSER"), p.chromium.executable_path)
        browser = p.chromium.launch(executable_path=path,
                                    args=["--disable-gpu", "--hide-scrollbars"])
        yield browser
        browser.close()


def wait_until(condition: Callable[[], Any], timeout: float = 20, what: str = "") -> Any:
    """The first true value of `condition()`, polled until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


BROWSER_FIXTURES = {"chromium", "browser", "server", "live", "live_server", "page"}
"""A test that uses one of these drives Chromium or captures pages (`archiver save` starts
one): it is marked `browser`, so `pytest -m "not browser"` is the fast tier. CI runs all."""


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


PRETEND_PUBLIC = "93.184.216.34"


@pytest.fixture
def localhost_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard's resolver says `localhost` is public; the browser still reaches 127.0.0.1
    (and so does the guard's relay, which connects to the address the guard checked)."""
    real, real_connect = guard.resolve_host, relay.connect_to

    async def fake(host: str, port: int) -> list[str]:
        return [PRETEND_PUBLIC] if host == "localhost" else await real(host, port)

    async def connect(address: str, port: int) -> Any:
        return await real_connect("127.0.0.1" if address == PRETEND_PUBLIC else address, port)

    monkeypatch.setattr(guard, "resolve_host", fake)
    monkeypatch.setattr(relay, "connect_to", connect)
