"""Speed of the reading views on a (large) archive: ranked search, the home page, a page's
history.

Search queries are words of the archive itself, picked by how many captures hold them: rare,
uncommon, common, two uncommon words, and (reported apart, as the worst case) words in more
than a tenth of all captures. Times the store's grouped search (one hit a page) alone, then
the whole search, home (with each filter, and deep in the pages) and history pages as
Datasette renders them in-process (no network).
Then, against a real `archiver serve` of the same file, the answer to the home page's "Add
pages" form (a POST that queues one URL, as a browser sends it, cookies and all; the URL is on
`.invalid`, so its capture fails at once in the background).
Targets with 100,000 captures of 20,000 pages: home, grouped search and a page's history each
under 100 ms p95; adding a URL from the web page under 150 ms.

example:
  python -m tests.bench gen-archive --captures 100000 --pages 20000 --db /tmp/big.db
  python -m tests.bench views --db /tmp/big.db
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from archiver import store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, required=True, help="the archive to measure")
    parser.add_argument("--queries", type=int, default=200, help="search queries to time")
    parser.add_argument("--home", type=int, default=30, help="home page renders to time")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the queries")
    parser.add_argument("--adds", type=int, default=30,
                        help="\"Add pages\" form posts to time against a real server (0: none)")


BANDS = {  # share of captures a query word is in
    "rare word (<0.1%)": (0.0, 0.001),
    "uncommon word (0.1-1%)": (0.001, 0.01),
    "common word (1-10%)": (0.01, 0.10),
    "two uncommon words": (0.001, 0.01),
    "very common word (>10%)": (0.10, 1.01),
}


def sample_queries(db: store.Database, per_band: int, seed: int) -> dict[str, list[str]]:
    """Query words picked by how many captures hold them (FTS5's own vocabulary)."""
    rng = random.Random(seed)
    total = store.archive_counts(db)["captures"] or 1
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab "
               "USING fts5vocab(main, 'captures_fts', 'row')")
    queries: dict[str, list[str]] = {}
    for band, (low, high) in BANDS.items():
        terms = [r[0] for r in db.execute(
            "SELECT term FROM temp.bench_vocab WHERE doc >= ? AND doc < ? AND length(term) > 3",
            [low * total, high * total]).fetchall()]
        words = 2 if band.startswith("two") else 1
        queries[band] = [" ".join(rng.sample(terms, words)) for _ in range(per_band)
                         if len(terms) >= words]
    return queries


def percentiles(times: list[float]) -> str:
    if not times:
        return "(no query words in this band)"
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (f"p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms"
            f"   (n={len(ms)})")


def time_searches(db: store.Database, queries: list[str]) -> list[float]:
    """Seconds per ranked search (first page of hits with snippets, as the view asks)."""
    times = []
    for query in queries:
        began = time.perf_counter()
        store.search_pages(db, query, limit=21)
        times.append(time.perf_counter() - began)
    return times


async def time_pages(get: Callable[[str], Awaitable[object]], paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        began = time.perf_counter()
        response = await get(path)
        times.append(time.perf_counter() - began)
        status = getattr(response, "status_code", 200)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
    return times


HOME_VARIANTS = ("", "?show=unread", "?show=favourites", "?show=archived", "?show=failed",
                 "?tag=climate", "?site=site7.example", "?offset=400", "?offset=10000")


async def measure_pages(path: Path, queries: list[str], home_repeat: int,
                        page_ids: list[int]) -> dict[str, list[float]]:
    from datasette.app import Datasette

    ds = Datasette([str(path)])
    await ds.invoke_startup()
    name = next(n for n in ds.databases if not n.startswith("_"))
    base = f"/-/archiver/{quote(name)}"
    await ds.client.get(base + "/")  # warm the caches once
    homes = [base + "/" + variant for variant in HOME_VARIANTS] * max(1, home_repeat // 3)
    return {
        "home page": await time_pages(ds.client.get, [base + "/"] * home_repeat),
        "home, filters and deep pages": await time_pages(ds.client.get, homes),
        "search page": await time_pages(
            ds.client.get, [f"{base}/search?q={quote(q)}" for q in queries]),
        "a page's history": await time_pages(
            ds.client.get, [f"{base}/page/{page_id}" for page_id in page_ids]),
    }


def busiest_pages(db: store.Database, count: int, seed: int) -> list[int]:
    """Pages with several versions (the history view diffs the newest two)."""
    ids = [r[0] for r in db.execute("SELECT id FROM pages WHERE versions > 1").fetchall()]
    return random.Random(seed).sample(ids, min(count, len(ids)))


def time_adds(path: Path, count: int) -> list[float]:
    """Seconds from sending the add form to its answer (a redirect), on a real server."""
    import re
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "archiver", "serve", "--db", str(path), "--port", str(port),
         "--no-watch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(200):
                try:
                    home = client.get(f"/-/archiver/{path.stem}/")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = re.search(r'name="csrftoken" value="([^"]+)"', home.text)
            if token is None:
                raise SystemExit("the home page has no add form")
            times = []
            for n in range(count):
                began = time.perf_counter()
                answer = client.post(f"/-/archiver/{path.stem}/add", headers={"Origin": base},
                                     data={"csrftoken": token.group(1),
                                           "url": f"https://bench-{n}.invalid/page"})
                times.append(time.perf_counter() - began)
                if answer.status_code not in (302, 303):
                    raise SystemExit(f"add: HTTP {answer.status_code}: {answer.text[:200]}")
            return times
    finally:
        server.terminate()
        server.wait(30)


def run(args: argparse.Namespace) -> int:
    db = store.open_db(args.db)
    counts = store.archive_counts(db)
    print(f"{args.db}: {counts['captures']} captures of {counts['pages']} pages")
    print("search: one hit a page (store.search_pages), 21 hits with snippets")
    bands = sample_queries(db, args.queries // len(BANDS), args.seed)
    realistic = [q for band, qs in bands.items() if not band.startswith("very") for q in qs]
    store.search_pages(db, realistic[0], limit=21)  # warm the page cache
    for band, queries in bands.items():
        print(f"search, {band:<25} {percentiles(time_searches(db, queries))}")
    search = time_searches(db, realistic)
    histories = busiest_pages(db, args.home, args.seed)
    db.close()
    pages = asyncio.run(measure_pages(args.db, realistic, args.home, histories))
    print(f"search, all but very common  {percentiles(search)}")
    for label, times in pages.items():
        print(f"{label + ' (HTTP, in-process)':<34}{percentiles(times)}")
    if args.adds:
        print(f"{'add a URL (HTTP, real server)':<34}{percentiles(time_adds(args.db, args.adds))}")
    return 0
