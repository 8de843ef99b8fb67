"""Watches: N pages due at once, checked by the real `archiver watch run`.

A local server on 127.0.0.1 serves N small article pages (each answer waits --delay seconds,
like a real server's latency, so the in-flight count shows the limits at work). N watches are
added (due at once); pass 1 takes every first capture; then --changed percent of the pages are
edited and pass 2 (a day later on the injected clock, ARCHIVER_NOW) finds those changes and
records the rest as unchanged. Prints per pass: wall time, checks/s, outcomes, the most
requests the server saw in flight (the per-host limit: all pages are on one host), and how
much the database grew (an unchanged check should cost a small row, not a capture).

example:
  python -m tests.bench watch
  python -m tests.bench watch --watches 200 --concurrency 8 --per-host 8
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from archiver import store, watch
from archiver.durations import parse_time

DAY1, DAY2 = "2026-06-01T06:00:00Z", "2026-06-02T06:00:00Z"
FILLER = " ".join(f"Sentence {n} of the standing text, the same in every version." for n in
                  range(40))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--watches", type=int, default=1000, help="Watches due at once.")
    parser.add_argument("--changed", type=float, default=10.0,
                        help="Percent of the pages edited before pass 2.")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.05,
                        help="Seconds each page answer waits.")
    parser.add_argument("--screenshots", action="store_true",
                        help="Take screenshots too (default: --no-screenshot).")


class Site:
    """The pages, their versions, and how many requests are in flight at most."""

    def __init__(self, delay: float) -> None:
        self.version: dict[int, int] = {}
        self.delay = delay
        self.in_flight = self.most_in_flight = self.requests = 0
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.enter()
                try:
                    time.sleep(site.delay)
                    body = site.page(self.path).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    site.leave()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def enter(self) -> None:
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def page(self, path: str) -> str:
        n = int(path.rstrip("/").rsplit("/", 1)[-1] or 0) if path.startswith("/w/") else -1
        version = self.version.get(n, 1)
        return (f"<html><head><title>Page {n}</title></head><body><article><h1>Page {n}</h1>"
                f"<p>This is version {version} of page {n}.</p><p>{FILLER}</p></article>"
                "</body></html>")

    def reset_counts(self) -> None:
        self.most_in_flight = self.requests = 0

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def watch_run(db_path: Path, now: str, args: argparse.Namespace, site: Site) -> dict[str, Any]:
    """One real `archiver watch run`; its figures."""
    site.reset_counts()
    size_before = _db_bytes(db_path)
    command = [sys.executable, "-m", "archiver", "watch", "run", "--db", str(db_path),
               "--concurrency", str(args.concurrency), "--per-host", str(args.per_host),
               "--no-resources", "--no-consent-handling", "--timeout", "30"]
    if not args.screenshots:
        command.append("--no-screenshot")
    started = time.perf_counter()
    result = subprocess.run(command, env={**os.environ, "ARCHIVER_NOW": now},
                            capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"watch run failed: {result.stderr[-2000:]}")
    summary = [line for line in result.stderr.splitlines() if line.startswith("Checked")]
    return {"wall": wall, "summary": summary[-1] if summary else "?",
            "in_flight": site.most_in_flight, "requests": site.requests,
            "grew": _db_bytes(db_path) - size_before}


def _db_bytes(db_path: Path) -> int:
    return sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))


def run(args: argparse.Namespace) -> int:
    site = Site(args.delay)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
            db_path = Path(tmp) / "archive.db"
            _bench(db_path, args, site)
    finally:
        site.stop()
    return 0


def _bench(db_path: Path, args: argparse.Namespace, site: Site) -> None:
    db = store.open_db(db_path)
    started = time.perf_counter()
    for n in range(args.watches):
        watch.add(db, watch.WatchRequest(f"{site.base}/w/{n}", "1d"), parse_time(DAY1))
    added = time.perf_counter() - started
    claim_started = time.perf_counter()
    claimed = store.claim_due(db, "2000-01-01T00:00:00.000Z", "bench", "2000-01-01T00:00:00Z",
                              everything=True)  # a claim that is over at once
    claim = time.perf_counter() - claim_started
    db.close()
    print(f"{args.watches} watches added in {added:.2f} s; claiming all of them in one "
          f"transaction: {claim * 1000:.1f} ms ({len(claimed)} rows)")
    print(f"limits: --concurrency {args.concurrency} --per-host {args.per_host}, page delay "
          f"{args.delay * 1000:.0f} ms, screenshots {'on' if args.screenshots else 'off'}")
    first = watch_run(db_path, DAY1, args, site)
    _report("pass 1 (first captures)", first, args.watches)
    edited = max(1, int(args.watches * args.changed / 100))
    for n in range(0, args.watches, max(1, args.watches // edited)):
        site.version[n] = 2
    second = watch_run(db_path, DAY2, args, site)
    _report(f"pass 2 ({len(site.version)} pages edited)", second, args.watches)
    db = store.open_db(db_path)
    unchanged = db.execute("SELECT count(*) FROM checks WHERE outcome = 'unchanged'").fetchone()
    captures = db.execute("SELECT count(*) FROM captures").fetchone()[0]
    db.close()
    print(f"captures kept: {captures}; unchanged checks: {unchanged[0]}")


def _report(name: str, figures: dict[str, Any], count: int) -> None:
    rate = count / figures["wall"] if figures["wall"] else 0
    print(f"{name}: {figures['wall']:.1f} s, {rate:.1f} checks/s, most requests in flight "
          f"{figures['in_flight']}, database +{figures['grew'] / 1e6:.2f} MB "
          f"({figures['grew'] / count:.0f} B per check)")
    print(f"  {figures['summary']}")
