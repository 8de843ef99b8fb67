"""`archiver import FILE.wacz | FILE.warc[.gz]`: every page of a web archive as a capture.

Three steps, none holding the file in memory: a checked scan of every record into a scratch
index (damaged records are reported with their file and offset, and left out); the pages (from
the page lists, pageinfo records or top-level documents); for each page a `Capture` with its
resources, stored through the same pipeline as any capture (extraction, full-text search), in
one transaction per page. A page already imported (same URL, same capture time) is skipped, so
importing a file twice adds nothing the second time.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Sequence
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
from archiver.warc.assemble import NO_RESPONSE, Assembled, Assembler
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

    def __init__(self, db: Database, path: Path, tags: Sequence[str] = ()) -> None:
        self.db, self.path, self.tags = db, path, list(tags)
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
        assert self._pages is not None
        for item in self._pages():
            if isinstance(item, str):
                if len(self.summary.problems) < MAX_PROBLEMS:
                    self.summary.problems.append(item)
                else:
                    self.summary.more_problems += 1
                continue
            result = self._import_page(item)
            if result is _NOT_RECORDED:
                if on_result:
                    on_result(None)
                continue
            assert not isinstance(result, _Missing)
            self.summary.add(result)
            if on_result:
                on_result(result)

    def _import_page(self, page: PageRef) -> SaveResult | _Missing | None:
        if not page.ts and page.document is None:
            row = self.index.nearest(page.url, None)
            page.ts = row["date"] if row is not None else None
        when = dates.captured_at(page.ts)
        if when and warc_store.capture_at(self.db, page.url, when) is not None:
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
        if warc_store.capture_at(self.db, page.url, built.capture.captured_at) is not None:
            return None
        # a web archive holds the HTML as served, not as its scripts rendered it
        result = extract_and_store(self.db, built.capture, self.summary.source, tags=self.tags,
                               rendered=False)
        _fill_text(self.db, result, built)
        return result

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
                       on_result: Callable[[SaveResult | None], None] | None = None
                       ) -> ImportSummary:
    """The whole import in one call (for the library and the tests)."""
    with WebArchiveImport(db, path, tags) as job:
        job.scan()
        job.run(on_result)
        return job.summary

