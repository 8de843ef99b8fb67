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

from archiver.replay.css import MAX_CSS_CHARS, CssUrl, css_urls

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
    """Every URL of a stylesheet (or a style attribute) through `resolve`: `url()`, the
    strings of `image-set()`, `@import`. Linear in the size of `css` (archiver.replay.css);
    a stylesheet beyond MAX_CSS_CHARS is left out, with a comment saying so."""
    if len(css) > MAX_CSS_CHARS:
        return (f"/* archiver: a stylesheet of {len(css):,} characters, over the "
                f"{MAX_CSS_CHARS:,} that replay rewrites: left out */")
    parts: list[str] = []
    done = 0
    for ref in css_urls(css):
        parts.append(css[done:ref.start])
        done = ref.end
        parts.append(_css_replacement(css[ref.start:ref.end], ref, base, resolve))
    parts.append(css[done:])
    return "".join(parts)


def _css_replacement(written: str, ref: CssUrl, base: str, resolve: Resolver) -> str:
    if ref.form == "bad":
        return "()"
    link = ref.url.strip(" \t\n\r\f")
    lowered = link.lower()
    if lowered.startswith(("data:", "about:")) or link.startswith("#"):
        return written  # loads nothing from anywhere
    target = absolute(base, link)
    new = resolve(target, ref.kind) if target else ""
    quoted = '"' + new.replace("\\", "%5C").replace('"', "%22").replace("\n", "") + '"'
    return f"({quoted})" if ref.form == "url" else quoted


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
        for name in [n for n in el.attrib if n.lower().startswith("on") or
                     n.lower() in DROPPED_ATTRIBUTES]:
            del el.attrib[name]
        if el.get("style"):
            _set(el, "style", rewrite_css(el.get("style") or "", self.base, self.resolve))
        handler = HANDLERS.get(tag)
        if handler is not None:
            getattr(self, handler)(el)
        else:
            self._urls(el)

    def _is_dropped(self, el: HtmlElement, tag: str) -> bool:
        if tag == "meta":
            equiv = el.get("http-equiv")
            return equiv is not None and equiv.strip(" \t\n\r\f").lower() not in KEPT_EQUIVS
        if tag in ANIMATIONS:  # SVG's <set>/<animate> can give an element a new URL
            target = (el.get("attributeName") or el.get("attributename") or "").strip()
            return target.lower().rpartition(":")[2] in ("href", "src")
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
            _set(el, name, f"{new}#{fragment}" if fragment and new else new)
        if el.get("srcset") is not None:
            self._srcset(el, "srcset")

    def _navigation(self, el: HtmlElement, name: str) -> None:
        """Links stay links to the original address (following one is the reader's choice).
        Read as a browser's URL parser reads it: control characters and spaces around it
        dropped, tabs and newlines in it too (`&#1;java&#9;script:` is a javascript: URL)."""
        value = _URL_TRIM.sub("", el.get(name) or "")
        if value.lower().startswith(("javascript:", "vbscript:")):
            el.set(name, "#")
            return
        target = absolute(self.base, value)
        if target:
            _set(el, name, _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", target))
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
            _set(el, name, ", ".join(kept))
        else:
            del el.attrib[name]

    # --- elements with more to them than URL attributes

    def _link(self, el: HtmlElement) -> None:
        rels = set((el.get("rel") or "").lower().split())
        kind = "stylesheet" if "stylesheet" in rels else "image"
        _set(el, "href", self._url(el.get("href"), kind))
        for name in ("integrity", "crossorigin", "imagesrcset", "imagesizes"):
            el.attrib.pop(name, None)

    def _style(self, el: HtmlElement) -> None:
        el.text = inert_style_text(rewrite_css(el.text or "", self.base, self.resolve))

    def _img(self, el: HtmlElement) -> None:
        shown = el.attrib.pop("data-archiver-src", None)
        if shown:
            new = self._url(shown, "image")
            if new and not new.startswith(MISSING_MARK):
                _set(el, "src", new)
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
        _set(el, "src", picture)
        _set(el, "alt", "")
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
            _set(el, "srcdoc" if self.srcdoc else "src", target)
            if self.srcdoc:
                el.attrib.pop("src", None)
            return
        _set(el, "src", self._url(el.get("src"), "frame"))

    def _form(self, el: HtmlElement) -> None:
        el.attrib.pop("action", None)

    def _input(self, el: HtmlElement) -> None:
        if el.get("src") is not None:
            _set(el, "src", self._url(el.get("src"), "image"))

    def _source(self, el: HtmlElement) -> None:
        self._urls(el)
        if el.get("src") is None and el.get("srcset") is None:
            el.drop_tree()


HANDLERS = {"link": "_link", "style": "_style", "img": "_img", "canvas": "_canvas",
            "iframe": "_iframe", "frame": "_iframe", "form": "_form", "input": "_input",
            "source": "_source"}
"""Elements with more to them than URL attributes, and the method that rewrites each."""

KEPT_EQUIVS = frozenset({"content-type", "content-language", "default-style",
                         "x-ua-compatible"})
"""`<meta http-equiv>` kept: those that load nothing and go nowhere (refresh, set-cookie,
content-security-policy, delegate-ch and whatever comes next are dropped)."""
DROPPED_ATTRIBUTES = frozenset({"ping", "formaction", "attributionsrc"})
"""Attributes that send a request when a link is followed or a button pressed."""
ANIMATIONS = frozenset({"set", "animate", "animatemotion", "animatetransform"})
_URL_TRIM = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$|[\t\n\r]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CHARACTER_REFERENCE = re.compile(r"&(?=[A-Za-z#])")


def inert_style_text(css: str) -> str:
    """A `<style>`'s text made to read the same whether the browser parses it as raw text (in
    HTML) or as markup (inside `<svg>` or `<math>`, where lxml's parser still reads text): no
    `<` (so no tag, no comment, no CDATA) and no `&` that could start a character reference,
    both written as CSS escapes, which mean the same characters in CSS's strings."""
    css = css.replace("<!--", "").replace("<", "\\3c ")
    return _xml_text(_CHARACTER_REFERENCE.sub("\\\\26 ", css))


def _xml_text(text: str) -> str:
    """What lxml can hold: the control characters XML forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _set(el: HtmlElement, name: str, value: str) -> None:
    el.set(name, _xml_text(value))


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

