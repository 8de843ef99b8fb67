"""The login of a server reachable beyond loopback (SECURITY.md §2), against a real
`archiver serve` (on 127.0.0.1 with --require-login, which asks for the same login as a
--host beyond loopback) and, for the form, a real Chromium."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import FixtureServer, LiveServer, Reply, free_port
from playwright.sync_api import Browser

from archiver.web.login import Throttle, local_path

PASSWORD = "correct horse battery staple"
OUTPUT = Path(__file__).parent / "output"
FAST = ["--timeout", "10", "--request-timeout", "2", "--page-deadline", "30"]
ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>The tide tables of Oban</title><link rel="stylesheet" href="/login/tides.css"></head>
<body><article><h1>The tide tables of Oban</h1>
<p>Every spring the harbour master printed the tide tables of Oban on a single folded card,
and the fishermen kept them in their breast pockets through the whole season.</p>
<img src="/login/tides.png" width="40" height="20" alt="a tide chart">
<p>The cards of the last forty years are kept in a drawer of the harbour office, each one
stamped with the year and the name of the printer.</p></article></body></html>"""
SECRET_TEXT = "folded card"  # a phrase of the archived article


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (30, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def archive(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An archive with one capture (a page with an image and a stylesheet) and a token."""
    server.add_page("/login/article.html", ARTICLE)
    server.add("/login/tides.png", Reply(body=png_bytes(), content_type="image/png"))
    server.add("/login/tides.css", Reply(body=b"h1 { color: rgb(0, 90, 30); }",
                                         content_type="text/css"))
    db_path = tmp_path_factory.mktemp("login") / "archive.db"
    saved = run("save", server.url("/login/article.html"), "--db", str(db_path), *FAST)
    assert saved.returncode == 0, saved.stderr
    capture = int(saved.stdout.split("\t")[0])
    token = run("token", "--db", str(db_path)).stdout.strip()
    return {"db_path": db_path, "capture": capture, "token": token}


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("ARCHIVER_PASSWORD", "ARCHIVER_PASSWORD_FILE", "DATASETTE_SECRET")}
    return subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True,
                          text=True, timeout=timeout, env={**environ, **(env or {})},
                          input=stdin)


@pytest.fixture(scope="module")
def srv(archive: dict[str, Any]) -> Iterator[LiveServer]:
    server = LiveServer(archive["db_path"], "--require-login",
                        env={"ARCHIVER_PASSWORD": PASSWORD})
    yield server
    server.stop()


def client(srv: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=srv.url, follow_redirects=False, timeout=30)


def csrf_token(http: httpx.Client) -> str:
    page = http.get("/-/archiver/login", headers={"Accept": "text/html"})
    assert page.status_code == 200
    match = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def log_in(http: httpx.Client, password: str, target: str = "/") -> httpx.Response:
    token = csrf_token(http)
    return http.post("/-/archiver/login",
                     data={"csrftoken": token, "password": password, "next": target})


def guarded_paths(archive: dict[str, Any]) -> list[str]:
    capture = archive["capture"]
    return ["/", "/-/archiver/", "/-/archiver/archive/", f"/-/archiver/archive/{capture}",
            f"/-/archiver/archive/{capture}/raw", f"/-/archiver/archive/{capture}/snapshot",
            f"/-/archiver/archive/{capture}/screenshot", "/archive/captures.json",
            "/archive/captures", "/archive.json?sql=select+text+from+captures",
            "/archive/captures.csv", "/-/metadata.json", "/-/archiver/archive/search?q=tide",
            f"/-/archiver/archive/{capture}/thumbnail", "/-/actor.json"]


# --- refusing to start


def test_beyond_loopback_without_a_password_the_server_does_not_start(tmp_path: Path) -> None:
    port = free_port()
    db_path = tmp_path / "archive.db"
    result = run("serve", "--db", str(db_path), "--host", "0.0.0.0", "--port", str(port),
                 timeout=60)
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith("Error: --host 0.0.0.0 lets other machines reach the archive")
    assert "ARCHIVER_PASSWORD" in message and "--password-file" in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence
    assert not db_path.exists()
    with socket.socket() as sock:  # nothing listens
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_require_login_without_a_password_does_not_start(tmp_path: Path) -> None:
    result = run("serve", "--db", str(tmp_path / "a.db"), "--require-login", "--port",
                 str(free_port()), timeout=60)
    assert result.returncode == 1
    assert "--require-login needs a login" in result.stderr
    assert "ARCHIVER_PASSWORD" in result.stderr


def test_an_unreadable_password_file_is_an_error_that_shows_no_password(tmp_path: Path) -> None:
    result = run("serve", "--db", str(tmp_path / "a.db"), "--host", "0.0.0.0", "--port",
                 str(free_port()), "--password-file", str(tmp_path / "missing"), timeout=60)
    assert result.returncode == 1 and "Cannot read the password file" in result.stderr
    both = run("serve", "--db", str(tmp_path / "a.db"), "--require-login", "--port",
               str(free_port()), "--password-file", str(tmp_path / "missing"),
               env={"ARCHIVER_PASSWORD": PASSWORD}, timeout=60)
    assert both.returncode == 1 and "set twice" in both.stderr
    assert PASSWORD not in both.stderr + both.stdout


# --- the login


def test_without_a_login_nothing_is_answered(srv: LiveServer, archive: dict[str, Any]) -> None:
    with client(srv) as http:
        for path in guarded_paths(archive):
            page = http.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
            assert page.status_code == 302, path
            assert page.headers["location"].startswith("/-/archiver/login"), path
            data = http.get(path)
            assert data.status_code == 401, path
            assert SECRET_TEXT not in data.text and "Oban" not in data.text, path
            assert "/-/archiver/login" in data.text
        assert http.get("/archive/captures.json").json()["ok"] is False
        assert http.get("/archive.db").status_code == 401
        posted = http.post("/archive/-/query", data={"sql": "select 1"})
        assert posted.status_code == 401
        # a forged or foreign cookie is no login
        http.cookies.set("ds_actor", "eyJhIjp7ImlkIjoicm9vdCJ9fQ.forged")
        assert http.get("/archive/captures.json").status_code == 401


def test_the_redirect_comes_back_after_the_login(srv: LiveServer,
                                                 archive: dict[str, Any]) -> None:
    path = f"/-/archiver/archive/{archive['capture']}"
    with client(srv) as http:
        page = http.get(path + "?images=live", headers={"Accept": "text/html"})
        assert page.headers["location"] == ("/-/archiver/login?next=%2F-%2Farchiver%2Farchive%2F"
                                            f"{archive['capture']}%3Fimages%3Dlive")
        response = log_in(http, PASSWORD, path + "?images=live")
        assert response.status_code == 302
        assert response.headers["location"] == path + "?images=live"


def test_a_wrong_password_is_refused(srv: LiveServer, archive: dict[str, Any]) -> None:
    with client(srv) as http:
        started = time.monotonic()
        response = log_in(http, "not the password")
        assert time.monotonic() - started >= 1.0  # slowed down
        assert response.status_code == 403
        assert "Wrong password" in response.text
        assert "ds_actor" not in response.headers.get("set-cookie", "")
        assert http.get("/archive/captures.json").status_code == 401
        no_csrf = http.post("/-/archiver/login", data={"password": PASSWORD})
        assert no_csrf.status_code == 403 and "ds_actor" not in str(no_csrf.headers)


def test_the_right_password_opens_every_page(srv: LiveServer, archive: dict[str, Any]) -> None:
    with client(srv) as http:
        response = log_in(http, PASSWORD, "/archive/captures.json")
        assert response.status_code == 302
        assert response.headers["location"] == "/archive/captures.json"
        cookie = next(c for c in response.headers.get_list("set-cookie")
                      if c.startswith("ds_actor="))
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"httponly", "max-age", "path"} <= flags and "samesite=lax" in cookie.lower()
        for path in guarded_paths(archive):
            answer = http.get(path, follow_redirects=True)
            assert answer.status_code == 200 and "login" not in answer.url.path, path
        assert SECRET_TEXT in http.get(f"/-/archiver/archive/{archive['capture']}").text
        rows = http.get("/archive/captures.json?_shape=array").json()
        assert rows[0]["title"] == "The tide tables of Oban"
        assert http.get("/-/actor.json").json()["actor"]["id"] == "archiver-user"
        assert PASSWORD not in http.get("/-/metadata.json").text
        # the login page of someone logged in goes on
        again = http.get("/-/archiver/login?next=/archive/captures")
        assert again.status_code == 302 and again.headers["location"] == "/archive/captures"


def test_after_the_login_only_local_paths(srv: LiveServer) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example",
                   "javascript:alert(1)", ""):
        with client(srv) as http:
            response = log_in(http, PASSWORD, target)
            assert response.headers["location"] == "/-/archiver/", target
    assert local_path("/archive/captures?_sort=id") == "/archive/captures?_sort=id"
    assert local_path("/ok\r\nSet-Cookie: x=1") == "/-/archiver/"


def test_logging_out_ends_the_login(srv: LiveServer) -> None:
    with client(srv) as http:
        log_in(http, PASSWORD)
        assert http.get("/archive/captures.json").status_code == 200
        page = http.get("/-/archiver/logout")
        assert page.status_code == 200 and "Log out" in page.text
        token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        response = http.post("/-/archiver/logout", data={"csrftoken": token})
        assert response.status_code == 302
        assert http.get("/archive/captures.json").status_code == 401


def test_the_extension_token_works_without_the_login(srv: LiveServer,
                                                     archive: dict[str, Any]) -> None:
    auth = {"Authorization": f"Bearer {archive['token']}"}
    with client(srv) as http:
        ping = http.get("/-/archiver/api/ping", headers=auth)
        assert ping.status_code == 200 and ping.json()["ok"] is True
        posted = http.post("/-/archiver/api/captures", headers=auth, json={
            "url": "https://example.org/posted", "title": "Posted", "html": ARTICLE})
        assert posted.status_code in (200, 201), posted.text
        assert http.get("/-/archiver/api/ping").status_code == 401  # its own auth
        # and it is no login for anything else
        for path in ("/archive/captures.json", "/-/archiver/", "/-/metadata.json"):
            assert http.get(path, headers=auth).status_code == 401, path


def test_the_stylesheet_and_the_login_page_need_no_login(srv: LiveServer) -> None:
    with client(srv) as http:
        huge = http.post("/-/archiver/login", content=b"password=" + b"x" * 100_000,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert huge.status_code == 413
        assert http.get("/-/archiver/static/archiver.css").status_code == 200
        page = http.get("/-/archiver/login")
        assert page.status_code == 200 and 'type="password"' in page.text
        assert "Archive: read and search" not in page.text  # no menu of the archive
        for path in ("/-/archiver/static/x.css", "/-/archiver/api/", "/-/archiver/login/x"):
            assert http.get(path).status_code == 401, path


def test_guessing_is_throttled(archive: dict[str, Any], tmp_path: Path) -> None:
    """Parallel wrong passwords count too: after ten, even the right one waits."""
    db_path = tmp_path / "archive.db"
    db_path.write_bytes(archive["db_path"].read_bytes())
    srv = LiveServer(db_path, "--require-login", "--no-watch",
                     env={"ARCHIVER_PASSWORD": PASSWORD})
    try:
        statuses: list[int] = []

        def guess() -> None:
            with client(srv) as http:
                statuses.append(log_in(http, "guess").status_code)

        threads = [threading.Thread(target=guess) for _ in range(14)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(statuses) == [403] * 10 + [429] * 4
        with client(srv) as http:
            response = log_in(http, PASSWORD)
            assert response.status_code == 429 and "Too many wrong passwords" in response.text
            assert int(response.headers["retry-after"]) > 800
    finally:
        srv.stop()


def test_throttle_forgets_after_its_window() -> None:
    now = [0.0]
    limiter = Throttle(limit=3, window=60, clock=lambda: now[0], max_clients=2)
    for _ in range(3):
        assert limiter.wait("a") == 0
        limiter.attempt("a")
    assert limiter.wait("a") == 60
    now[0] = 30
    assert limiter.wait("a") == 30 and limiter.wait("b") == 0
    limiter.attempt("b")
    limiter.succeeded("b")  # the right password is no failure
    now[0] = 61
    assert limiter.wait("a") == 0
    limiter.attempt("c")
    limiter.attempt("d")  # beyond max_clients: old ones are dropped
    assert len(limiter.failures) <= 2


# --- where the password comes from, where the login lives


def test_a_hashed_password_in_a_file_and_logins_survive_a_restart(
        archive: dict[str, Any], tmp_path: Path) -> None:
    made = run("password-hash", stdin=PASSWORD + "\n")
    assert made.returncode == 0
    hashed = made.stdout.strip()
    assert hashed.startswith("scrypt:") and PASSWORD not in hashed
    password_file = tmp_path / "password"
    password_file.write_text(hashed + "\n")
    password_file.chmod(0o600)
    db_path = tmp_path / "archive.db"
    db_path.write_bytes(archive["db_path"].read_bytes())
    srv = LiveServer(db_path, "--require-login", "--no-watch", "--password-file",
                     str(password_file))
    try:
        with client(srv) as http:
            assert log_in(http, PASSWORD).status_code == 302
            cookies = dict(http.cookies)
    finally:
        srv.stop()
    secret = tmp_path / "archive.db.secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    srv = LiveServer(db_path, "--require-login", "--no-watch", "--password-file",
                     str(password_file))
    try:
        with httpx.Client(base_url=srv.url, cookies=cookies) as http:
            assert http.get("/archive/captures.json").status_code == 200
        log = srv.log.read_text()
        assert PASSWORD not in log and hashed not in log
    finally:
        srv.stop()
    # a new password ends every login
    password_file.write_text("another password\n")
    srv = LiveServer(db_path, "--require-login", "--no-watch", "--password-file",
                     str(password_file))
    try:
        with httpx.Client(base_url=srv.url, cookies=cookies) as http:
            assert http.get("/archive/captures.json").status_code == 401
    finally:
        srv.stop()
    with open(db_path, "rb") as file:
        assert PASSWORD.encode() not in file.read()


def test_loopback_stays_open_without_require_login(archive: dict[str, Any],
                                                   tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    db_path.write_bytes(archive["db_path"].read_bytes())
    srv = LiveServer(db_path, "--no-watch", env={"ARCHIVER_PASSWORD": PASSWORD})
    try:
        with client(srv) as http:
            for path in guarded_paths(archive):
                assert http.get(path, follow_redirects=True).status_code == 200, path
            assert http.get("/-/archiver/login").headers["location"] == "/-/archiver/"
        assert "no login" in srv.log.read_text()
        assert not (tmp_path / "archive.db.secret").exists()
    finally:
        srv.stop()


# --- in a browser


def test_logging_in_with_a_browser(chromium: Browser, srv: LiveServer,
                                   archive: dict[str, Any]) -> None:
    context = chromium.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    try:
        page.goto(srv.url + "/-/archiver/", wait_until="load")
        assert "/-/archiver/login" in page.url
        assert page.locator("h1").inner_text() == "Web archive"
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "login.png"))
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        assert page.locator(".login-error").inner_text() == "Wrong password."
        page.screenshot(path=str(OUTPUT / "login-wrong.png"))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(srv.url + "/-/archiver/archive/")
        assert "The tide tables of Oban" in page.locator(".recent").inner_text()
        page.click(".nav-menu summary")
        assert page.locator(".nav-menu button", has_text="Log out").is_visible()
        page.screenshot(path=str(OUTPUT / "login-menu.png"))
        # the archived page in its sandbox finds its image and stylesheet
        page.goto(f"{srv.url}/-/archiver/archive/{archive['capture']}/raw", wait_until="load")
        frame = page.frame_locator("iframe.snapshot")
        assert SECRET_TEXT in frame.locator("body").inner_text()
        image = frame.locator("img")
        deadline = time.monotonic() + 10
        while not image.evaluate("i => i.complete") and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert image.evaluate("i => i.naturalWidth") == 40
        assert frame.locator("h1").evaluate("h => getComputedStyle(h).color") == "rgb(0, 90, 30)"
        page.click(".nav-menu summary")
        page.locator(".nav-menu button", has_text="Log out").click()
        page.goto(srv.url + "/archive/captures", wait_until="load")
        assert "/-/archiver/login" in page.url
    finally:
        context.close()
