"""The one orchestrator: a page goes through `STAGES`, an ordered list of named stages.

Each stage reads what the stages before it left on the `Page` and adds its own part; this
module alone knows their order. The stages' modules work on trees and text and know nothing of
each other's order. `candidates` and `trim` only lay out the work: a second opinion is found,
and trimmed, when `choose` asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lxml.html import HtmlElement

from archiver.errors import ExtractionError
from archiver.extract import (
    boilerplate,
    byline,
    choose,
    metadata,
    normalize,
    output,
    parse,
    strategies,
    trim,
)
from archiver.extract.strategies import Candidate
from archiver.models import Article


class Page:
    """One page on its way through the stages: its input, and what each stage found."""

    root: HtmlElement
    """parse: the document tree; the stages after it change it in place."""
    meta: dict[str, str]
    """metadata: what the page declares (JSON-LD, meta tags, <title>, <time>, lang)."""
    byline: str | None
    """byline: the byline the markup shows, where the page declares none."""
    expected_words: int
    """boilerplate: about how many words an article of this page holds."""
    candidates: Iterator[Candidate | None]
    """candidates, trim: each strategy's article, found (and trimmed) when asked for."""
    fallbacks: Iterator[Candidate | None]
    """candidates, trim: the page's main regions, for when no strategy finds an article."""
    faqs: list[HtmlElement]
    """candidates: copies of the page's FAQ sections, as they were before any strategy ran."""
    found: Candidate
    """choose: the article (faq: with the FAQ that follows it)."""
    article: Article
    """complete, output: the result."""

    def __init__(self, html: str, url: str | None) -> None:
        self.html = html  # repaired by `parse`, read again by the second opinions
        self.url = url


def run(html: str, url: str | None) -> Article:
    """The article of one page: every stage, in order."""
    page = Page(html, url)
    for _name, stage in STAGES:
        stage(page)
    return page.article


def _parse(page: Page) -> None:
    page.html = parse.repair_text(parse.checked_input(page.html))
    page.root = parse.parse(page.html)


def _read_metadata(page: Page) -> None:
    page.meta = metadata.read_metadata(page.root, page.url)


def _normalize(page: Page) -> None:
    normalize.remove_hidden(page.root, page.html)


def _take_byline(page: Page) -> None:
    page.byline = None if page.meta.get("byline") else (
        byline.take_byline(page.root) or byline.itemprop_author(page.root))


def _remove_boilerplate(page: Page) -> None:
    """The page's chrome goes; the words an article of it holds are its paragraphs' before,
    or its blocks of text's after, whichever are more."""
    paragraphs = choose.paragraph_words(page.root)
    boilerplate.remove_boilerplate(page.root, page.meta.get("title"))
    page.expected_words = max(paragraphs, choose.block_words(page.root))


def _find_candidates(page: Page) -> None:
    page.faqs = strategies.faq_sections(page.root, page.html)
    page.candidates = strategies.candidates(page.root, page.html, page.url)
    page.fallbacks = strategies.fallbacks(page.root)


def _trim(page: Page) -> None:
    page.candidates = (_trimmed(found, page.meta) for found in page.candidates)
    page.fallbacks = (_trimmed(found, page.meta) for found in page.fallbacks)


def _trimmed(found: Candidate | None, meta: dict[str, str]) -> Candidate | None:
    """A candidate cut to its body, with its text; None if nothing of it is left."""
    text = None if found is None else trim.article_text(found.node, meta)
    if found is None or text is None:
        return None
    found.text = text
    return found


def _choose(page: Page) -> None:
    found = choose.choose(page.candidates, page.expected_words) or next(
        (fallback for fallback in page.fallbacks if fallback is not None), None)
    if found is None:
        raise ExtractionError("no article text found in the document")
    page.found = found


def _add_faqs(page: Page) -> None:
    choose.add_faqs(page.found, page.faqs, page.meta)


def _complete(page: Page) -> None:
    page.article = metadata.describe(page.meta, page.byline, page.found.node, page.found.text)


def _output(page: Page) -> None:
    output.fill(page.article, page.found.node, page.found.text, page.found.path, page.url)


STAGES: tuple[tuple[str, Callable[[Page], None]], ...] = (
    ("parse", _parse),
    ("metadata", _read_metadata),
    ("normalize", _normalize),
    ("byline", _take_byline),
    ("boilerplate", _remove_boilerplate),
    ("candidates", _find_candidates),
    ("trim", _trim),
    ("choose", _choose),
    ("faq", _add_faqs),
    ("complete", _complete),
    ("output", _output),
)
"""The stages, in the order they run; the package's docstring says what each does."""
