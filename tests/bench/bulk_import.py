"""Import: a generated browser bookmark export, archived unattended by `archiver import`.

Writes a Netscape-format export of `--bookmarks` links (in folders, which become tags; a few
listed twice) to generated article pages served locally, 2 % of which answer HTTP 500 and 2 %
redirect, runs the real `archiver import` command on it, and checks the summary it prints
against the database: every unique URL accounted for, saved and failed counts exact, folder
tags on every capture, integrity ok. Then runs the same import again: everything is skipped.

example:
  python -m tests.bench import --bookmarks 1000
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.pages import article_urls, fault_plan, site_process

FOLDERS = ["Reading", "Recipes", "Travel", "Work", "Science"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bookmarks", type=int, default=1000, help="bookmarks (default 1000)")
    parser.add_argument("--concurrency", type=int, default=4, help="pages at a time (default 4)")


def export_html(urls: list[str]) -> str:
    """A Netscape bookmark file; every 50th URL is listed a second time, in another folder."""
    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", "<TITLE>Bookmarks</TITLE>", "<DL><p>"]
    for number, folder in enumerate(FOLDERS):
        lines.append(f"<DT><H3>{folder}</H3>\n<DL><p>")
        for index in range(number, len(urls), len(FOLDERS)):
            lines.append(f'<DT><A HREF="{urls[index]}" ADD_DATE="{1700000000 + index}">'
                         f"Bookmark {index}</A>")
            if index % 50 == 0:
                lines.append(f'<DT><A HREF="{urls[index]}#again">Bookmark {index} again</A>')
        lines.append("</DL><p>")
    lines.append("</DL><p>")
    return "\n".join(lines)


def run_import(export: Path, db: Path, concurrency: int) -> tuple[float, str, int]:
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "archiver", "import", str(export), "--db", str(db),
         "--concurrency", str(concurrency), "--per-host", str(concurrency), "--json"],
        capture_output=True, text=True)
    return time.monotonic() - started, process.stderr, process.returncode


def summary_counts(stderr: str) -> tuple[int, int, int]:
    found = re.search(r"Done: (\d+) saved.*?, (\d+) skipped as already archived, (\d+) failed",
                      stderr)
    if not found:
        raise SystemExit(f"no summary in the output of archiver import:\n{stderr[-2000:]}")
    saved, skipped, failed = (int(n) for n in found.groups())
    return saved, skipped, failed


def check(db: Path, kinds: list[str], saved: int, failed: int) -> list[str]:
    conn = sqlite3.connect(db)
    problems = []
    statuses = dict(conn.execute("select status, count(*) from captures group by status"))
    want_failed = kinds.count("http_500")
    if failed != want_failed or statuses.get("failed", 0) != want_failed:
        problems.append(f"failed: summary {failed}, rows {statuses.get('failed')}, "
                        f"expected {want_failed}")
    if saved != len(kinds) - want_failed or sum(statuses.values()) != len(kinds):
        problems.append(f"saved: summary {saved}, rows {statuses}, pages {len(kinds)}")
    untagged = conn.execute("select count(*) from captures where id not in "
                            "(select capture_id from capture_tags)").fetchone()[0]
    if untagged:
        problems.append(f"{untagged} captures without their folder tag")
    if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("integrity_check failed")
    return problems


def run(args: argparse.Namespace) -> int:
    kinds = fault_plan(args.bookmarks, {"http_500": 0.02, "redirect": 0.02})
    with site_process(kinds) as base, tempfile.TemporaryDirectory() as tmp:
        export, db = Path(tmp) / "bookmarks.html", Path(tmp) / "archive.db"
        export.write_text(export_html(article_urls(base, len(kinds))))
        elapsed, stderr, code = run_import(export, db, args.concurrency)
        saved, skipped, failed = summary_counts(stderr)
        print(f"import of {len(kinds)} bookmarks (+{(len(kinds) + 49) // 50} listed twice): "
              f"{elapsed:.0f} s, {len(kinds) / elapsed:.2f} pages/s, exit {code}")
        print(f"summary: {saved} saved, {skipped} skipped, {failed} failed "
              f"(expected {kinds.count('http_500')} failed: the HTTP 500 pages)")
        problems = check(db, kinds, saved, failed)
        again, stderr, _ = run_import(export, db, args.concurrency)
        print(f"second run: {summary_counts(stderr)[1]} skipped as already archived, "
              f"{again:.1f} s")
    for problem in problems:
        print("PROBLEM:", problem)
    print("all accounted for" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0
