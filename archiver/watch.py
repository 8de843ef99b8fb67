"""Watching pages: check them again on a schedule and say what changed.

A check goes through the one pipeline (`save.Runner`: concurrency, per-host limits, retries,
the same capture and extraction as `archiver save`). What is kept depends on the outcome:

- first: the first capture of a watch, kept (the baseline);
- changed: the watched text (the article, or the text of the watch's CSS selector) differs
  from the last kept capture's beyond the threshold: the capture is kept, with a short diff;
- unchanged: only a small `checks` row (no capture: blobs would be deduplicated anyway);
- failed: DNS, 5xx, timeout, a selector that matches nothing, a wall (`archiver.walls`: a
  bot challenge, a login form, a paywall's teaser ...) ... never a change; tried again with
  backoff (sooner than the interval at first);
- gone: 404/410 after the page was seen, reported once (while it stays gone, checks are
  "unchanged"); a page that comes back is a change.

Time comes from a `clock` argument (the CLI reads ARCHIVER_NOW for tests), never from the
environment here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from archiver import cookies, store, walls
from archiver.compare import check_selector, compare, selector_text, short_diff
from archiver.durations import describe, iso, parse_duration
from archiver.errors import ArchiverError, BadWatch
from archiver.models import Article, Capture
from archiver.save import Job, Runner, article_for, extract_and_store
from archiver.urls import InvalidURL, check_archivable

log = logging.getLogger(__name__)

MIN_INTERVAL = 300  # seconds: checking a page more often than every 5 minutes is refused
RETRY_BASE = 60  # seconds after the first failure; doubles with each failure, up to the interval
GONE_STATUSES = (404, 410)
CLAIM_SECONDS = 3600  # a claim a crashed process left behind expires after this
CLAIM_RENEW = 600  # a long run renews its claims this often
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class WatchRequest:
    """What `archiver watch add` (or the extension) asks for, checked by `validate`."""

    url: str
    every: str | int = "1d"
    selector: str | None = None
    tag: str | None = None
    ignore_numbers: bool = False
    ignore_dates: bool = False
    threshold: int = 1
    webhook: str | None = None
    source: str = "cli"
    cookies_file: str | None = None  # a cookies.txt its checks capture with (the path is kept)


def validate(request: WatchRequest) -> dict[str, Any]:
    """The watch's fields, or BadWatch saying what is wrong."""
    try:
        url = check_archivable(request.url)
        webhook = check_archivable(request.webhook) if request.webhook else None
    except InvalidURL as exc:
        raise BadWatch(str(exc)) from exc
    interval = request.every if isinstance(request.every, int) else parse_duration(request.every)
    if interval < MIN_INTERVAL:
        raise BadWatch(f"Checking every {describe(interval)} is too often: the shortest "
                       f"interval is {describe(MIN_INTERVAL)} (e.g. --every 1h)")
    selector = (request.selector or "").strip() or None
    if selector:
        try:
            check_selector(selector)
        except ArchiverError as exc:
            raise BadWatch(str(exc)) from exc
    if request.threshold < 1:
        raise BadWatch("The threshold is a number of words, at least 1")
    tag = " ".join((request.tag or "").split()) or None
    cookies_file = None
    if request.cookies_file:
        try:
            cookies_file = cookies.load(request.cookies_file).path  # read now to check it
        except cookies.BadCookies as exc:
            raise BadWatch(str(exc)) from exc
    return {"url": url, "interval": interval, "selector": selector, "tag": tag,
            "ignore_numbers": request.ignore_numbers, "ignore_dates": request.ignore_dates,
            "threshold": request.threshold, "webhook": webhook, "source": request.source,
            "cookies_file": cookies_file}


def add(db: Database, request: WatchRequest, now: datetime) -> int:
    """Watch a page (due at once). Returns the watch's id."""
    return store.add_watch(db, validate(request), iso(now))


@dataclass
class CheckResult:
    """What one check found."""

    watch_id: int
    url: str
    outcome: str  # first | changed | unchanged | failed | gone
    check_id: int | None = None
    capture_id: int | None = None
    previous_capture_id: int | None = None
    words_added: int = 0
    words_removed: int = 0
    diff: list[list[str]] = field(default_factory=list)
    error: str | None = None
    checked_at: str = ""
    tag: str | None = None

    @property
    def is_change(self) -> bool:
        return self.outcome in store.CHANGE_OUTCOMES

    def as_json(self) -> dict[str, Any]:
        return {"watch_id": self.watch_id, "url": self.url, "outcome": self.outcome,
                "check_id": self.check_id, "capture_id": self.capture_id,
                "previous_capture_id": self.previous_capture_id,
                "words_added": self.words_added, "words_removed": self.words_removed,
                "error": self.error, "checked_at": self.checked_at, "diff": self.diff}


@dataclass
class RunSummary:
    """Counts of a `watch run`, by outcome, and the failures' reasons."""

    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, result: CheckResult) -> None:
        self.outcomes[result.outcome] += 1
        if result.outcome == "failed":
            self.errors[(result.error or "unknown").split(" (")[0][:80]] += 1

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    def line(self) -> str:
        order = ("changed", "gone", "unchanged", "first", "failed")
        parts = [f"{self.outcomes[name]} {name}" for name in order]
        return f"Checked {self.total} watch(es): " + ", ".join(parts) + "."


def owner_name() -> str:
    """Who holds a claim: this process (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


Notify = Callable[[CheckResult, dict[str, Any]], Any]


async def run_due(runner: Runner, clock: Clock = system_clock, *, everything: bool = False,
                  on_result: Callable[[CheckResult], None] | None = None,
                  notify: Notify | None = None) -> RunSummary:
    """Check every due watch (every watch with `everything`) once, through `runner`.

    The watches are claimed first, so another process running this at the same time checks
    others. `notify(result, watch)` is awaited for each change (webhooks)."""
    owner = owner_name()
    now = clock()
    until = iso(now + timedelta(seconds=CLAIM_SECONDS))
    claimed = await runner.in_writer(store.claim_due, iso(now), owner, until, everything)
    summary = RunSummary()

    async def one(watch: dict[str, Any]) -> None:
        result = await check(runner, watch, owner, clock)
        summary.add(result)
        if on_result is not None:
            on_result(result)
        if notify is not None and result.is_change:
            await notify(result, watch)

    renewing = asyncio.create_task(_renew_claims(runner, owner, clock))
    try:
        await asyncio.gather(*(one(watch) for watch in claimed))
    finally:
        renewing.cancel()
    return summary


async def _renew_claims(runner: Runner, owner: str, clock: Clock) -> None:
    """While a run lasts (1,000 slow pages can take hours), its claims must not expire."""
    while True:
        await asyncio.sleep(CLAIM_RENEW)
        until = iso(clock() + timedelta(seconds=CLAIM_SECONDS))
        await runner.in_writer(store.extend_claims, owner, until)


async def check(runner: Runner, watch: dict[str, Any], owner: str,
                clock: Clock = system_clock) -> CheckResult:
    """Capture one watched page and record what it showed. Never raises for a bad page."""
    try:
        jar = cookies.load(watch["cookies_file"]) if watch.get("cookies_file") else None
        capture = await runner.capture(Job(watch["url"], source="watch", cookies=jar))
    except cookies.BadCookies as exc:  # moved or broken since `watch add`
        capture = Capture(url=watch["url"], status="failed", error=str(exc))
    except Exception as exc:  # noqa: BLE001 - a watch must end with a reason, always
        capture = Capture(url=watch["url"], status="failed",
                          error=f"{type(exc).__name__}: {exc}")
    try:
        return await runner.in_writer(record, watch, capture, owner, clock())
    except Exception:
        await runner.in_writer(store.release, watch["id"], owner)
        raise


def record(db: Database, watch: dict[str, Any], capture: Capture, owner: str,
           now: datetime) -> CheckResult:
    """Decide what a capture means for its watch, keep what is worth keeping, reschedule."""
    result = CheckResult(watch["id"], watch["url"], "unchanged", checked_at=iso(now),
                         previous_capture_id=watch["last_capture_id"], tag=watch["tag"])
    update: dict[str, Any] = {"last_checked": result.checked_at,
                              "next_due": iso(now + timedelta(seconds=watch["interval"])),
                              "failures": 0, "error": None}
    extracted = article_for(capture)
    walls.apply(capture, walls.detect(capture, extracted[0]))
    if capture.status == "failed" or capture.wall:
        _failed(watch, capture, result, update, now)  # a wall is never a change
    else:
        _seen(db, watch, capture, result, update, extracted)
    if result.is_change or result.outcome == "first":
        update["last_changed"] = result.checked_at
    check_row = {"checked_at": result.checked_at, "outcome": result.outcome,
                 "capture_id": result.capture_id,
                 "previous_capture_id": result.previous_capture_id,
                 "words_added": result.words_added or None,
                 "words_removed": result.words_removed or None,
                 "diff": result.diff or None, "error": result.error}
    result.check_id = store.record_check(db, watch["id"], owner, check_row, update)
    return result


def _failed(watch: dict[str, Any], capture: Capture, result: CheckResult,
            update: dict[str, Any], now: datetime) -> None:
    seen = watch["last_capture_id"] is not None or watch["last_text"] is not None
    if capture.http_status in GONE_STATUSES and seen and not capture.wall:
        result.error = capture.error
        if watch["status"] != "gone":
            result.outcome = "gone"
        update.update(status="gone", error=capture.error)
        return
    failures = watch["failures"] + 1
    delay = min(watch["interval"], RETRY_BASE * 2 ** (failures - 1))
    result.outcome, result.error = "failed", capture.error or "the capture failed"
    update.update(status="failing", error=result.error, failures=failures,
                  next_due=iso(now + timedelta(seconds=delay)))


def _seen(db: Database, watch: dict[str, Any], capture: Capture, result: CheckResult,
          update: dict[str, Any], extracted: tuple[Article | None, str | None]) -> None:
    article = extracted[0]
    if watch["selector"]:
        text = selector_text(capture.html or "", watch["selector"])
        if text is None:
            result.outcome = "failed"
            result.error = f"the selector {watch['selector']!r} matches nothing on the page"
            update.update(status="no match", error=result.error)
            return
    else:
        text = article.text if article and article.text else _fingerprint(capture)
    if watch["last_text"] is None:
        result.outcome = "first"
    else:
        verdict = compare(watch["last_text"], text, ignore_numbers=bool(watch["ignore_numbers"]),
                          ignore_dates=bool(watch["ignore_dates"]),
                          threshold=watch["threshold"])
        if not verdict.changed and watch["status"] != "gone":
            update["status"] = "ok"
            return
        result.outcome = "changed"
        result.words_added, result.words_removed = verdict.diff.added, verdict.diff.removed
        result.diff = short_diff(verdict.diff)
    tags = [watch["tag"]] if watch["tag"] else []
    saved = extract_and_store(db, capture, "watch", tags=tags, extracted=extracted)
    result.capture_id = saved.id
    update.update(status="ok", last_capture_id=saved.id, last_text=text)


def _fingerprint(capture: Capture) -> str:
    """For a page without text (an image, a PDF without a text layer): its content's hash, so
    that a new file is still a change."""
    content = capture.body if capture.body is not None else (capture.html or "").encode()
    return f"(no text; content sha256 {store.sha256(content)[:16]})" if content else ""


WALL_STARTS = tuple(f"blocked: {label} (" for label in walls.LABELS.values()) + ("paywall (",)
PRIVATE_WORDS = ("loopback", "private", "link-local", "CGNAT", "site-local")


def fix_for(error: str | None) -> str | None:
    """What to do about a failing watch, when there is something to do: a page on this
    machine or the local network is blocked unless private targets are allowed; a wall
    wants the user's cookies."""
    if error and any(error.startswith(w) for w in WALL_STARTS):
        return ("the site put a wall in the page's place: export your cookies.txt and "
                "`archiver watch remove ID`, then `archiver watch add URL --cookies FILE`")
    if error and error.startswith("blocked") and any(w in error for w in PRIVATE_WORDS):
        return ("pages on this machine or your network are not fetched unless you allow it: "
                "`archiver serve --allow-private-targets` (or `archiver watch run "
                "--allow-private-targets`)")
    return None


def due_in(watch: dict[str, Any], now: datetime) -> str:
    """"in 3h", "now" or "overdue 5m" for `watch list`."""
    due = datetime.fromisoformat(watch["next_due"].replace("Z", "+00:00"))
    seconds = int((due - now).total_seconds())
    if abs(seconds) < 60:
        return "now"
    minutes = abs(seconds) // 60 * 60
    return f"in {describe(minutes)}" if seconds > 0 else f"overdue {describe(minutes)}"


async def keep_checking(runner: Runner, clock: Clock, poll: float,
                        notify: Notify | None = None) -> None:
    """For `archiver serve`: check due watches now and every `poll` seconds, forever."""
    while True:
        try:
            summary = await run_due(runner, clock, notify=notify)
            if summary.total:
                log.info("archiver watches: %s", summary.line())
        except Exception:  # noqa: BLE001 - the next round may work (disk full, locked ...)
            log.exception("archiver: checking watches failed")
        await asyncio.sleep(poll)
