"""What a watch compares: the page's text (or the text of a CSS selector), normalized, and
whether two versions differ enough to be a change. Pure: text in, verdicts out."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from archiver.errors import BadSelector
from archiver.textdiff import WordDiff, diff_words

DIFF_CONTEXT = 8  # unchanged words kept around each edit in a stored diff
MAX_DIFF_CHARS = 4000  # a stored diff is cut after this many characters

_DATES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
    r"|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
    r"\.?(?:,?\s+\d{4})?\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"(?:,?\s+\d{4})?\b",
    re.IGNORECASE,
)
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")
_INVISIBLE = ("script", "style", "noscript", "template")


def check_selector(selector: str) -> str:
    """The selector, or BadSelector saying what is wrong with it."""
    try:
        CSSSelector(selector)
    except SelectorError as exc:
        raise BadSelector(f"{selector!r} is not a CSS selector lxml understands: {exc}") from exc
    return selector


def selector_text(html: str, selector: str) -> str | None:
    """The visible text of every element `selector` matches in `html` (one per line), or None
    when it matches nothing."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    for element in doc.iter(*_INVISIBLE):
        element.drop_tree()
    found = CSSSelector(selector)(doc)
    if not found:
        return None
    return "\n".join(" ".join(el.text_content().split()) for el in found)


def comparable(text: str, ignore_numbers: bool = False, ignore_dates: bool = False) -> str:
    """The text as compared: whitespace collapsed, dates and numbers masked if asked."""
    if ignore_dates:
        text = _DATES.sub(" <date> ", text)
    if ignore_numbers:
        text = _NUMBERS.sub("#", text)
    return " ".join(text.split())


@dataclass
class Verdict:
    changed: bool
    diff: WordDiff  # of the texts as captured (numbers and dates included)


def compare(old: str, new: str, *, ignore_numbers: bool = False, ignore_dates: bool = False,
            threshold: int = 1) -> Verdict:
    """Is `new` a change from `old`? Whitespace never counts; numbers and dates do not count
    when ignored; fewer than `threshold` changed words (added + removed) are no change."""
    a = comparable(old, ignore_numbers, ignore_dates)
    b = comparable(new, ignore_numbers, ignore_dates)
    shown = diff_words(old, new, context=DIFF_CONTEXT)
    if a == b:
        return Verdict(False, shown)
    counted = diff_words(a, b)
    return Verdict(counted.added + counted.removed >= max(1, threshold), shown)


def short_diff(diff: WordDiff, limit: int = MAX_DIFF_CHARS) -> list[list[str]]:
    """The diff as [[kind, text], ...], cut after `limit` characters (kept with the check)."""
    out: list[list[str]] = []
    used = 0
    for segment in diff.segments:
        if used >= limit:
            out.append(["elided", " … "])
            break
        text = segment.text[: limit - used]
        out.append([segment.kind, text])
        used += len(text)
    return out


def diff_summary(segments: list[list[str]], limit: int = 200) -> str:
    """One line for a terminal: "+added words -removed words"."""
    parts = []
    for kind, text in segments:
        words = " ".join(text.split())
        if kind == "added" and words:
            parts.append(f"+[{words}]")
        elif kind == "removed" and words:
            parts.append(f"-[{words}]")
    line = " ".join(parts)
    return line if len(line) <= limit else line[: limit - 1] + "…"
