"""Stage `candidates`: the strategies, the ways to the article text, each a candidate.

1. ``cleaned``: the page without its chrome, then readability-lxml's scoring and Reader View's
   cleaning (`scoring.ArticleFinder`, `cleaning`): the best result when it works.
2. ``readability``: plain readability-lxml on the page as it came (less what no reader sees:
   `visible_page`), for when the chrome removal took the article's container with it (page
   builders nest the article in blocks whose classes look like widgets).
3. ``trafilatura``: a second extractor with other heuristics (and fallbacks of its own), on
   the same visible page.
4. ``page``: the text of the page's main region, when no extractor finds an article.

The second opinions are found only when `choose` asks for them.
"""

from __future__ import annotations

import copy
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
from lxml.html import HtmlElement
from readability import Document

from archiver.extract import rules
from archiver.extract.boilerplate import clean_fragment, remove_consent_checkboxes
from archiver.extract.dom import WORD_RE, link_density, text_of, word_runs
from archiver.extract.normalize import remove_hover_cards
from archiver.extract.parse import parse, plain_parser
from archiver.extract.scoring import ArticleFinder


@dataclass
class Candidate:
    """One strategy's article: the name of the strategy (`Article.extraction_path`), the element
    and its text (filled in by the `trim` stage)."""

    path: str
    node: HtmlElement
    text: str = ""

    @property
    def words(self) -> int:
        return len(WORD_RE.findall(self.text))

    @property
    def distinct(self) -> int:
        """How much text a result holds once repeats are left out: its distinct runs of four
        words (a page that repeats its text, e.g. once per layout, does not count twice)."""
        return len(set(word_runs(self.text)))


def candidates(root: HtmlElement, html: str, url: str | None) -> Iterator[Candidate | None]:
    """The strategies' articles, in order, each found only when asked for (None for a strategy
    that finds none): the page without its chrome, then the second opinions on the page as it
    came."""
    yield _candidate("cleaned", cleaned(root))
    yield _candidate("readability", plain_readability(html))
    yield _candidate("trafilatura", trafilatura_article(html, url))


def fallbacks(root: HtmlElement) -> Iterator[Candidate | None]:
    """The page's main regions (`page_regions`), for when no strategy finds an article."""
    for node in page_regions(root):
        yield _candidate("page", node)


def faq_sections(root: HtmlElement, html: str) -> list[HtmlElement]:
    """Copies of the page's FAQ sections (named so, two questions or more, answered in text,
    barely linked), taken before the strategies move the page's blocks: an article's FAQ often
    sits in a section of its own after the body, which no strategy takes with it."""
    if not any(name in html for name in rules.FAQ_NAMES):
        return []
    found: list[HtmlElement] = []
    for el in root.xpath(rules.FAQ_XPATH):
        if (el.tag in rules.NOT_TEXT_TAGS or any(f in found for f in el.iterancestors())
                or len(whole := text_of(el)) < rules.FAQ_MIN_CHARS
                or link_density(el, whole) > rules.FAQ_MAX_LINK_DENSITY):
            continue
        questions = (q for q in el.iter(*rules.QUESTION_TAGS)
                     if (text := text_of(q)).endswith("?") and len(text) <= rules.QUESTION_MAX_CHARS
                     and not any(text_of(d) == text for d in q.iterdescendants()))
        enough = itertools.islice(questions, rules.FAQ_MIN_QUESTIONS)  # no need to count on
        if len(list(enough)) >= rules.FAQ_MIN_QUESTIONS:
            found.append(el)
    return [copy.deepcopy(el) for el in found]


def _candidate(path: str, node: HtmlElement | None) -> Candidate | None:
    return None if node is None else Candidate(path, node)


def cleaned(root: HtmlElement) -> HtmlElement | None:
    """readability-lxml on the page without its chrome (the `boilerplate` stage ran before)."""
    return ArticleFinder(root).article()


def visible_page(html: str) -> HtmlElement:
    """The page as it came, without what no reader sees or counts as the page: hidden nodes,
    hover cards and consent prompts (`boilerplate.clean_fragment`), for the extractors that do
    not know them."""
    root = parse(html)
    remove_hover_cards(root, html)
    clean_fragment(root)
    remove_consent_checkboxes(root)
    return root


def plain_readability(html: str) -> HtmlElement | None:
    """readability-lxml as it is, on the page as it came (without hidden nodes and consent
    prompts)."""
    try:
        summary = Document(visible_page(html)).summary(html_partial=True)
    except Exception:  # noqa: BLE001 - readability wraps everything in Unparseable
        return None
    return _fragment(summary)


def trafilatura_article(html: str, url: str | None) -> HtmlElement | None:
    """trafilatura's article, as HTML (it keeps headings, lists, tables and quotes)."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        found = trafilatura.extract(visible_page(html), url=url, output_format="html",
                                    include_comments=False, include_links=True,
                                    include_tables=True)
    except Exception:  # noqa: BLE001 - a second opinion that fails gives none
        return None
    return _fragment(found)


def page_regions(root: HtmlElement) -> Iterator[HtmlElement]:
    """The page's main regions without its chrome, once asked for (after the other strategies
    ran): <main>, the only <article>, <body>."""
    articles = root.xpath("//article")
    yield from (*root.xpath("//main"), *(articles if len(articles) == 1 else ()),
                root.find("body"))


def _fragment(html: str | None) -> HtmlElement | None:
    """Another extractor's HTML as one element (its <body>), without consent prompts."""
    if not html or not html.strip():
        return None
    try:
        node = lxml.html.document_fromstring(html, parser=plain_parser()).find("body")
    except Exception:  # noqa: BLE001 - what cannot be parsed gives no article
        return None
    if node is not None:
        node.tag = "div"
        clean_fragment(node)
    return node
