"""`archiver import FILE.wacz | FILE.warc[.gz]`: every page of a web archive as a capture.

Three steps, none holding the file in memory: a checked scan of every record into a scratch
index (damaged records are reported with their file and offset, and left out); the pages (from
the page lists, pageinfo records or top-level documents); for each page a `Capture` with its
resources, stored through the same pipeline as any capture (extraction, full-text search), in
one transaction per page. A page already imported (same URL, same capture time) is skipped, so
importing a file twice adds nothing the second time.

A page whose document (or one of its frames' documents) runs scripts is rendered once in
Chromium against the archive alone (`archiver.capture.offline`), several at a time: its
rendered DOM and its frames' DOMs are kept as a live capture keeps them, so that replay shows
what the crawler's browser showed, and the records its scripts asked for are kept with it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from archiver.models import Capture
from archiver.save import MAX_PLAIN_TEXT, SaveResult, extract_and_store
from archiver.store import warc as warc_store
from archiver.store.warc import RecordIndex
from archiver.warc import WebArchiveError, dates, refs
from archiver.warc.assemble import (
    MAX_PAGE_BYTES,
    NO_RESPONSE,
    Assembled,
    Assembler,
    is_frame_document,
)
from archiver.warc.container import WarcSource, WebArchive
from archiver.warc.pages import PageRef, PageSource, page_source, parse_json
from archiver.warc.records import BadRecord, RecordInfo, scan

ProgressFn = Callable[[int], None]
MAX_MISSING_PAGES = 100
"""Pages of a page list that the archive holds no record of, recorded as failed captures
(so that `archiver retry` can capture them live); those beyond are only counted: a list of
millions of URLs (internal ones among them) is not a list of captures to make."""
MAX_PROBLEMS = 100
"""Messages kept about lines of page lists that are not pages; the rest are counted."""
RENDER_MODES = ("scripted", "all", "none")


@dataclass
class RenderSettings:
    """Rendering pages in Chromium against the archive at import. `mode`: "scripted" (pages
    whose document or frames run scripts), "all" or "none"."""

    mode: str = "scripted"
    concurrency: int = 4
    browser_path: str | None = None
    width: int = 1280
    height: int = 800
    user_agent: str | None = None


@dataclass
class ImportSummary:
    """What an import did: pages found, saved, skipped as imported before, failed; damaged
    records (each a message naming the file and offset) and lines that are not pages."""

    source: str = "warc"
    pages_from: str = ""
    pages: int = 0
    records: int = 0
    saved: int = 0
    skipped: int = 0
    failed: int = 0
    bad_records: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0  # beyond MAX_PROBLEMS
    missing: int = 0  # listed pages the archive holds no record of
    missing_recorded: int = 0  # of which recorded as failed captures (MAX_MISSING_PAGES)
    blocked: int = 0  # pages whose record is a wall (a bot challenge, a login form ...)
    walls: dict[str, int] = field(default_factory=dict)  # by kind, paywall teasers too
    rendered: int = 0  # pages rendered in Chromium against the archive
    render_failed: list[str] = field(default_factory=list)  # "URL: why" (served HTML kept)
    found: int = 0  # records kept because a rendered page asked for them
    outside: int = 0  # requests of rendered pages the archive could not answer (404, unsent)

    def add(self, result: SaveResult | None) -> None:
        if result is not None and result.wall:
            self.walls[result.wall] = self.walls.get(result.wall, 0) + 1
        if result is None:
            self.skipped += 1
        elif result.status == "failed":
            self.failed += 1
        elif result.status == "blocked":
            self.blocked += 1
        else:
            self.saved += 1


class WebArchiveImport:
    """One import, in steps, so that the CLI can show progress for each."""

    def __init__(self, db: Database, path: Path, tags: Sequence[str] = (),
                 render: RenderSettings | None = None) -> None:
        self.db, self.path, self.tags = db, path, list(tags)
        self.render = render or RenderSettings(mode="none")
        self._stack = ExitStack()
        try:
            scratch = Path(self._stack.enter_context(tempfile.TemporaryDirectory(
                prefix="archiver-import-")))
            self.archive = self._stack.enter_context(WebArchive(path, scratch))
            self.index = RecordIndex(scratch / "records.db")
            self._stack.callback(self.index.close)
        except BaseException:
            self._stack.close()
            raise
        self.summary = ImportSummary(source=self.archive.kind or "warc")
        self.assembler = Assembler(self.index, self.archive.warcs)
        self._pages: PageSource | None = None

    def __enter__(self) -> WebArchiveImport:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def sources(self) -> list[WarcSource]:
        return self.archive.warcs

    def total_bytes(self) -> int:
        return sum(source.size for source in self.sources)

    def scan(self, progress: ProgressFn | None = None) -> None:
        """Step 1: index every record; damaged ones go to `summary.bad_records`."""
        for number, source in enumerate(self.sources):
            stream = source.open()
            done = 0
            for item in scan(stream, source.name):
                if isinstance(item, BadRecord):
                    message = f"{source.name}: record at offset {item.offset}: {item.problem}"
                    self.summary.bad_records.append(message)
                    self.index.add_bad(number, item.offset, item.problem)
                else:
                    self.index.add(_index_values(number, item))
                position = item.offset + getattr(item, "length", 0)
                if progress and position > done:
                    progress(position - done)
                    done = position
            stream.close()
        self.index.finish()
        self.summary.records = self.index.count()

    def count_pages(self) -> int:
        """Step 2: find the pages (and count them, for a progress bar)."""
        self.summary.pages_from, self._pages = page_source(self.archive, self.index,
                                                           self._read_json)
        self.summary.pages = sum(1 for item in self._pages() if isinstance(item, PageRef))
        return self.summary.pages

    def run(self, on_result: Callable[[SaveResult | None], None] | None = None) -> None:
        """Step 3: a capture for each page. `on_result` gets each stored page's result (None
        for a page imported before)."""
        if self._pages is None:
            self.count_pages()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._run(on_result))
            return
        # called from code that runs an event loop in this thread (Playwright's sync API,
        # a notebook): the import's own loop runs in a thread of its own
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="archiver-import-loop") as one:
            one.submit(asyncio.run, self._run(on_result)).result()

    async def _run(self, on_result: Callable[[SaveResult | None], None] | None) -> None:
        """Pages are read from the archive here, in order; those to render go to Chromium
        (`render.concurrency` at a time); extraction and storing happen in one writer thread
        (one SQLite connection, writes in order), so that Chromium never waits for them."""
        assert self._pages is not None
        from archiver.capture.offline import OfflineRenderer

        settings = self.render
        renderer = OfflineRenderer(settings.browser_path, settings.width, settings.height,
                                   settings.user_agent)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archiver-import")
        slots = asyncio.Semaphore(max(1, settings.concurrency))
        tasks: set[asyncio.Task[None]] = set()
        try:
            for item in self._pages():
                if isinstance(item, str):
                    self._problem(item)
                    continue
                built = await self._prepare(item)
                if not isinstance(built, Assembled):
                    self._report(built, on_result)
                    continue
                if not self._wants_render(built):
                    self._report(await self._in_writer(self._store, built), on_result)
                    continue
                await slots.acquire()
                task = asyncio.ensure_future(self._render_and_store(renderer, built, on_result))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                task.add_done_callback(lambda _: slots.release())
            if tasks:
                await asyncio.gather(*list(tasks))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await renderer.close()
            self._writer.shutdown(wait=True)

    def _problem(self, message: str) -> None:
        if len(self.summary.problems) < MAX_PROBLEMS:
            self.summary.problems.append(message)
        else:
            self.summary.more_problems += 1

    def _report(self, result: SaveResult | _Missing | None,
                on_result: Callable[[SaveResult | None], None] | None) -> None:
        if result is _NOT_RECORDED:
            if on_result:
                on_result(None)
            return
        assert not isinstance(result, _Missing)
        self.summary.add(result)
        if on_result:
            on_result(result)

    async def _in_writer(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn, *args)

    async def _prepare(self, page: PageRef) -> Assembled | SaveResult | _Missing | None:
        """The page assembled from its records, or what to report instead: None for a page
        imported before, a failed result, _NOT_RECORDED."""
        if not page.ts and page.document is None:
            row = self.index.nearest(page.url, None)
            page.ts = row["date"] if row is not None else None
        when = dates.captured_at(page.ts)
        if when and await self._in_writer(warc_store.capture_at, self.db, page.url, when):
            return None
        built = self._assemble(page)
        if built is None:
            return SaveResult(page.url, None, "failed", page.title,
                              "no readable response: the record is damaged (see above)")
        if built.capture.error == NO_RESPONSE:
            self.summary.missing += 1
            if self.summary.missing_recorded >= MAX_MISSING_PAGES:
                return _NOT_RECORDED
            self.summary.missing_recorded += 1
        return built

    def _store(self, built: Assembled) -> SaveResult | None:
        """Extract and store one page (in the writer thread); None if it was imported before."""
        if warc_store.capture_at(self.db, built.capture.url,
                                 built.capture.captured_at) is not None:
            return None
        # walls are judged as for the HTML as served: a page the archive could not render
        # fully (its app's data not recorded) is no "app shell" wall
        result = extract_and_store(self.db, built.capture, self.summary.source, tags=self.tags,
                                   rendered=False)
        _fill_text(self.db, result, built)
        return result

    def _wants_render(self, built: Assembled) -> bool:
        capture = built.capture
        if self.render.mode == "none" or capture.html is None or built.dom_kept:
            return False
        return self.render.mode == "all" or _runs_scripts(capture)

    async def _render_and_store(self, renderer: Any, built: Assembled,
                                on_result: Callable[[SaveResult | None], None] | None) -> None:
        capture = built.capture
        budget = [MAX_PAGE_BYTES - sum(len(r.body or b"") for r in capture.resources)]
        rendered = await renderer.render(
            capture, lambda url: self.assembler.lookup(url, built.ms, budget))
        if rendered.html is None:
            self.summary.render_failed.append(f"{capture.url}: {rendered.error}")
        else:
            capture.html, capture.frames = rendered.html, rendered.frames
            capture.resources.extend(rendered.found)
            self.summary.rendered += 1
            self.summary.found += len(rendered.found)
            self.summary.outside += len(rendered.outside)
        self._report(await self._in_writer(self._store, built), on_result)

    def _assemble(self, page: PageRef) -> Assembled | None:
        try:
            built = self.assembler.page(page)
        except WebArchiveError as exc:
            self.summary.bad_records.append(str(exc))
            return None
        if _missing_after_damage(built.capture, self.index):
            return None
        return built

    def _read_json(self, row: sqlite3.Row) -> Any:
        try:
            return parse_json(self.assembler.read(row).body)
        except WebArchiveError:
            return None


class _Missing:
    """A listed page without any record, beyond MAX_MISSING_PAGES: counted, not stored."""


_NOT_RECORDED = _Missing()


def _missing_after_damage(capture: Capture, index: RecordIndex) -> bool:
    """A page without a response in a file with damaged records: its record is one of them
    (most likely), so nothing is stored for it."""
    return (capture.status == "failed" and not capture.resources
            and index.bad_count() > 0)


def _runs_scripts(capture: Capture) -> bool:
    """Whether the page's document or one of its frames' documents runs scripts."""
    if capture.html and refs.runs_scripts(capture.html):
        return True
    final = capture.final_url or capture.url
    for resource in capture.resources:
        redirect = bool(resource.status and 300 <= resource.status < 400)
        if (resource.url != final and not redirect and resource.body
                and is_frame_document(resource)
                and refs.runs_scripts(resource.body.decode("utf-8", errors="replace"))):
            return True
    return False


def _fill_text(db: Database, result: SaveResult, built: Assembled) -> None:
    """When extraction found no text in the archived HTML (a page built by scripts), keep the
    crawler's own text of the rendered page, so that the page can be found by search."""
    if result.id is None or not built.crawl_text or built.capture.html is None:
        return
    warc_store.fill_missing_text(db, result.id, built.crawl_text[:MAX_PLAIN_TEXT])


def _index_values(file: int, info: RecordInfo) -> dict[str, Any]:
    values = dict(vars(info))
    values["file"] = file
    values["ms"] = dates.to_ms(info.date)
    if info.location and info.url:
        values["location"] = refs.absolute(info.url, info.location) or info.location
    return values


def import_web_archive(db: Database, path: Path, tags: Sequence[str] = (),
                       on_result: Callable[[SaveResult | None], None] | None = None,
                       render: RenderSettings | None = None) -> ImportSummary:
    """The whole import in one call (for the library and the tests)."""
    with WebArchiveImport(db, path, tags, render) as job:
        job.scan()
        job.run(on_result)
        return job.summary

