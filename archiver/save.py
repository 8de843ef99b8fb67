"""The pipeline: capture -> extract -> store, for one URL or many."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from sqlite_utils import Database

from archiver import extract as extract_mod
from archiver import store, walls
from archiver.capture import Browser
from archiver.cookies import Cookies
from archiver.errors import ExtractionError
from archiver.models import Article, Capture
from archiver.settings import CaptureSettings, RunSettings
from archiver.urls import host_of, normalize

TEXT_TYPES = ("text/plain", "text/markdown", "text/csv", "application/json")
MAX_PLAIN_TEXT = 2_000_000  # characters of a text/JSON response kept for search
T = TypeVar("T")


@dataclass
class SaveResult:
    """What happened to one URL; `id` is None when nothing could be stored."""

    url: str
    id: int | None
    status: str
    title: str | None = None
    error: str | None = None
    created: bool = True  # False when an idempotency key found an earlier capture
    wall: str | None = None  # the wall's label ("login wall", "paywall" ...), if one was found

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "title": self.title, "status": self.status,
                "error": self.error, "wall": self.wall}


def article_for(capture: Capture) -> tuple[Article | None, str | None]:
    """Extract what the page said. Only HTML goes to the HTML extractor; plain text and JSON
    are kept as text; other types (PDF, images ...) have no text. Returns (article, error)."""
    if capture.status == "failed" and not capture.html:
        return None, None
    if capture.is_html and capture.html:
        try:
            return extract_mod.extract(capture.html, url=capture.final_url or capture.url), None
        except ExtractionError as exc:
            return None, str(exc)
        except Exception as exc:  # noqa: BLE001 - a bad page must never stop a batch
            return None, f"extraction failed unexpectedly: {type(exc).__name__}: {exc}"
    return _plain_text_article(capture), None


def _plain_text_article(capture: Capture) -> Article | None:
    mime = (capture.content_type or "").split(";")[0].strip().lower()
    if capture.body is None or mime not in TEXT_TYPES:
        return None
    text = _decode(capture.body, capture.content_type)[:MAX_PLAIN_TEXT]
    if mime == "application/json":
        text = _pretty_json(text)
    return Article(title=capture.title or None, text=text, word_count=len(text.split()))


def _decode(body: bytes, content_type: str | None) -> str:
    charset = "utf-8"
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"\' ')
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def extract_and_store(db: Database, capture: Capture, source: str = "cli", *,
                  tags: Sequence[str] = (), bookmarked_at: str | None = None,
                  extracted: tuple[Article | None, str | None] | None = None,
                  rendered: bool = True) -> SaveResult:
    """Extract (unless `extracted` is what `article_for` gave already), look for a wall
    (`archiver.walls`: a blocked capture, or a paywall's teaser kept as partial) and store one
    finished capture. `rendered`: its HTML is the DOM after scripts ran (not for imports)."""
    article, extraction_error = extracted or article_for(capture)
    if capture.wall is None:
        walls.apply(capture, walls.detect(capture, article, rendered=rendered))
    if not capture.is_html and not capture.title and capture.status != "failed":
        capture.title = _file_name(capture.final_url or capture.url)
    capture_id = store.save_capture(db, capture, article, source, extraction_error,
                                    tags=tags, bookmarked_at=bookmarked_at)
    title = (article.title if article and article.title else None) or capture.title or None
    wall = capture.wall["label"] if capture.wall else None
    return SaveResult(capture.url, capture_id, capture.status, title, capture.error, wall=wall)


def _file_name(url: str) -> str | None:
    """A title for a PDF, image or text file: the last part of its URL's path."""
    name = unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])
    return name or None


@dataclass
class Job:
    """One URL to archive, with what an import knew about it."""

    url: str
    tags: Sequence[str] = ()
    bookmarked_at: str | None = None
    title: str | None = None  # the bookmark's title, used if the capture gets none
    recapture: bool = False  # capture even if the URL is already archived
    idempotency_key: str | None = None  # a retried request with the same key lands once
    source: str | None = None  # cli, import, extension, api ... (default: the Runner's)
    cookies: Cookies | None = None  # captured with these (default: the settings')


def retryable(capture: Capture) -> bool:
    """Worth trying again: network trouble and server errors, not 4xx or bad URLs."""
    if capture.status != "failed":
        return False
    return capture.http_status is None or capture.http_status >= 500 or capture.http_status == 429


MAX_RETRY_AFTER = 300.0
WAITING_FACTOR = 2
"""Pages open at once, for each page working: a page waiting for its consent prompt to settle
(about a second, no CPU) lets another work meanwhile."""


def retry_after(capture: Capture) -> float | None:
    """Seconds a 429/503 answer asked us to wait (`Retry-After`, seconds or HTTP date)."""
    value = (capture.headers or {}).get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min((when - datetime.now(UTC)).total_seconds(), MAX_RETRY_AFTER))


class Runner:
    """The one pipeline: capture (with retries and the concurrency and per-host limits), then
    extract and store in one writer thread (one SQLite connection, writes in order), so the
    browser never waits for SQLite. The CLI, imports and the server all go through it.

    Use as ``async with Runner(...) as runner:`` and ``await runner.submit(job)``; Chromium is
    started on the first job that needs it."""

    def __init__(self, db: Database, settings: CaptureSettings,
                 run: RunSettings | None = None, source: str = "cli") -> None:
        self.db = db
        self.settings = settings
        self.run_settings = run or RunSettings()
        self.source = source
        concurrency = max(1, self.run_settings.concurrency)
        self._slots = asyncio.Semaphore(concurrency)  # pages working (loading, rendering)
        self._open = asyncio.Semaphore(concurrency * WAITING_FACTOR)  # pages open at all
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archiver-writer")
        self._browser: Browser | None = None
        self._browser_lock = asyncio.Lock()

    async def __aenter__(self) -> Runner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
        await asyncio.get_running_loop().run_in_executor(None, self._writer.shutdown)

    async def submit(self, job: Job, on_start: Callable[[], None] | None = None) -> SaveResult:
        """Capture and store one job; never raises for a bad page (see SaveResult.status)."""
        return await self.extract_and_store(await self.capture(job, on_start), job)

    async def capture(self, job: Job, on_start: Callable[[], None] | None = None) -> Capture:
        """Capture one job (within the concurrency and per-host limits, with retries) without
        storing it: for callers that decide what to keep (watches)."""
        per_host = max(1, self.run_settings.per_host)
        host = self._hosts.setdefault(host_of(job.url), asyncio.Semaphore(per_host))
        async with host, self._open, self._slots:
            if on_start is not None:
                on_start()
            return await self._capture(job)

    async def in_writer(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(self.db, *args)` in the writer thread, in order with the stores."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, fn, self.db, *args)

    @asynccontextmanager
    async def _waiting(self) -> AsyncIterator[None]:
        """A page that only waits (its consent prompt settling) gives its slot to another."""
        self._slots.release()
        try:
            yield
        finally:
            await self._slots.acquire()

    async def extract_and_store(self, capture: Capture, job: Job) -> SaveResult:
        """Extract and store a capture made elsewhere (or by `submit`), in the writer thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, self._store, capture, job)

    async def run(self, jobs: Iterable[Job], on_result: Callable[[SaveResult], None]) -> None:
        """Submit every job; `on_result` is called for each as it finishes."""

        async def one(job: Job) -> None:
            on_result(await self.submit(job))

        await asyncio.gather(*(one(job) for job in jobs))

    async def _browser_for_job(self) -> Browser:
        async with self._browser_lock:
            if self._browser is None:
                browser = Browser(self.settings)
                await browser.start()
                self._browser = browser
            return self._browser

    async def _capture(self, job: Job) -> Capture:
        browser = await self._browser_for_job()
        capture = await browser.capture(job.url, idle=self._waiting, cookies=job.cookies)
        for attempt in range(max(0, self.run_settings.retries)):
            if not retryable(capture):
                break
            delay = retry_after(capture) or self.run_settings.retry_delay * 2**attempt
            await asyncio.sleep(delay)
            capture = await browser.capture(job.url, idle=self._waiting, cookies=job.cookies)
        return capture

    def _store(self, capture: Capture, job: Job) -> SaveResult:
        if capture.status == "failed" and not capture.title:
            capture.title = job.title
        source = job.source or self.source
        key = job.idempotency_key
        existing = store.capture_id_for_key(self.db, key) if key else None
        if existing is not None:
            return SaveResult(capture.url, existing, capture.status, capture.title,
                              capture.error, created=False)
        result = extract_and_store(self.db, capture, source, tags=job.tags,
                               bookmarked_at=job.bookmarked_at)
        if key and result.id is not None:
            holder = store.claim_idempotency_key(self.db, result.id, key)
            result.created, result.id = holder == result.id, holder
        return result


def without_archived(db: Database, jobs: Sequence[Job], recapture: bool) -> tuple[list[Job], int]:
    """The skip policy of lists, files and imports: each URL once (by normalized URL), and
    (unless `recapture`, or the job itself says so) not URLs already archived. Returns the jobs
    to run and how many were skipped."""
    unique: dict[str, Job] = {}
    for job in jobs:
        unique.setdefault(normalize(job.url), job)
    archived = set() if recapture else store.archived_urls(db, unique)
    kept = [job for key, job in unique.items() if job.recapture or key not in archived]
    return kept, len(jobs) - len(kept)


async def run_jobs(db: Database, settings: CaptureSettings, run: RunSettings,
                   jobs: Iterable[Job], on_result: Callable[[SaveResult], None],
                   source: str = "cli") -> None:
    """Run a batch of jobs through one Runner, then close it."""
    async with Runner(db, settings, run, source) as runner:
        await runner.run(jobs, on_result)
