"""Generated article pages on a local HTTP server, for the capture benchmarks.

`SiteServer(count, faults)` serves `count` article pages at `/a/N.html` on 127.0.0.1 (a free
port). Each page is made from its number alone (same number, same page): 20-200 KB of HTML
with a header, a nav, varied paragraphs, 1-6 images (PNG or SVG) with fixed heights, a shared
stylesheet and a page stylesheet, and the rest of its weight in an inline JSON state blob, as
news sites carry. Rendered heights range from about 1,500 to 10,000 px.

`/l/N.html` is a *light* article instead, like most of the web's reading matter: about 22 KB
of HTML (text, two or three inline SVG figures), one stylesheet, no scripts, no images to fetch.

A page's `kind` says what its URL does (see `KINDS`): "ok" serves the article; the others hang
a subresource, hang a blocking script, hang the document, answer 500, serve a PDF, or redirect
(one or two hops) to an article. `fault_plan()` spreads kinds over a run deterministically.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.samples import minimal_pdf, png_image

KINDS = ("ok", "hang_image", "hang_script", "hang_document", "http_500", "pdf", "redirect")
COLUMN_PX = 720
LINE_PX = 29  # 18 px text, line-height 1.6
CHARS_PER_LINE = 95
HANG_SECONDS = 600  # a hanging reply waits this long, or until the server stops

SYLLABLES = ("ka", "lo", "ri", "men", "sta", "vor", "el", "in", "tra", "qu", "ba", "dun",
             "pe", "sol", "ar", "ni", "gul", "ve", "tor", "ma", "zen", "ho", "lis", "cre")
COMMON = ("the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with",
          "on", "by", "at", "from", "this", "which", "but", "not", "are", "were", "has")
SHARED_CSS = b"""
@font-face { font-family: "Bench Sans"; src: url("/font/bench.ttf") format("truetype"); }
body { margin: 0; font: 18px/1.6 Georgia, serif; color: #222; background: #fdfdfb; }
header.site { background: #123; color: #fff; padding: 12px 24px; }
header.site a { color: #cde; margin-right: 14px; text-decoration: none; font: 14px sans-serif; }
header.site img.logo { height: 28px; vertical-align: middle; margin-right: 18px; }
h1 { font-family: "Bench Sans", Georgia, serif; }
main { max-width: 720px; margin: 0 auto; padding: 24px; }
h1 { font-size: 34px; line-height: 1.2; margin: 12px 0; }
figure { margin: 24px 0; } figure img { width: 100%; display: block; }
figcaption { font: 13px sans-serif; color: #666; }
aside.related { border-top: 1px solid #ccc; font: 14px sans-serif; }
footer { background: #eee; padding: 24px; font: 13px sans-serif; }
"""


def fault_plan(count: int, shares: dict[str, float], seed: int = 7) -> list[str]:
    """`count` kinds, each kind in `shares` taking its share (rounded), the rest "ok",
    shuffled reproducibly."""
    kinds: list[str] = []
    for kind, share in shares.items():
        kinds += [kind] * round(count * share)
    kinds = kinds[:count] + ["ok"] * max(0, count - len(kinds))
    random.Random(seed).shuffle(kinds)
    return kinds


@dataclass
class Page:
    """One generated article."""

    number: int
    html: bytes
    height: int  # the intended rendered height in px
    images: list[str] = field(default_factory=list)


def _vocabulary(size: int = 4000) -> list[str]:
    """Made-up words of 1-4 syllables, plus common short words weighted up (Zipf-like text)."""
    rng = random.Random(0)
    words = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(size)}
    return sorted(words) + list(COMMON) * (len(words) // (2 * len(COMMON)))


VOCABULARY = _vocabulary()


def _word(rng: random.Random) -> str:
    return rng.choice(VOCABULARY)


def _sentence(rng: random.Random) -> str:
    words = rng.choices(VOCABULARY, k=rng.randint(6, 22))
    return " ".join(words).capitalize() + rng.choice((".", ".", ".", "?", "!"))


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))


def _paragraph_height(text: str) -> int:
    return (len(text) // CHARS_PER_LINE + 1) * LINE_PX + 18


def make_page(number: int, hang_image: bool = False, hang_script: bool = False) -> Page:
    """The article with this number (deterministic). With `hang_image` one of its images,
    with `hang_script` a blocking script in <head>, never answers."""
    rng = random.Random(number)
    height = rng.randint(1500, 10000)
    size = rng.randint(20_000, 200_000)
    title = " ".join(_word(rng) for _ in range(rng.randint(4, 10))).title()
    images = [f"/img/{number}-{k}.{rng.choice(('png', 'svg'))}" for k in range(rng.randint(1, 6))]
    if hang_image:
        images[-1] = f"/hang/{number}.png"
    body: list[str] = []
    used = 200 + 80 * len(images)  # header, title, byline; figure captions
    figures = {rng.randrange(0, 12): src for src in images}
    while used < height - 400:
        if len(body) in figures:
            img_h = 260 + (number * 37 + len(body) * 11) % 200
            body.append(f'<figure><img src="{figures.pop(len(body))}" height="{img_h}" '
                        f'alt="{_sentence(rng)}"><figcaption>{_sentence(rng)}</figcaption></figure>')
            used += img_h
        paragraph = _paragraph(rng)
        body.append(f"<p>{paragraph}</p>")
        used += _paragraph_height(paragraph)
    for src in figures.values():  # figures the article was too short to place
        body.append(f'<figure><img src="{src}" height="260" alt=""></figure>')
    script = f'<script src="/hang/{number}.js"></script>' if hang_script else ""
    html = _document(number, title, "\n".join(body), script, rng)
    padding = size - len(html) - 64
    state = _state_blob(rng, max(0, padding))
    html = html.replace("</body>", f'<script type="application/json" id="__STATE__">{state}'
                                   "</script>\n</body>")
    return Page(number, html.encode("utf-8"), height, images)


LIGHT_BYTES = 22_000
LIGHT_CSS = b"""
body { margin: 0; font: 18px/1.6 Georgia, serif; color: #222; background: #fff; }
header { border-bottom: 1px solid #ddd; padding: 12px 24px; font: 15px sans-serif; }
header a { color: #245; margin-right: 14px; }
main { max-width: 720px; margin: 0 auto; padding: 24px; }
h1 { font-size: 32px; line-height: 1.2; }
figure { margin: 24px 0; } figure svg { width: 100%; height: auto; display: block; }
figcaption { font: 13px sans-serif; color: #666; }
footer { border-top: 1px solid #ddd; padding: 24px; font: 13px sans-serif; color: #555; }
"""


def make_light_page(number: int) -> bytes:
    """The light article with this number (deterministic): about LIGHT_BYTES of HTML, text
    and inline SVG figures, the one stylesheet /css/light.css, no scripts."""
    rng = random.Random(100_000 + number)
    title = " ".join(_word(rng) for _ in range(rng.randint(4, 10))).title()
    figures = {rng.randrange(1, 12): seed for seed in range(rng.randint(2, 3))}
    head = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The Light Bench</title>
<meta name="description" content="{_sentence(rng)}">
<link rel="stylesheet" href="/css/light.css"></head>
<body><header><a href="/">The Light Bench</a> <a href="/about">About</a></header>
<main><article><h1>{title}</h1>
<p class="byline">By {_word(rng).title()} {_word(rng).title()}, {_date(number)}</p>
"""
    tail = """</article></main>
<footer>&copy; The Light Bench. <a href="/privacy">Privacy</a></footer>
</body></html>
"""
    body: list[str] = []
    used = len(head) + len(tail)
    while used < LIGHT_BYTES - 200:
        if len(body) in figures:
            svg = svg_image(number * 10 + figures.pop(len(body))).decode()
            body.append(f"<figure>{svg}<figcaption>{_sentence(rng)}</figcaption></figure>")
        else:
            body.append(f"<p>{_paragraph(rng)}</p>")
        used += len(body[-1]) + 1
    return (head + "\n".join(body) + "\n" + tail).encode("utf-8")


def _document(number: int, title: str, article: str, head_script: str, rng: random.Random) -> str:
    nav = " ".join(f'<a href="/section/{k}">{_word(rng).title()}</a>' for k in range(12))
    related = "".join(f'<li><a href="/a/{(number + k * 7919) % 100000}.html">{_sentence(rng)}'
                      "</a></li>" for k in range(1, 8))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The Daily Bench</title>
<meta name="description" content="{_sentence(rng)}">
<link rel="stylesheet" href="/css/site.css"><link rel="stylesheet" href="/css/{number}.css">
{head_script}</head>
<body><header class="site"><img class="logo" src="/img/logo.png" alt="">
<a href="/">The Daily Bench</a> {nav}</header>
<main><article><h1>{title}</h1>
<p class="byline">By {_word(rng).title()} {_word(rng).title()}, {_date(number)}</p>
{article}
</article>
<aside class="related"><h2>Related</h2><ul>{related}</ul></aside></main>
<footer>&copy; The Daily Bench. <a href="/about">About</a> <a href="/privacy">Privacy</a></footer>
</body></html>
"""


def _date(number: int) -> str:
    return f"{2000 + number % 25}-0{1 + number % 9}-1{number % 10}"


def _state_blob(rng: random.Random, size: int) -> str:
    """A JSON-ish state blob of about `size` characters (never contains '</')."""
    parts: list[str] = []
    total = 0
    while total < size:
        item = (f'{{"id":{rng.randint(1, 10**9)},"teaser":"{_sentence(rng)}",'
                f'"score":{rng.random():.4f}}},')
        parts.append(item)
        total += len(item)
    return '{"items":[' + "".join(parts).rstrip(",") + "]}"


def page_css(number: int) -> bytes:
    rng = random.Random(-number)
    hue = rng.randint(0, 359)
    return (f"h1 {{ color: hsl({hue}, 60%, 25%); }} a {{ color: hsl({hue}, 70%, 35%); }}\n"
            f"figure {{ background: hsl({hue}, 30%, 92%); }}\n").encode()


@lru_cache(maxsize=64)
@lru_cache(maxsize=1)
def bench_font() -> bytes:
    """The site's web font (every page uses it): a generated TrueType font."""
    from tests.wholepage import box_font

    return box_font("Bench Sans")


@lru_cache(maxsize=1)
def logo() -> bytes:
    """The site's logo (in every page's header)."""
    return png_image(99, 240, 56)


def svg_image(seed: int) -> bytes:
    rng = random.Random(seed)
    shapes = "".join(
        f'<circle cx="{rng.randint(0, 640)}" cy="{rng.randint(0, 360)}" r="{rng.randint(10, 90)}" '
        f'fill="hsl({rng.randint(0, 359)},60%,60%)" opacity="0.7"/>' for _ in range(20)
    )
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 360" width="640" '
            f'height="360"><rect width="640" height="360" fill="#eef"/>{shapes}</svg>').encode()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    hang: bool = False


class SiteServer:
    """A threaded HTTP server on 127.0.0.1 (free port) serving the generated site.

    Use as a context manager; `urls()` lists the article URLs; `kinds[i]` is page i's kind."""

    def __init__(self, count: int, kinds: Sequence[str] | None = None) -> None:
        self.kinds = list(kinds) if kinds is not None else ["ok"] * count
        assert len(self.kinds) == count and set(self.kinds) <= set(KINDS), "unknown page kind"
        self.hits: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 128
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def urls(self) -> list[str]:
        return [self.url(f"/a/{n}.html") for n in range(len(self.kinds))]

    def reply(self, path: str) -> Reply:
        """What the server answers for `path` (without the query string)."""
        self.hits[path.split("/")[1] if "/" in path else path] += 1
        head, _, rest = path.lstrip("/").partition("/")
        stem = rest.rsplit(".", 1)[0]
        if head == "a" and stem.isdigit():
            return self._article(int(stem), hop=0)
        if head == "l" and stem.isdigit():
            return Reply(body=make_light_page(int(stem)))
        if head == "r" and stem.replace("-", "").isdigit():  # /r/N-HOP.html: a redirect hop
            number, hop = (int(x) for x in stem.split("-"))
            return self._article(number, hop)
        if head == "hang":
            return Reply(hang=True)
        if head == "img":
            seed = sum(int(x) for x in stem.split("-") if x.isdigit())
            if rest.endswith(".svg"):
                return Reply(body=svg_image(seed), content_type="image/svg+xml")
            return Reply(body=png_image(seed % 64), content_type="image/png")
        if head == "font":
            return Reply(body=bench_font(), content_type="font/ttf")
        if path == "/img/logo.png":
            return Reply(body=logo(), content_type="image/png")
        if head == "css":
            if stem == "light":
                return Reply(body=LIGHT_CSS, content_type="text/css")
            body = SHARED_CSS if stem == "site" else page_css(int(stem) if stem.isdigit() else 0)
            return Reply(body=body, content_type="text/css")
        return Reply(status=404, body=b"<h1>Not found</h1>")

    def _article(self, number: int, hop: int) -> Reply:
        kind = self.kinds[number] if 0 <= number < len(self.kinds) else "missing"
        if kind == "missing":
            return Reply(status=404, body=b"<h1>Not found</h1>")
        if kind == "redirect" and hop < 1 + number % 2:  # one or two hops, then the article
            return Reply(status=302, location=f"/r/{number}-{hop + 1}.html")
        if kind == "hang_document":
            return Reply(hang=True)
        if kind == "http_500":
            return Reply(status=500, body=b"<h1>Internal Server Error</h1>")
        if kind == "pdf":
            return Reply(body=minimal_pdf(f"Benchmark PDF {number}"),
                         content_type="application/pdf")
        page = make_page(number, hang_image=kind == "hang_image",
                         hang_script=kind == "hang_script")
        return Reply(body=page.html)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                reply = site.reply(self.path.split("?")[0])
                if reply.hang:
                    site.stopping.wait(HANG_SECONDS)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Cache-Control", "max-age=3600")
                if reply.location:
                    self.send_header("Location", reply.location)
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler


def serve_forever(kinds: list[str]) -> None:
    """Serve the site until stdin closes, printing the port first (`site_process`'s child)."""
    with SiteServer(len(kinds), kinds) as site:
        print(site.port, flush=True)
        sys.stdin.read()


@contextmanager
def site_process(kinds: Sequence[str]) -> Iterator[str]:
    """Serve the site from a separate process (so generating pages costs the measured process
    neither CPU time under its GIL nor memory); yields the base URL."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import json, sys; from tests.bench.pages import serve_forever;"
         " serve_forever(json.loads(sys.stdin.readline()))"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(json.dumps(list(kinds)) + "\n")
        process.stdin.flush()
        port = process.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError("the benchmark site did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def article_urls(base: str, count: int, light: bool = False) -> list[str]:
    """The heavy articles' URLs, or with `light` the light ones'."""
    return [f"{base}/{'l' if light else 'a'}/{n}.html" for n in range(count)]
