"""Capture throughput: the whole pipeline next to bare Playwright (the floor), same pages.

Generates N article pages on a local server (see tests.bench.pages): *heavy* ones (20-200 KB of
HTML, images, CSS, a web font, up to ~10,000 px tall) or, with `--light`, *light* ones (22 KB of
HTML with inline SVG figures, one stylesheet, no scripts); `--kind both` runs one after the
other and prints both at the end. It archives them with the project's Runner (screenshot,
DOM, extraction, storage into a temp database), then captures the same pages with bare
Playwright doing only goto (until `load`) + content + full-page screenshot, at the same
concurrency with the same context policy. Prints pages/s, p50/p95 per page, peak RSS of the
archiver's process and of Chromium (sum over its processes), CPU seconds per page (the
machine's, and the run's own processes', which other load on the machine does not change),
end-to-end / floor, and the archive's bytes per capture (database file / captures, with the
screenshots' share).

example:
  python -m tests.bench throughput
  python -m tests.bench throughput --pages 100 --concurrency 2 --no-consent-handling
  python -m tests.bench throughput --kind both --pages 60 --rounds 2 --via-cli
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from archiver import store
from archiver.capture import (
    LAUNCH_ARGS,
    CaptureSettings,
    chromium_for,
    full_page_png,
)
from archiver.save import Job, SaveResult, run_jobs
from archiver.settings import RunSettings
from tests.bench.pages import article_urls, site_process

TARGET_RATIO = 0.90
KB = 1024
MB = 1024 * 1024


# --- processes and memory -----------------------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, name, RSS bytes) for every process we can read, from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry.name}/status") as f:
                rss_kb = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except (OSError, ValueError):
            continue  # gone meanwhile, or a kernel thread
        name = stat[stat.index("(") + 1: stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        table[int(entry.name)] = (ppid, name, rss_kb * 1024)
    return table


def descendants(root: int, table: dict[int, tuple[int, str, int]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def is_chromium(name: str) -> bool:
    return "chrom" in name.lower()


@dataclass
class Sample:
    at: float
    done: int  # pages finished when the sample was taken
    python_rss: int
    chromium_rss: int
    chromium_count: int


def sample_processes(root: int, done: int = 0) -> Sample:
    """RSS of `root` and the sum over its Chromium descendants (by /proc; Linux only)."""
    table = _proc_table()
    chromium = [pid for pid in descendants(root, table) if is_chromium(table[pid][1])]
    return Sample(time.monotonic(), done, table.get(root, (0, "", 0))[2],
                  sum(table[pid][2] for pid in chromium), len(chromium))


class Sampler:
    """Samples memory in a background thread every `interval` seconds while in a `with`."""

    def __init__(self, done: Callable[[], int] = lambda: 0, interval: float = 0.25,
                 root: Callable[[], int | None] = os.getpid) -> None:
        self.samples: list[Sample] = []
        self._done = done
        self._root = root  # the archiver's process (this one, or `archiver save`'s)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            root = self._root()
            if root is not None:
                self.samples.append(sample_processes(root, self._done()))
            self._stop.wait(self._interval)

    @property
    def peak_python(self) -> int:
        return max((s.python_rss for s in self.samples), default=0)

    @property
    def peak_chromium(self) -> int:
        return max((s.chromium_rss for s in self.samples), default=0)

    @property
    def peak_count(self) -> int:
        return max((s.chromium_count for s in self.samples), default=0)


class CpuClock:
    """Busy CPU seconds of the whole machine (all cores, from /proc/stat) in a `with`.

    Chromium's processes outlive their parents' bookkeeping (getrusage of this process and its
    children saw less than half of it), so this counts the machine instead: run it on an
    otherwise idle machine (the load average is printed first). When the cores are busy, as
    they are at concurrency 4 on 2 cores, CPU seconds per page are what set pages/s."""

    def __enter__(self) -> CpuClock:
        self._start = machine_busy_seconds()
        self._own = own_seconds()
        self.seconds = 0.0
        self.own = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = machine_busy_seconds() - self._start
        self.own = own_seconds() - self._own


def own_seconds() -> float:
    """CPU seconds of this process and of the children it reaped (the archiver's process or
    Playwright's driver, with the Chromium they reaped): unlike the machine's, other load does
    not change them. A run's delta counts its processes once they have exited."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def machine_busy_seconds() -> float:
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    # user, nice, system, irq, softirq: not idle, iowait, steal (another guest's), nor guest
    # time (already counted in user and nice)
    return (sum(ticks[0:3]) + ticks[5] + ticks[6]) / os.sysconf("SC_CLK_TCK")


# --- one measured run ---------------------------------------------------------------------------


@dataclass
class RunStats:
    name: str
    pages: int
    seconds: float
    durations: list[float] = field(default_factory=list)  # seconds per page
    statuses: dict[str, int] = field(default_factory=dict)
    peak_python: int = 0
    peak_chromium: int = 0
    peak_chromium_count: int = 0
    samples: list[Sample] = field(default_factory=list)
    cpu: float = 0.0  # busy CPU seconds of the whole machine during the run (CpuClock)
    own_cpu: float = 0.0  # CPU seconds of the run's own processes (CpuClock.own)

    @property
    def cpu_per_page(self) -> float:
        return self.cpu / self.pages if self.pages else 0.0

    @property
    def own_cpu_per_page(self) -> float:
        return self.own_cpu / self.pages if self.pages else 0.0

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.durations:
            return 0.0
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def add(self, other: RunStats) -> None:
        """Fold another round of the same kind of run into this one."""
        self.pages += other.pages
        self.seconds += other.seconds
        self.cpu += other.cpu
        self.own_cpu += other.own_cpu
        self.durations += other.durations
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.peak_python = max(self.peak_python, other.peak_python)
        self.peak_chromium = max(self.peak_chromium, other.peak_chromium)
        self.peak_chromium_count = max(self.peak_chromium_count, other.peak_chromium_count)
        self.samples += other.samples

    def line(self) -> str:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return (f"{self.name:<11} {self.pages:>5} pages in {self.seconds:7.1f} s  "
                f"{self.rate:6.2f} pages/s  p50 {self.percentile(0.5):5.2f} s  "
                f"p95 {self.percentile(0.95):5.2f} s  peak RSS python "
                f"{self.peak_python / MB:5.0f} MB"
                f"  chromium {self.peak_chromium / MB:6.0f} MB ({self.peak_chromium_count} procs)"
                f"  machine CPU {self.cpu_per_page:.2f} s/page, own {self.own_cpu_per_page:.2f}"
                f"  [{statuses}]")


def run_pipeline(urls: Sequence[str], settings: CaptureSettings, concurrency: int,
                 db_path: Path, name: str = "end-to-end") -> RunStats:
    """Archive `urls` with the project's Runner into `db_path`; per-page times are the
    captures' own `duration_ms` (context to close; extraction and storage are in the rate).
    The per-host limit is lifted: every generated page is on 127.0.0.1."""
    db = store.open_db(db_path)
    results: list[SaveResult] = []
    run = RunSettings(concurrency=concurrency, per_host=concurrency)  # one host, by design
    with Sampler(lambda: len(results)) as sampler, CpuClock() as cpu:
        started = time.monotonic()
        asyncio.run(run_jobs(db, settings, run, [Job(url) for url in urls], results.append))
        seconds = time.monotonic() - started
    durations = [ms / 1000 for (ms,) in db.execute("select duration_ms from captures")]
    db.close()
    stats = RunStats(name, len(results), seconds, durations, _count(r.status for r in results),
                     cpu=cpu.seconds, own_cpu=cpu.own)
    _set_peaks(stats, sampler)
    return stats


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _set_peaks(stats: RunStats, sampler: Sampler) -> None:
    stats.peak_python = sampler.peak_python
    stats.peak_chromium = sampler.peak_chromium
    stats.peak_chromium_count = sampler.peak_count
    stats.samples = sampler.samples


def run_floor(urls: Sequence[str], settings: CaptureSettings, concurrency: int,
              context_policy: str = "fresh", routed: bool = False,
              fast_png: bool = False) -> RunStats:
    """Bare Playwright: goto (until `load`) + content + full-page screenshot, nothing else.
    With `routed`, every request goes through a pass-through route handler (fetch, fulfill),
    as the archiver's do, to measure what that costs. With `fast_png`, the screenshot is the
    archiver's (Chromium's fast PNG encoder) instead of Playwright's `page.screenshot`."""
    durations: list[float] = []
    statuses: list[str] = []
    with Sampler(lambda: len(durations)) as sampler, CpuClock() as cpu:
        started = time.monotonic()
        asyncio.run(_floor(urls, settings, concurrency, context_policy, routed, fast_png,
                           durations, statuses))
        seconds = time.monotonic() - started
    stats = RunStats("floor", len(durations), seconds, durations, _count(statuses),
                     cpu=cpu.seconds, own_cpu=cpu.own)
    _set_peaks(stats, sampler)
    return stats


async def _floor(urls: Sequence[str], settings: CaptureSettings, concurrency: int,
                 context_policy: str, routed: bool, fast_png: bool, durations: list[float],
                 statuses: list[str]) -> None:
    semaphore = asyncio.Semaphore(concurrency)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_for(pw, settings.browser_path),
            args=LAUNCH_ARGS,
        )
        options: dict[str, Any] = {
            "viewport": {"width": settings.viewport_width, "height": settings.viewport_height},
            "service_workers": "block",
        }
        shared = await browser.new_context(**options) if context_policy == "shared" else None

        async def one(url: str) -> None:
            async with semaphore:
                started = time.monotonic()
                context = shared or await browser.new_context(**options)
                if routed and not shared:
                    await context.route("**/*", _pass_through)
                page = await context.new_page()
                try:
                    await page.goto(url, wait_until="load", timeout=settings.nav_timeout * 1000)
                    await page.content()
                    if fast_png:
                        await full_page_png(page, settings.max_screenshot_height, fast=True)
                    else:
                        await page.screenshot(full_page=True, timeout=30_000)
                    statuses.append("ok")
                except Exception:  # noqa: BLE001 - count it, go on
                    statuses.append("failed")
                finally:
                    await (page.close() if shared else context.close())
                durations.append(time.monotonic() - started)

        await asyncio.gather(*(one(url) for url in urls))
        await browser.close()


async def _pass_through(route: Any) -> None:
    try:
        await route.fulfill(response=await route.fetch(timeout=10_000))
    except Exception:  # noqa: BLE001 - the page went away, or the request failed
        await route.abort()


def integrity_ok(db_path: Path) -> bool:
    conn = sqlite3.connect(db_path)
    try:
        return bool(conn.execute("pragma integrity_check").fetchone()[0] == "ok")
    finally:
        conn.close()


# --- the command --------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=500, help="pages to capture (default 500)")
    parser.add_argument("--concurrency", type=int, default=4, help="pages at a time (default 4)")
    parser.add_argument("--context-policy", choices=("fresh", "shared"), default="fresh",
                        help="a fresh browser context per page (what the archiver does), or "
                             "one shared context (floor only: the archiver has no such mode)")
    parser.add_argument("--no-consent-handling", action="store_true",
                        help="end-to-end without the cookie-consent handler")
    parser.add_argument("--settle-time", type=float, default=None,
                        help="end-to-end settle time after `load` (default: the archiver's)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternate end-to-end and floor over this many slices of the pages, "
                             "so that other load on the machine hits both alike (default 5)")
    parser.add_argument("--skip-floor", action="store_true", help="only the end-to-end run")
    parser.add_argument("--routed-floor", action="store_true",
                        help="the floor passes every request through a route handler "
                             "(fetch + fulfill), as the archiver does")
    parser.add_argument("--fast-png-floor", action="store_true",
                        help="the floor's screenshot uses Chromium's fast PNG encoder, as the "
                             "archiver does, instead of Playwright's page.screenshot")
    parser.add_argument("--compact-screenshots", action="store_true",
                        help="end-to-end with Chromium's default PNG encoder (smaller, slower)")
    parser.add_argument("--keep-db", type=Path, help="archive into this file and keep it")
    parser.add_argument("--via-cli", action="store_true",
                        help="end-to-end through the real command, `archiver save --from-file` "
                             "(with the default settings, --concurrency and --per-host N)")
    parser.add_argument("--no-resources", action="store_true",
                        help="end-to-end without keeping resources")
    parser.add_argument("--kind", choices=("heavy", "light", "both"), default="heavy",
                        help="the pages: heavy (20-200 KB of HTML, images, a web font), light "
                             "(22 KB of HTML, inline SVG, one stylesheet, no scripts), or both, "
                             "one after the other (default heavy)")
    parser.add_argument("--light", action="store_true", help="the same as --kind light")
    parser.add_argument("--then-recompress", action="store_true",
                        help="afterwards, run `archiver recompress --lossless-webp` and `archiver "
                             "vacuum` on the archive and print its size again")
    parser.add_argument("--screenshot-format", choices=("auto", "webp", "jpeg", "png"),
                        help="end-to-end screenshots in this format (default: the archiver's)")
    parser.add_argument("--screenshot-scale", type=float,
                        help="end-to-end screenshots at this scale (default: the archiver's)")


def settings_from(args: argparse.Namespace) -> CaptureSettings:
    settings = CaptureSettings(consent_handling=not args.no_consent_handling,
                               fast_screenshots=not getattr(args, "compact_screenshots", False))
    if args.settle_time is not None:
        settings.settle_time = args.settle_time
    if getattr(args, "screenshot_format", None):
        settings.screenshot_format = args.screenshot_format
    if getattr(args, "screenshot_scale", None):
        settings.screenshot_scale = args.screenshot_scale
    return settings


def run_cli(urls: Sequence[str], args: argparse.Namespace, db_path: Path) -> RunStats:
    """`archiver save --from-file` in its own process, as a user runs it; its per-host limit
    is lifted (every generated page is on 127.0.0.1, by design)."""
    url_file = db_path.with_suffix(".urls")
    url_file.write_text("\n".join(urls) + "\n")
    command = [sys.executable, "-m", "archiver", "save", "--from-file", str(url_file),
               "--db", str(db_path), "--concurrency", str(args.concurrency),
               "--per-host", str(args.concurrency), "--no-progress"]
    if args.no_consent_handling:
        command.append("--no-consent-handling")
    if args.no_resources:
        command.append("--no-resources")
    if args.screenshot_format:
        command += ["--screenshot-format", args.screenshot_format]
    if args.screenshot_scale:
        command += ["--screenshot-scale", str(args.screenshot_scale)]
    child: list[subprocess.Popen[str]] = []
    with Sampler(root=lambda: child[0].pid if child else None) as sampler, CpuClock() as cpu:
        started = time.monotonic()
        child.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
        out, _ = child[0].communicate()
        seconds = time.monotonic() - started
    statuses = _count(line.split("\t")[1] if "\tfailed\t" in line else "ok"
                      for line in out.splitlines() if "\t" in line)
    stats = RunStats("end-to-end (archiver save)", len(urls), seconds, [], statuses,
                     cpu=cpu.seconds, own_cpu=cpu.own)
    _set_peaks(stats, sampler)
    return stats


@dataclass
class KindResult:
    """One page kind's figures, for the summary of `--kind both`."""

    kind: str
    e2e: RunStats
    floor: RunStats
    captures: int
    db_bytes: int
    screenshot_bytes: int

    @property
    def ratio(self) -> float:
        return self.e2e.rate / self.floor.rate if self.floor.rate else 0.0

    @property
    def kb_a_capture(self) -> float:
        return self.db_bytes / self.captures / KB if self.captures else 0.0

    @property
    def screenshot_kb(self) -> float:
        return self.screenshot_bytes / self.captures / KB if self.captures else 0.0


def archive_size(db_path: Path) -> tuple[int, int, int]:
    """(captures, database bytes, screenshot bytes as stored) of the archive at `db_path`."""
    conn = sqlite3.connect(db_path)
    try:
        captures = conn.execute("select count(*) from captures").fetchone()[0]
        shots = conn.execute("select coalesce(sum(length(content)), 0) from blobs where hash in "
                             "(select screenshot_hash from captures)").fetchone()[0]
    finally:
        conn.close()
    return int(captures), db_path.stat().st_size, int(shots)


def then_recompress(db_path: Path) -> None:
    """`archiver recompress --lossless-webp` and `archiver vacuum` on the run's archive (the
    real commands): KB a capture after, and the CPU seconds they took a capture."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for command in (["recompress", "--lossless-webp"], ["vacuum"]):
        subprocess.run([sys.executable, "-m", "archiver", *command, "--db", str(db_path)],
                       check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    captures, db_bytes, shot_bytes = archive_size(db_path)
    print(f"after `archiver recompress --lossless-webp` and `archiver vacuum`: "
          f"{db_bytes / max(1, captures) / KB:.0f} KB a capture (screenshots "
          f"{shot_bytes / max(1, captures) / KB:.0f} KB), {cpu / max(1, captures):.2f} s of CPU "
          "a capture, integrity " + ("ok" if integrity_ok(db_path) else "NOT OK"))


def run_kind(args: argparse.Namespace, kind: str, tmp: Path) -> KindResult:
    """The alternating end-to-end and floor rounds over one kind of page."""
    settings = settings_from(args)
    settings.keep_resources = not getattr(args, "no_resources", False)
    e2e = RunStats("end-to-end", 0, 0.0)
    floor = RunStats("floor" + ("+route" if args.routed_floor else "")
                     + ("+fastpng" if args.fast_png_floor else ""), 0, 0.0)
    with site_process(["ok"] * args.pages) as base:
        urls = article_urls(base, args.pages, light=kind == "light")
        db_path = args.keep_db or tmp / f"bench-{kind}.db"
        if args.keep_db and args.kind == "both":
            db_path = args.keep_db.with_name(f"{args.keep_db.stem}-{kind}{args.keep_db.suffix}")
        rounds = max(1, min(args.rounds, args.pages))
        print(f"\n== {kind} pages ==")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{args.pages} generated {kind} pages in {rounds} round(s), concurrency "
              f"{args.concurrency}, context policy {args.context_policy}, consent handling "
              f"{'on' if settings.consent_handling else 'off'}, settle {settings.settle_time:g} s",
              flush=True)
        for n in range(rounds):
            chunk = urls[n * len(urls) // rounds: (n + 1) * len(urls) // rounds]
            for which in ("e2e", "floor") if n % 2 == 0 else ("floor", "e2e"):  # alternate
                if which == "e2e" and args.via_cli:
                    e2e.add(run_cli(chunk, args, db_path))
                elif which == "e2e":
                    e2e.add(run_pipeline(chunk, settings, args.concurrency, db_path))
                elif not args.skip_floor:
                    floor.add(run_floor(chunk, settings, args.concurrency, args.context_policy,
                                        args.routed_floor, args.fast_png_floor))
            print(f"round {n + 1}: end-to-end {e2e.rate:.2f} pages/s, floor {floor.rate:.2f} "
                  "pages/s so far", file=sys.stderr, flush=True)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        print(e2e.line())
        captures, db_bytes, shot_bytes = archive_size(db_path)
        result = KindResult(kind, e2e, floor, captures, db_bytes, shot_bytes)
        print(f"database {db_bytes / MB:.1f} MB, {result.kb_a_capture:.0f} KB a capture "
              f"(screenshots {result.screenshot_kb:.0f} KB), integrity "
              f"{'ok' if integrity_ok(db_path) else 'NOT OK'}")
        if getattr(args, "then_recompress", False):
            then_recompress(db_path)
    if not args.skip_floor:
        print(floor.line())
        verdict = "meets" if result.ratio >= TARGET_RATIO else "BELOW"
        print(f"end-to-end / floor: {result.ratio:.0%} ({verdict} the {TARGET_RATIO:.0%} target)")
        if e2e.cpu_per_page:
            print(f"by machine CPU time (what sets the rate when the cores are busy): floor "
                  f"{floor.cpu_per_page:.2f} s/page / end-to-end {e2e.cpu_per_page:.2f} s/page "
                  f"= {floor.cpu_per_page / e2e.cpu_per_page:.0%}")
        if e2e.own_cpu_per_page:
            print(f"by the runs' own CPU time (other load does not count): floor "
                  f"{floor.own_cpu_per_page:.2f} s/page / end-to-end "
                  f"{e2e.own_cpu_per_page:.2f} s/page = "
                  f"{floor.own_cpu_per_page / e2e.own_cpu_per_page:.0%}")
    return result


def run(args: argparse.Namespace) -> int:
    if args.light:
        args.kind = "light"
    if args.context_policy == "shared":
        print("note: the archiver always uses a fresh context per page; 'shared' applies to the "
              "floor only")
    kinds = ("heavy", "light") if args.kind == "both" else (args.kind,)
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_kind(args, kind, Path(tmp)) for kind in kinds]
    if len(results) > 1:
        print("\nkind    e2e p/s  floor p/s  e2e/floor  KB a capture  (screenshot)  "
              "own CPU s/page e2e/floor  peak RSS archiver/chromium MB")
        for r in results:
            print(f"{r.kind:<7} {r.e2e.rate:>7.2f}  {r.floor.rate:>9.2f}  {r.ratio:>9.0%}  "
                  f"{r.kb_a_capture:>12.0f}  {r.screenshot_kb:>12.0f}  "
                  f"{r.e2e.own_cpu_per_page:>14.2f}/{r.floor.own_cpu_per_page:.2f}  "
                  f"{r.e2e.peak_python / MB:>14.0f}/{r.e2e.peak_chromium / MB:.0f}")
    return 0
