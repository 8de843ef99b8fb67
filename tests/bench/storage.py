"""Storage: bytes per capture for a crawl of one site whose pages share CSS, a font and a logo.

Archives `--pages` generated pages of one site (tests.bench.pages: every page links the same
stylesheet, web font and logo, and reuses 64 images among them) with the project's Runner and
the default settings, then prints what the archive holds: resource bytes as the pages used them
against the unique bytes stored (shared resources must be stored once), screenshot and snapshot
bytes per page, and the database file per capture.

example:
  python -m tests.bench storage
  python -m tests.bench storage --pages 50 --no-resources
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path

from tests.bench.pages import article_urls, site_process
from tests.bench.throughput import MB, run_pipeline, settings_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=200, help="pages to capture (default 200)")
    parser.add_argument("--concurrency", type=int, default=4, help="pages at a time (default 4)")
    parser.add_argument("--no-resources", action="store_true",
                        help="without keeping resources (for comparison)")


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="archiver-storage-") as tmp:
        db_path = Path(tmp) / "archive.db"
        settings = settings_from(argparse.Namespace(no_consent_handling=False, settle_time=None,
                                                    compact_screenshots=False))
        settings.keep_resources = not args.no_resources
        with site_process(["ok"] * args.pages) as base:
            stats = run_pipeline(article_urls(base, args.pages), settings, args.concurrency,
                                 db_path, name="storage")
        print(stats.line())
        print(report(db_path))
    return 0


QUERIES = {
    "captures": "select count(*) from captures",
    "used": "select coalesce(sum(size), 0) from resources where body_hash is not null",
    "resources": "select count(*) from resources where body_hash is not null",
    "unique": "select coalesce(sum(size), 0), count(*) from blobs where hash in "
              "(select body_hash from resources)",
    "screenshots": "select coalesce(sum(length(b.content)), 0), count(*) from captures c "
                   "join blobs b on b.hash = c.screenshot_hash",
    "snapshots": "select coalesce(sum(length(b.content)), 0) from captures c "
                 "join blobs b on b.hash = c.snapshot_hash",
    "shared": "select count(*), sum(size), count(distinct body_hash) from resources where "
              "body_hash in (select body_hash from resources group by body_hash "
              "having count(distinct capture_id) > 1)",
    "shared_stored": "select coalesce(sum(size), 0) from blobs where hash in (select body_hash "
                     "from resources group by body_hash having count(distinct capture_id) > 1)",
}


def report(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        found = {name: conn.execute(sql).fetchall() for name, sql in QUERIES.items()}
    finally:
        conn.close()
    captures = found["captures"][0][0] or 1
    used, (unique, unique_count) = found["used"][0][0], found["unique"][0]
    shots, shot_count = found["screenshots"][0]
    lines = [
        f"captures {captures}, database {db_path.stat().st_size / MB:.1f} MB "
        f"({db_path.stat().st_size / captures / 1024:.0f} KB a capture)",
        f"resources as used {found['resources'][0][0]} ({used / MB:.1f} MB); "
        f"stored once {unique_count} blobs ({unique / MB:.2f} MB): "
        f"{used / max(unique, 1):.1f}x deduplication",
        f"screenshot {shots / max(shot_count, 1) / 1024:.0f} KB a page (stored), "
        f"snapshot {found['snapshots'][0][0] / captures / 1024:.0f} KB a page (stored)",
        "shared by several pages: {} uses ({:.1f} MB) of {} resources stored once "
        "({:.2f} MB)".format(found["shared"][0][0], (found["shared"][0][1] or 0) / MB,
                              found["shared"][0][2], found["shared_stored"][0][0] / MB),
    ]
    return "\n".join(lines)
