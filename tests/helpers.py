"""Helpers several test modules share (test modules import from here or from conftest, never
from each other): requests to a real server, the API's token, pages the fixture server serves,
an `archiver` command in its own process, a guarded capture."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from conftest import FixtureServer, Reply

from archiver.capture import Browser, CaptureSettings
from archiver.cli import cli

# --- the companion API (tests/test_api.py and the others that call it)

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
ARTICLE = """<!DOCTYPE html><html><head><title>Posted page</title></head><body><article>
<h1>Posted page</h1><p>The extension posted this paragraph about <a href="/rel">relative
links</a>, which must be resolved against the page's own URL.</p>
<p>A second paragraph so that the extractor finds an article here, with enough words to
count as content rather than chrome.</p></article></body></html>"""
EXT_ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


def make_token(db_path: Path) -> str:
    out = subprocess.run([sys.executable, "-m", "archiver", "token", "--db", str(db_path)],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def request(srv: Any, method: str, path: str, body: bytes | dict[str, Any] | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any], dict[str, str]]:
    """A raw HTTP request (http.client, so Host and Origin can be anything)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    conn.request(method, path, body=data, headers=headers or {})
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = {"raw": raw.decode("utf-8", "replace")}
    return response.status, payload, {k.lower(): v for k, v in response.getheaders()}


def rows(db_path: Path, sql: str = "select count(*) from captures") -> Any:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def records(db_path: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    """The rows `sql` selects, each as a dict of its columns."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()



def page(**extra: Any) -> dict[str, Any]:
    return {"url": "https://example.org/news/posted", "title": "Posted page", "html": ARTICLE,
            "screenshot": "data:image/png;base64," + base64.b64encode(PNG).decode(), **extra}



# --- watched pages (tests/test_watch.py, test_watch_serve.py)

WATCH_FAST = ["--timeout", "10", "--request-timeout", "2", "--no-screenshot", "--no-resources",
              "--no-consent-handling"]
DAY1 = "2026-03-01T09:00:00Z"
WORDS = ("This policy explains how the service keeps your data, who may read it, and how long "
         "it is kept before it is deleted for good. ")


class Page:
    """A page on the fixture server whose content a test changes between runs."""

    def __init__(self, server: FixtureServer, path: str, main: str, aside: str = "",
                 status: int = 200) -> None:
        self.main, self.aside, self.status = main, aside, status
        self.url = server.add(path, lambda _handler: self.reply())

    def reply(self) -> Reply:
        if self.status != 200:
            return Reply(body=b"<h1>Not here</h1>", status=self.status)
        html = (f"<html><head><title>Policy</title></head><body><main><h1>Policy</h1>"
                f"<p>{self.main}</p><p>{WORDS * 3}</p></main>"
                f"<aside><p>{self.aside}</p></aside></body></html>")
        return Reply(body=html.encode())


def run(db_path: Path, *args: str, now: str = DAY1) -> Result:
    env = {"ARCHIVER_NOW": now, "ARCHIVER_DB": str(db_path)}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)



# --- pages saved by `archiver save` in its own process (tests/test_views.py and others)

SAVE_FAST = ["--timeout", "10", "--request-timeout", "2", "--page-deadline", "30"]


def page_html(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"</head><body><article><h1>{title}</h1>{body}</article></body></html>")


def save(db_path: Path, *urls: str) -> list[int]:
    """`archiver save` in its own process (Playwright's sync API owns this thread's loop)."""
    result = subprocess.run([sys.executable, "-m", "archiver", "save", *urls, "--db",
                             str(db_path), *SAVE_FAST], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [int(line.split("\t")[0]) for line in result.stdout.splitlines() if "\t" in line]



# --- a capture whose private-address guard is on (tests/test_ssrf.py and others)

PRETEND_PUBLIC = "93.184.216.34"


def guarded_capture(url: str, guarded: bool = True, settle_time: float = 0.2) -> Any:
    """One capture (no screenshot, no consent handling, short timeouts), with the SSRF guard
    on unless not `guarded`."""
    settings = CaptureSettings(block_private=guarded, screenshot=False, consent_handling=False,
                               nav_timeout=10, request_timeout=5, load_timeout=5,
                               page_deadline=30, settle_time=settle_time)

    async def run() -> Any:
        async with Browser(settings) as browser:
            return await browser.capture(url)

    return asyncio.run(run())


