"""Imported crawls against Webrecorder's own replay: does our replay show what theirs shows?

Serves the script-shaped site of tests/scripted.py on two local origins (accordions, tabs, a
menu built from JSON, a carousel, a single-page app, a video-like player in a frame from the
second origin), records every page through pywb's recording mode (`wayback --live --record`,
from `.venv-pywb`) in Chromium, packs the WARC as a WACZ with a page list, stops the site,
imports the WACZ with `archiver import` (`--render` as given), and then, at 1280x800, for each
page:

* screenshots our replay (`archiver serve`, `/-/archiver/DB/ID/snapshot`), counting every
  request that does not go to our server;
* screenshots ReplayWeb.page's replay of the same page of the original crawl (`npm pack
  replaywebpage`: its bundled `ui.js` and `sw.js`, served from 127.0.0.1 with
  `<replay-web-page embed="replayonly">`), which runs the page's scripts against the archive;
* and ReplayWeb.page's replay of our export (`archiver export --format wacz`).

Similarity: the share of pixels within a colour tolerance of 40 (all pixels, and counting
only pixels where either picture has ink, i.e. is not near-white). Prints each page, the
mean, the worst, and the import's speed.

example:
  python -m tests.bench replay-fidelity
  python -m tests.bench replay-fidelity --render none   # the HTML as served, for comparison
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops

from tests.bench.api import free_port

ROOT = Path(__file__).resolve().parents[2]
PYWB = ROOT / ".venv-pywb" / "bin"
VIEWPORT = {"width": 1280, "height": 800}
TOLERANCE = 40
INK = 24  # a pixel is ink when it differs from white by more than this (any channel)
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "archiver-bench"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--render", default="scripted", choices=["scripted", "all", "none"],
                        help="archiver import --render (scripted)")
    parser.add_argument("--keep", type=Path, help="keep the files and screenshots here")
    parser.add_argument("--pywb", type=Path, default=PYWB,
                        help="the bin folder of a pywb install (.venv-pywb/bin)")


# --- small servers


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


def table_handler(table: dict[str, tuple[bytes, str]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            body, kind = table.get(self.path.split("?")[0], (b"not found", "text/plain"))
            self.send_response(200 if self.path.split("?")[0] in table else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def files_handler(folder: Path) -> type[BaseHTTPRequestHandler]:
    """Static files with Range requests (206), as ReplayWeb.page reads a WACZ."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            path = (folder / self.path.split("?")[0].lstrip("/")).resolve()
            if folder.resolve() not in path.parents or not path.is_file():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = path.read_bytes()
            kind = {".js": "application/javascript", ".html": "text/html; charset=utf-8",
                    ".wacz": "application/wacz+zip"}.get(path.suffix, "application/octet-stream")
            status, start, end = 200, 0, len(data)
            wanted = self.headers.get("Range", "")
            if wanted.startswith("bytes="):
                first, _, last = wanted[6:].split(",")[0].partition("-")
                if first:
                    start = int(first)
                    end = min(len(data), int(last) + 1 if last else len(data))
                else:  # a suffix: the last N bytes (how a ZIP's directory is read)
                    start = max(0, len(data) - int(last))
                status = 206
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(end - start))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
            self.send_header("Service-Worker-Allowed", "/")
            self.end_headers()
            self.wfile.write(data[start:end])

        def do_HEAD(self) -> None:  # noqa: N802
            path = (folder / self.path.split("?")[0].lstrip("/")).resolve()
            size = path.stat().st_size if path.is_file() else 0
            self.send_response(200 if path.is_file() else 404)
            self.send_header("Content-Length", str(size))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited:\n{log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer:\n{log.read_text()[-2000:]}")


@contextmanager
def process(command: list[str], ready: str, log: Path, cwd: Path | None = None
            ) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(command, cwd=cwd, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            env=env)
    try:
        wait_for(ready, proc, log)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- recording


def record(folder: Path, pywb: Path, browser: Any, pages: list[str]) -> Path:
    """The pages recorded through pywb's recording mode; returns the WACZ."""
    work = folder / "pywb"
    work.mkdir()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    subprocess.run([str(pywb / "wb-manager"), "init", "rec"], cwd=work, env=env, check=True,
                   capture_output=True)
    (work / "config.yaml").write_text("framed_replay: false\n")
    port = free_port()
    command = [str(pywb / "wayback"), "--live", "--record", "-p", str(port), "-b", "127.0.0.1"]
    with process(command, f"http://127.0.0.1:{port}/", folder / "wayback.log", cwd=work):
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        for url in pages:
            page.goto(f"http://127.0.0.1:{port}/rec/record/{url}", wait_until="load")
            page.wait_for_timeout(1500)
        context.close()
        time.sleep(1)
    warcs = sorted((work / "collections" / "rec" / "archive").glob("*.warc.gz"))
    return pack(folder, warcs, pages)


def pack(folder: Path, warcs: list[Path], pages: list[str]) -> Path:
    """A WACZ of pywb's WARC files, with an index and a page list (each page's time: its
    first response record), as a crawler writes one."""
    from warcio.archiveiterator import ArchiveIterator

    from archiver.warc.wacz import write_index

    merged = folder / "data.warc.gz"
    with merged.open("wb") as out:
        for warc in warcs:
            out.write(warc.read_bytes())
    times: dict[str, str] = {}
    with merged.open("rb") as stream:
        for rec in ArchiveIterator(stream):
            url = rec.rec_headers.get_header("WARC-Target-URI")
            if rec.rec_type == "response" and url in pages:
                times.setdefault(url, rec.rec_headers.get_header("WARC-Date"))
    index, idx = write_index(merged, folder)
    lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    lines += [json.dumps({"id": f"p{n}", "url": url, "ts": times[url], "title": url,
                          "loadState": 4}) for n, url in enumerate(pages) if url in times]
    wacz = folder / "crawl.wacz"
    with zipfile.ZipFile(wacz, "w") as package:
        package.write(merged, "archive/data.warc.gz", compress_type=zipfile.ZIP_STORED)
        package.write(index, "indexes/index.cdx.gz", compress_type=zipfile.ZIP_STORED)
        package.write(idx, "indexes/index.idx")
        package.writestr("pages/pages.jsonl", "\n".join(lines) + "\n")
        package.writestr("datapackage.json", json.dumps(
            {"profile": "data-package", "wacz_version": "1.1.1", "resources": []}))
    return wacz


# --- ReplayWeb.page


def replaywebpage(folder: Path) -> Path:
    """ReplayWeb.page's `ui.js` and `sw.js` (`npm pack replaywebpage`, cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    packed = sorted(CACHE.glob("replaywebpage-*.tgz"))
    if not packed:
        subprocess.run(["npm", "pack", "replaywebpage", "--pack-destination", str(CACHE)],
                       check=True, capture_output=True, timeout=300)
        packed = sorted(CACHE.glob("replaywebpage-*.tgz"))
    site = folder / "rwp"
    (site / "replay").mkdir(parents=True)
    with tarfile.open(packed[-1]) as tar:
        for name, target in (("package/ui.js", "ui.js"), ("package/sw.js", "replay/sw.js")):
            member = tar.extractfile(name)
            assert member is not None
            (site / target).write_bytes(member.read())
    return site


def rwp_page(site: Path, name: str, source: str, url: str) -> str:
    (site / f"{name}.html").write_text(
        "<!doctype html><html><head><script src='/ui.js'></script><style>html,body{margin:0;"
        "overflow:hidden} replay-web-page{display:block;width:1280px;height:800px}</style>"
        f"</head><body><replay-web-page source='/{source}' url='{url}' embed='replayonly'>"
        "</replay-web-page></body></html>")
    return f"/{name}.html"


def rwp_shot(browser: Any, base: str, path: str) -> Image.Image:
    """ReplayWeb.page's replay of one page (opened twice: the first visit installs the
    service worker, the second is controlled by it)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(base + "/ui.js")  # the origin, for the service worker
    for attempt in range(3):
        page.goto(base + path, wait_until="load")
        if _replayed_frame(page, 20):
            break
        if attempt == 2:
            raise SystemExit(f"ReplayWeb.page did not replay {path}")
    page.wait_for_timeout(2500)
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    context.close()
    return shot


def _replayed_frame(page: Any, timeout: float) -> Any:
    """The frame in which ReplayWeb.page replays the page, once its document is complete."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/replay/w/" in frame.url and "mp_/" in frame.url:
                try:
                    if frame.evaluate("document.readyState === 'complete' && "
                                      "!!document.body && document.body.childElementCount > 0"):
                        return frame
                except Exception:  # noqa: BLE001 - navigating meanwhile
                    pass
        page.wait_for_timeout(200)
    return None


# --- ours


def our_shot(browser: Any, server: str, capture_id: int) -> tuple[Image.Image, list[str]]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/-/archiver/archive/{capture_id}/snapshot", wait_until="load")
    page.wait_for_timeout(800)
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    context.close()
    outside = [r for r in requests if not r.startswith(server + "/")
               and not r.startswith("data:")]
    return shot, outside


def similarity(a: Image.Image, b: Image.Image) -> tuple[float, float]:
    """(share of pixels within TOLERANCE, the same among pixels where either has ink)."""
    size = (min(a.width, b.width), min(a.height, b.height))
    a, b = a.crop((0, 0, *size)), b.crop((0, 0, *size))
    worst = _channel_max(ImageChops.difference(a, b))
    same = worst.point(lambda v: 255 if v <= TOLERANCE else 0)
    white = Image.new("RGB", size, (255, 255, 255))
    ink = ImageChops.lighter(_channel_max(ImageChops.difference(a, white)),
                             _channel_max(ImageChops.difference(b, white)))
    inked = ink.point(lambda v: 255 if v > INK else 0)
    total = size[0] * size[1]
    same_count = same.histogram()[255]
    inked_count = inked.histogram()[255]
    same_inked = ImageChops.multiply(same, inked).histogram()[255]
    return same_count / total, (same_inked / inked_count if inked_count else 1.0)


def _channel_max(image: Image.Image) -> Image.Image:
    r, g, b = image.split()
    return ImageChops.lighter(ImageChops.lighter(r, g), b)


def archiver(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True,
                          text=True, cwd=ROOT)


def run(args: argparse.Namespace) -> int:
    from playwright.sync_api import sync_playwright

    from archiver.capture import find_browser
    from tests.scripted import PAGES, routes

    if not (args.pywb / "wayback").exists():
        raise SystemExit(f"pywb is missing ({args.pywb}): run `make setup`")
    folder = Path(tempfile.mkdtemp(prefix="replay-fidelity-")) if not args.keep else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_browser(os.environ.get("ARCHIVER_BROWSER"),
                                         pw.chromium.executable_path),
            args=["--disable-gpu", "--hide-scrollbars"])
        second_port = free_port()
        first, second = routes(f"http://127.0.0.1:{second_port}")
        with serving(table_handler(first)) as first_port:
            site = f"http://127.0.0.1:{first_port}"
            httpd = ThreadingHTTPServer(("127.0.0.1", second_port), table_handler(second))
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            pages = [site + path for path in PAGES]
            wacz = record(folder, args.pywb, browser, pages)
            httpd.shutdown()
            httpd.server_close()
        # the site is gone from here on: whatever replays comes from the archives
        result = compare(folder, wacz, pages, browser, args.render)
        browser.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def compare(folder: Path, wacz: Path, pages: list[str], browser: Any, render: str) -> int:
    db = folder / "archive.db"
    started = time.monotonic()
    imported = archiver("import", str(wacz), "--db", str(db), "--render", render)
    seconds = time.monotonic() - started
    if imported.returncode != 0:
        raise SystemExit(imported.stderr)
    print(imported.stderr.strip().splitlines()[-1], file=sys.stderr)
    export = folder / "rwp-site" / "export.wacz"
    site = replaywebpage(folder)
    shutil.copy(wacz, site / "crawl.wacz")
    exported = archiver("export", "--db", str(db), "--format", "wacz", "-o",
                        str(site / "export.wacz"))
    if exported.returncode != 0:
        raise SystemExit(exported.stderr)
    del export
    from archiver import store

    ids = {row[1]: row[0] for row in store.open_db(db).execute("SELECT id, url FROM captures")}
    port = free_port()
    serve_log = folder / "serve.log"
    rows = []
    with process([sys.executable, "-m", "archiver", "serve", "--db", str(db), "--port",
                  str(port)], f"http://127.0.0.1:{port}/-/versions.json", serve_log, cwd=ROOT), \
            serving(files_handler(site)) as rwp_port:
        ours_base, rwp_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{rwp_port}"
        for n, url in enumerate(pages):
            theirs = rwp_shot(browser, rwp_base, rwp_page(site, f"c{n}", "crawl.wacz", url))
            ours, outside = our_shot(browser, ours_base, ids[url])
            again = rwp_shot(browser, rwp_base, rwp_page(site, f"e{n}", "export.wacz", url))
            for name, shot in (("rwp", theirs), ("ours", ours), ("export", again)):
                shot.save(folder / f"{n}-{name}.png")
            rows.append((url, *similarity(ours, theirs), similarity(again, theirs)[0],
                         len(outside)))
    return report(rows, seconds, len(pages))


def report(rows: list[tuple[str, float, float, float, int]], seconds: float, count: int) -> int:
    print(f"{'page':<28} {'ours':>6} {'ink':>6} {'export':>7} {'outside':>8}")
    for url, all_pixels, ink, export, outside in rows:
        print(f"{url.rsplit('/', 1)[-1]:<28} {all_pixels:>6.3f} {ink:>6.3f} {export:>7.3f} "
              f"{outside:>8}")
    mean = sum(r[1] for r in rows) / len(rows)
    print(f"mean {mean:.3f}, worst {min(r[1] for r in rows):.3f}; ink-only mean "
          f"{sum(r[2] for r in rows) / len(rows):.3f}, worst {min(r[2] for r in rows):.3f}; "
          f"export in ReplayWeb.page: mean {sum(r[3] for r in rows) / len(rows):.3f}, worst "
          f"{min(r[3] for r in rows):.3f}; requests outside the archive: "
          f"{sum(r[4] for r in rows)}; import: {count} pages in {seconds:.1f} s")
    return 0
