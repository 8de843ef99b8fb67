"""Stage `choose`: which candidate is the article. The cleaned result is checked against the
page: when it holds much less than the page's paragraphs (or than its blocks of text once the
chrome is gone), the other strategies are asked too and the first result that is not much
shorter than the longest one wins, lengths counted in distinct text. The second opinions cost
time only on those pages."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from lxml.html import HtmlElement

from archiver.extract import rules
from archiver.extract.dom import WORD_RE, text_of
from archiver.extract.strategies import Candidate


def paragraph_words(root: HtmlElement) -> int:
    """Words in the page's paragraphs: what an article of the page would hold, roughly. Not the
    excerpts of teaser cards ("Read this next", a post list: each card a link to another page,
    a date or a category, and one paragraph), which the article does not hold."""
    words = 0
    for p in root.iter("p"):
        text = p.text_content()
        if len(text) > rules.EXCERPT_CARD_MAX_CHARS or not _is_excerpt(p):
            words += len(WORD_RE.findall(text))
    return words


def _is_excerpt(p: HtmlElement) -> bool:
    """A paragraph alone in a short block with a link to another page outside it: a card."""
    for depth, block in enumerate(p.iterancestors()):
        if (depth == rules.EXCERPT_MAX_DEPTH or block.tag in ("body", "article", "main")
                or next(islice(block.iter("p"), 1, 2), None) is not None):
            return False  # a block of two paragraphs or more holds text, not one excerpt
        if any(p not in a.iterancestors() and _links_away(a) for a in block.iter("a")):
            return len(text_of(block)) <= rules.EXCERPT_CARD_MAX_CHARS
    return False


def _links_away(a: HtmlElement) -> bool:
    href = (a.get("href") or "").strip().lower()
    return bool(href) and not href.startswith(("#", "javascript:"))


def block_words(root: HtmlElement) -> int:
    """Words in the blocks of text of a page without its chrome (paragraphs, list items,
    code, table cells, quotes, subheadings; each counted once): an article made of lists
    and code that the cleaning cut holds much less. Not the excerpts of teaser cards."""
    words = 0
    for block in root.iter(*rules.TEXT_BLOCKS):
        if any(a.tag in rules.TEXT_BLOCKS for a in block.iterancestors()):
            continue
        text = block.text_content()
        if (block.tag != "p" or len(text) > rules.EXCERPT_CARD_MAX_CHARS
                or not _is_excerpt(block)):
            words += len(WORD_RE.findall(text))
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
