"""Rendering what was archived, for people: shared by the Datasette views and `export`.

Pure functions and the templates' location; nothing here knows Datasette.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from archiver import store
from archiver.sanitize import sanitize_html

TEMPLATES = Path(__file__).parent / "templates"


STATIC = Path(__file__).parent / "static"


WORDS_PER_MINUTE = 230


RTL_LANGUAGES = frozenset("ar arc ckb dv fa he iw ks ps sd ug ur yi".split())


def text_direction(lang: str | None) -> str:
    primary = (lang or "").replace("_", "-").split("-")[0].lower()
    return "rtl" if primary in RTL_LANGUAGES else "ltr"


def reading_minutes(word_count: int | None) -> int:
    return max(1, math.ceil((word_count or 0) / WORDS_PER_MINUTE))


def highlight(snippet: str) -> Markup:
    """An FTS snippet, HTML-escaped, with its match marks turned into <mark>."""
    escaped = str(escape(snippet))
    return Markup(escaped.replace(store.SNIPPET_START, "<mark>")
                  .replace(store.SNIPPET_END, "</mark>"))


def render_article(html: str | None, live_images: bool = False,
                   archived: Callable[[str], str | None] | None = None) -> Markup:
    """The stored article HTML, sanitized again. Images the archive holds (`archived` maps an
    image URL to where the archive serves it) show from the archive; unless `live_images`, the
    others become links to their original address, so reading contacts no other site."""
    safe = sanitize_html(html or "")
    if not safe or live_images:
        return Markup(safe)
    return Markup(_archived_media(safe, archived or (lambda url: None)))


def _archived_media(safe_html: str, archived: Callable[[str], str | None]) -> str:
    root = lxml.html.fragment_fromstring(safe_html, create_parent="div")
    for source in list(root.iter("source")):
        source.drop_tree()
    for media in list(root.iter("img", "video", "audio")):
        local = archived(media.get("src") or "") if media.tag == "img" else None
        if local:
            media.set("src", local)
            media.attrib.pop("srcset", None)
            continue
        media.addprevious(_placeholder(media))
        media.drop_tree()
    inner = "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return (root.text and str(escape(root.text)) or "") + inner


def _placeholder(media: Any) -> Any:
    url = media.get("src") or media.get("poster") or ""
    label = media.get("alt") or media.get("title") or media.tag
    link = lxml.html.Element("a", {"class": "not-archived", "rel": "noopener noreferrer"})
    if url.startswith(("http://", "https://")):
        link.set("href", url)
    link.set("title", "Not archived: opening it contacts the original site")
    link.text = f"{media.tag}: {label}"
    link.tail = media.tail
    return link


PREFIX = "/-/archiver"


def capture_path(database: str, capture_id: int, kind: str = "") -> str:
    """Where a capture's views live: `/-/archiver/DB/ID[/KIND]` (the one place that says so)."""
    base = f"{PREFIX}/{database}/{int(capture_id)}"
    return f"{base}/{kind}" if kind else base


def page_path(database: str, page_id: int) -> str:
    """The history of one page (every capture of its URL)."""
    return f"{PREFIX}/{database}/page/{int(page_id)}"


def template_environment() -> Environment:
    """The views' templates, for rendering outside Datasette (export)."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)),
                       autoescape=select_autoescape(default=True))


def diff_markup(segments: list[list[str]]) -> Markup:
    """A stored word diff ([[kind, text], ...]) as HTML: <ins> added, <del> removed, the rest
    escaped (a watched page's words are hostile input like any other)."""
    out = []
    for kind, text in segments:
        words = text.lstrip()
        lead = escape(text[: len(text) - len(words)])
        if kind == "added":
            out.append(f"{lead}<ins>{escape(words)}</ins>")
        elif kind == "removed":
            out.append(f"{lead}<del>{escape(words)}</del>")
        elif kind == "elided":
            out.append(f'<span class="elided">{escape(text)}</span>')
        else:
            out.append(str(escape(text)))
    return Markup("".join(out))
