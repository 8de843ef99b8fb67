"""Stages `choose` and `faq`: which candidate is the article, and the FAQ after it. The
cleaned result is checked against the page: when it holds much less than the page's paragraphs
(or than its blocks of text once the chrome is gone), the other strategies are asked too and
the first result that is not much shorter than the longest one wins, lengths counted in
distinct text. The second opinions cost time only on those pages. The page's FAQ sections
that the article does not hold go after it."""

from __future__ import annotations

from collections.abc import Iterator

from lxml.html import HtmlElement

from archiver.extract import rules, trim
from archiver.extract.dom import WORD_RE, word_runs
from archiver.extract.strategies import Candidate


def paragraph_words(root: HtmlElement) -> int:
    """Words in the page's paragraphs: what an article of the page would hold, roughly."""
    return sum(len(WORD_RE.findall(p.text_content())) for p in root.iter("p"))


def block_words(root: HtmlElement) -> int:
    """Words in the blocks of text of a page without its chrome (paragraphs, list items,
    code, table cells, quotes, subheadings; each counted once): an article made of lists
    and code that the cleaning cut holds much less."""
    words = 0
    for block in root.iter(*rules.TEXT_BLOCKS):
        if next(block.iterancestors(*rules.TEXT_BLOCKS), None) is None:  # tags tested in C
            words += len(WORD_RE.findall(block.text_content()))
    return words


def choose(candidates: Iterator[Candidate | None], expected_words: int) -> Candidate | None:
    """The first candidate unless it is missing or short next to the page (`expected_words`);
    else the first of all candidates that is not much shorter than the longest one (in
    distinct text: `Candidate.distinct`). The others are found only then."""
    first = next(candidates, None)
    if first is not None and first.words >= rules.CHECK_SHARE * expected_words:
        return first
    found = [c for c in (first, *candidates) if c is not None]
    if not found:
        return None
    longest = max(c.distinct for c in found)
    return next(c for c in found if c.distinct >= rules.KEEP_SHARE * longest)


def add_faqs(found: Candidate, faqs: list[HtmlElement], meta: dict[str, str]) -> None:
    """The page's FAQ sections (`strategies.faq_sections`) that the article does not hold go
    after it, trimmed: an article's FAQ often sits in a section of its own after the body,
    which no strategy takes with it (people who annotate articles count it)."""
    held = set(word_runs(found.text)) if faqs else set()
    for faq in faqs:
        text = trim.article_text(faq, meta)
        runs = set(word_runs(text or ""))
        if text and len(runs & held) <= rules.FAQ_HELD_SHARE * len(runs):
            found.node.append(faq)
            found.text = f"{found.text}\n\n{text}"
