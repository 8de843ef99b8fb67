"""Malformed input from a hostile network or an odd file: a clear 400/404 or a message on
stderr, never a 500 or a traceback (SECURITY.md §6)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FixtureServer, LiveServer
from helpers import EXT_ORIGIN, make_token, request, rows

from archiver import store
from archiver.models import Capture

BAD_URL = "http://[::1/"
BEYOND = "99999999999999999999"  # more than 2**63 - 1


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db_path = tmp_path_factory.mktemp("malformed") / "archive.db"
    db = store.open_db(db_path)
    store.save_capture(db, Capture(url="https://example.org/a", content_type="text/html",
                                   html="<p>A page</p>", title="A page",
                                   captured_at="2026-01-01T00:00:00Z"), None)
    db.close()
    srv = LiveServer(db_path)
    srv.token = make_token(db_path)
    srv.auth = {"Authorization": f"Bearer {srv.token}", "Origin": EXT_ORIGIN,
                "Content-Type": "application/json"}
    yield srv
    srv.stop()


@pytest.mark.parametrize("path", [
    f"/-/archiver/archive/{BEYOND}", f"/-/archiver/archive/{BEYOND}/raw",
    f"/-/archiver/archive/{BEYOND}/snapshot", f"/-/archiver/archive/{BEYOND}/thumbnail",
    f"/-/archiver/archive/{BEYOND}/screenshot", f"/-/archiver/archive/page/{BEYOND}",
    f"/-/archiver/archive/1/r/{BEYOND}", f"/-/archiver/archive/1/frame/{BEYOND}",
    "/-/archiver/_internal/1/snapshot", "/-/archiver/_internal/1",
])
def test_ids_beyond_sqlites_range_are_404(served: LiveServer, path: str) -> None:
    status, body, _ = request(served, "GET", path)
    assert status == 404, (path, body)
    assert "There is no" in body["raw"]


@pytest.mark.parametrize("path", [
    f"/-/archiver/archive/search?offset={BEYOND}",
    f"/-/archiver/archive/search?q=a&offset={BEYOND}",
    f"/-/archiver/archive/page/1?a={BEYOND}&b=1",
])
def test_arguments_beyond_sqlites_range_are_400(served: LiveServer, path: str) -> None:
    status, body, _ = request(served, "GET", path)
    assert status == 400, (path, body)
    assert "whole number" in body["raw"]


def deep(depth: int) -> bytes:
    nested = b"[" * depth + b"]" * depth
    return b'{"url": "https://example.org/", "html": "x", "x": ' + nested + b"}"


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/-/archiver/api/captures", {"url": BAD_URL, "html": "<p>x</p>"}, "not a valid URL"),
    ("/-/archiver/api/archive-link", {"url": BAD_URL}, "not a valid URL"),
    ("/-/archiver/api/captures", {"url": "https://example.org/", "html": "<p>x</p>",
                                  "resources": [{"url": BAD_URL, "body": ""}]},
     "resources[0].url is not a valid URL"),
    ("/-/archiver/api/captures", {"url": "https://example.org/", "html": "<p>x</p>",
                                  "frames": [{"position": 0, "url": "http://[x", "html": ""}]},
     "frames[0].url is not a valid URL"),
    ("/-/archiver/api/captures", deep(100_000), "nested too deeply"),
    ("/-/archiver/api/captures", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
])
def test_malformed_api_bodies_are_400(served: LiveServer, path: str, body: object,
                                      message: str) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, answer, _ = request(served, "POST", path, data, served.auth)
    assert status == 400 and message in answer["error"], answer
    assert rows(served.db_path) == [(1,)]


def archiver(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True,
                          text=True, timeout=120)


def test_save_reports_a_malformed_url_and_saves_the_next(server: FixtureServer,
                                                         db_path: Path) -> None:
    good = server.add_page("/malformed/good.html", "<title>Good</title><p>Saved anyway.</p>")
    result = archiver("save", BAD_URL, good, "--db", str(db_path), "--no-screenshot")
    assert "Traceback" not in result.stderr
    assert f"{BAD_URL!r} is not a valid URL" in result.stderr
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].endswith("\tGood")


def test_import_reports_a_malformed_url_by_its_line_and_archives_the_others(
        server: FixtureServer, tmp_path: Path, db_path: Path) -> None:
    """A malformed URL in a bookmark export is reported with its line, not a traceback, and
    the other bookmarks are archived."""
    good = server.add_page("/malformed/imported.html", "<title>Imported</title><p>Kept.</p>")
    bookmarks = tmp_path / "bookmarks.html"
    bookmarks.write_text(f'<DL><DT><A HREF="{good}">ok</A>\n'
                         f'<DT><A HREF="{BAD_URL}">bad</A></DL>\n')
    result = archiver("import", str(bookmarks), "--db", str(db_path), "--no-screenshot")
    assert "Traceback" not in result.stderr
    assert "line 2" in result.stderr and "not a valid URL" in result.stderr
    assert result.returncode == 1
    assert [line.split("\t")[-1] for line in result.stdout.splitlines()] == ["Imported"]
