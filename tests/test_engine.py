"""The capture engine under load: browser restarts, crashes, per-host limits, Retry-After."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import FixtureServer, Reply, wait_until

from archiver import store
from archiver.capture import Browser, CaptureSettings
from archiver.save import Job, SaveResult, run_jobs
from archiver.settings import RunSettings

SETTINGS = dict(screenshot=False, consent_handling=False, nav_timeout=10, request_timeout=2)


def chromium_descendants() -> list[tuple[int, str]]:
    """(pid, cmdline) of Chromium processes started (indirectly) by this test process."""
    parents: dict[int, int] = {}
    cmdlines: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdlines[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().replace(
                b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    me = os.getpid()

    def descends(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == me:
                return True
        return False

    return [(pid, cmd) for pid, cmd in cmdlines.items()
            if "chrom" in cmd and descends(pid)]


def test_a_fresh_chromium_after_every_n_captures(server: FixtureServer) -> None:
    url = server.add_page("/engine/plain", "<title>Plain</title><p>plain</p>")

    async def go() -> tuple[list[str], int]:
        async with Browser(CaptureSettings(restart_every=2, **SETTINGS)) as browser:
            results = [await browser.capture(url) for _ in range(5)]
            return [r.status for r in results], browser.launches

    statuses, launches = asyncio.run(go())
    assert statuses == ["ok"] * 5
    assert launches == 3
    wait_until(lambda: chromium_descendants() == [], 10, "Chromium's processes to end")


def test_capture_goes_on_after_chromium_is_killed(server: FixtureServer) -> None:
    url = server.add_page("/engine/crash", "<title>Crash</title><p>still here</p>")

    async def go() -> tuple[str, str, int]:
        async with Browser(CaptureSettings(**SETTINGS)) as browser:
            first = await browser.capture(url)
            main = [pid for pid, cmd in chromium_descendants() if "--type=" not in cmd]
            assert main, "no Chromium process found"
            for pid in main:
                os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.5)
            second = await browser.capture(url)
            return first.status, second.status, browser.launches

    first, second, launches = asyncio.run(go())
    assert (first, second, launches) == ("ok", "ok", 2)


def test_at_most_k_pages_of_one_host_at_a_time(server: FixtureServer, db: Any) -> None:
    in_flight = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(_handler: Any) -> Reply:
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        time.sleep(0.4)
        with lock:
            in_flight["now"] -= 1
        return Reply(body=b"<title>Slow</title><p>slow</p>")

    urls = [server.add(f"/engine/slow/{n}", slow) for n in range(4)]
    results: list[SaveResult] = []
    run = RunSettings(concurrency=4, per_host=1)
    asyncio.run(run_jobs(db, CaptureSettings(**SETTINGS), run, [Job(u) for u in urls],
                         results.append))
    assert [r.status for r in results] == ["ok"] * 4
    assert in_flight["max"] == 1


def test_retry_after_is_honoured(server: FixtureServer, db: Any) -> None:
    answers = iter([Reply(status=429, headers={"Retry-After": "1"}, body=b"slow down"),
                    Reply(body=b"<title>Now</title><p>welcome back</p>")])
    asked_at: list[float] = []

    def answer(_handler: Any) -> Reply:
        asked_at.append(time.monotonic())
        return next(answers)

    url = server.add("/engine/busy", answer)
    results: list[SaveResult] = []
    run = RunSettings(retries=1, retry_delay=30)
    asyncio.run(run_jobs(db, CaptureSettings(**SETTINGS), run, [Job(url)], results.append))
    assert [r.status for r in results] == ["ok"]
    # the server saw the retry after what Retry-After said, not after the 30 s default delay
    assert len(asked_at) == 2 and 1 <= asked_at[1] - asked_at[0] < run.retry_delay
    assert store.get_capture(db, results[0].id or 0)["http_status"] == 200


def _kill_renderers() -> int:
    renderers = [pid for pid, cmd in chromium_descendants() if "--type=renderer" in cmd]
    for pid in renderers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(renderers)


@pytest.mark.parametrize("script", ["", "async"])  # the crash comes in goto / in the load wait
def test_a_page_that_crashes_its_renderer_is_recorded_as_failed(
        server: FixtureServer, db: Any, script: str) -> None:
    """The renderer of a page dies while the page loads (as with an out-of-memory page): that
    capture fails with a reason that says so, and the next page in the run is saved."""
    loading = threading.Event()

    def slow_script(_handler: Any) -> Reply:
        loading.set()  # the page's renderer is running it: crash it now
        time.sleep(1.5)
        return Reply(body=b"document.title = 'survived';", content_type="text/javascript")

    server.add("/engine/renderer/slow.js", slow_script)
    doomed = server.add_page("/engine/renderer/doomed", "<title>Doomed</title><p>about to crash</p>"
                             f"<script {script} src='/engine/renderer/slow.js'></script><p>end</p>")
    fine = server.add_page("/engine/renderer/fine", "<title>Fine</title><p>fine afterwards</p>")
    killed: list[int] = []
    killer = threading.Thread(target=lambda: loading.wait(30) and killed.append(_kill_renderers()))
    killer.start()
    results: list[SaveResult] = []
    run = RunSettings(concurrency=1)
    asyncio.run(run_jobs(db, CaptureSettings(**SETTINGS), run, [Job(doomed), Job(fine)],
                         results.append))
    killer.join()
    assert killed and killed[0] >= 1
    by_url = {r.url: r for r in results}
    assert by_url[doomed].status == "failed"
    assert "renderer" in (by_url[doomed].error or "")
    assert by_url[fine].status == "ok"
    rows = {row["url"]: row for row in db.query("select url, status, error from captures")}
    assert rows[doomed]["status"] == "failed" and "crashed" in rows[doomed]["error"]
    assert rows[fine]["status"] == "ok"


def _running_browser_features() -> set[str]:
    """The features the running Chromium disables: its last --disable-features (the one
    Chromium uses)."""
    [cmd] = [cmd for _pid, cmd in chromium_descendants() if "--remote-debugging-pipe" in cmd
             and "--type=" not in cmd]
    switches = [arg for arg in cmd.split() if arg.startswith("--disable-features=")]
    return set(switches[-1].split("=", 1)[1].split(",")) if switches else set()


@pytest.mark.parametrize("guarded", [False, True])  # block_private adds switches of its own
def test_launch_keeps_playwrights_disabled_features_without_omnibox_ui(
        server: FixtureServer, guarded: bool) -> None:
    """Our --disable-features replaces Playwright's (Chromium keeps the last one), so it must
    repeat all of Playwright's; and a capture's window must not start the omnibox WebUI."""
    from playwright.async_api import async_playwright

    from archiver.capture import chromium_for, launch_args

    async def features(args: list[str]) -> tuple[set[str], list[str]]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_for(pw), args=args)
            try:
                context = await browser.new_context()
                page = await context.new_page()
                await page.goto(server.add_page("/engine/features", "<p>features</p>"))
                await asyncio.sleep(0.5)
                session = await browser.new_browser_cdp_session()
                targets = await session.send("Target.getTargets", {"filter": [{}]})
                urls = [t["url"] for t in targets["targetInfos"]]
                return _running_browser_features(), urls
            finally:
                await browser.close()

    playwrights, _ = asyncio.run(features([]))
    ours, targets = asyncio.run(features(launch_args(CaptureSettings(block_private=guarded))))
    assert playwrights, "Playwright passes no --disable-features any more: drop ours"
    assert playwrights <= ours, f"add {sorted(playwrights - ours)} to PLAYWRIGHT_DISABLED_FEATURES"
    assert not [url for url in targets if "top-chrome" in url]
