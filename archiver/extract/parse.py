"""Stage `parse`: input checks, repair and parsing: what the extractor accepts as HTML, and
how it reads it.

Documents nested deeper than libxml2 keeps (256) are rebuilt flatter first."""

from __future__ import annotations

import json
import re
from html import escape
from html.parser import HTMLParser as _TokenParser

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from archiver.errors import ExtractionError

MAX_HTML_CHARS = 30_000_000
"""Larger input is refused: no article is that big, and readability's scoring is superlinear."""

MAX_DEPTH = 200
"""Nesting kept when a document is deeper than libxml2's limit (256); deeper tags are dropped."""

# Input checks and repair
# ---------------------------------------------------------------------------------------------

_BINARY_SIGNATURES = {
    "%PDF-": "a PDF document",
    "\x89PNG": "a PNG image",
    "\ufffdPNG": "a PNG image",
    "GIF87a": "a GIF image",
    "GIF89a": "a GIF image",
    "\xff\xd8\xff": "a JPEG image",
    "PK\x03\x04": "a ZIP archive",
    "\x1f\x8b": "gzip-compressed data",
    "RIFF": "a RIFF (WebP/WAV/AVI) file",
}
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes(c for c in range(0x80) if _CONTROL_RE.match(chr(c)))
"""_CONTROL_RE's characters as UTF-8 bytes (each its own byte, in no other character's)."""
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_META_CHARSET_RE = re.compile(r"<meta\b[^>]*charset[^>]*>", re.I)


def checked_input(html: object) -> str:
    """Refuse what is not HTML, with a message saying what it is instead."""
    if isinstance(html, bytes | bytearray):
        raise ExtractionError("expected the HTML as text (str), got bytes: decode it first")
    if not isinstance(html, str):
        raise ExtractionError(f"expected the HTML as text (str), got {type(html).__name__}")
    if len(html) > MAX_HTML_CHARS:
        raise ExtractionError(
            f"document too large: {len(html):,} characters (limit {MAX_HTML_CHARS:,})"
        )
    head = html.lstrip("\ufeff \t\r\n")[:2048]
    if not head.replace("\x00", "").strip():
        raise ExtractionError("empty document")
    for signature, what in _BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise ExtractionError(f"not HTML: the input is {what}")
    if _looks_binary(head):
        raise ExtractionError("not HTML: the input looks like binary data")
    if head[0] in "{[" and _is_json(html):
        raise ExtractionError("not HTML: the input is JSON")
    if "<" not in html:
        raise ExtractionError("not HTML: the input has no markup (plain text?)")
    return html


def _looks_binary(head: str) -> bool:
    """Control characters and U+FFFD are rare in HTML and common in decoded binary data.

    NUL bytes alone do not count: they are what UTF-16 read as a single-byte charset leaves.
    """
    without_nul = head.replace("\x00", "")
    if not without_nul:
        return False
    odd = len(_CONTROL_RE.findall(without_nul)) + without_nul.count("\ufffd")
    return odd > 0.1 * len(without_nul)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def repair_text(html: str) -> str:
    """Drop what the parser must not see: NULs, control characters, lone surrogates, encoding
    declarations (the input is already text, so a declared charset can only mislead)."""
    html = html.lstrip("\ufeff")
    try:  # most pages hold neither: two scans of the text in C, not two regular expressions
        encoded: bytes | None = html.encode("utf-8")  # fails on lone surrogates only
    except UnicodeEncodeError:
        encoded = None
    if encoded is None or len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded):
        html = _CONTROL_RE.sub("", html)
    if encoded is None:
        html = _SURROGATE_RE.sub("\ufffd", html)
    html = _XML_DECL_RE.sub("", html)
    return _META_CHARSET_RE.sub("", html)


# ---------------------------------------------------------------------------------------------
# Parsing (with a fallback for documents nested deeper than libxml2 allows)
# ---------------------------------------------------------------------------------------------


_CLASS_LOOKUP = etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity)
"""Every element an `HtmlElement`, chosen in C: lxml.html's own lookup (a Python call for
each element object made, forms and inputs as their own classes, which no stage uses) took
about a tenth of the extraction's time."""


def _parser(**options: bool) -> lxml.html.HTMLParser:
    return plain_parser(remove_comments=True, remove_pis=True, **options)


def plain_parser(**options: bool) -> lxml.html.HTMLParser:
    """lxml.html's parser (its defaults, or `options`), with elements made as `parse` makes
    them: for the trees built from other extractors' HTML, which `trim` walks as well."""
    parser = lxml.html.HTMLParser(**options)
    parser.set_element_class_lookup(_CLASS_LOOKUP)
    return parser


def parse(html: str) -> HtmlElement:
    parser = _parser()
    root = _parse_with(html, parser)
    if any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in parser.error_log):
        # libxml2 silently drops everything below depth 256: rebuild the markup flatter
        root = _parse_with(_flatten(html, MAX_DEPTH), _parser(huge_tree=True))
    _gather_strays(root)
    return root


def _gather_strays(root: HtmlElement) -> None:
    """Put into <body> what a page has after a premature `</html>` (a template that closes the
    document after its header, then goes on with the article): libxml2 leaves it in a second
    <html> beside the document, where no extractor looks; a browser's parser (HTML5's "after
    after body" rule) appends it to <body>, and so do we."""
    strays = list(root.itersiblings())
    if not strays:
        return
    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    for stray in strays:
        if not isinstance(stray.tag, str):
            continue
        for part in list(stray):
            if part.tag == "head":
                continue
            for child in list(part) if part.tag == "body" else [part]:
                body.append(child)


def _parse_with(html: str, parser: lxml.html.HTMLParser) -> HtmlElement:
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError(f"could not parse the HTML: {exc}") from exc
    if root is None or not isinstance(root, HtmlElement):
        raise ExtractionError("could not parse the HTML: no document element")
    return root


_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)


class _Flattener(_TokenParser):
    """Re-serialize markup, dropping the tags (not the text) nested deeper than `max_depth`."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(convert_charrefs=True)
        self.max_depth = max_depth
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, emitted)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            self.out.append(self.get_starttag_text() or "")
            return
        emitted = len(self.stack) < self.max_depth
        self.stack.append((tag, emitted))
        self.out.append(self.get_starttag_text() or "" if emitted else " ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if not any(name == tag for name, _ in self.stack):
            return
        while self.stack:
            name, emitted = self.stack.pop()
            if emitted:
                self.out.append(f"</{name}>")
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        raw = self.stack and self.stack[-1][0] in ("script", "style")
        self.out.append(data if raw else escape(data, quote=False))


def _flatten(html: str, max_depth: int) -> str:
    flattener = _Flattener(max_depth)
    flattener.feed(html)
    flattener.close()
    return "".join(flattener.out)
