"""The pipeline for a server: a `Runner` on its own event loop in a background thread.

Datasette's event loop must never wait for Chromium or SQLite writes, so the server hands its
work to a `Worker`: `submit(job)` queues a URL and returns at once with a `JobRecord` that
tracks it (queued, running, done or failed, with the capture's id and the failure's reason);
`store(capture, job)` stores a capture made elsewhere (the extension's DOM), awaitable from the
server's loop. Both go through the same Runner as `archiver save`: the same retries, per-host
limits, extraction and storage.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from archiver import store
from archiver.models import Capture, now_iso
from archiver.save import Job, Runner, SaveResult
from archiver.settings import CaptureSettings, RunSettings

T = TypeVar("T")


@dataclass
class JobRecord:
    """What became of a submitted job. Kept in memory until the server stops."""

    id: str
    url: str
    status: str = "queued"  # queued | running | done | failed
    capture_id: int | None = None
    error: str | None = None
    created_at: str = field(default_factory=now_iso)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "status": self.status,
                "capture_id": self.capture_id, "error": self.error,
                "created_at": self.created_at}


class Worker:
    """A Runner in a background thread. Started on first use; `close()` stops it."""

    def __init__(self, db_path: str | Path, settings: CaptureSettings,
                 run: RunSettings | None = None, source: str = "api") -> None:
        self.db_path = db_path
        self.settings = settings
        self.run_settings = run or RunSettings()
        self.source = source
        self._jobs: dict[str, JobRecord] = {}
        self._by_key: dict[str, str] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: Runner | None = None
        self._background: list[Future[Any]] = []

    def submit(self, job: Job) -> JobRecord:
        """Queue a job; a key seen before returns that job's record instead."""
        with self._lock:
            key = job.idempotency_key
            if key and key in self._by_key:
                return self._jobs[self._by_key[key]]
            record = JobRecord(uuid.uuid4().hex[:16], job.url)
            self._jobs[record.id] = record
            if key:
                self._by_key[key] = record.id
        self._call(self._run(job, record))
        return record

    def job(self, job_id: str) -> JobRecord | None:
        with self._lock:
            return self._jobs.get(job_id)

    async def extract_and_store(self, capture: Capture, job: Job) -> SaveResult:
        """Store a finished capture through the pipeline (from any event loop)."""
        return await asyncio.wrap_future(self._call(self._store(capture, job)))

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(db, *args)` in the pipeline's writer thread (from any event loop)."""
        return await asyncio.wrap_future(self._call(self._in_writer(fn, *args)))  # type: ignore[no-any-return]

    def start_background(self, work: Callable[[Runner], Coroutine[Any, Any, None]]) -> None:
        """Run `work(runner)` on the worker's loop until `close()` (the server's watches: due
        pages checked through the same Runner as the extension's jobs)."""
        self._background.append(self._call(self._with_runner(work)))

    def close(self) -> None:
        loop = self._loop
        if loop is None:
            return
        for future in self._background:
            future.cancel()
        asyncio.run_coroutine_threadsafe(self._close_runner(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        self._loop = None

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._ensure_loop())

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="archiver-worker",
                                 daemon=True).start()
            return self._loop

    def _get_runner(self) -> Runner:
        if self._runner is None:
            self._runner = Runner(store.open_db(self.db_path), self.settings, self.run_settings,
                                  source=self.source)
        return self._runner

    async def _run(self, job: Job, record: JobRecord) -> None:
        def started() -> None:
            record.status = "running"

        try:
            result = await self._get_runner().submit(job, on_start=started)
            record.capture_id, record.error = result.id, result.error
            record.status = "failed" if result.status == "failed" else "done"
        except Exception as exc:  # noqa: BLE001 - a job must end with a reason, always
            record.status, record.error = "failed", f"{type(exc).__name__}: {exc}"

    async def _in_writer(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._get_runner().in_writer(fn, *args)

    async def _with_runner(self, work: Callable[[Runner], Coroutine[Any, Any, None]]) -> None:
        await work(self._get_runner())

    async def _store(self, capture: Capture, job: Job) -> SaveResult:
        return await self._get_runner().extract_and_store(capture, job)

    async def _close_runner(self) -> None:
        if self._runner is not None:
            await self._runner.close()
            self._runner.db.close()
            self._runner = None
