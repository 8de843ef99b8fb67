"""Consent prompts in the capture browser: real Chromium, prompts modeled on real platforms.

The fixture prompts (tests/pages/consent/) are injected by a script some time after `load`, as
real ones are, and all share one colour, so that a screenshot can be searched for them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import PAGES, FixtureServer, Reply

from archiver.capture import Browser, CaptureSettings
from archiver.capture.consent import (
    AUTOCONSENT_VERSION,
    AutoconsentInstallError,
    find_autoconsent,
    install_autoconsent,
)
from archiver.models import Capture

T = TypeVar("T")

ARTICLE = "ARTICLE-MARKER-BELLROCK"

# fixture -> (platform autoconsent names, or None when no rule can know it; expected action)
CASES: dict[str, tuple[str | None, str]] = {
    "onetrust": ("Onetrust", "opted out"),
    "cookiebot": (None, "opted out"),  # no window.Cookiebot: the fallback clicks "necessary only"
    "didomi": ("didomi", "opted out"),
    "quantcast": ("quantcast", "opted out"),
    "usercentrics": ("usercentrics-api", "opted out"),  # no UC_UI: the fallback clicks "Deny"
    "sourcepoint": ("Sourcepoint-frame", "opted out"),
    "homemade": (None, "hidden"),  # only "OK": removed, with its backdrop and scroll lock
    "homemade-de": (None, "opted out"),
    "inline": (None, "hidden"),  # a notice in the article's flow: removed, the article stays
}


def settings(consent: bool = True, consent_timeout: float = 6.0) -> CaptureSettings:
    return CaptureSettings(nav_timeout=10.0, request_timeout=5.0, page_deadline=30.0,
                           consent_handling=consent, consent_timeout=consent_timeout)


def run(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, T]) -> T:
    return loop.run_until_complete(coroutine)


def page_url(server: FixtureServer, cmp: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"cmp": cmp, **params}.items())
    return server.url(f"/consent/page.html?{query}")


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


@pytest.fixture(scope="module")
def autoconsent() -> Path:
    """The pinned autoconsent, downloaded once (into its default place)."""
    return install_autoconsent()


@pytest.fixture(scope="module")
def sourcepoint_host(server: FixtureServer) -> None:
    """Serve the Sourcepoint message at /index.html?message_id=..., where its rule looks for it."""
    message = Reply(body=(PAGES / "consent" / "sourcepoint-message.html").read_bytes())
    previous = server.routes.get("/index.html")

    def route(handler: Any) -> Reply:
        if "message_id=" in handler.path:
            return message
        if previous is None:
            return Reply(body=b"<h1>Not found</h1>", status=404)
        return previous(handler) if callable(previous) else previous

    server.add("/index.html", route)


@pytest.fixture(scope="module")
def browser(loop: asyncio.AbstractEventLoop, autoconsent: Path) -> Iterator[Browser]:
    yield from _browser(loop, settings())


@pytest.fixture(scope="module")
def plain(loop: asyncio.AbstractEventLoop) -> Iterator[Browser]:
    """A browser without consent handling: the "disabled" case, and to read screenshots."""
    yield from _browser(loop, settings(consent=False))


def _browser(loop: asyncio.AbstractEventLoop, config: CaptureSettings) -> Iterator[Browser]:
    instance = Browser(config)
    run(loop, instance.start())
    yield instance
    run(loop, instance.close())


def capture_all(loop: asyncio.AbstractEventLoop, browser: Browser, urls: dict[str, str],
                concurrency: int = 2) -> dict[str, Capture]:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(url: str) -> Capture:
        async with semaphore:
            return await browser.capture(url)

    async def every() -> list[Capture]:
        return await asyncio.gather(*(one(url) for url in urls.values()))

    return dict(zip(urls, run(loop, every()), strict=True))


def prompt_pixels(loop: asyncio.AbstractEventLoop, plain: Browser, server: FixtureServer,
                  shots: dict[str, bytes | None]) -> dict[str, dict[str, Any]]:
    """For each PNG: how many pixels have the prompts' colour, and the colour of a corner pixel
    (dimmed by a backdrop, or not). Decoded by Chromium on a canvas."""
    tag = hashlib.sha256(b"".join(s or b"" for s in shots.values())).hexdigest()[:12]
    images = []
    for name, png in shots.items():
        path = server.add(f"/consent/shot-{tag}-{name}.png",
                          Reply(body=png or b"", content_type="image/png"))
        images.append(f'<img data-name="{name}" src="{path}">')
    page = server.add_page(f"/consent/pixels-{tag}.html", PIXELS_PAGE.replace("IMAGES",
                                                                              "".join(images)))
    result = run(loop, plain.capture(page))
    pixels: dict[str, dict[str, Any]] = json.loads(result.title or "{}")
    return pixels


PIXELS_PAGE = """<!DOCTYPE html><html><head><title>pending</title></head><body>IMAGES
<script>
addEventListener("load", () => {
  const out = {};
  for (const img of document.images) {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let prompt = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (Math.abs(r - 255) < 6 && g < 6 && Math.abs(b - 170) < 6) prompt++;
    }
    const corner = Array.from(ctx.getImageData(canvas.width - 4, 60, 1, 1).data.slice(0, 3));
    out[img.dataset.name] = {prompt, corner, height: canvas.height};
  }
  document.title = JSON.stringify(out);
});
</script></body></html>"""


@pytest.fixture(scope="module")
def captured(loop: asyncio.AbstractEventLoop, browser: Browser, plain: Browser,
             server: FixtureServer, sourcepoint_host: None) -> dict[str, Any]:
    """Every fixture page captured once with autoconsent installed, plus its screenshot's pixels."""
    urls = {name: page_url(server, name) for name in CASES}
    urls["none"] = server.url("/consent/page.html")
    urls["cookie-article"] = server.url("/consent/cookie-article.html")
    captures = capture_all(loop, browser, urls)
    pixels = prompt_pixels(loop, plain, server, {n: c.screenshot for n, c in captures.items()})
    return {"captures": captures, "pixels": pixels}


@pytest.mark.parametrize("name", list(CASES))
def test_prompt_is_answered_before_the_capture(name: str, captured: dict[str, Any]) -> None:
    capture: Capture = captured["captures"][name]
    cmp, action = CASES[name]
    assert capture.status == "ok", capture.error
    assert capture.consent is not None
    assert (capture.consent.cmp, capture.consent.action) == (cmp, action), capture.consent
    assert capture.consent.detail
    html = capture.html or ""
    # the snapshot: no prompt, never an "accept", a "reject" where one was offered
    assert f"PROMPT-TEXT-{name.upper()}" not in html
    assert 'data-consent="accepted"' not in html
    assert ('data-consent="rejected"' in html) == (action == "opted out")
    # the article is intact, the site's own fixed header too
    assert ARTICLE in html and "Robert Stevenson designed the tower" in html
    assert "Coastal Review" in html
    # the screenshot: no prompt colour anywhere, and the page is not dimmed by a backdrop
    pixels = captured["pixels"][name]
    assert pixels["prompt"] == 0, pixels
    assert pixels["corner"] == [255, 255, 255], pixels


def test_no_prompt_is_nothing_found(captured: dict[str, Any]) -> None:
    """(Its script is under /consent/, so it is waited for as a platform's would be; the
    early release of pages without one: the tests further down.)"""
    capture: Capture = captured["captures"]["none"]
    assert capture.consent is not None
    assert capture.consent.action == "nothing found" and capture.consent.cmp is None
    assert not capture.consent.detail, capture.consent  # nothing done, nothing to say
    assert ARTICLE in (capture.html or "")


def test_an_article_about_cookies_keeps_its_text(captured: dict[str, Any]) -> None:
    capture: Capture = captured["captures"]["cookie-article"]
    assert capture.consent is not None and capture.consent.action == "nothing found"
    html = capture.html or ""
    assert "COOKIE-ARTICLE-MARKER" in html
    assert "We use cookies to improve your experience" in html  # the quoted banner in the text
    assert "Reject all</button>" in html
    assert "Where is the reject button?" in html  # the sticky sidebar stays


def test_disabled_leaves_the_prompt(loop: asyncio.AbstractEventLoop, plain: Browser,
                                    server: FixtureServer) -> None:
    capture = run(loop, plain.capture(page_url(server, "onetrust", delay="0")))
    assert capture.consent is not None and capture.consent.action == "disabled"
    assert "PROMPT-TEXT-ONETRUST" in (capture.html or "")
    pixels = prompt_pixels(loop, plain, server, {"disabled": capture.screenshot})
    assert pixels["disabled"]["prompt"] > 10_000  # the banner is in the picture


def test_fallback_alone_without_autoconsent(
    loop: asyncio.AbstractEventLoop, browser: Browser, plain: Browser, server: FixtureServer,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browser.settings, "autoconsent_dir", tmp_path / "absent")
    assert find_autoconsent(browser.settings.autoconsent_dir) is None
    names = ["onetrust", "didomi", "homemade"]
    captures = capture_all(loop, browser, {n: page_url(server, n) for n in names})
    pixels = prompt_pixels(loop, plain, server, {n: c.screenshot for n, c in captures.items()})
    for name, capture in captures.items():
        outcome = capture.consent
        assert outcome is not None and outcome.cmp is None
        assert outcome.detail and "autoconsent is not installed" in outcome.detail
        assert outcome.action == ("hidden" if name == "homemade" else "opted out"), outcome
        assert f"PROMPT-TEXT-{name.upper()}" not in (capture.html or "")
        assert 'data-consent="accepted"' not in (capture.html or "")
        assert ARTICLE in (capture.html or "")
        assert pixels[name]["prompt"] == 0 and pixels[name]["corner"] == [255, 255, 255]


def test_page_that_navigates_away_gives_an_outcome(
    loop: asyncio.AbstractEventLoop, browser: Browser, server: FixtureServer
) -> None:
    capture = run(loop, browser.capture(page_url(server, "navigate")))
    assert capture.status in ("ok", "partial"), capture.error
    assert capture.consent is not None
    assert capture.consent.action in ("hidden", "nothing found", "error"), capture.consent


def test_busy_page_is_bounded(loop: asyncio.AbstractEventLoop, server: FixtureServer) -> None:
    quick = Browser(settings(consent_timeout=1.0))
    run(loop, quick.start())
    try:
        capture = run(loop, quick.capture(page_url(server, "busy")))
    finally:
        run(loop, quick.close())
    assert capture.consent is not None
    # given up at the handler's own bound, and said so; the capture went on
    assert capture.consent.action == "error"
    assert capture.consent.detail == "the page did not respond within 1 s", capture.consent
    assert capture.status in ("ok", "partial") and ARTICLE in (capture.html or "")


def _tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_install_keeps_only_what_is_needed_and_is_idempotent(
    server: FixtureServer, tmp_path: Path
) -> None:
    tgz = _tarball({"dist/autoconsent.playwright.js": b"// script", "rules/compact-rules.json":
                    b"{}", "rules/rules.json": b"{}", "LICENSE": b"MPL", "lib/web.ts": b"x",
                    "rules/autoconsent/x.json": b"{}"})
    url = server.add("/consent/fake-autoconsent.tgz", Reply(body=tgz, content_type="x/gzip"))
    dest = tmp_path / "ac"
    assert install_autoconsent(dest, url=url, integrity=_integrity(tgz)) == dest
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == ["LICENSE", "VERSION", "dist/autoconsent.playwright.js",
                     "rules/compact-rules.json", "rules/rules.json"]
    assert (dest / "VERSION").read_text().split()[0] == AUTOCONSENT_VERSION
    hits = server.hits["/consent/fake-autoconsent.tgz"]
    install_autoconsent(dest, url=url, integrity=_integrity(tgz))
    assert server.hits["/consent/fake-autoconsent.tgz"] == hits  # no second download


def test_install_refuses_a_tarball_that_fails_the_integrity_check(
    server: FixtureServer, tmp_path: Path
) -> None:
    tgz = _tarball({"dist/autoconsent.playwright.js": b"// evil",
                    "rules/compact-rules.json": b"{}"})
    url = server.add("/consent/tampered-autoconsent.tgz", Reply(body=tgz))
    with pytest.raises(AutoconsentInstallError, match="integrity"):
        install_autoconsent(tmp_path / "ac", url=url, integrity=_integrity(b"the real one"))
    assert not (tmp_path / "ac").exists()


def test_install_reports_a_failed_download(server: FixtureServer, tmp_path: Path) -> None:
    with pytest.raises(AutoconsentInstallError, match="Could not download"):
        install_autoconsent(tmp_path / "ac", url=server.url("/consent/missing.tgz"))


def test_installed_autoconsent_is_the_pinned_release(autoconsent: Path) -> None:
    assert find_autoconsent() == autoconsent
    assert (autoconsent / "dist" / "autoconsent.playwright.js").stat().st_size > 50_000
    assert "Mozilla Public License" in (autoconsent / "LICENSE").read_text()


def test_watcher_reports_a_prompt_as_it_comes_and_goes(
    loop: asyncio.AbstractEventLoop, server: FixtureServer, autoconsent: Path
) -> None:
    """While settle() waits, the page itself watches for prompts and tells Python when one
    appears or goes (no polling from Python): a notice no rule knows, shown late, then closed."""
    from playwright.async_api import async_playwright

    from archiver.capture import LAUNCH_ARGS, chromium_for
    from archiver.capture.consent import prepare

    async def follow() -> list[bool]:
        async with async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=chromium_for(pw),
                                                args=LAUNCH_ARGS)
            try:
                page = await (await chromium.new_context()).new_page()
                handler = await prepare(page, folder=autoconsent)
                await page.goto(page_url(server, "homemade", delay="600"))
                watched = await handler._evaluate_fallback("watch")
                assert watched == {"prompts": [], "watching": True}
                seen = [handler.prompt_shown]
                for step in ("appear", "go"):
                    deadline = time.monotonic() + 3
                    while handler.prompt_shown == seen[-1] and time.monotonic() < deadline:
                        await asyncio.sleep(0.05)
                    seen.append(handler.prompt_shown)
                    if step == "appear":
                        await page.click(".notice-bar .ok")
                return seen
            finally:
                await chromium.close()

    assert run(loop, follow()) == [False, True, False]


def test_each_document_gets_the_rules_that_can_apply_to_it(autoconsent: Path) -> None:
    """Generic rules everywhere, a site's own rules only on that site, the same rules after the
    string table is cut down (decoded, they are what autoconsent ships)."""
    from archiver.capture.consent.rules import STRING_KEYS, CompactRules

    text = (autoconsent / "rules" / "compact-rules.json").read_text(encoding="utf-8")
    table = CompactRules.parse(text)

    def decode(row: list[Any], strings: list[str] | tuple[str, ...]) -> list[Any]:
        def step(s: dict[str, Any]) -> dict[str, Any]:
            out = {k: strings[v] if k in STRING_KEYS and isinstance(v, int) else v
                   for k, v in s.items()}
            if isinstance(s.get("if"), dict):
                out["if"] = step(s["if"])
            for key in ("then", "else", "any"):
                if isinstance(s.get(key), list):
                    out[key] = [step(x) for x in s[key]]
            return out
        return [*row[:5], [strings[i] for i in row[5]], *[[step(s) for s in row[n]]
                                                           for n in range(6, 10)], *row[10:]]

    shipped = {row[1]: decode(row, table.strings) for row in table.rows}
    site = next(row for row in table.rows if row[3] and "zinio" in row[3])
    for url, top, site_rule in [("http://127.0.0.1:8000/news", True, False),
                                ("https://www.zinio.com/magazines", True, True),
                                ("https://frames.example/consent", False, False)]:
        compact = json.loads(table.for_document(url, top))["compact"]
        names = {row[1] for row in compact["r"]}
        assert (site[1] in names) == site_rule
        assert all(not shipped[n][3] or n == site[1] for n in names)  # no other site's rules
        assert all(decode(row, compact["s"]) == shipped[row[1]] for row in compact["r"])
        if top:
            assert {n for n, row in shipped.items() if not row[3]} <= names  # every generic one
    assert len(table.for_document("http://127.0.0.1:8000/news", True)) < len(text) / 3


# --- no waiting for a prompt that cannot come ------------------------------------------------

PLAIN_ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Tide tables</title><style>body { font: 18px Georgia, serif; margin: 40px; }</style>
</head><body><article><h1>Tide tables</h1><p>PLAIN-ARTICLE-MARKER The tide turns twice a day,
and the tables say when, to the minute, for every harbour on the coast.</p>
<p><img src="/plain/tide.svg" loading="lazy" width="200" height="100" alt=""></p>
SCRIPT</article></body></html>"""

# A notice no rule knows, shown by a script whose address names no consent platform, soon
# after `load`: after the page was released, while the handler still makes sure.
LATE_NOTICE = """<script>
addEventListener("load", () => setTimeout(() => {
  document.documentElement.style.overflow = "hidden";
  const bar = document.createElement("div");
  bar.style.cssText = "position: fixed; bottom: 0; left: 0; right: 0; z-index: 901; "
    + "background: rgb(255, 0, 170); color: #fff; padding: 20px 32px; font: 16px Arial;";
  bar.innerHTML = "<p>This site uses cookies to count visits. PROMPT-" + "TEXT-LATE</p>"
    + "<button>OK, got it</button>";
  document.body.append(bar);
}, DELAY));
</script>"""


def plain_page(server: FixtureServer, name: str, script: str = "") -> str:
    server.add("/plain/tide.svg", Reply(body=b'<svg xmlns="http://www.w3.org/2000/svg" '
                                        b'width="200" height="100"><rect width="200" '
                                        b'height="100" fill="#39c"/></svg>',
                                        content_type="image/svg+xml"))
    return server.add_page(f"/plain/{name}.html", PLAIN_ARTICLE.replace("SCRIPT", script))


def test_a_page_without_scripts_is_not_held_for_a_prompt(
    loop: asyncio.AbstractEventLoop, browser: Browser, server: FixtureServer
) -> None:
    """Nothing on the page can run, so no prompt can come: the handler records why it did not
    wait (and, as everywhere, what it found), and the page is taken at once."""
    capture = run(loop, browser.capture(plain_page(server, "static")))
    assert capture.status == "ok", capture.error
    outcome = capture.consent
    assert outcome is not None and outcome.action == "nothing found" and outcome.cmp is None
    assert outcome.detail == "no script on the page: no prompt can come", outcome
    assert "PLAIN-ARTICLE-MARKER" in (capture.html or "")
    assert any(r.url.endswith("/plain/tide.svg") and r.body for r in capture.resources)


def test_a_page_with_scripts_but_no_consent_platform_is_released_when_quiet(
    loop: asyncio.AbstractEventLoop, browser: Browser, server: FixtureServer
) -> None:
    """Scripts, none of a consent platform: the page is released (taken meanwhile) and the
    handler stops waiting once the DOM is quiet and autoconsent found nothing."""
    script = "<script>document.title = 'Tide tables (checked)';</script>"
    capture = run(loop, browser.capture(plain_page(server, "scripted", script)))
    assert capture.status == "ok", capture.error
    outcome = capture.consent
    assert outcome is not None and outcome.action == "nothing found", outcome
    assert outcome.detail and outcome.detail.startswith(
        "no CMP requested, none detected, the page quiet after"), outcome
    assert capture.title == "Tide tables (checked)"
    assert capture.screenshot and "PLAIN-ARTICLE-MARKER" in (capture.html or "")


@pytest.mark.parametrize("delay", [0, 150, 350])
def test_a_prompt_after_the_release_is_answered_and_the_page_taken_again(
    loop: asyncio.AbstractEventLoop, browser: Browser, plain: Browser, server: FixtureServer,
    delay: int,
) -> None:
    """A notice that comes while the released page is being taken (before the handler is
    sure): it is removed, and the screenshot and the DOM are those of the page without it."""
    url = plain_page(server, f"late-{delay}", LATE_NOTICE.replace("DELAY", str(delay)))
    capture = run(loop, browser.capture(url))
    assert capture.status == "ok", capture.error
    assert capture.consent is not None and capture.consent.action == "hidden", capture.consent
    assert "PROMPT-TEXT-LATE" not in (capture.html or "")
    assert "PLAIN-ARTICLE-MARKER" in (capture.html or "")
    pixels = prompt_pixels(loop, plain, server, {f"late-{delay}": capture.screenshot})
    assert pixels[f"late-{delay}"]["prompt"] == 0, pixels


def test_a_consent_platform_request_is_waited_for() -> None:
    """What counts as a consent platform's request: its script, frame or API by host or name;
    not the page itself, a stylesheet, or an unrelated script."""
    from archiver.capture.consent.platforms import cmp_request

    assert cmp_request("https://cdn.cookielaw.org/scripttemplates/otSDKStub.js", "script")
    assert cmp_request("https://sdk.privacy-center.org/abc/loader.js", "script")
    assert cmp_request("https://cdn.privacy-mgmt.com/index.html?message_id=1", "document")
    assert cmp_request("https://consent.cookiebot.com/uc.js", "script")
    assert cmp_request("https://example.org/wp-content/plugins/complianz-gdpr/x.js", "script")
    assert cmp_request("https://example.org/static/cmp.js", "script")
    assert cmp_request("https://example.org/consent/fixture.js", "script")
    assert not cmp_request("https://example.org/static/app.3f2a.js", "script")
    assert not cmp_request("https://example.org/cookie-banner.css", "stylesheet")
    assert not cmp_request("https://www.googletagmanager.com/gtag/js?id=G-1", "script")
    assert not cmp_request("https://example.org/bcmpx/compute.js", "script")
