"""Direct tests of modules the end-to-end tests only reach through others: the replay
rewriter (pure: HTML in, HTML out), the API's tokens, the server's worker."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import lxml.html

from archiver import store, tokens
from archiver.models import Capture, now_iso
from archiver.replay.rewrite import Rewriter, absolute, rewrite_css
from archiver.save import Job
from archiver.settings import CaptureSettings, RunSettings
from archiver.worker import Worker

BASE = "https://news.example/2026/story.html"


def archived(url: str, kind: str) -> str:
    return f"/r/{kind}?u={url}"


def rewrite(html: str) -> lxml.html.HtmlElement:
    out = Rewriter(base=BASE, resolve=archived, frame_source=lambda n: f"/frame/{n}").html(html)
    return lxml.html.document_fromstring(out)


def test_every_url_is_sent_into_the_archive() -> None:
    doc = rewrite('<html><head><link rel="stylesheet" href="/s.css"><link rel="preload" '
                  'href="/big.js"></head><body><img src="a.png" srcset="b.png 2x, c.png 3x">'
                  '<div style="background: url(\'/bg.jpg\')"></div>'
                  '<iframe data-archiver-frame="0" src="https://ads.example/"></iframe>'
                  '<a href="/next.html" ping="https://track.example/">next</a></body></html>')
    assert doc.xpath("//link[@rel='stylesheet']/@href") == [
        "/r/stylesheet?u=https://news.example/s.css"]
    assert doc.xpath("//link[@rel='preload']") == []
    img = doc.xpath("//img")[0]
    assert img.get("src") == "/r/image?u=https://news.example/2026/a.png"
    assert "https://news.example/2026/b.png" in img.get("srcset")
    assert "url(" in doc.xpath("//div/@style")[0] and "/r/image?u=" in doc.xpath("//div/@style")[0]
    assert doc.xpath("//iframe/@src") == ["/frame/0"]
    assert doc.xpath("//a/@ping") == []


def test_what_would_run_or_leave_is_removed() -> None:
    doc = rewrite('<html><head><base href="https://evil.example/"><meta http-equiv="Refresh "'
                  ' content="0;url=https://evil.example/"><script>alert(1)</script></head>'
                  '<body onload="x()"><noscript><img src="https://t.example/p"></noscript>'
                  '<a href="javascript:alert(1)">j</a><form><button formaction='
                  '"https://evil.example/">b</button></form></body></html>')
    text = lxml.html.tostring(doc, encoding="unicode")
    for gone in ("<script", "<base", "<noscript", "onload", "evil.example", "t.example",
                 "javascript:"):
        assert gone not in text, gone


def test_css_urls_and_imports_resolve_against_the_stylesheet() -> None:
    css = ('@import "print.css"; .a { background: url(img/x.png) } '
           '.b { background-image: image-set("y.png" 1x, "y2.png" 2x) }')
    out = rewrite_css(css, "https://cdn.example/css/site.css", archived)
    assert "https://cdn.example/css/print.css" in out
    assert "https://cdn.example/css/img/x.png" in out
    assert "https://cdn.example/css/y2.png" in out
    assert absolute(BASE, "//other.example/p") == "https://other.example/p"
    assert absolute(BASE, "#top") is None and absolute(BASE, "  ") is None


def test_a_token_is_kept_only_as_its_hash(db: Any, db_path: Path) -> None:
    assert not tokens.has_token(db)
    first = tokens.new_token(db)
    assert first.startswith(tokens.PREFIX) and tokens.is_valid(db, first)
    assert first.encode() not in db_path.read_bytes()  # only the hash is stored
    assert [tokens.token_hash(first)] == store.api_token_hashes(db, tokens.SCOPE)
    second = tokens.new_token(db)  # rotating replaces it
    assert tokens.is_valid(db, second) and not tokens.is_valid(db, first)
    assert not tokens.is_valid(db, second[:-1] + ("A" if second[-1] != "A" else "B"))


def test_the_worker_stores_from_another_loop_and_reports_a_job(db_path: Path) -> None:
    """`store` from the caller's event loop, `submit` returning at once with a record that
    ends with a reason (here: a URL that cannot resolve, in the worker's own Chromium)."""
    store.open_db(db_path).close()
    worker = Worker(db_path, CaptureSettings(nav_timeout=5, page_deadline=20),
                    RunSettings(concurrency=1, retries=0), source="api")
    try:
        capture = Capture(url="https://posted.example/", final_url="https://posted.example/",
                          status="ok", content_type="text/html", title="Posted",
                          html="<article><p>Posted from elsewhere.</p></article>",
                          captured_at=now_iso())
        result = asyncio.run(worker.extract_and_store(capture, Job(capture.url, tags=["x"])))
        assert result.id is not None and result.status == "ok"
        written = asyncio.run(worker.write(lambda db: store.get_page(
            db, store.page_of_capture(db, result.id))["tags"]))
        assert written == ["x"]
        record = worker.submit(Job("https://no-such-host.invalid/"))
        assert worker.submit(Job("https://other.invalid/")).id != record.id
        deadline = time.monotonic() + 90
        while record.status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert record.status == "failed" and "DNS" in (record.error or ""), record
    finally:
        worker.close()
