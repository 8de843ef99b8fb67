"""Stage `output`: the article's body: absolute links, sanitized HTML (`archiver.sanitize`),
plain text."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from archiver.extract import rules
from archiver.extract.dom import WORD_RE, norm
from archiver.models import Article
from archiver.sanitize import sanitize_html


def fill(article: Article, node: HtmlElement, text: str, path: str, url: str | None) -> None:
    """Give `article` its body: the element as sanitized HTML with absolute links, its text and
    word count, and the strategy that found it."""
    prepare_article(node, url)
    article.html = sanitize_html(etree.tostring(node, encoding="unicode", method="html"))
    article.text = text
    article.word_count = len(WORD_RE.findall(text))
    article.extraction_path = path


def prepare_article(node: HtmlElement, url: str | None) -> None:
    for a in list(node.iter("a")):
        if (a.get("href") or "").strip().lower().startswith("javascript:"):
            a.drop_tag()
    if url:
        try:
            node.make_links_absolute(url, resolve_base_href=False, handle_failures="discard")
        except ValueError:
            pass


_LINE_TAGS = frozenset(
    "li dt dd tr figcaption caption summary legend address br hr div section article header "
    "footer main aside nav details fieldset form".split()
)
_PARAGRAPH_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 blockquote pre ul ol dl table figure".split())
_CELL_TAGS = frozenset({"td", "th"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head",
                        "title", "iframe", "object", "embed", "select", "textarea", "button"})
_LINE, _PARAGRAPH = 1, 2


def html_to_text(node: HtmlElement) -> str:
    """Plain text: paragraphs separated by blank lines, list items and headings on their own
    lines, cells separated by tabs, <pre> whitespace kept."""
    out = _TextBuilder()
    _walk(node, out, pre=False)
    return out.text()


class _TextBuilder:
    """Collects text chunks. Like html-text (the benchmark's reference renderer), separate
    chunks from different elements get a space unless punctuation follows: block-ish <span>s
    without whitespace between them are common. Unlike html-text, a word that inline markup
    cuts in two stays one word (`rules.INLINE_TAGS`, `_cut_word`): only the start or only the
    end of such elements between two chunks, and a word's ending after them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = _PARAGRAPH  # break owed before the next text
        self.started = False
        self.prev_raw = ""
        self.crossed = 0  # the element boundaries passed since the last chunk (_OPENED...)

    def enter(self, tag: str) -> None:
        self.crossed |= _OPENED if tag in rules.INLINE_TAGS else _OTHER

    def leave(self, tag: str) -> None:
        self.crossed |= _CLOSED if tag in rules.INLINE_TAGS else _OTHER

    def brk(self, kind: int) -> None:
        self.pending = max(self.pending, kind)

    def add(self, raw: str, pre: bool) -> None:
        text = raw if pre else norm(raw)
        if not text:
            return
        if self.pending and self.started:
            self.parts.append("\n\n" if self.pending == _PARAGRAPH else "\n")
        elif self.started and not pre and self._needs_space(raw, text):
            self.parts.append(" ")
        self.pending = 0
        self.started = True
        self.parts.append(text)
        self.prev_raw = raw
        self.crossed = 0

    def _needs_space(self, raw: str, text: str) -> bool:
        if self.parts[-1] == "\t":
            return False
        if self.prev_raw[-1:].isspace():
            return True
        if self.crossed in (_OPENED, _CLOSED) and not raw[:1].isspace() and _cut_word(
                self.prev_raw, text, self.crossed):
            return False
        return not _PUNCT_AFTER_RE.match(text) and not self.prev_raw.endswith("(")

    def text(self) -> str:
        lines = "".join(self.parts).split("\n")
        return "\n".join(line.rstrip() for line in lines).strip("\n")


_PUNCT_AFTER_RE = re.compile(r'^[,:;.!?")]')
_OPENED, _CLOSED, _OTHER = 1, 2, 4


def _cut_word(before: str, after: str, crossed: int) -> bool:
    """Whether inline markup between two chunks of text (its start or its end only) cuts one
    word: a word's ending after it (`<a>business</a>es`, `<em>API</em>'s`, `<em>no</em>-fare`),
    an initial set apart (`<b>R</b>efuse`), or Chinese or Japanese on both sides."""
    last = before[-1:]
    if rules.UNSPACED_SCRIPT_RE.match(last) and rules.UNSPACED_SCRIPT_RE.match(after):
        return True
    if not last.isalnum():
        return False
    if crossed == _CLOSED and len(before) == 1 and last.isupper() and after[0].islower():
        return True
    return bool(rules.WORD_SUFFIX_RE.match(after))


def _walk(el: HtmlElement, out: _TextBuilder, pre: bool) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    tag = tag.rsplit("}", 1)[-1].lower()
    if tag in _SKIP_TAGS or not isinstance(el.tag, str):
        return
    pre = pre or tag in ("pre", "textarea")
    kind = _PARAGRAPH if tag in _PARAGRAPH_TAGS else _LINE if tag in _LINE_TAGS else 0
    if tag == "br":
        if pre:
            out.add("\n", pre=True)
        else:
            out.brk(_LINE)
        return
    out.brk(kind)
    out.enter(tag)
    if tag in _CELL_TAGS and out.started and not out.pending:
        out.add("\t", pre=True)
    if el.text:
        out.add(el.text, pre)
    for child in el:
        _walk(child, out, pre)
        if child.tail:
            out.add(child.tail, pre)
    out.leave(tag)
    out.brk(kind)
