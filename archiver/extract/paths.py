"""The ways to the article text, tried in order until one finds it.

1. ``cleaned``: the page without its chrome, then readability-lxml's scoring and Reader View's
   cleaning (`core.ArticleFinder`): the best result when it works.
2. ``readability``: plain readability-lxml on the page as it came (less what no reader sees:
   `visible_page`), for when the chrome removal took the article's container with it (page
   builders nest the article in blocks whose classes look like widgets).
3. ``trafilatura``: a second extractor with other heuristics (and fallbacks of its own), on
   the same visible page.
4. ``page``: the text of the page's main region, when no extractor finds an article.

The cleaned result is checked against the page: when it holds much less than the page's
paragraphs (or than its blocks of text once the chrome is gone), the other extractors are asked
too and the first result that is not much shorter than the longest one wins, lengths counted in
distinct text (a result full of links is no article). The second opinions cost time only on
those pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import lxml.html
from lxml.html import HtmlElement
from readability import Document

from archiver.extract.body import remove_consent_checkboxes, restore_captions, trim
from archiver.extract.chrome import clean_fragment, remove_title_heading
from archiver.extract.core import ArticleFinder
from archiver.extract.document import parse
from archiver.extract.dom import WORD_RE, link_density, word_runs
from archiver.extract.output import html_to_text

CHECK_SHARE = 0.7
"""The cleaned text is checked when it has fewer words than this share of the page's <p>s."""

KEEP_SHARE = 0.7
"""A result is taken when it has at least this share of the words of the longest result."""

MAX_LINK_DENSITY = 0.5
"""A result whose text is mostly links is a list of links, not an article."""


@dataclass
class Candidate:
    """One path's article: the element, its text and the name of the path."""

    path: str
    node: HtmlElement
    text: str

    @property
    def words(self) -> int:
        return len(WORD_RE.findall(self.text))

    @property
    def distinct(self) -> int:
        """How much text a result holds once repeats are left out: its distinct runs of four
        words (a page that repeats its text, e.g. once per layout, does not count twice)."""
        return len(set(word_runs(self.text)))


def candidate(path: str, node: HtmlElement | None, meta: dict[str, str]) -> Candidate | None:
    """A path's article, trimmed to its body (`body.trim`), if it has any text. Its figures'
    captions are in its HTML, not in its text."""
    if node is None:
        return None
    remove_title_heading(node, meta.get("title"))
    captions = trim(node, meta)
    text = html_to_text(node)
    if not WORD_RE.search(text) or link_density(node) > MAX_LINK_DENSITY:
        return None
    restore_captions(node, captions)
    return Candidate(path, node, text)


def paragraph_words(root: HtmlElement) -> int:
    """Words in the page's paragraphs: what an article of the page would hold, roughly."""
    return sum(len(WORD_RE.findall(p.text_content())) for p in root.iter("p"))


def block_words(root: HtmlElement) -> int:
    """Words in the blocks of text of a page without its chrome (paragraphs, list items,
    code, table cells, quotes, subheadings; each counted once): an article made of lists
    and code that the cleaning cut holds much less."""
    words = 0
    for block in root.iter(*_TEXT_BLOCKS):
        if not any(a.tag in _TEXT_BLOCKS for a in block.iterancestors()):
            words += len(WORD_RE.findall(block.text_content()))
    return words


_TEXT_BLOCKS = ("p", "li", "pre", "td", "blockquote", "dd", "h2", "h3", "h4")


def choose(first: Candidate | None, page_words: int,
           others: list[Callable[[], Candidate | None]]) -> Candidate | None:
    """`first` unless it is missing or short next to the page; else the first of all results
    that is not much shorter than the longest one (in distinct text: `Candidate.distinct`)."""
    if first is not None and first.words >= CHECK_SHARE * page_words:
        return first
    found = [c for c in (first, *_lazily(others)) if c is not None]
    if not found:
        return None
    longest = max(c.distinct for c in found)
    return next(c for c in found if c.distinct >= KEEP_SHARE * longest)


def _lazily(makers: list[Callable[[], Candidate | None]]) -> Iterator[Candidate | None]:
    for make in makers:
        yield make()


# The paths
# ---------------------------------------------------------------------------------------------


def cleaned(root: HtmlElement, meta: dict[str, str]) -> Candidate | None:
    """readability-lxml on the page without its chrome (`chrome.remove_chrome` ran before)."""
    return candidate("cleaned", ArticleFinder(root).article(), meta)


def visible_page(html: str) -> HtmlElement:
    """The page as it came, without what no reader sees or counts as the page: hidden nodes
    and consent prompts (`chrome.clean_fragment`), for the extractors that do not know them."""
    root = parse(html)
    clean_fragment(root)
    remove_consent_checkboxes(root)
    return root


def plain_readability(html: str, meta: dict[str, str]) -> Candidate | None:
    """readability-lxml as it is, on the page as it came (without hidden nodes and consent
    prompts)."""
    try:
        summary = Document(visible_page(html)).summary(html_partial=True)
    except Exception:  # noqa: BLE001 - readability wraps everything in Unparseable
        return None
    return candidate("readability", _fragment(summary), meta)


def trafilatura_article(html: str, url: str | None, meta: dict[str, str]) -> Candidate | None:
    """trafilatura's article, as HTML (it keeps headings, lists, tables and quotes)."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        found = trafilatura.extract(visible_page(html), url=url, output_format="html",
                                    include_comments=False, include_links=True,
                                    include_tables=True)
    except Exception:  # noqa: BLE001 - a second opinion that fails gives none
        return None
    return candidate("trafilatura", _fragment(found), meta)


def page_text(root: HtmlElement, meta: dict[str, str]) -> Candidate | None:
    """The page's main region without its chrome: <main>, the only <article>, or <body>."""
    articles = root.xpath("//article")
    for node in (*root.xpath("//main"), *(articles if len(articles) == 1 else ()),
                 root.find("body")):
        found = candidate("page", node, meta)
        if found is not None:
            return found
    return None


def _fragment(html: str | None) -> HtmlElement | None:
    """Another extractor's HTML as one element (its <body>), without consent prompts."""
    if not html or not html.strip():
        return None
    try:
        node = lxml.html.document_fromstring(html).find("body")
    except Exception:  # noqa: BLE001 - what cannot be parsed gives no article
        return None
    if node is not None:
        node.tag = "div"
        clean_fragment(node)
    return node
