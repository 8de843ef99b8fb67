"""Watches and `archiver serve`: due watches checked in the background (in the worker's thread,
through the same pipeline), and the extension's API for "Watch this page"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import FixtureServer, wait_until
from helpers import EXT_ORIGIN, Page, make_token, request, rows, run

FAST = ["--allow-private-targets", "--watch-poll", "1"]



def wait_long(condition: Any) -> Any:
    return wait_until(condition, 60, "the server's background check")

def test_serve_checks_due_watches_in_the_background(server: FixtureServer, db_path: Path,
                                                    live_server: Any) -> None:
    page = Page(server, "/watch/serve", "The library opens at nine.")
    added = run(db_path, "watch", "add", page.url, "--every", "5m", now="2026-01-01")
    assert added.exit_code == 0, added.output
    srv = live_server(*FAST)
    first = wait_long(lambda: rows(db_path, "select outcome, capture_id from checks"))
    assert first == [("first", 1)]
    status, body, _ = request(srv, "GET", "/-/versions.json")  # the server kept answering
    assert status == 200
    assert rows(db_path, "select source, url from captures") == [("watch", page.url)]
    assert rows(db_path, "select claimed_by, status from watches") == [(None, "ok")]


def test_serve_blocks_private_watches_unless_allowed(server: FixtureServer, db_path: Path,
                                                     live_server: Any) -> None:
    page = Page(server, "/watch/serve-private", "Intranet status page.")
    run(db_path, "watch", "add", page.url, "--every", "5m", now="2026-01-01")
    srv = live_server("--watch-poll", "1")
    [(outcome, error)] = wait_long(lambda: rows(db_path, "select outcome, error from checks"))
    assert outcome == "failed" and "loopback" in error
    assert server.hits["/watch/serve-private"] == 0
    # the failing watch is shown with its reason and the fix, in the view and the CLI
    status, answer, _ = request(srv, "GET", "/-/archiver/archive/changes")
    body = answer["raw"]
    assert status == 200 and "1 page watched" in body and "1 failing" in body
    assert page.url in body and "loopback" in body and "--allow-private-targets" in body
    listed = run(db_path, "watch", "list").stdout.splitlines()
    assert listed[0].split("\t") == ["ID", "URL", "EVERY", "CHECKED", "CHANGED", "DUE", "STATUS"]
    assert "loopback" in listed[1] and "fix: " in listed[1]
    assert "--allow-private-targets" in listed[1]


def test_the_extension_api_adds_a_watch(db_path: Path, live_server: Any) -> None:
    token = make_token(db_path)
    srv = live_server("--no-watch")
    auth = {"Authorization": f"Bearer {token}", "Origin": EXT_ORIGIN,
            "Content-Type": "application/json"}
    url = "https://example.org/changelog"
    status, body, _ = request(srv, "POST", "/-/archiver/api/watches", {"url": url}, auth)
    assert status == 201, body
    assert body["created"] is True and body["watch"]["interval"] == 86400
    again = request(srv, "POST", "/-/archiver/api/watches", {"url": url, "every": "1h"}, auth)
    assert again[0] == 200 and again[1]["watch"]["id"] == body["watch"]["id"]
    assert rows(db_path, "select url, interval, source from watches") == [
        (url, 86400, "extension")]
    too_often = request(srv, "POST", "/-/archiver/api/watches", {"url": url + "/2",
                                                                 "every": "1m"}, auth)
    assert too_often[0] == 400 and "the shortest interval is 5m" in too_often[1]["error"]
    no_token = request(srv, "POST", "/-/archiver/api/watches", {"url": url},
                       {"Content-Type": "application/json"})
    assert no_token[0] == 401
    from_web = request(srv, "POST", "/-/archiver/api/watches", {"url": url},
                       {**auth, "Origin": "https://evil.example"})
    assert from_web[0] == 403
