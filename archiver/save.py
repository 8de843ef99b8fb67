"""The pipeline: capture -> extract -> store, for one URL or many."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlite_utils import Database

from archiver import extract as extract_mod
from archiver import store
from archiver.capture import Browser, CaptureSettings
from archiver.errors import ExtractionError
from archiver.models import Article, Capture
from archiver.urls import host_of

TEXT_TYPES = ("text/plain", "text/markdown", "text/csv", "application/json")
MAX_PLAIN_TEXT = 2_000_000  # characters of a text/JSON response kept for search


@dataclass
class SaveResult:
    """What happened to one URL; `id` is None when nothing could be stored."""

    url: str
    id: int | None
    status: str
    title: str | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "title": self.title, "status": self.status,
                "error": self.error}


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


def store_capture(db: Database, capture: Capture, source: str = "cli", *,
                  tags: Sequence[str] = (), bookmarked_at: str | None = None) -> SaveResult:
    """Extract and store one finished capture."""
    article, extraction_error = article_for(capture)
    if not capture.is_html and not capture.title and capture.status != "failed":
        capture.title = _file_name(capture.final_url or capture.url)
    capture_id = store.save_capture(db, capture, article, source, extraction_error,
                                    tags=tags, bookmarked_at=bookmarked_at)
    title = (article.title if article and article.title else None) or capture.title or None
    return SaveResult(capture.url, capture_id, capture.status, title, capture.error)


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


def retryable(capture: Capture) -> bool:
    """Worth trying again: network trouble and server errors, not 4xx or bad URLs."""
    if capture.status != "failed":
        return False
    return capture.http_status is None or capture.http_status >= 500 or capture.http_status == 429


MAX_RETRY_AFTER = 300.0


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
    """Captures jobs with one browser, `concurrency` pages at a time; extraction and storage
    run in one writer thread (one SQLite connection, writes in order) so they never stall the
    browser. `on_result` is called for each job as it finishes."""

    def __init__(self, db: Database, settings: CaptureSettings, concurrency: int = 2,
                 retries: int = 0, source: str = "cli", retry_delay: float = 2.0,
                 per_host: int = 2) -> None:
        self.db = db
        self.settings = settings
        self.concurrency = max(1, concurrency)
        self.retries = max(0, retries)
        self.source = source
        self.retry_delay = retry_delay
        self.per_host = max(1, per_host)

    async def run(self, jobs: Iterable[Job], on_result: Callable[[SaveResult], None]) -> None:
        semaphore = asyncio.Semaphore(self.concurrency)
        hosts: dict[str, asyncio.Semaphore] = {}
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archiver-writer")
        loop = asyncio.get_running_loop()
        try:
            async with Browser(self.settings) as browser:

                async def one(job: Job) -> None:
                    host = hosts.setdefault(host_of(job.url), asyncio.Semaphore(self.per_host))
                    async with host, semaphore:
                        capture = await self._capture(browser, job)
                    result = await loop.run_in_executor(writer, self._store, capture, job)
                    on_result(result)

                await asyncio.gather(*(one(job) for job in jobs))
        finally:
            writer.shutdown(wait=True)

    async def _capture(self, browser: Browser, job: Job) -> Capture:
        capture = await browser.capture(job.url)
        for attempt in range(self.retries):
            if not retryable(capture):
                break
            await asyncio.sleep(retry_after(capture) or self.retry_delay * 2**attempt)
            capture = await browser.capture(job.url)
        return capture

    def _store(self, capture: Capture, job: Job) -> SaveResult:
        if capture.status == "failed" and not capture.title:
            capture.title = job.title
        return store_capture(self.db, capture, self.source, tags=job.tags,
                             bookmarked_at=job.bookmarked_at)


async def save_urls(
    db: Database, urls: Iterable[str], settings: CaptureSettings, concurrency: int = 2,
    source: str = "cli",
) -> AsyncIterator[SaveResult]:
    """Capture, extract and store each URL, yielding results in the order they finish."""
    queue: asyncio.Queue[SaveResult | None] = asyncio.Queue()
    runner = Runner(db, settings, concurrency, source=source)

    async def work() -> None:
        try:
            await runner.run([Job(url) for url in urls], queue.put_nowait)
        finally:
            queue.put_nowait(None)

    task = asyncio.create_task(work())
    while (result := await queue.get()) is not None:
        yield result
    await task
