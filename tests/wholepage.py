"""A rich page on two local origins, for the whole-page tests (and the storage benchmark).

Every block of the page needs a different part of the archive to look right: a stylesheet
from the second origin, one it `@import`s, a web font, `<picture>` with WebP, `srcset`, CSS
and inline-style backgrounds, an SVG `<image>`, a video poster, a cross-origin iframe, a
script-built shadow-DOM component, a script-inserted image, a native lazy image and a
script-driven lazy image far below the fold. Each block is a large area of its own colour or
pattern, so that a missing part changes many pixels.
"""

from __future__ import annotations

import io
import string

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import Image, ImageDraw

BLOCKS = ("font", "imported", "cssbg", "inlinebg", "pictures", "svgimage", "poster", "frame",
          "shadow", "scripted", "lazy", "jslazy")
WIDTH, HEIGHT = 1200, 360


def image(colour: tuple[int, int, int], fmt: str = "PNG", stripes: int = 6,
          size: tuple[int, int] = (WIDTH, HEIGHT)) -> bytes:
    """A picture of stripes: `colour` and a darker shade of it."""
    picture = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(picture)
    dark = tuple(c // 3 for c in colour)
    step = size[0] // (2 * stripes)
    for n in range(stripes):
        draw.rectangle([2 * n * step, 0, (2 * n + 1) * step, size[1]], fill=dark)
    out = io.BytesIO()
    picture.save(out, fmt, lossless=True) if fmt == "WEBP" else picture.save(out, fmt)
    return out.getvalue()


def box_font(family: str = "ArchiverBoxes") -> bytes:
    """A TrueType font whose every letter is a filled box: text in it is unmistakable."""
    chars = string.ascii_letters + string.digits + " "
    order = [".notdef"] + [f"g{ord(c)}" for c in chars]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap({ord(c): f"g{ord(c)}" for c in chars})
    glyphs = {".notdef": _box(False)}
    glyphs.update({f"g{ord(c)}": _box(c != " ") for c in chars})
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (1000, 0) for name in order})
    builder.setupHorizontalHeader(ascent=900, descent=-100)
    builder.setupNameTable({"familyName": family, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=900, usWinAscent=900, usWinDescent=100)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def _box(filled: bool) -> object:
    pen = TTGlyphPen(None)
    if filled:
        pen.moveTo((40, -60))
        pen.lineTo((40, 860))
        pen.lineTo((960, 860))
        pen.lineTo((960, -60))
        pen.closePath()
    return pen.glyph()


def page(other: str) -> str:
    """The page on the first origin; `other` is the second origin (scheme://host:port)."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The whole page</title>
<link rel="stylesheet" href="{other}/whole/site.css">
<style>
  body {{ margin: 0; background: #fff; }}
  section, header {{ height: 400px; margin: 0; overflow: hidden; }}
  img, svg, video, iframe {{ display: block; }}
</style></head>
<body>
<header id="font">Boxes Boxes Boxes Boxes Boxes Boxes Boxes Boxes Boxes Boxes</header>
<section id="imported"></section>
<section id="cssbg"></section>
<section id="inlinebg" style="background-image: url('/whole/inline.png')"></section>
<section id="pictures">
  <picture><source srcset="/whole/photo.webp" type="image/webp">
    <img src="/whole/photo-fallback.png" width="600" height="180" alt=""></picture>
  <img srcset="/whole/small.png 1x, /whole/large.png 2x" src="/whole/small.png"
       width="600" height="180" alt="">
</section>
<section id="svgimage"><svg width="{WIDTH}" height="{HEIGHT}">
  <image href="/whole/svgimage.png" width="{WIDTH}" height="{HEIGHT}"/></svg></section>
<section id="poster"><video poster="/whole/poster.png" width="{WIDTH}" height="{HEIGHT}"></video>
</section>
<section id="frame"><iframe src="{other}/whole/frame.html" width="{WIDTH}" height="{HEIGHT}"
  style="border: 0" title="frame"></iframe></section>
<section id="shadow"><fancy-card></fancy-card></section>
<section id="scripted"></section>
<div style="height: 2400px"></div>
<section id="lazy"><img loading="lazy" src="/whole/lazy.png" width="{WIDTH}" height="{HEIGHT}"
  alt=""></section>
<section id="jslazy"><img class="jslazy" data-src="/whole/jslazy.png" width="{WIDTH}"
  height="{HEIGHT}" alt=""></section>
<script src="{other}/whole/widgets.js"></script>
</body></html>"""


SITE_CSS = """@import "more.css";
@font-face { font-family: "ArchiverBoxes"; src: url("boxes.ttf") format("truetype"); }
#font { font-family: "ArchiverBoxes", serif; font-size: 88px; line-height: 1; color: #123; }
#cssbg { background: url("cssbg.png") no-repeat; }
"""
MORE_CSS = "#imported { background: #c0392b; border-top: 40px solid #2c3e50; }\n"
FRAME_HTML = """<!DOCTYPE html><html><head><link rel="stylesheet" href="frame.css"></head>
<body><img src="frame.png" width="1200" height="300" alt=""></body></html>"""
FRAME_CSS = "body { margin: 0; background: #8e44ad; } img { display: block; }\n"
WIDGETS_JS = """
class FancyCard extends HTMLElement {
  constructor() {
    super();
    const root = this.attachShadow({mode: "open"});
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(".card { width: 1200px; height: 360px; background: repeating-linear-gradient("
      + "90deg, #16a085 0 100px, #f1c40f 100px 200px); }");
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = '<div class="card"></div>';
  }
}
customElements.define("fancy-card", FancyCard);
const added = document.createElement("img");
added.src = "/whole/scripted.png"; added.width = 1200; added.height = 360;
document.getElementById("scripted").append(added);
const watcher = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (entry.isIntersecting) {
      entry.target.src = entry.target.dataset.src;
      watcher.unobserve(entry.target);
    }
  }
});
document.querySelectorAll("img.jslazy").forEach((img) => watcher.observe(img));
"""

FIRST_ORIGIN_IMAGES = {
    "/whole/inline.png": (52, 152, 219), "/whole/photo.webp": (39, 174, 96),
    "/whole/photo-fallback.png": (255, 0, 255), "/whole/small.png": (230, 126, 34),
    "/whole/large.png": (211, 84, 0), "/whole/svgimage.png": (127, 140, 141),
    "/whole/poster.png": (192, 57, 43), "/whole/scripted.png": (41, 128, 185),
    "/whole/lazy.png": (243, 156, 18), "/whole/jslazy.png": (26, 188, 156),
}
SECOND_ORIGIN_IMAGES = {"/whole/cssbg.png": (155, 89, 182), "/whole/frame.png": (46, 204, 113)}


def routes(other: str) -> tuple[dict[str, tuple[bytes, str]], dict[str, tuple[bytes, str]]]:
    """(path -> (body, content type)) for the first origin and for the second."""
    first = {"/whole/index.html": (page(other).encode(), "text/html; charset=utf-8")}
    for path, colour in FIRST_ORIGIN_IMAGES.items():
        fmt = "WEBP" if path.endswith(".webp") else "PNG"
        size = (600, 180) if "photo" in path or "small" in path or "large" in path else None
        first[path] = (image(colour, fmt, size=size or (WIDTH, HEIGHT)),
                       "image/webp" if fmt == "WEBP" else "image/png")
    second = {
        "/whole/site.css": (SITE_CSS.encode(), "text/css"),
        "/whole/more.css": (MORE_CSS.encode(), "text/css"),
        "/whole/boxes.ttf": (box_font(), "font/ttf"),
        "/whole/frame.html": (FRAME_HTML.encode(), "text/html; charset=utf-8"),
        "/whole/frame.css": (FRAME_CSS.encode(), "text/css"),
        "/whole/widgets.js": (WIDGETS_JS.encode(), "text/javascript"),
    }
    for path, colour in SECOND_ORIGIN_IMAGES.items():
        size = (WIDTH, 300) if "frame" in path else (WIDTH, HEIGHT)
        second[path] = (image(colour, size=size), "image/png")
    return first, second
