"""Wall detection's cost: `archiver.walls.detect` on real article pages (and how many it
wrongly calls a wall).

Each page's `source.html` is extracted once, outside the timing (extraction runs anyway);
then `detect(capture, article)` is timed (the best of `--repeat` runs, so that other load on
the machine counts less), and so are extraction and a bare lxml parse of the page, for scale.
Every page is a real article, so every wall found is a false alarm: they are listed.

example:
  python -m tests.bench walls
  python -m tests.bench walls --data-dir ../shared/bench/mozilla --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from archiver import walls
from archiver.errors import ExtractionError
from archiver.extract import extract
from archiver.models import Capture

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "bench" / "mozilla"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA,
                        help="a folder whose subfolders hold source.html (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per page; the best counts")


def _best(repeat: int, fn: Callable[..., object], *args: object) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def run(args: argparse.Namespace) -> int:
    sources = sorted(Path(args.data_dir).rglob("source.html"))
    if not sources:
        print(f"no source.html under {args.data_dir}")
        return 1
    detect_ms: list[float] = []
    parse_ms: list[float] = []
    extract_ms: list[float] = []
    alarms: list[str] = []
    for source in sources:
        html = source.read_text(encoding="utf-8", errors="replace")
        url = f"https://example.org/{source.parent.name}/"
        capture = Capture(url=url, final_url=url, http_status=200,
                          content_type="text/html; charset=utf-8", html=html)
        started = time.perf_counter()
        try:
            article = extract(html, url=url)
        except ExtractionError:
            article = None
        extract_ms.append((time.perf_counter() - started) * 1000)
        wall = walls.detect(capture, article)
        if wall is not None:
            alarms.append(f"{source.parent.name}: {wall.message}")
        detect_ms.append(_best(args.repeat, walls.detect, capture, article))
        parse_ms.append(_best(args.repeat, etree.fromstring, html, etree.HTMLParser()))
    print(f"{len(sources)} pages from {args.data_dir}")
    for name, values in (("detect()", detect_ms), ("lxml parse alone", parse_ms),
                         ("extraction (once)", extract_ms)):
        print(f"  {name:<18} median {statistics.median(values):7.2f} ms   "
              f"max {max(values):7.2f} ms   total {sum(values) / 1000:6.2f} s")
    print(f"  walls found (false alarms: every page is an article): {len(alarms)}")
    for alarm in alarms:
        print(f"    {alarm}")
    return 0
