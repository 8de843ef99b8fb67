"""Faults: pages that hang, fail, are PDFs or redirect; is every one accounted for, in time?

Serves `--pages` generated pages (tests.bench.pages) of which 10 % hang (4 % an image that
never answers, 3 % a blocking script in <head> that never answers, 3 % the document itself),
5 % answer HTTP 500, 5 % are PDFs and 5 % redirect (one or two hops), archives them with the
project's Runner (no retries) and prints, per kind, what became of the pages next to what
should have: ok (articles, redirects, PDFs), partial (a hanging subresource), failed (HTTP 500,
hanging document). Then the slowest capture against the page deadline.

example:
  python -m tests.bench faults --pages 200
  python -m tests.bench faults --pages 50 --timeout 10 --request-timeout 3
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from archiver.capture import CaptureSettings
from tests.bench.pages import article_urls, fault_plan, site_process
from tests.bench.throughput import MB, integrity_ok, run_pipeline

SHARES = {"hang_image": 0.04, "hang_script": 0.03, "hang_document": 0.03, "http_500": 0.05,
          "pdf": 0.05, "redirect": 0.05}
EXPECTED = {"ok": "ok", "redirect": "ok", "pdf": "ok", "hang_image": "partial",
            "hang_script": "partial", "hang_document": "failed", "http_500": "failed"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=200, help="pages (default 200)")
    parser.add_argument("--concurrency", type=int, default=4, help="pages at a time (default 4)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds for the document (default 30, as `archiver save`)")
    parser.add_argument("--request-timeout", type=float, default=10.0,
                        help="seconds for each subresource (default 10)")
    parser.add_argument("--page-deadline", type=float, default=90.0,
                        help="seconds for a whole capture (default 90)")


def page_number(url: str) -> int:
    return int(urlsplit(url).path.rsplit("/", 1)[1].split(".")[0])


def captured(db_path: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(
            "select url, final_url, status, error, duration_ms, content_type, body_hash "
            "from captures").fetchall()
    finally:
        conn.close()


def mismatch(kind: str, row: sqlite3.Row) -> str | None:
    """Why this capture is not what its kind should give, or None."""
    if row["status"] != EXPECTED[kind]:
        return f"status {row['status']}, expected {EXPECTED[kind]}"
    if kind == "redirect" and row["final_url"] == row["url"]:
        return "the redirect was not followed"
    if kind == "pdf" and not (row["body_hash"] and "pdf" in (row["content_type"] or "")):
        return "the PDF body was not stored"
    return None


def report(kinds: list[str], rows: list[sqlite3.Row], deadline: float) -> bool:
    by_number = {page_number(r["url"]): r for r in rows}
    print(f"{'kind':<14} {'pages':>5}  {'expected':<8} {'as expected':>11}  statuses")
    problems: list[str] = []
    for kind in sorted(set(kinds), key=list(EXPECTED).index):
        numbers = [n for n, k in enumerate(kinds) if k == kind]
        got = Counter(by_number[n]["status"] if n in by_number else "MISSING" for n in numbers)
        bad = [(n, mismatch(kind, by_number[n]) if n in by_number else "no capture stored")
               for n in numbers]
        bad = [(n, why) for n, why in bad if why]
        problems += [f"  page {n} ({kind}): {why}" for n, why in bad]
        print(f"{kind:<14} {len(numbers):>5}  {EXPECTED[kind]:<8} {len(numbers) - len(bad):>11}  "
              + ", ".join(f"{k} {v}" for k, v in sorted(got.items())))
    print(f"accounted for: {len(by_number)} of {len(kinds)} pages have a capture "
          f"({len(rows)} rows)")
    print("\n".join(problems) or "every page as expected")
    slowest = max(rows, key=lambda r: r["duration_ms"])
    print(f"slowest capture {slowest['duration_ms'] / 1000:.1f} s "
          f"(page {page_number(slowest['url'])}, {kinds[page_number(slowest['url'])]}) "
          f"vs the {deadline:g} s page deadline")
    return not problems and len(by_number) == len(kinds) == len(rows)


def run(args: argparse.Namespace) -> int:
    kinds = fault_plan(args.pages, SHARES)
    settings = CaptureSettings(nav_timeout=args.timeout, request_timeout=args.request_timeout,
                               page_deadline=args.page_deadline)
    with tempfile.TemporaryDirectory() as tmp, site_process(kinds) as base:
        db_path = Path(tmp) / "faults.db"
        print(f"{args.pages} pages: " + ", ".join(f"{k} {v}" for k, v in Counter(kinds).items())
              + f"; timeouts: document {args.timeout:g} s, subresource "
              f"{args.request_timeout:g} s, page deadline {args.page_deadline:g} s", flush=True)
        stats = run_pipeline(article_urls(base, args.pages), settings, args.concurrency,
                             db_path, name="faults")
        print(stats.line())
        print(f"database {db_path.stat().st_size / MB:.0f} MB, integrity "
              f"{'ok' if integrity_ok(db_path) else 'NOT OK'}")
        ok = report(kinds, captured(db_path), args.page_deadline)
    return 0 if ok else 1
