"""A small site whose scripts shape what its pages show, on two origins: accordions collapsed,
tabs switched, a menu built from JSON, a carousel, a single-page app that renders the whole
page, and a video-like player in a frame from the second origin (its thumbnail and a chat
widget set by the frame's own scripts). For the import-rendering tests and the
`replay-fidelity` benchmark: what the server sends is not what a browser shows.

`routes(other)` gives {path: (body, content type)} for the first origin and for the second
(whose base URL is `other`); `PAGES` lists the first origin's pages and what each must show.
"""

from __future__ import annotations

import io
import json
from typing import Any

from PIL import Image, ImageDraw

STYLE = b"""
body { font: 16px/1.4 sans-serif; margin: 0; background: #fff; color: #222; }
header { background: #1d3557; color: #fff; padding: 16px 24px; }
main { padding: 16px 24px; }
.panel { border: 2px solid #457b9d; margin: 8px 0; }
.panel h2 { margin: 0; padding: 8px; background: #a8dadc; font-size: 18px; }
.panel .body { padding: 8px; height: 120px; background: #f1faee; }
.closed .body { display: none; }
.tabs button { font-size: 16px; padding: 8px 16px; background: #ddd; border: 0; }
.tabs button.active { background: #e63946; color: #fff; }
.tab { height: 260px; padding: 12px; background: #ffe8d6; }
.tab[hidden] { display: none; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; gap: 8px; }
nav li { background: #2a9d8f; color: #fff; padding: 10px 18px; }
.slides { position: relative; height: 300px; overflow: hidden; }
.slide { position: absolute; inset: 0; display: none; color: #fff; font-size: 40px;
         padding: 40px; }
.slide.current { display: block; }
.card { display: inline-block; width: 260px; height: 140px; margin: 8px; padding: 10px;
        color: #fff; vertical-align: top; }
.lazy-note { color: #999; }
"""

ACCORDION = b"""<!doctype html><html><head><meta charset="utf-8"><title>Opening hours</title>
<link rel="stylesheet" href="/site.css"></head><body>
<header><h1>Opening hours and services</h1></header><main>
<div class="panel"><h2>Main library</h2><div class="body">Monday to Friday 9-20,
Saturday 10-16. The reading room closes half an hour earlier.</div></div>
<div class="panel"><h2>Branch libraries</h2><div class="body">North branch: Tuesday and
Thursday 12-18. Harbour branch: Wednesday 10-14.</div></div>
<div class="panel"><h2>Archives</h2><div class="body">By appointment only, request
material two days ahead.</div></div>
<div class="panel"><h2>Holidays</h2><div class="body">Closed on public holidays and
between Christmas and New Year.</div></div>
</main>
<script>
document.querySelectorAll(".panel").forEach((p, i) => { if (i > 0) p.classList.add("closed"); });
</script></body></html>"""

TABS = b"""<!doctype html><html><head><meta charset="utf-8"><title>Borrowing</title>
<link rel="stylesheet" href="/site.css"></head><body>
<header><h1>Borrowing and returns</h1></header><main>
<div class="tabs"><button>Books</button><button>Films</button><button>Games</button></div>
<div class="tab">Books are lent for four weeks and can be renewed three times online.</div>
<div class="tab" style="background:#cdeac0">Films are lent for one week; the fee is waived
for members under eighteen.</div>
<div class="tab" style="background:#bde0fe">Board games are lent for two weeks.</div>
</main>
<script src="/tabs.js"></script></body></html>"""

TABS_JS = b"""
const buttons = document.querySelectorAll(".tabs button");
const tabs = document.querySelectorAll(".tab");
function show(n) {
  tabs.forEach((t, i) => { t.hidden = i !== n; });
  buttons.forEach((b, i) => b.classList.toggle("active", i === n));
}
buttons.forEach((b, i) => b.addEventListener("click", () => show(i)));
show(1);
"""

MENU = b"""<!doctype html><html><head><meta charset="utf-8"><title>Events</title>
<link rel="stylesheet" href="/site.css"></head><body>
<header><h1>Events this month</h1><nav id="menu"></nav></header><main>
<p>Reading circle every Thursday at 18:00 in the main library's garden room.</p>
<p>Children's story hour on Saturdays at 11:00.</p>
</main>
<script>
fetch("/menu.json?_=" + Date.now()).then((r) => r.json()).then((items) => {
  const ul = document.createElement("ul");
  for (const item of items) {
    const li = document.createElement("li"); li.textContent = item; ul.append(li);
  }
  document.getElementById("menu").append(ul);
});
</script></body></html>"""

MENU_JSON = json.dumps(["Home", "Catalogue", "Events", "Services", "Contact"]).encode()

CAROUSEL = b"""<!doctype html><html><head><meta charset="utf-8"><title>Exhibitions</title>
<link rel="stylesheet" href="/site.css"></head><body>
<header><h1>Exhibitions</h1></header><main>
<div class="slides">
<div class="slide" style="background:#6d597a">Maps of the old harbour</div>
<div class="slide" style="background:#b56576">Letters from the lighthouse</div>
<div class="slide" style="background:#355070">A century of posters</div>
</div>
<p>All exhibitions are free of charge.</p>
</main>
<script>
const slides = document.querySelectorAll(".slide");
slides[0].classList.add("current");
</script></body></html>"""

CALENDAR = b"""<!doctype html><html><head><meta charset="utf-8"><title>This week</title>
<link rel="stylesheet" href="/site.css"><style>
.week { display: flex; gap: 6px; } .week div { width: 150px; height: 90px; background: #eee;
padding: 6px; } .week .today { background: #f4a261; }</style></head><body>
<header><h1>This week at the library</h1></header><main><p id="today"></p>
<div class="week"><div>Sunday</div><div>Monday</div><div>Tuesday</div><div>Wednesday</div>
<div>Thursday</div><div>Friday</div><div>Saturday</div></div></main>
<script>
const now = new Date();
document.getElementById("today").textContent = "Today is " + now.toISOString().slice(0, 10);
document.querySelectorAll(".week div")[now.getUTCDay()].classList.add("today");
</script></body></html>"""

CHART = b"""<!doctype html><html class="no-js"><head><meta charset="utf-8"><title>Visits</title>
<link rel="stylesheet" href="/site.css"><style>
.no-js .needs-js { display: none; } .js .js-note { color: #2a9d8f; font-weight: bold; }
</style></head><body>
<header><h1>Visits per month</h1></header><main><p class="js-note">Interactive chart</p>
<canvas id="chart" width="600" height="240"></canvas>
<opening-badge class="needs-js"></opening-badge>
</main>
<script>
document.documentElement.className = "js";
const ctx = document.getElementById("chart").getContext("2d");
[120, 180, 90, 210, 160, 240].forEach((v, i) => {
  ctx.fillStyle = ["#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#457b9d"][i];
  ctx.fillRect(20 + i * 95, 240 - v, 70, v);
});
class OpeningBadge extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync("div { background: #e63946; color: #fff; padding: 12px; width: 300px; }");
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = "<div>Open now until 20:00</div>";
  }
}
customElements.define("opening-badge", OpeningBadge);
</script></body></html>"""

GALLERY = b"""<!doctype html><html><head><meta charset="utf-8"><title>Gallery</title>
<link rel="stylesheet" href="/site.css"><style>
img { width: 300px; height: 200px; margin: 4px; background: #ddd; }</style></head><body>
<header><h1>From the photo archive</h1></header><main id="photos">
<img data-src="/photos/1.png" alt="Harbour"><img data-src="/photos/2.png" alt="Pier">
</main>
<script>
const seen = new IntersectionObserver((entries) => entries.forEach((entry) => {
  if (entry.isIntersecting) {
    entry.target.src = entry.target.dataset.src; seen.unobserve(entry.target);
  }
}));
document.querySelectorAll("img[data-src]").forEach((img) => seen.observe(img));
const added = document.createElement("img");
added.srcset = "/photos/3.png 1x, /photos/3.png 2x"; added.alt = "Lighthouse";
document.getElementById("photos").append(added);
</script></body></html>"""


def photo(n: int) -> bytes:
    colours = [(38, 70, 83), (231, 111, 81), (42, 157, 143)]
    image = Image.new("RGB", (300, 200), colours[n % 3])
    ImageDraw.Draw(image).rectangle((60, 40, 240, 160), fill=(244, 162, 97))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


APP = b"""<!doctype html><html><head><meta charset="utf-8"><title>Catalogue</title>
<link rel="stylesheet" href="/site.css"></head><body><div id="app"></div>
<script src="/app.js"></script></body></html>"""

APP_JS = b"""
fetch("/api/items.json").then((r) => r.json()).then((data) => {
const app = document.getElementById("app");
app.innerHTML = `<header><h1>${data.title}</h1></header><main></main>`;
const main = app.querySelector("main");
for (const item of data.items) {
  const card = document.createElement("div");
  card.className = "card"; card.style.background = item.colour;
  card.innerHTML = `<h3>${item.name}</h3><p>${item.text}</p>`;
  main.append(card);
}
});
"""

APP_DATA = json.dumps({"title": "New in the catalogue", "items": [
    {"name": "Tide tables", "text": "Quarterly tide tables for the coast.",
     "colour": "#264653"},
    {"name": "Harbour atlas", "text": "Charts of every pier since 1850.", "colour": "#2a9d8f"},
    {"name": "Lighthouse logs", "text": "The keepers' daily notes, transcribed.",
     "colour": "#e76f51"},
    {"name": "Ferry timetables", "text": "Every timetable from 1920 to today.",
     "colour": "#8d99ae"},
]}).encode()


def video_page(other: str) -> bytes:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Lecture video</title>
<link rel="stylesheet" href="/site.css"></head><body>
<header><h1>Lecture: the harbour's history</h1></header><main>
<p>A recording of last spring's lecture in the main library.</p>
<iframe src="{other}/embed/v1.html" width="640" height="400" style="border:0"></iframe>
</main></body></html>""".encode()


EMBED = b"""<!doctype html><html><head><meta charset="utf-8"><title>Player</title>
<style>body { margin: 0; background: #000; color: #fff; font: 14px sans-serif; }
#poster { width: 640px; height: 360px; display: block; }
#chat { position: absolute; right: 8px; bottom: 48px; background: #ffb703; color: #000;
        padding: 8px 12px; border-radius: 8px; }
#bar { height: 40px; background: #333; }</style></head><body>
<div id="player"></div><div id="bar"></div>
<script src="player.js"></script></body></html>"""

PLAYER_JS = b"""
fetch("config.json").then((r) => r.json()).then((config) => {
  const img = document.createElement("img");
  img.id = "poster"; img.src = config.thumbnail;
  document.getElementById("player").append(img);
  const chat = document.createElement("div");
  chat.id = "chat"; chat.textContent = config.chat;
  document.body.append(chat);
});
"""

EMBED_CONFIG = json.dumps({"thumbnail": "thumb.png",
                           "chat": "Questions? Ask a librarian"}).encode()


def thumbnail() -> bytes:
    """A 640x360 picture with large coloured shapes (a video's thumbnail)."""
    image = Image.new("RGB", (640, 360), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 300, 320), fill=(230, 180, 40))
    draw.ellipse((360, 80, 600, 320), fill=(200, 40, 60))
    draw.polygon([(280, 130), (280, 230), (370, 180)], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


PAGES = {
    # path: (a text the page shows only once its scripts ran, a text its scripts hide)
    "/accordion.html": ("Monday to Friday", "North branch"),
    "/tabs.html": ("Films are lent", "four weeks"),
    "/menu.html": ("Catalogue", None),  # its JSON asked for with a cache-buster
    "/carousel.html": ("Maps of the old harbour", "A century of posters"),
    "/app.html": ("Lighthouse logs", None),
    "/calendar.html": ("Today is 2026-03-01", None),
    "/chart.html": ("Interactive chart", None),
    "/gallery.html": ("From the photo archive", None),  # the crawl's day (tests' recording)
    "/video.html": ("A recording of last spring", None),
}


def routes(other: str) -> tuple[dict[str, tuple[bytes, str]], dict[str, tuple[bytes, str]]]:
    html, js, css = "text/html; charset=utf-8", "text/javascript", "text/css"
    first = {
        "/site.css": (STYLE, css),
        "/accordion.html": (ACCORDION, html),
        "/tabs.html": (TABS, html), "/tabs.js": (TABS_JS, js),
        "/menu.html": (MENU, html), "/menu.json": (MENU_JSON, "application/json"),
        "/carousel.html": (CAROUSEL, html), "/calendar.html": (CALENDAR, html),
        "/chart.html": (CHART, html), "/gallery.html": (GALLERY, html),
        **{f"/photos/{n}.png": (photo(n), "image/png") for n in (1, 2, 3)},
        "/app.html": (APP, html), "/app.js": (APP_JS, js),
        "/api/items.json": (APP_DATA, "application/json"),
        "/video.html": (video_page(other), html),
    }
    second = {
        "/embed/v1.html": (EMBED, html), "/embed/player.js": (PLAYER_JS, js),
        "/embed/config.json": (EMBED_CONFIG, "application/json"),
        "/embed/thumb.png": (thumbnail(), "image/png"),
    }
    return first, second


SITE = "https://library.example"
VIDEO = "https://video.example"
DESTS = {"text/css": "style", "text/javascript": "script", "application/json": "empty",
         "image/png": "image"}


def recording(folder: Any) -> Any:
    """The site as a crawler's browser records it, as a WACZ (WARC records with request
    records saying Sec-Fetch-Dest, and a page list): each page, then what it and its frame
    loaded, scripts' requests included."""
    from datetime import UTC, datetime, timedelta

    from tests.warcs import Response, wacz_file, warc_file

    first, second = routes(VIDEO)
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    responses, pages = [], []
    loads = {"/accordion.html": ["/site.css"], "/tabs.html": ["/site.css", "/tabs.js"],
             "/menu.html": ["/site.css", "/menu.json?_=1772359260000"],
             "/carousel.html": ["/site.css"],
             "/app.html": ["/site.css", "/app.js", "/api/items.json"],
             "/calendar.html": ["/site.css"], "/chart.html": ["/site.css"],
             "/gallery.html": ["/site.css", "/photos/1.png", "/photos/2.png", "/photos/3.png"],
             "/video.html": ["/site.css", f"{VIDEO}/embed/v1.html", f"{VIDEO}/embed/player.js",
                             f"{VIDEO}/embed/config.json", f"{VIDEO}/embed/thumb.png"]}
    for n, (path, loaded) in enumerate(loads.items()):
        when = start + timedelta(minutes=n)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        body, kind = first[path]
        responses.append(Response(SITE + path, body, kind, date=stamp))
        pages.append({"url": SITE + path, "ts": stamp, "loadState": 4})
        later = (when + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for ref in loaded:
            url = ref if ref.startswith("http") else SITE + ref
            table = second if url.startswith(VIDEO) else first
            body, kind = table[url.removeprefix(VIDEO).removeprefix(SITE).split("?")[0]]
            dest = "iframe" if url.endswith("v1.html") else DESTS.get(kind, "empty")
            in_frame = url.startswith(VIDEO) and not url.endswith("v1.html")
            referer = f"{VIDEO}/embed/v1.html" if in_frame else SITE + path
            responses.append(Response(url, body, kind, date=later, dest=dest, referer=referer))
    warc = warc_file(folder / "site.warc.gz", responses)
    return wacz_file(folder / "site.wacz", warc, pages)
