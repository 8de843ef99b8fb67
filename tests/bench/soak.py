"""Soak: one long run of many captures; does anything creep (processes, memory, failures)?

Archives `--captures` distinct generated pages (tests.bench.pages) with the project's Runner
in one run, sampling memory all along. Prints the Chromium process count before, at the start,
at the end and after the run (back to the baseline?), the mean RSS of this process and of
Chromium over the first and the last quarter of the captures (growth should stay under 20 %),
and the failures (there should be none: every generated page is well-formed).

example:
  python -m tests.bench soak --captures 2000
  python -m tests.bench soak --captures 500 --concurrency 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from tests.bench.pages import article_urls, site_process
from tests.bench.throughput import (
    MB,
    Sample,
    integrity_ok,
    run_pipeline,
    sample_processes,
    settings_from,
)

MAX_GROWTH = 0.20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--captures", type=int, default=2000, help="captures (default 2000)")
    parser.add_argument("--concurrency", type=int, default=4, help="pages at a time (default 4)")
    parser.add_argument("--no-consent-handling", action="store_true",
                        help="without the cookie-consent handler")
    parser.add_argument("--settle-time", type=float, default=None,
                        help="settle time after `load` (default: the archiver's)")
    parser.add_argument("--restart-every", type=int, default=None,
                        help="start a fresh Chromium after this many captures, 0: never "
                             "(default: the archiver's)")


def quarter(samples: list[Sample], total: int, which: int) -> list[Sample]:
    """Samples taken while the captures of quarter `which` (0-3) were being finished."""
    low, high = total * which / 4, total * (which + 1) / 4
    return [s for s in samples if low <= s.done < high and s.chromium_count]


def mean_mb(values: list[int]) -> float:
    return statistics.fmean(values) / MB if values else 0.0


def growth(first: float, last: float) -> float:
    return last / first - 1 if first else 0.0


def report_memory(samples: list[Sample], total: int) -> bool:
    first, last = quarter(samples, total, 0), quarter(samples, total, 3)
    ok = True
    for label, attr in (("python", "python_rss"), ("chromium", "chromium_rss")):
        a = mean_mb([getattr(s, attr) for s in first])
        b = mean_mb([getattr(s, attr) for s in last])
        change = growth(a, b)
        ok = ok and change < MAX_GROWTH
        print(f"RSS {label:<8} first quarter {a:6.0f} MB, last quarter {b:6.0f} MB: "
              f"{change:+.1%} ({'ok' if change < MAX_GROWTH else 'OVER'} the "
              f"{MAX_GROWTH:.0%} limit)")
    return ok


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.restart_every is not None:
        settings.restart_every = args.restart_every
    before = sample_processes(os.getpid()).chromium_count
    with tempfile.TemporaryDirectory() as tmp, site_process(["ok"] * args.captures) as base:
        db_path = Path(tmp) / "soak.db"
        print(f"{args.captures} captures, concurrency {args.concurrency}, Chromium restarted "
              f"every {settings.restart_every or 'never'} captures", flush=True)
        stats = run_pipeline(article_urls(base, args.captures), settings, args.concurrency,
                             db_path, name="soak")
        time.sleep(2)
        after = sample_processes(os.getpid()).chromium_count
        print(stats.line())
        print(f"database {db_path.stat().st_size / MB:.0f} MB, integrity "
              f"{'ok' if integrity_ok(db_path) else 'NOT OK'}")
    start = [s.chromium_count for s in quarter(stats.samples, args.captures, 0)]
    end = [s.chromium_count for s in quarter(stats.samples, args.captures, 3)]
    print(f"Chromium processes: before {before}, first quarter median "
          f"{statistics.median(start) if start else 0:g}, last quarter median "
          f"{statistics.median(end) if end else 0:g}, peak {stats.peak_chromium_count}, "
          f"2 s after the run {after} ({'back to baseline' if after == before else 'LEFT OVER'})")
    memory_ok = report_memory(stats.samples, args.captures)
    failures = stats.pages - stats.statuses.get("ok", 0)
    print(f"failures: {failures} of {stats.pages} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(stats.statuses.items()))})")
    return 0 if memory_ok and after == before and failures == 0 else 1
