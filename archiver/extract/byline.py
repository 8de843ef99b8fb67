"""Stage `byline`: the byline the markup shows (Reader View's way of finding it), taken out of
the page, or a `<meta itemprop="author">`; only when the page declares no author."""

from __future__ import annotations

from lxml.html import HtmlElement

from archiver.extract import rules
from archiver.extract.dom import class_id, has_ancestor, in_article, norm, remove, text_of
from archiver.extract.normalize import is_hidden


def take_byline(root: HtmlElement) -> str | None:
    """Find the byline in the markup the way Reader View does, remove it, return its text.

    The first element in document order, outside hidden nodes and outside the subtrees
    Readability.js drops as unlikely (class/id like "sidebar", "comment", "header"; menu and
    navigation roles), that is marked as the author (rel=author, itemprop=author) or whose
    class/id says byline/author/dateline, and holds 1-99 characters of text. When it has an
    itemprop=name descendant (schema.org Person), that names the author more exactly than the
    whole element ("By", dates, "Follow" buttons)."""
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or el.tag in rules.NOT_TEXT_TAGS or is_hidden(el):
            continue
        features = class_id(el).lower()
        if el.tag not in ("html", "body") and _is_byline(el, features):
            name = next((d for d in el.iterdescendants()
                         if isinstance(d.tag, str) and "name" in (d.get("itemprop") or "")),
                        None)
            byline = text_of(name if name is not None else el)
            remove(el)
            return byline
        if _is_unlikely(el, features):
            continue
        stack.extend(reversed([child for child in el if isinstance(child.tag, str)]))
    return None


def _is_byline(el: HtmlElement, features: str) -> bool:
    if not (el.get("rel") == "author" or "author" in (el.get("itemprop") or "")
            or rules.BYLINE_RE.search(features)):
        return False
    return 0 < len(el.text_content().strip()) < rules.BYLINE_MAX_CHARS


def _is_unlikely(el: HtmlElement, features: str) -> bool:
    """Readability.js's test for a subtree that holds no article (before any scoring), with
    the exceptions our article finder makes too: a block that holds the <article>/<main> is
    a layout wrapper, and a "header" inside an <article> is that article's header (where
    HTML puts the author's name), not the page's."""
    if (el.get("role") or "") in rules.BYLINE_SKIP_ROLES:
        return True
    if el.tag in ("html", "body", "a") or not rules.UNLIKELY_RE.search(features):
        return False
    if in_article(el) and not rules.UNLIKELY_RE.search(rules.HEADER_RE.sub(" ", features)):
        return False
    return (
        not rules.MAYBE_CANDIDATE_RE.search(features)
        and not has_ancestor(el, "table")
        and not has_ancestor(el, "code")
        and not el.xpath("descendant::article | descendant::main")
    )


def itemprop_author(root: HtmlElement) -> str | None:
    """A `<meta itemprop="author" content="...">`: the author when nothing else names one."""
    for value in root.xpath('//meta[contains(@itemprop, "author")]/@content'):
        if 0 < len(value.strip()) < rules.BYLINE_MAX_CHARS:
            return norm(value)
    return None
