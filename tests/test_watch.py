"""Watching pages: checks on a schedule (an injected clock), what counts as a change, what is
kept, failures and pages that disappear, two `watch run` processes at once, webhooks.

Real parts: the fixture server's pages change between runs, Chromium captures them, the archive
is a real SQLite file, the webhook lands on a local HTTP server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import FixtureServer, Reply
from helpers import Page, run
from helpers import records as rows

FAST = ["--timeout", "10", "--request-timeout", "2", "--no-screenshot", "--no-resources",
        "--no-consent-handling"]
DAY1, DAY2, DAY3 = "2026-03-01T09:00:00Z", "2026-03-02T09:00:00Z", "2026-03-03T09:00:00Z"
WORDS = ("This policy explains how the service keeps your data, who may read it, and how long "
         "it is kept before it is deleted for good. ")


def watch_run(db_path: Path, *args: str, now: str = DAY1) -> Result:
    result = run(db_path, "watch", "run", *FAST, *args, now=now)
    assert result.exit_code == 0, result.output
    return result


def outcomes(result: Result) -> list[str]:
    return [line.split("\t")[1] for line in result.stdout.splitlines() if "\t" in line]


def changes(db_path: Path, now: str = DAY3, *args: str) -> list[dict[str, Any]]:
    result = run(db_path, "changes", "--json", "--since", "30d", *args, now=now)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_text_edit_is_a_change_with_a_diff(server: FixtureServer, db_path: Path) -> None:
    page = Page(server, "/watch/edit", "You may cancel at any time.")
    added = run(db_path, "watch", "add", page.url, "--every", "1d", "--tag", "legal")
    assert added.exit_code == 0, added.output
    assert outcomes(watch_run(db_path)) == ["first"]
    assert outcomes(watch_run(db_path, now="2026-03-01T20:00:00Z")) == []  # not due yet
    page.main = "You may cancel within fourteen days only."
    second = watch_run(db_path, now=DAY2)
    assert outcomes(second) == ["changed"]
    assert "Checked 1 watch(es): 1 changed" in second.stderr

    [change] = changes(db_path)
    assert (change["url"], change["outcome"], change["tag"]) == (page.url, "changed", "legal")
    assert change["words_added"] == 4 and change["words_removed"] == 3
    added_text = " ".join(t for kind, t in change["diff"] if kind == "added")
    assert "within fourteen days only." in added_text
    text = run(db_path, "changes", "--since", "7d", now=DAY3).stdout
    assert "+[within fourteen days only.]" in text and "-[at any time.]" in text
    captures = rows(db_path, "SELECT id, source FROM captures ORDER BY id")
    assert [c["source"] for c in captures] == ["watch", "watch"]
    assert change["capture_id"] == captures[1]["id"]
    assert change["previous_capture_id"] == captures[0]["id"]
    tags = rows(db_path, "SELECT tag FROM page_tags t JOIN captures c ON c.page_id = t.page_id "
                "WHERE c.id = ?", captures[1]["id"])
    assert tags == [{"tag": "legal"}]


def test_an_unchanged_page_keeps_only_a_small_row(server: FixtureServer, db_path: Path) -> None:
    page = Page(server, "/watch/same", "Nothing new here.")
    run(db_path, "watch", "add", page.url, "--every", "1d")
    watch_run(db_path)
    before = rows(db_path, "SELECT count(*) AS n FROM blobs")[0]["n"]
    assert outcomes(watch_run(db_path, now=DAY2)) == ["unchanged"]
    assert rows(db_path, "SELECT count(*) AS n FROM captures")[0]["n"] == 1
    assert rows(db_path, "SELECT count(*) AS n FROM blobs")[0]["n"] == before
    check = rows(db_path, "SELECT * FROM checks ORDER BY id DESC LIMIT 1")[0]
    assert (check["outcome"], check["capture_id"], check["diff"]) == ("unchanged", None, None)
    assert changes(db_path) == []
    listed = run(db_path, "watch", "list", now=DAY2).stdout
    assert page.url in listed and "every 1d" in listed and "due in 1d" in listed


def test_with_a_selector_only_that_part_counts(server: FixtureServer, db_path: Path) -> None:
    page = Page(server, "/watch/selector", "Price: ten euros.", aside="Weather: sunny.")
    run(db_path, "watch", "add", page.url, "--every", "1d", "--selector", "main")
    watch_run(db_path)
    page.aside = "Weather: rain all day, and then some more rain."
    assert outcomes(watch_run(db_path, now=DAY2)) == ["unchanged"]
    page.main = "Price: twelve euros."
    assert outcomes(watch_run(db_path, now=DAY3)) == ["changed"]
    [change] = changes(db_path)
    assert [t.strip() for k, t in change["diff"] if k in ("added", "removed")] == [
        "ten", "twelve"]


def test_a_counter_is_no_change_when_numbers_are_ignored(server: FixtureServer,
                                                         db_path: Path) -> None:
    page = Page(server, "/watch/counter", "Visitors so far: 1,204. Updated 2026-03-01.")
    run(db_path, "watch", "add", page.url, "--every", "1d", "--ignore-numbers")
    watch_run(db_path)
    page.main = "Visitors so far: 1,377. Updated 2026-03-02."
    assert outcomes(watch_run(db_path, now=DAY2)) == ["unchanged"]
    page.main = "Visitors so far: 1,377. Updated 2026-03-02. Comments are closed."
    assert outcomes(watch_run(db_path, now=DAY3)) == ["changed"]


def test_a_page_gone_after_being_seen_is_reported_once(server: FixtureServer,
                                                       db_path: Path) -> None:
    page = Page(server, "/watch/gone", "Here today.")
    run(db_path, "watch", "add", page.url, "--every", "1d")
    watch_run(db_path)
    page.status = 404
    assert outcomes(watch_run(db_path, now=DAY2)) == ["gone"]
    assert outcomes(watch_run(db_path, now=DAY3)) == ["unchanged"]  # still gone: said once
    [gone] = changes(db_path, "2026-03-04T09:00:00Z")
    assert gone["outcome"] == "gone" and "404" in gone["error"]
    assert "gone" in run(db_path, "watch", "list", now=DAY3).stdout
    page.status = 200
    assert outcomes(watch_run(db_path, now="2026-03-04T09:00:00Z")) == ["changed"]  # it is back
    assert [c["outcome"] for c in changes(db_path, "2026-03-05T09:00:00Z")] == ["changed", "gone"]


def test_failures_are_retried_with_backoff_and_never_a_change(server: FixtureServer,
                                                              db_path: Path) -> None:
    page = Page(server, "/watch/failing", "Fine.", status=503)
    never_seen = Page(server, "/watch/never-seen", "", status=404)
    run(db_path, "watch", "add", page.url, "--every", "1d")
    run(db_path, "watch", "add", never_seen.url, "--every", "1d")
    assert outcomes(watch_run(db_path)) == ["failed", "failed"]
    due = {w["url"]: w for w in rows(db_path, "SELECT * FROM watches")}
    assert due[page.url]["next_due"] == "2026-03-01T09:01:00.000Z"  # a minute, not a day
    assert due[page.url]["status"] == "failing" and "503" in due[page.url]["error"]
    watch_run(db_path, now="2026-03-01T09:01:00Z")
    assert rows(db_path, "SELECT next_due, failures FROM watches WHERE url = ?", page.url) == [
        {"next_due": "2026-03-01T09:03:00.000Z", "failures": 2}]
    page.status = 200
    last = watch_run(db_path, now="2026-03-01T09:03:00Z").stdout
    assert f"first\t{page.url}" in last and f"failed\t{never_seen.url}" in last
    assert changes(db_path) == []


def test_a_selector_that_matches_nothing_is_reported_on_the_watch(
        server: FixtureServer, db_path: Path) -> None:
    page = Page(server, "/watch/nomatch", "Text.")
    run(db_path, "watch", "add", page.url, "--every", "1d", "--selector", "#prices")
    assert outcomes(watch_run(db_path)) == ["failed"]
    listed = run(db_path, "watch", "list").stdout
    assert "no match (the selector '#prices' matches nothing on the page)" in listed


@pytest.mark.parametrize(("args", "message"), [
    (["https://example.org/", "--every", "4m"], "the shortest interval is 5m"),
    (["https://example.org/", "--every", "soon"], "'soon' is not a duration"),
    (["not a url", "--every", "1d"], "contains spaces"),
    (["ftp://example.org/", "--every", "1d"], "is not an http(s) URL"),
    (["https://example.org/", "--selector", "main["], "is not a CSS selector"),
    (["https://example.org/", "--webhook", "file:///etc/passwd"], "is not an http(s) URL"),
])
def test_bad_watches_are_refused_clearly(db_path: Path, args: list[str], message: str) -> None:
    result = run(db_path, "watch", "add", *args)
    assert result.exit_code == 1 and message in result.output
    assert rows(db_path, "SELECT count(*) AS n FROM watches")[0]["n"] == 0


def test_the_same_page_is_watched_once_and_remove_stops_it(db_path: Path) -> None:
    assert run(db_path, "watch", "add", "https://example.org/a").exit_code == 0
    again = run(db_path, "watch", "add", "https://EXAMPLE.org/a?utm_source=x")
    assert again.exit_code == 1 and "is watched already (watch 1)" in again.output
    assert run(db_path, "watch", "remove", "1").exit_code == 0
    assert run(db_path, "watch", "list").stdout == ""
    missing = run(db_path, "watch", "remove", "1")
    assert missing.exit_code == 1 and "There is no watch 1" in missing.output


def test_two_runs_at_once_check_each_due_watch_once(server: FixtureServer,
                                                    db_path: Path) -> None:
    pages = [Page(server, f"/watch/both/{n}", f"Page number {n}.") for n in range(8)]
    for page in pages:
        run(db_path, "watch", "add", page.url, "--every", "1d")
    env = {**os.environ, "ARCHIVER_NOW": DAY1, "ARCHIVER_DB": str(db_path)}
    command = [sys.executable, "-m", "archiver", "watch", "run", *FAST]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    checked = [line for out, _ in outputs for line in out.splitlines()]
    assert len(checked) == 8
    assert rows(db_path, "SELECT watch_id, count(*) AS n FROM checks GROUP BY watch_id "
                         "HAVING n > 1") == []
    assert {server.hits[f"/watch/both/{n}"] for n in range(8)} == {1}
    assert rows(db_path, "SELECT count(*) AS n FROM watches WHERE claimed_by IS NOT NULL") == [
        {"n": 0}]


class Receiver:
    """A local webhook target: answers the first `fail` POSTs with 500, then 204."""

    def __init__(self, fail: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                failing = len(receiver.bodies) <= receiver.fail
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver(fail=1)
    yield target
    target.stop()


def test_a_change_is_posted_to_the_webhook_with_retries(server: FixtureServer, db_path: Path,
                                                        receiver: Receiver) -> None:
    page = Page(server, "/watch/hook", "Opening hours: nine to five.")
    run(db_path, "watch", "add", page.url, "--every", "1d", "--webhook", receiver.url)
    watch_run(db_path, "--allow-private-targets")
    assert receiver.bodies == []  # the first capture is no change
    page.main = "Opening hours: ten to four."
    watch_run(db_path, "--allow-private-targets", now=DAY2)
    assert len(receiver.bodies) == 2  # a 500, then delivered
    body = receiver.bodies[-1]
    assert (body["event"], body["watch"]["url"], body["words_added"]) == ("changed", page.url, 2)
    assert [d["text"].strip() for d in body["diff"] if d["kind"] == "added"] == ["ten", "four."]
    [delivery] = rows(db_path, "SELECT * FROM webhook_deliveries")
    assert (delivery["attempts"], delivery["delivered"], delivery["http_status"]) == (2, 1, 204)


def test_a_webhook_to_a_private_address_is_refused_unless_allowed(
        server: FixtureServer, db_path: Path, receiver: Receiver) -> None:
    page = Page(server, "/watch/hook-private", "Version one of the text.")
    run(db_path, "watch", "add", page.url, "--every", "1d")
    watch_run(db_path)
    page.main = "Version two of the text, longer."
    watch_run(db_path, "--webhook", receiver.url, now=DAY2)
    assert receiver.bodies == []
    [delivery] = rows(db_path, "SELECT * FROM webhook_deliveries")
    assert delivery["delivered"] == 0 and "loopback" in delivery["error"]


def test_a_claim_keeps_others_off_until_it_expires_or_is_renewed(db_path: Path) -> None:
    from archiver import store, watch
    from archiver.durations import parse_time

    db = store.open_db(db_path)
    watch.add(db, watch.WatchRequest("https://example.org/claimed", "1h"), parse_time(DAY1))
    now, later = "2026-03-01T10:00:00.000Z", "2026-03-01T11:30:00.000Z"
    assert len(store.claim_due(db, now, "one", "2026-03-01T11:00:00.000Z")) == 1
    assert store.claim_due(db, now, "two", "2026-03-01T11:00:00.000Z") == []
    assert store.extend_claims(db, "one", "2026-03-01T12:00:00.000Z") == 1
    assert store.claim_due(db, later, "two", "2026-03-01T13:00:00.000Z") == []
    [taken] = store.claim_due(db, "2026-03-01T12:00:01.000Z", "two", "2026-03-01T13:00:00.000Z")
    assert taken["claimed_by"] == "two"
    db.close()


def test_dates_and_times_can_be_ignored() -> None:
    from archiver.compare import compare

    old = "Prices as of 1 March 2026, 09:15: tea costs 3 euros."
    assert not compare(old, "Prices as of 2 March 2026, 10:40: tea costs 3 euros.",
                       ignore_dates=True).changed
    assert compare(old, "Prices as of 2 March 2026, 10:40: tea costs 4 euros.",
                   ignore_dates=True).changed
    assert compare(old, "Prices as of 2 March 2026, 09:15: tea costs 3 euros.").changed


def test_a_file_without_text_changes_when_its_content_does(server: FixtureServer,
                                                           db_path: Path) -> None:
    from samples import png_image

    image = {"seed": 1}
    url = server.add("/watch/chart.png", lambda _h: Reply(body=png_image(image["seed"]),
                                                          content_type="image/png"))
    run(db_path, "watch", "add", url, "--every", "1d")
    watch_run(db_path)
    assert outcomes(watch_run(db_path, now=DAY2)) == ["unchanged"]
    image["seed"] = 2
    assert outcomes(watch_run(db_path, now=DAY3)) == ["changed"]


def test_a_webhook_goes_to_the_address_that_was_checked() -> None:
    """The name is resolved once: the POST connects to that checked address, with the name in
    Host (and SNI), so a DNS answer that changes after the check cannot send it elsewhere."""
    import asyncio

    from archiver.webhook import Target, pin, pinned_target

    assert pin("https://hooks.example:8443/a?b=1", "93.184.216.34") == Target(
        "https://93.184.216.34:8443/a?b=1", "hooks.example:8443", "hooks.example")
    assert pin("http://hooks.example/a", "2606:4700::1111") == Target(
        "http://[2606:4700::1111]/a", "hooks.example", None)

    assert asyncio.run(pinned_target("https://93.184.216.34:8443/hook?x=1")) == Target(
        "https://93.184.216.34:8443/hook?x=1")
    refused = asyncio.run(pinned_target("http://localhost:9/hook"))
    assert isinstance(refused, str) and "is a loopback address" in refused
    assert "is a private address" in str(asyncio.run(pinned_target("http://10.1.2.3/")))
