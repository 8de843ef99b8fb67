"""A page whose same-origin frame navigates the top window (`top.location = …`) while it is
captured (issue #29): the archive keeps the page asked for, and says what was refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FixtureServer

from archiver import store

TOP = """<!doctype html><html><head><title>Top page</title></head><body>
<article><h1>Top page</h1><p>The page that was asked for, with a frame of its own site that
sends the whole window elsewhere.</p></article>
<iframe src="/nav/{name}-frame.html"></iframe></body></html>"""
FRAME = """<!doctype html><title>Frame</title><p>frame</p>
<script>{when}(() => {{ top.location = "/nav/elsewhere.html?from={name}"; }}{delay});</script>"""
WHEN = {"at-once": ("(f => f())", ""), "after-load": ("setTimeout", ", 300")}


def save(db_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archiver", "save", url, "--db", str(db_path),
                           "--timeout", "10", "--request-timeout", "2", "--page-deadline", "30",
                           ],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", ["at-once", "after-load"])
def test_a_frame_navigating_the_top_window_does_not_replace_the_page(
        server: FixtureServer, db_path: Path, name: str) -> None:
    when, delay = WHEN[name]
    server.add_page("/nav/elsewhere.html", "<title>Elsewhere</title><p>Somewhere else.</p>")
    server.add_page(f"/nav/{name}-frame.html", FRAME.format(when=when, delay=delay, name=name))
    url = server.add_page(f"/nav/{name}.html", TOP.format(name=name))
    result = save(db_path, url)
    assert "Traceback" not in result.stderr, result.stderr
    db = store.open_db(db_path)
    [capture] = [store.get_capture(db, row[0]) for row in db.execute("SELECT id FROM captures")]
    snapshot = store.capture_blob(db, capture["id"], "snapshot")
    db.close()
    assert capture["final_url"] == url
    assert capture["title"] == "Top page"
    assert snapshot is not None and b"The page that was asked for" in snapshot.content
    assert capture["status"] == "partial"
    assert f"/nav/elsewhere.html?from={name}" in capture["error"]


@pytest.mark.parametrize("how", [
    "<script>location.replace('/nav/own-target.html');</script>",
    "<script>setTimeout(() => location.replace('/nav/own-target.html'), 200);</script>",
    '<meta http-equiv="refresh" content="0; url=/nav/own-target.html">',
])
def test_the_pages_own_redirect_is_still_followed(server: FixtureServer, db_path: Path,
                                                 how: str) -> None:
    """A page that sends itself on (a language or consent redirect, by script or refresh) is
    archived where it went, as before: only a frame's navigation of the window is refused."""
    target = server.add_page("/nav/own-target.html",
                             "<title>Where it went</title><article><h1>Where it went</h1>"
                             "<p>The page the redirect leads to, with words of its own.</p>"
                             "</article>")
    name = "script" if "script" in how else "refresh"
    url = server.add_page(f"/nav/own-{name}.html", f"<title>Redirecting</title>{how}")
    result = save(db_path, url)
    assert "Traceback" not in result.stderr, result.stderr
    db = store.open_db(db_path)
    [capture] = [store.get_capture(db, row[0]) for row in db.execute("SELECT id FROM captures")]
    db.close()
    assert capture["final_url"] == target and capture["title"] == "Where it went"
    assert capture["status"] == "ok", capture["error"]
