"""A page that opens popups while it loads (`window.open()`): they are ignored, the page is
archived, and nothing is printed but the result (SECURITY.md §3: a popup is a way around the
guard too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FixtureServer
from helpers import guarded_capture

from archiver import store

RUNS = 6
OPENER = """<!doctype html><html><head><title>Opener</title>
<script>window.open('{popup}'); window.open('{popup}?second', 'named');</script></head>
<body><article><h1>Opener</h1>
<p>This page opens two windows while it loads, and another one when it has loaded.</p>
<p>The archive keeps this page and ignores the windows it opens.</p></article>
<script>addEventListener('load', () => window.open('{popup}?late'));
window.open('about:blank').document.write('<p>written</p>');</script></body></html>"""


def save(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archiver", "save", *args, "--db", str(db_path),
                           "--timeout", "10", "--request-timeout", "2", "--page-deadline", "30"],
                          capture_output=True, text=True, timeout=300)


def test_popups_are_ignored_and_the_page_is_archived(server: FixtureServer,
                                                     db_path: Path) -> None:
    popup = server.add_page("/popups/popup.html", "<title>Popup</title><p>Popup</p>")
    url = server.add_page("/popups/opener.html", OPENER.format(popup=popup))
    result = save(db_path, *[f"{url}?run={n}" for n in range(RUNS)], "--concurrency", "3")
    assert "Traceback" not in result.stderr and "Frame for this" not in result.stderr, \
        result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == RUNS and all(line.endswith("\tOpener") for line in lines), result
    db = store.open_db(db_path)
    captures = list(db.query("select status, error, text from captures"))
    db.close()
    assert [c["status"] for c in captures] == ["ok"] * RUNS, captures
    assert all("ignores the windows" in c["text"] for c in captures)
    assert server.hits["/popups/popup.html"] == 0  # no popup loaded anything


@pytest.mark.usefixtures("localhost_is_public")
def test_a_guarded_capture_ignores_popups_too(server: FixtureServer,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    """Through "archive link" (the guard on): the popup would point at a loopback address."""
    popup = server.add_page("/popups/guarded-popup.html", "<title>Popup</title>")
    server.add_page("/popups/guarded.html", OPENER.format(popup=popup))
    for n in range(3):
        capture = guarded_capture(
            server.url(f"/popups/guarded.html?run={n}").replace("127.0.0.1", "localhost"))
        assert capture.title == "Opener" and "ignores the windows" in (capture.html or "")
        # the guard's relay may see the popup's connection to the loopback address: it is
        # refused and said so; nothing else goes wrong
        assert capture.status == "ok" or capture.error == (
            "1 connection(s) not made (WebSocket, WebRTC, popups ...): blocked: a connection "
            f"to 127.0.0.1:{server.port}, a loopback address"), capture.error
    assert server.hits["/popups/guarded-popup.html"] == 0
    assert "Traceback" not in capfd.readouterr().err
