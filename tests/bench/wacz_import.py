"""WACZ in and out at scale: import a generated crawl, search it, export it again.

Writes a WACZ as a crawler would (`--pages` generated article pages of 20-200 KB, each with
1-6 images, its own stylesheet and the site's shared one, recorded as a revisit after its
first response; request records with Sec-Fetch-Dest; pages.jsonl; a CDXJ index), runs the
real `archiver import` on it in a fresh archive, and prints pages/s, MB/s of WACZ read, the
database size, and ranked-search p50/p95 after the import. Then exports the archive to a
WACZ with `archiver export --format wacz` (time, peak RSS of that process), and, with
`--export-scale`, exports synthetic archives of those sizes to show that the export's memory
does not grow with the archive.

example:
  python -m tests.bench wacz-import --pages 5000 --export-scale 1000,10000
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver import store
from archiver.models import Article, Capture, Resource
from archiver.warc.wacz import write_index
from tests.bench.pages import SHARED_CSS, make_page, page_css, png_image, svg_image
from tests.bench.views import percentiles, sample_queries, time_searches
from tests.warcs import Response, write_records

SITE = "https://news.bench.example"
START = datetime(2026, 3, 1, tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=5000, help="pages in the WACZ (5000)")
    parser.add_argument("--queries", type=int, default=200, help="search queries to time")
    parser.add_argument("--export-scale", default="",
                        help="also export synthetic archives of these sizes, e.g. 1000,10000")
    parser.add_argument("--keep", type=Path, help="keep the files in this folder")
    parser.add_argument("--render", default="scripted", choices=["scripted", "all", "none"],
                        help="archiver import --render: the generated pages run no scripts, "
                             "so only `all` renders them (in Chromium, against the archive)")
    parser.add_argument("--no-export", action="store_true", help="time the import only")


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def crawl_responses(count: int) -> Iterator[Response]:
    """Each page's document, stylesheets and images, in the order a browser loads them."""
    for number in range(count):
        page = make_page(number)
        when = START + timedelta(seconds=2 * number)
        url = f"{SITE}/a/{number}.html"
        yield Response(url, page.html, date=_iso(when))
        later = when + timedelta(milliseconds=150)
        yield Response(f"{SITE}/css/site.css", SHARED_CSS, "text/css", date=_iso(later),
                       dest="style")
        yield Response(f"{SITE}/css/{number}.css", page_css(number), "text/css",
                       date=_iso(later), dest="style")
        for k, src in enumerate(page.images):
            body = png_image(hash(src) % 64) if src.endswith(".png") else svg_image(k + number)
            kind = "image/png" if src.endswith(".png") else "image/svg+xml"
            yield Response(SITE + src, body, kind, date=_iso(later), dest="image")


def write_crawl(folder: Path, count: int) -> Path:
    """The generated crawl as a WACZ (records, CDXJ index, pages.jsonl)."""
    warc = folder / "rec-bench.warc.gz"
    with warc.open("wb") as out:
        write_records(out, crawl_responses(count))
    index, idx = write_index(warc, folder)
    pages = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    for number in range(count):
        when = START + timedelta(seconds=2 * number)
        pages.append(json.dumps({"id": f"p{number}", "url": f"{SITE}/a/{number}.html",
                                 "ts": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "loadState": 4}))
    wacz = folder / "crawl.wacz"
    with zipfile.ZipFile(wacz, "w", allowZip64=True) as package:
        package.write(warc, f"archive/{warc.name}", compress_type=zipfile.ZIP_STORED)
        package.write(index, "indexes/index.cdx.gz", compress_type=zipfile.ZIP_STORED)
        package.write(idx, "indexes/index.idx", compress_type=zipfile.ZIP_DEFLATED)
        package.writestr("pages/pages.jsonl", "\n".join(pages) + "\n",
                         compress_type=zipfile.ZIP_DEFLATED)
        package.writestr("datapackage.json", json.dumps({"profile": "data-package",
                                                         "wacz_version": "1.1.1"}))
    warc.unlink()
    return wacz


def timed(command: list[str]) -> tuple[float, int, str]:
    """Seconds, peak RSS (MB) of the process, and its stderr. The peak is the process's own
    VmHWM, read while it runs (ru_maxrss of a child counts the parent's memory at fork)."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _vm_hwm(process.pid))
            time.sleep(0.1)
        errors.seek(0)
        stderr = errors.read()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    return time.monotonic() - started, peak // 1024, stderr


def _vm_hwm(pid: int) -> int:
    """Peak resident memory of a running process, in kB (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1])


def archiver(*args: str) -> list[str]:
    return [sys.executable, "-m", "archiver", *args]


def database_size(path: Path) -> int:
    db = store.open_db(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path.stat().st_size


def import_figures(folder: Path, pages: int, queries: int, render: str = "scripted") -> Path:
    started = time.monotonic()
    wacz = folder / "crawl.wacz"
    if not wacz.exists():  # kept from an earlier run with --keep
        write_crawl(folder, pages)
    size = wacz.stat().st_size
    print(f"generated {wacz.name}: {pages} pages, {size / 2**20:.0f} MB in "
          f"{time.monotonic() - started:.0f} s")
    db_path = folder / "imported.db"
    for old in folder.glob("imported.db*"):
        old.unlink()
    seconds, rss, stderr = timed(archiver("import", str(wacz), "--db", str(db_path),
                                          "--no-progress", "--render", render))
    print("\n".join(line for line in stderr.strip().splitlines()
                    if line.startswith(("Done", "Rendered"))))
    print(f"import: {pages / seconds:.1f} pages/s, {size / 2**20 / seconds:.1f} MB/s "
          f"({seconds:.0f} s, peak RSS {rss} MB)")
    db_size = database_size(db_path)
    print(f"database: {db_size / 2**20:.0f} MB ({db_size / size:.2f} x the WACZ)")
    db = store.open_db(db_path)
    bands = sample_queries(db, max(1, queries // 4), seed=3)
    words = [q for band, qs in bands.items() if not band.startswith("very") for q in qs]
    words = words or [q for qs in bands.values() for q in qs]  # a small run: common words only
    store.search_captures(db, words[0], limit=21)
    print(f"search after import: {percentiles(time_searches(db, words))}")
    db.close()
    again, _, stderr = timed(archiver("import", str(wacz), "--db", str(db_path), "--no-progress"))
    print(f"import again: {again:.0f} s; {stderr.strip().splitlines()[-1]}")
    return db_path


def export_figures(db_path: Path, folder: Path, label: str) -> None:
    out = folder / f"export-{label}.wacz"
    seconds, rss, stderr = timed(archiver("export", "--db", str(db_path), "--format", "wacz",
                                          "-o", str(out)))
    captures = store.archive_counts(store.open_db(db_path))["captures"]
    print(f"export {captures} captures: {seconds:.1f} s ({captures / seconds:.0f} captures/s), "
          f"{out.stat().st_size / 2**20:.0f} MB, peak RSS {rss} MB")


def synthetic_archive(path: Path, count: int) -> Path:
    """`count` captures with a document, the shared stylesheet and an image each."""
    if path.exists():  # kept from an earlier run with --keep
        return path
    db = store.open_db(path)
    rng = random.Random(count)
    with db.conn:
        for n in range(count):
            url = f"{SITE}/s/{n}"
            html = make_page(n % 500).html
            capture = Capture(url=url, final_url=url, http_status=200, html=html.decode(),
                              content_type="text/html", captured_at=_iso(
                                  START + timedelta(seconds=n)), resources=[
                Resource(url, status=200, kind="document", mime_type="text/html", body=html),
                Resource(f"{SITE}/css/site.css", status=200, kind="stylesheet",
                         mime_type="text/css", body=SHARED_CSS),
                Resource(f"{url}.png", status=200, kind="image", mime_type="image/png",
                         body=rng.randbytes(20_000))])
            store.save_capture(db, capture, Article(title=f"Page {n}", text=f"page {n}"))
    db.close()
    return path


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-wacz-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db_path = import_figures(folder, args.pages, args.queries, args.render)
        if args.no_export:
            return 0
        export_figures(db_path, folder, "imported")
        for size in [int(s) for s in args.export_scale.split(",") if s.strip()]:
            export_figures(synthetic_archive(folder / f"synthetic-{size}.db", size), folder,
                           str(size))
    return 0
