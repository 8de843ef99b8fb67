"""The URLs an HTML page or a stylesheet refers to: what the page needs to be shown again.

Pure functions, no I/O. URLs are made absolute against the document's URL (or its `<base>`),
without their fragment, as a browser requests them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml import etree

from archiver.replay.css import MAX_CSS_CHARS, css_urls

MAX_REFS = 5000
"""References kept per document: a page that names more is not one a person reads."""

# (tag, attribute) pairs whose value is one URL the browser fetches.
URL_ATTRIBUTES = (
    ("img", "src"), ("img", "data-src"), ("script", "src"), ("iframe", "src"), ("frame", "src"),
    ("embed", "src"), ("object", "data"), ("source", "src"), ("video", "src"),
    ("video", "poster"), ("audio", "src"), ("track", "src"), ("input", "src"),
    ("body", "background"), ("table", "background"), ("td", "background"),
    ("image", "href"), ("image", "{http://www.w3.org/1999/xlink}href"), ("use", "href"),
    ("use", "{http://www.w3.org/1999/xlink}href"),
)
SRCSET_ATTRIBUTES = (("img", "srcset"), ("img", "data-srcset"), ("source", "srcset"))
# <link rel=...> values that load something (not canonical, alternate, next ...).
LOADING_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon",
                "apple-touch-icon-precomposed", "mask-icon", "preload", "modulepreload",
                "prefetch", "image_src"}



def absolute(base: str, ref: str | None) -> str | None:
    """`ref` resolved against `base`, without its fragment; None for what is not fetched
    (data: and javascript: URLs, empty values, anchors)."""
    if not ref:
        return None
    ref = ref.strip()
    if not ref or ref.startswith("#"):
        return None
    try:
        url = urldefrag(urljoin(base, ref))[0]
    except ValueError:
        return None
    return url if url.startswith(("http://", "https://")) else None


def html_refs(html: str, url: str) -> list[str]:
    """Every URL the document loads: stylesheets, scripts, images (srcset too), frames, media,
    icons, and the `url(...)` of its `<style>` elements and `style` attributes."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    base = _base_url(root, url)
    found: dict[str, None] = {}
    for ref in _element_refs(root, base):
        if len(found) >= MAX_REFS:
            break
        found.setdefault(ref)
    return list(found)


def _base_url(root: lxml.html.HtmlElement, url: str) -> str:
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            return urljoin(url, href.strip())
    return url


def _element_refs(root: lxml.html.HtmlElement, base: str) -> Iterator[str]:
    for element in root.iter(etree.Element):
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.rpartition("}")[2].lower()
        yield from _attribute_refs(element, tag, base)
        if tag == "style" and element.text:
            yield from css_refs(element.text, base)
        style = element.get("style")
        if style and "url(" in style:
            yield from css_refs(style, base)


def _attribute_refs(element: etree._Element, tag: str, base: str) -> Iterator[str]:
    if tag == "link" and _loads(element):
        ref = absolute(base, element.get("href"))
        if ref:
            yield ref
    for wanted, attribute in URL_ATTRIBUTES:
        if tag == wanted:
            ref = absolute(base, element.get(attribute))
            if ref:
                yield ref
    for wanted, attribute in SRCSET_ATTRIBUTES:
        if tag == wanted and element.get(attribute):
            yield from srcset_refs(element.get(attribute) or "", base)


def _loads(link: etree._Element) -> bool:
    rels = set((link.get("rel") or "").lower().split())
    return bool(rels & LOADING_RELS) or bool(link.get("as"))


def srcset_refs(srcset: str, base: str) -> Iterator[str]:
    """The URLs of a `srcset` ("a.jpg 1x, b.jpg 2x")."""
    for candidate in srcset.split(","):
        parts = candidate.strip().split()
        ref = absolute(base, parts[0]) if parts else None
        if ref:
            yield ref


def css_refs(css: str, base: str) -> list[str]:
    """The `url(...)`, `image-set()` and `@import` references of a stylesheet, absolute (found
    in one linear pass: archiver.replay.css)."""
    found: dict[str, None] = {}
    if len(css) > MAX_CSS_CHARS:
        return []
    for ref in css_urls(css):
        url = absolute(base, ref.url) if ref.form != "bad" else None
        if url:
            found.setdefault(url)
            if len(found) >= MAX_REFS:
                break
    return list(found)


_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_SCRIPT_TYPE = re.compile(r"""\stype\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
SCRIPT_TYPES = frozenset({"", "module", "text/javascript", "application/javascript",
                          "text/ecmascript", "application/ecmascript", "application/x-javascript",
                          "text/x-javascript", "text/jscript", "text/livescript"})


def runs_scripts(html: str) -> bool:
    """Whether a browser runs a script of this document (a `<script>` of a JavaScript type;
    JSON data blocks and templates are not scripts)."""
    for tag in _SCRIPT_TAG.finditer(html):
        kind = _SCRIPT_TYPE.search(tag.group(1))
        value = next((v for v in kind.groups() if v is not None), "") if kind else ""
        if value.split(";")[0].strip().lower() in SCRIPT_TYPES:
            return True
    return False
