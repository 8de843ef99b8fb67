"""Small DOM helpers shared by the extraction stages."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

from archiver.extract import rules

WS_RE = re.compile(r"\s+")
WORD_RE = re.compile(r"\w+")


def norm(text: str | None) -> str:
    return " ".join((text or "").split())


def text_of(el: HtmlElement) -> str:
    return norm(el.text_content())


def short_text(el: HtmlElement, most: int) -> str | None:
    """`text_of(el)` if it is at most `most` characters long, else None: a long text is told
    from the start of it, without normalizing all of it (the words of a prefix of a text,
    normalized, are never longer than the whole text's)."""
    raw = el.text_content()
    if len(raw) > 2 * most and len(norm(raw[:2 * most])) > most:
        return None
    text = norm(raw)
    return text if len(text) <= most else None


def class_id(el: HtmlElement) -> str:
    """The class and id of an element, the strings Readability's heuristics look at."""
    return f"{el.get('class') or ''} {node_id(el)}"


HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def node_id(el: HtmlElement) -> str:
    """An element's id, as a name the page gave it: not a heading's anchor made from its own
    words ("h-what-is-social-sharing", "related-work"), which says what the heading says,
    not what kind of block it is."""
    value = el.get("id") or ""
    if value and el.tag in HEADING_TAGS:
        words = set(WORD_RE.findall(el.text_content().lower()))
        named = [w for w in re.split(r"[\W_]+", value.lower()) if len(w) > 1]
        if words and named and (
                sum(w in words for w in named) >= rules.HEADING_ID_SHARE * len(named)):
            return ""
    return value


def remove(el: HtmlElement) -> None:
    """Remove an element and its subtree, keeping the text that follows it."""
    if el.getparent() is not None:
        el.drop_tree()


def elements(root: HtmlElement) -> Iterator[HtmlElement]:
    """Every element under root, skipping comments/PIs (lxml yields those with a callable tag)."""
    return root.iter(etree.Element)  # the filter in C: no Python call per node


def link_density(el: HtmlElement, text: str | None = None) -> float:
    """The share of `el`'s text (`text`, when the caller has it already) in its links."""
    length = len(text_of(el) if text is None else text)
    if not length:
        return 0.0
    linked = 0.0
    for a in el.iter("a"):
        weight = rules.IN_PAGE_LINK_WEIGHT if (a.get("href") or "").startswith("#") else 1.0
        linked += len(text_of(a)) * weight
    return linked / length


def prose_length(el: HtmlElement) -> int:
    """Characters in an element's paragraphs: where a page's text is."""
    return sum(len(text_of(p)) for p in el.iter("p"))


def word_runs(text: str) -> list[tuple[str, ...]]:
    """The text's runs of four words, one after the other (one run for a shorter text)."""
    words = WORD_RE.findall(text)
    return [tuple(words[i:i + 4]) for i in range(max(len(words) - 3, 1))]


def has_prose(el: HtmlElement) -> bool:
    """Whether an element holds a paragraph of prose (a <p> of more than 300 characters)."""
    return any(len(text_of(p)) > rules.PROSE_PARAGRAPH_CHARS for p in el.iter("p"))


def similarity(a: str, b: str) -> float:
    """Share of b's text made of words that also occur in a (1 = same words)."""
    tokens_a = [t for t in re.split(r"\W+", a.lower()) if t]
    tokens_b = [t for t in re.split(r"\W+", b.lower()) if t]
    if not tokens_a or not tokens_b:
        return 0.0
    unique_b = [t for t in tokens_b if t not in tokens_a]
    return 1 - len(" ".join(unique_b)) / len(" ".join(tokens_b))


def has_ancestor(el: HtmlElement, tag: str, max_depth: int = 3) -> bool:
    for depth, ancestor in enumerate(el.iterancestors()):
        if max_depth > 0 and depth > max_depth:
            return False
        if ancestor.tag == tag:
            return True
    return False


def in_article(el: HtmlElement) -> bool:
    return next(el.iterancestors("article", "main"), None) is not None  # tags tested in C
