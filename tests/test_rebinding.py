"""A hostile web page against a running `archiver serve` (SECURITY.md §1, §2): DNS rebinding on
every route, and the server's own answers (CSV, JSON) as script gadgets."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from conftest import LiveServer

from archiver import store
from archiver.models import Capture
from archiver.web.guard import host_allowed

SECRET = "Logged-in page the user saved"
GADGET_SQL = "select 1 as \"window.gadget=1//\""


def get(srv: LiveServer, path: str, host: str | None = None) -> tuple[int, str, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.request("GET", path, headers={"Host": host or f"127.0.0.1:{srv.port}"})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, body, {k.lower(): v for k, v in response.getheaders()}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, int]]:
    db_path = tmp_path_factory.mktemp("rebinding") / "archive.db"
    db = store.open_db(db_path)
    capture_id = store.save_capture(db, Capture(
        url="https://bank.example/account", content_type="text/html", title=SECRET,
        html=f"<html><body><article><h1>{SECRET}</h1><p>Balance: 1,234.</p></article></body>"
             "</html>", captured_at="2026-01-01T00:00:00Z"), None)
    db.close()
    srv = LiveServer(db_path, "--allow-host", "archive.home.arpa")
    yield srv, capture_id
    srv.stop()


def routes(capture_id: int) -> list[str]:
    return ["/", "/archive", "/archive.json?sql=" + quote("select title from captures"),
            "/archive/captures.json", f"/archive/captures/{capture_id}",
            f"/-/archiver/archive/{capture_id}", f"/-/archiver/archive/{capture_id}/snapshot",
            f"/-/archiver/archive/{capture_id}/raw", "/-/archiver/archive/search?q=balance",
            "/-/archiver/api/ping", "/-/versions.json"]


def test_a_rebound_name_reads_nothing_on_any_route(served: tuple[LiveServer, int]) -> None:
    srv, capture_id = served
    for path in routes(capture_id):
        for host in (f"evil.example:{srv.port}", "evil.example", f"127.0.0.1.evil.example:"
                     f"{srv.port}", f"localhost:{srv.port + 1}"):
            status, body, _ = get(srv, path, host)
            assert status == 403, (path, host, status)
            assert SECRET not in body and "Balance" not in body
            assert "--allow-host" in body, body


def test_the_servers_own_names_are_answered(served: tuple[LiveServer, int]) -> None:
    srv, capture_id = served
    for host in (f"127.0.0.1:{srv.port}", f"localhost:{srv.port}", f"LOCALHOST:{srv.port}",
                 f"[::1]:{srv.port}", f"archive.home.arpa:{srv.port}"):
        status, body, _ = get(srv, f"/archive/captures/{capture_id}.json", host)
        assert status == 200 and SECRET in body, (host, status, body[:200])


def test_every_answer_says_nosniff(served: tuple[LiveServer, int]) -> None:
    srv, capture_id = served
    paths = [*routes(capture_id), "/archive.csv?sql=" + quote(GADGET_SQL), "/no/such/page",
             "/-/static/app.css"]
    for path in paths:
        status, _, headers = get(srv, path)
        assert headers.get("x-content-type-options") == "nosniff", (path, status)


def test_the_views_load_no_script_files(served: tuple[LiveServer, int]) -> None:
    srv, capture_id = served
    for path in (f"/-/archiver/archive/{capture_id}", "/-/archiver/archive/",
                 "/-/archiver/archive/search?q=x", f"/-/archiver/archive/{capture_id}/raw"):
        _, body, headers = get(srv, path)
        script_src = next(d for d in headers["content-security-policy"].split(";")
                          if d.strip().startswith("script-src")).split()[1:]
        assert script_src and all(s.startswith("'sha256-") for s in script_src), script_src
        assert "<script src" not in body


def test_a_csv_answer_is_no_script_gadget(served: tuple[LiveServer, int], chromium: Any) -> None:
    """`<script src="/archive.csv?sql=...">` on the archive's own pages (as an injection would
    add it): neither Datasette's pages nor the reader view run it."""
    srv, capture_id = served
    gadget = "/archive.csv?sql=" + quote(GADGET_SQL)
    context = chromium.new_context()
    try:
        page = context.new_page()
        for path in ("/", f"/-/archiver/archive/{capture_id}"):
            page.goto(srv.url + path, wait_until="load", timeout=15000)
            page.evaluate("""(src) => new Promise((done) => {
                const s = document.createElement("script");
                s.src = src; s.onload = s.onerror = () => done();
                document.head.appendChild(s);
                setTimeout(done, 3000);
            })""", gadget)
            assert page.evaluate("() => window.gadget") is None, path
    finally:
        context.close()


@pytest.mark.parametrize(("host", "port", "extra", "allowed"), [
    ("127.0.0.1:8001", 8001, (), True), ("localhost:8001", 8001, (), True),
    ("[::1]:8001", 8001, (), True), ("localhost", 80, (), True), ("localhost", 8001, (), False),
    ("localhost:8002", 8001, (), False), ("evil.example:8001", 8001, (), False),
    ("", 8001, (), False), ("localhost.:8001", 8001, (), False),
    ("archive.home.arpa:8001", 8001, ("archive.home.arpa",), True),
    ("archive.home.arpa:9000", 8001, ("archive.home.arpa:9000",), True),
    ("archive.home.arpa:8001", 8001, ("archive.home.arpa:9000",), False),
    ("[::1]:8001", 8001, ("::1",), True), ("[fd00::5]:8001", 8001, ("fd00::5",), True),
    ("0.0.0.0:8001", 8001, ("0.0.0.0",), True), ("localhost", None, (), True),
])
def test_host_allowed(host: str, port: int | None, extra: tuple[str, ...],
                      allowed: bool) -> None:
    assert host_allowed(host, port, extra) is allowed


def raw_request(srv: LiveServer, method: str, target: str) -> tuple[int, str]:
    """A request line written by hand: targets http.client would not send."""
    import socket

    with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as conn:
        conn.sendall(f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
                     "Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


@pytest.mark.parametrize("method, target", [("GET", "*"), ("OPTIONS", "*"), ("GET", "a.json"),
                                            ("POST", "archive.json"),
                                            ("GET", "http://127.0.0.1:1/archive.json")])
def test_a_request_target_that_is_no_path_is_a_400(served: tuple[LiveServer, int],
                                                    method: str, target: str) -> None:
    srv, _ = served
    logged = len(srv.log.read_text())
    status, body = raw_request(srv, method, target.replace(":1/", f":{srv.port}/"))
    assert status == 400 and "is not a path" in body
    assert "Traceback" not in srv.log.read_text()[logged:]
    status, _ = raw_request(srv, "GET", "/-/archiver/api/ping")
    assert status == 401  # a path is answered as before


def test_serve_on_a_taken_port_says_so_before_announcing_anything(
        served: tuple[LiveServer, int], tmp_path: Any) -> None:
    import subprocess
    import sys

    srv, _ = served
    result = subprocess.run([sys.executable, "-m", "archiver", "serve", "--db", str(srv.db_path),
                             "--port", str(srv.port), "--no-watch"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"Port {srv.port} on 127.0.0.1 is taken" in result.stderr
    assert "Serving" not in result.stderr and "Errno" not in result.stderr
