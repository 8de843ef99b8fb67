"""Rewrite an archived DOM (or stylesheet) so that every URL it loads points into the archive.

Pure: HTML or CSS in, HTML or CSS out. The caller says where a URL goes (`Resolver`): the
archive server maps it to its resource route, the single-file writer to a `data:` URI; either
way a URL the archive does not hold becomes something that loads nothing, never the live web.

What the page did with scripts stays (the snapshot is the DOM after they ran); the scripts
themselves go, with everything that would load or run something: `<noscript>` (it would show,
scripts being off), `<base>`, refresh `<meta>`s, preload hints, plugins, `on*` handlers.
Parsed with lxml: its HTML parser nests void HTML5 elements (`<source>`, `<wbr>`) it does not
know, and writes an end tag for them that browsers ignore, so the page parses back the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

Resolver = Callable[[str, str], str]
"""(absolute URL, what it is for: "image", "stylesheet", "font", "media", "frame", "other")
-> the URL to write in its place."""

FrameSource = Callable[[int], str]
"""A frame snapshot's position -> the URL (or `srcdoc` HTML, see `Rewriter.srcdoc`) for it."""

REMOVED_TAGS = frozenset({"script", "noscript", "base", "object", "embed", "applet", "portal"})
DROPPED_LINKS = frozenset({"preload", "prefetch", "dns-prefetch", "preconnect",
                           "modulepreload", "prerender", "manifest", "pingback", "import"})
KEPT_LINKS = frozenset({"stylesheet", "icon", "shortcut", "apple-touch-icon", "mask-icon"})
LOCAL_SCHEMES = ("data:", "about:", "blob:")
CSS_URL_RE = re.compile(r"""url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)'"\s]*))\s*\)""",
                        re.I)
CSS_IMPORT_RE = re.compile(r"""@import\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""", re.I)
SRCSET_SPLIT_RE = re.compile(r",\s+(?=\S)|,(?=[^\s,])")


def absolute(base: str, link: str) -> str | None:
    """`link` resolved against `base`, or None for what is not a URL to fetch."""
    link = (link or "").strip()
    if not link or link.startswith("#"):
        return None
    try:
        return urljoin(base, link)
    except ValueError:
        return None


def rewrite_css(css: str, base: str, resolve: Resolver) -> str:
    """Every `url()` and `@import` of a stylesheet (or a style attribute) through `resolve`."""

    def one(match: re.Match[str], kind: str) -> str:
        raw = next((g for g in match.groups() if g is not None), "")
        link = raw.replace("\\", "") if "\\" in raw else raw
        if link.lower().startswith(LOCAL_SCHEMES) and not link.lower().startswith("blob:"):
            return match.group(0)
        target = absolute(base, link)
        new = resolve(target, kind) if target else ""
        quoted = '"' + new.replace('"', "%22") + '"'
        return f"@import {quoted}" if kind == "stylesheet" else f"url({quoted})"

    css = CSS_IMPORT_RE.sub(lambda m: one(m, "stylesheet"), css)
    return CSS_URL_RE.sub(lambda m: _import_or_url(m, css, one), css)


def _import_or_url(match: re.Match[str], css: str,
                   one: Callable[[re.Match[str], str], str]) -> str:
    before = css[max(0, match.start() - 12):match.start()].lower()
    return one(match, "stylesheet" if "@import" in before else "image")


@dataclass
class Rewriter:
    """Rewrites one document: `base` is its URL (a `<base href>` in it counts too)."""

    base: str
    resolve: Resolver
    frame_source: FrameSource
    srcdoc: bool = False  # frames inline as srcdoc (single file) instead of src (server)

    def html(self, html: str) -> str:
        root = _parse(html)
        if root is None:
            return ""
        self._take_base(root)
        for el in list(root.iter()):
            if not isinstance(el.tag, str):
                if el.getparent() is not None:
                    el.getparent().remove(el)  # comments and processing instructions
                continue
            if el.getparent() is not None or el is root:
                self._element(el)
        _add_replay_style(root)
        doctype = "<!DOCTYPE html>"
        return doctype + lxml.html.tostring(root, encoding="unicode", method="html")

    def _take_base(self, root: HtmlElement) -> None:
        for base in root.iter("base"):
            href = absolute(self.base, base.get("href") or "")
            if href:
                self.base = href
                return

    def _element(self, el: HtmlElement) -> None:
        tag = el.tag.lower()
        if tag in REMOVED_TAGS or self._is_dropped(el, tag):
            el.drop_tree()
            return
        for name in [n for n in el.attrib if n.lower().startswith("on")]:
            del el.attrib[name]
        if el.get("style"):
            el.set("style", rewrite_css(el.get("style") or "", self.base, self.resolve))
        handler = HANDLERS.get(tag)
        if handler is not None:
            getattr(self, handler)(el)
        else:
            self._urls(el)

    def _is_dropped(self, el: HtmlElement, tag: str) -> bool:
        if tag == "meta":
            return (el.get("http-equiv") or "").lower() in ("refresh", "set-cookie")
        if tag == "link":
            rels = set((el.get("rel") or "").lower().split())
            return bool(rels & DROPPED_LINKS) or not rels & KEPT_LINKS
        return False

    def _url(self, value: str | None, kind: str) -> str:
        link = (value or "").strip()
        if link.lower().startswith(("data:", "about:")) or link.startswith("#"):
            return link
        target = absolute(self.base, link)
        return self.resolve(target, kind) if target else ""

    def _urls(self, el: HtmlElement) -> None:
        """The URL attributes any element may have (SVG's href, media, table backgrounds)."""
        for name in ("src", "poster", "background", "href", "xlink:href", "data"):
            value = el.get(name)
            if value is None:
                continue
            if name in ("href", "xlink:href") and el.tag.lower() in ("a", "area"):
                self._navigation(el, name)
                continue
            fragment = value.partition("#")[2] if el.tag.lower() == "use" else ""
            new = self._url(value, "image" if name != "src" else _kind(el))
            el.set(name, f"{new}#{fragment}" if fragment and new else new)
        if el.get("srcset") is not None:
            self._srcset(el, "srcset")

    def _navigation(self, el: HtmlElement, name: str) -> None:
        """Links stay links to the original address (following one is the reader's choice)."""
        value = (el.get(name) or "").strip()
        if value.lower().startswith("javascript:"):
            el.set(name, "#")
            return
        target = absolute(self.base, value)
        if target:
            el.set(name, target)
        el.set("rel", "noopener noreferrer")

    def _srcset(self, el: HtmlElement, name: str) -> None:
        kept = []
        for candidate in SRCSET_SPLIT_RE.split(el.get(name) or ""):
            url, _, descriptor = candidate.strip().partition(" ")
            target = absolute(self.base, url)
            new = self.resolve(target, "image") if target else ""
            if new and not new.startswith(MISSING_MARK):
                kept.append(f"{new} {descriptor.strip()}".strip())
        if kept:
            el.set(name, ", ".join(kept))
        else:
            del el.attrib[name]

    # --- elements with more to them than URL attributes

    def _link(self, el: HtmlElement) -> None:
        rels = set((el.get("rel") or "").lower().split())
        kind = "stylesheet" if "stylesheet" in rels else "image"
        el.set("href", self._url(el.get("href"), kind))
        for name in ("integrity", "crossorigin", "imagesrcset", "imagesizes"):
            el.attrib.pop(name, None)

    def _style(self, el: HtmlElement) -> None:
        el.text = rewrite_css(el.text or "", self.base, self.resolve)

    def _img(self, el: HtmlElement) -> None:
        shown = el.attrib.pop("data-archiver-src", None)
        if shown:
            new = self._url(shown, "image")
            if new and not new.startswith(MISSING_MARK):
                el.set("src", new)
                for name in ("srcset", "sizes"):
                    el.attrib.pop(name, None)
                _drop_picture_sources(el)
                return
        self._urls(el)

    def _canvas(self, el: HtmlElement) -> None:
        picture = el.attrib.pop("data-archiver-canvas", None)
        if not picture or not picture.startswith("data:image/"):
            return
        el.tag = "img"
        el.set("src", picture)
        el.set("alt", "")
        for child in list(el):
            el.remove(child)
        el.text = None

    def _iframe(self, el: HtmlElement) -> None:
        position = el.attrib.pop("data-archiver-frame", None)
        el.attrib.pop("srcdoc", None)
        for name in ("sandbox", "allow", "csp", "credentialless"):
            el.attrib.pop(name, None)
        if position is not None and position.isdigit():
            target = self.frame_source(int(position))
            el.set("srcdoc" if self.srcdoc else "src", target)
            if self.srcdoc:
                el.attrib.pop("src", None)
            return
        el.set("src", self._url(el.get("src"), "frame"))

    def _form(self, el: HtmlElement) -> None:
        el.attrib.pop("action", None)

    def _input(self, el: HtmlElement) -> None:
        if el.get("src") is not None:
            el.set("src", self._url(el.get("src"), "image"))
        el.attrib.pop("formaction", None)

    def _source(self, el: HtmlElement) -> None:
        self._urls(el)
        if el.get("src") is None and el.get("srcset") is None:
            el.drop_tree()


HANDLERS = {"link": "_link", "style": "_style", "img": "_img", "canvas": "_canvas",
            "iframe": "_iframe", "frame": "_iframe", "form": "_form", "input": "_input",
            "source": "_source"}
"""Elements with more to them than URL attributes, and the method that rewrites each."""

MISSING_MARK = "/-/archiver/missing"
"""Where the archive server's resolver sends what it does not hold (the single-file writer
uses an empty data: URI instead); a srcset candidate going there is dropped."""


def _kind(el: HtmlElement) -> str:
    tag = el.tag.lower()
    if tag in ("video", "audio", "source", "track"):
        return "media"
    if tag in ("iframe", "frame"):
        return "frame"
    return "image"


def _drop_picture_sources(img: HtmlElement) -> None:
    parent = img.getparent()
    if parent is not None and parent.tag.lower() == "picture":
        for source in list(parent.iter("source")):
            source.drop_tree()


REPLAY_CSS = "video:not([controls])::-webkit-media-controls { display: none !important; }"
"""With scripts off, Chromium gives every <video> its own controls; the page's scripts drew its
own (or none), so a video shows as the page showed it: its poster, no controls."""


def _add_replay_style(root: HtmlElement) -> None:
    head = root.find("head")
    if head is None:
        head = lxml.html.Element("head")
        root.insert(0, head)
    style = lxml.html.Element("style", {"data-archiver-replay": ""})
    style.text = REPLAY_CSS
    head.insert(0, style)


def _parse(html: str) -> HtmlElement | None:
    parser = lxml.html.HTMLParser(remove_comments=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return root if isinstance(root, HtmlElement) else None


def same_document(url: str) -> str:
    """A URL without its fragment: what the browser asked the server for."""
    return urlsplit(url)._replace(fragment="").geturl()

