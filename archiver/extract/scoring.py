"""readability-lxml's scoring of the page's blocks, with Readability.js's notion of "unlikely",
its scores and its second look at the winner (the `cleaned` strategy's article finder); the
winner is cleaned by `cleaning`."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from readability import Document

from archiver.errors import ExtractionError
from archiver.extract import rules
from archiver.extract.cleaning import class_weight, clean_article
from archiver.extract.dom import (
    HEADING_TAGS,
    class_id,
    elements,
    link_density,
    norm,
    prose_length,
    remove,
    text_of,
    word_runs,
)
from archiver.extract.parse import plain_parser


class ArticleFinder(Document):  # type: ignore[misc]
    """readability-lxml's Document: its candidate scoring, with our cleaning of the winner."""

    def __init__(self, root: HtmlElement) -> None:
        super().__init__(root)  # no url: only the article's links are made absolute, later
        self._node: HtmlElement | None = None

    def article(self) -> HtmlElement | None:
        try:
            self.summary(html_partial=True)
        except Exception as exc:  # noqa: BLE001 - readability wraps everything in Unparseable
            raise ExtractionError(f"readability could not find an article: {exc}") from exc
        return self._node

    def _parse(self, input: HtmlElement) -> HtmlElement:
        """The tree as it is: hidden nodes and chrome are gone already, links are made absolute
        and the HTML sanitized later, so readability's own cleaning (lxml's Cleaner, a third
        of its time) has nothing left to do but drop scripts, styles and <link>s, and resolve
        links against a <base href>."""
        for el in list(input.iter("script", "style", "link")):
            remove(el)
        if input.find(".//base[@href]") is not None:  # relative links mean what <base> says
            input.resolve_base_href(handle_failures="discard")
        return input

    def remove_unlikely_candidates(self) -> None:
        page_prose = None
        for el in list(elements(self.html)):
            features = class_id(el).lower()
            if el.tag in HEADING_TAGS or (
                    "header" in features and rules.FOLDED_LOWER_RE.search(features)):
                # "header-anchor": an in-body heading; "accordion-header": a folded panel's title
                features = features.replace("header", "")
            unlikely = rules.UNLIKELY_RE.search(features) if len(features) > 1 else None
            if (
                unlikely
                and not rules.MAYBE_CANDIDATE_RE.search(features)
                and el.tag not in ("html", "body", "a")
                and not el.xpath("ancestor::table | ancestor-or-self::pre | ancestor::code")
                and not el.xpath("descendant-or-self::main | descendant-or-self::article | "
                                 ".//math")
            ):
                if unlikely.group() in ("header", "sidebar"):
                    if page_prose is None:
                        page_prose = prose_length(self.html)
                    if _names_text(el, unlikely.group(), page_prose):
                        continue
                remove(el)

    def get_link_density(self, elem: HtmlElement) -> float:
        return link_density(elem)

    def score_node(self, elem: HtmlElement) -> dict[str, Any]:
        """Readability.js's initial score: only <div> gets the container bonus, not <article>.
        <body> gets no class weight: readability-lxml sets its id to "readabilityBody"."""
        weight = class_weight(elem) if elem.tag != "body" else 0
        return {"content_score": rules.TAG_SCORES.get(elem.tag, 0) + weight, "elem": elem}

    def score_paragraphs(self) -> dict[HtmlElement, dict[str, Any]]:
        """Score like Readability.js: a paragraph's points go to five levels of ancestors
        (divided by 1, 2, 6, 9, 12), so an article made of lists or nested blocks still wins."""
        candidates: dict[HtmlElement, dict[str, Any]] = {}
        for elem in self.html.iter("p", "pre", "td", "blockquote"):
            text = norm(elem.text_content())
            if len(text) < self.min_text_length:
                continue
            points = 1 + len(rules.COMMAS_RE.split(text)) + min(len(text) // 100, 3)
            for level, ancestor in enumerate(_scorable_ancestors(elem)):
                if ancestor not in candidates:
                    candidates[ancestor] = self.score_node(ancestor)
                divider = 1 if level == 0 else 2 if level == 1 else level * 3
                candidates[ancestor]["content_score"] += points / divider
        for elem, candidate in candidates.items():
            candidate["content_score"] *= 1 - self.get_link_density(elem)
        return candidates

    def select_best_candidate(self, candidates: dict[HtmlElement, dict[str, Any]]
                              ) -> dict[str, Any] | None:
        """readability-lxml's choice, then Readability.js's second look at it: a common
        ancestor of three of the top five that score nearly as well, or a parent that scores
        better, is the article (a page whose text is cut into blocks, a data table or a list
        of picks winning over the prose around it)."""
        best = super().select_best_candidate(candidates)
        if best is None:
            return None
        node = _better_ancestor(best, candidates)
        if node is best["elem"] or _repeats_itself(node):
            return best  # a wrapper of the page's layouts, each with the text: keep one
        score = candidates.get(node, {}).get("content_score", 0)
        return {"content_score": max(score, best["content_score"]), "elem": node}

    def get_article(self, candidates: dict[HtmlElement, dict[str, Any]],
                    best_candidate: dict[str, Any], html_partial: bool = False) -> HtmlElement:
        """readability-lxml's gathering of the winner's siblings, with Readability.js's bonus for
        a sibling of the winner's class (an article cut in blocks of one kind by images and
        calls to action: its intro block holds fewer paragraphs than the body block), and the
        lead before the winner: a block of prose, barely linked, that scores less than the
        fifth of the winner a sibling needs (an intro, a summary, a "quick insight" box above
        the body, a heading or a byline between them)."""
        best = best_candidate["elem"]
        name = best.get("class")
        parent = best.getparent()
        candidates = dict(candidates)
        if name and parent is not None:
            bonus = best_candidate["content_score"] * 0.2
            for sibling in parent:
                if sibling is not best and sibling.get("class") == name and sibling in candidates:
                    score = candidates[sibling]["content_score"] + bonus
                    candidates[sibling] = {**candidates[sibling], "content_score": score}
        threshold = max(10, best_candidate["content_score"] * 0.2)
        for sibling in best.itersiblings(preceding=True):
            if sibling not in candidates:
                continue
            score = candidates[sibling]["content_score"]
            if score < threshold and _is_lead(sibling, score, best_candidate["content_score"]):
                candidates[sibling] = {**candidates[sibling], "content_score": threshold}
        leads = []
        for ancestor in itertools.islice(best.iterancestors(), rules.LEAD_LEVELS):
            if ancestor.tag in ("body", "html", "article", "main"):
                break
            leads += [s for s in ancestor.itersiblings(preceding=True)
                      if s in candidates and _is_lead(s, candidates[s]["content_score"],
                                                      best_candidate["content_score"])]
        for lead in leads:  # nearest first: each goes before the ones already in
            best.insert(0, lead)
        found = super().get_article(candidates, best_candidate, html_partial)
        return _as_parsed(found) if html_partial else found

    def merge_article_segments(self, candidates: dict[HtmlElement, dict[str, Any]],
                               best_candidate: dict[str, Any], score_threshold: float) -> None:
        """readability-lxml's merge of the winner's segments (blocks of its tag and class
        elsewhere in the article, that score a fifth of it), and, whatever they score, the
        segments between two merged ones (a page builder's blocks of a subheading and a short
        list between the blocks of prose: "Specification:", "Pros:", "Cons:")."""
        best = best_candidate["elem"]
        kind = (best.tag, best.get("class"))
        segments = [el for el in best.getroottree().iter(best.tag)
                    if (el.tag, el.get("class")) == kind] if kind[1] else []
        super().merge_article_segments(candidates, best_candidate, score_threshold)
        merged = [n for n, el in enumerate(segments) if el is best or el.getparent() is best]
        if len(merged) < 2:
            return
        last = None  # the segment last put in before the winner's own blocks
        for n in range(merged[0] + 1, merged[-1]):
            el = segments[n]
            if (el.getparent() is best or el is best or el not in candidates
                    or best in el.iterancestors() or not (text := text_of(el))
                    or link_density(el, text) > rules.SEGMENT_MAX_LINK_DENSITY):
                if el.getparent() is best:
                    last = el
                continue
            after = next(s for s in segments[n + 1:] if s is best or s.getparent() is best)
            if after is not best:
                after.addprevious(el)
            elif last is not None:
                last.addnext(el)
                last = el
            else:
                best.insert(0, el)
                last = el

    def sanitize(self, node: HtmlElement, candidates: dict, keep_all_images: bool = False) -> str:
        clean_article(node)
        self._node = node
        self.html = node
        return etree.tostring(node, encoding="unicode", method="html")


def _as_parsed(found: HtmlElement) -> HtmlElement:
    """readability's article (a <div> it made, with the blocks it gathered) in a <div> made
    as `parse` makes elements, so that the stages after it walk it as cheaply as the page."""
    div = lxml.html.fragment_fromstring("<div/>", parser=plain_parser())
    div.tag, div.text, div.tail = found.tag, found.text, found.tail
    div.attrib.update(found.attrib)
    div.extend(list(found))
    return div


def _is_lead(el: HtmlElement, score: float, best: float) -> bool:
    return (rules.LEAD_SCORE_SHARE * best <= score and prose_length(el) >= rules.LEAD_PROSE_CHARS
            and link_density(el) < rules.LEAD_MAX_LINK_DENSITY)


def _names_text(el: HtmlElement, word: str, page_prose: int) -> bool:
    """Whether an element named "header" or "sidebar" holds text rather than chrome: a layout
    wrapper ("sidebar-layout", a header the template leaves open) with more than half of the
    page's paragraphs, or a block of the text named for its part ("listicle-header" with the
    intro, an FAQ pane styled "pane-header-alignment") with 300 characters of paragraphs."""
    prose = prose_length(el)
    if prose > rules.LAYOUT_WRAPPER_PROSE_SHARE * page_prose:
        return True
    return (word == "header" and prose > rules.NAMED_BLOCK_PROSE_CHARS
            and link_density(el) < rules.NAMED_BLOCK_MAX_LINK_DENSITY)


def _better_ancestor(best: dict[str, Any], candidates: dict[HtmlElement, dict[str, Any]]
                     ) -> HtmlElement:
    top = best["elem"]
    score = best["content_score"]
    if score <= 0:
        return top
    others = sorted((c for c in candidates.values() if c["elem"] is not top),
                    key=lambda c: c["content_score"], reverse=True)[:4]
    close = [set(c["elem"].iterancestors()) for c in others
             if c["content_score"] >= rules.SECOND_LOOK_SHARE * score]
    if len(close) >= 3:
        for ancestor in top.iterancestors():
            if ancestor.tag in ("body", "html"):
                break
            if sum(ancestor in ancestors for ancestors in close) >= 3:
                return ancestor
    last, threshold = score, score / 3
    for ancestor in top.iterancestors():
        if ancestor.tag in ("body", "html"):
            break
        if ancestor not in candidates:
            continue
        parent_score = candidates[ancestor]["content_score"]
        if parent_score < threshold:
            break
        if parent_score > last:
            return ancestor
        last = parent_score
    return top


def _repeats_itself(el: HtmlElement) -> bool:
    """Whether most of an element's runs of four words occur more than once in it (a page
    that holds its text twice, once per layout)."""
    runs = word_runs(el.text_content().lower())
    return len(set(runs)) < rules.REPEATED_TEXT_SHARE * len(runs)


def _scorable_ancestors(elem: HtmlElement) -> Iterator[HtmlElement]:
    for level, ancestor in enumerate(elem.iterancestors()):
        if level == 5 or ancestor.getparent() is None:
            return
        yield ancestor
