"""A readable word-level diff of two article texts: what a site edited between two captures.

Pure: text in, segments out. The views render the segments; nothing here knows about HTML.

The diff is Myers' algorithm as diff-match-patch implements it, over words (each distinct word
mapped to one character), with a time budget: a watched page is hostile input, and difflib's
SequenceMatcher is quadratic (30,000 words of a crafted page took 264 s a check). Past the
budget the diff is still correct, only coarser (a larger block marked as replaced).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

CONTEXT_WORDS = 25
"""Unchanged words kept on each side of an edit; longer unchanged stretches are elided."""

DIFF_BUDGET_S = 1.0
"""Seconds one diff may spend looking for the smallest edit."""

_WORD = re.compile(r"\S+")


@dataclass
class Segment:
    kind: str  # "same" | "added" | "removed" | "elided"
    text: str

    @property
    def leading(self) -> str:
        """The whitespace before the first word (shown outside an added/removed mark)."""
        return self.text[: len(self.text) - len(self.text.lstrip())]

    @property
    def words(self) -> str:
        return self.text.lstrip()


@dataclass
class WordDiff:
    segments: list[Segment]
    added: int  # words
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def tokens(text: str) -> list[str]:
    """Words with the whitespace before them (so that joining them gives the text back, but
    for trailing whitespace). Linear in the text, however much whitespace it holds."""
    out, start = [], 0
    for match in _WORD.finditer(text):
        out.append(text[start:match.end()])
        start = match.end()
    return out


def diff_words(old: str, new: str, context: int = CONTEXT_WORDS,
               budget: float = DIFF_BUDGET_S) -> WordDiff:
    """Compare two texts word by word (whitespace changes alone are not edits)."""
    a, b = tokens(old), tokens(new)
    codes: dict[str, str] = {}
    encoded_a, encoded_b = _encode(a, codes), _encode(b, codes)
    engine = diff_match_patch()
    engine.Diff_Timeout = budget
    segments: list[Segment] = []
    added = removed = i = j = 0
    for op, chunk in engine.diff_main(encoded_a, encoded_b, False):
        n = len(chunk)
        if op == 0:
            segments.extend(_elide("".join(a[i:i + n]), i == 0, i + n == len(a), context))
            i, j = i + n, j + n
        elif op < 0:
            segments.append(Segment("removed", "".join(a[i:i + n])))
            removed, i = removed + n, i + n
        else:
            segments.append(Segment("added", "".join(b[j:j + n])))
            added, j = added + n, j + n
    return WordDiff(segments, added, removed)


def _encode(words: list[str], codes: dict[str, str]) -> str:
    """Each distinct word (without its leading whitespace) as one character."""
    out = []
    for word in words:
        key = word.strip()
        code = codes.get(key)
        if code is None:
            code = codes[key] = _char(len(codes))
        out.append(code)
    return "".join(out)


def _char(n: int) -> str:
    """The n-th code point that is a valid single character (surrogates skipped)."""
    n += 1
    if n >= 0xD800:
        n += 0x800
    if n > 0x10FFFF:
        raise ValueError("more distinct words than Unicode has characters")
    return chr(n)


def _elide(text: str, at_start: bool, at_end: bool, context: int) -> list[Segment]:
    """An unchanged stretch, shortened to `context` words next to each edit."""
    words = tokens(text)
    keep_head = 0 if at_start else context
    keep_tail = 0 if at_end else context
    if len(words) <= keep_head + keep_tail + context:
        return [Segment("same", text)]
    head = "".join(words[:keep_head])
    tail = "".join(words[len(words) - keep_tail:]) if keep_tail else ""
    skipped = len(words) - keep_head - keep_tail
    out = [Segment("same", head)] if head else []
    out.append(Segment("elided", f" … {skipped} unchanged words … "))
    if tail:
        out.append(Segment("same", tail))
    return out
