"""A readable word-level diff of two article texts: what a site edited between two captures.

Pure: text in, segments out. The views render the segments; nothing here knows about HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

CONTEXT_WORDS = 25
"""Unchanged words kept on each side of an edit; longer unchanged stretches are elided."""

_TOKEN = re.compile(r"\s*\S+")


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
    """Words with the whitespace before them (so that joining them gives the text back)."""
    return _TOKEN.findall(text)


def diff_words(old: str, new: str, context: int = CONTEXT_WORDS) -> WordDiff:
    """Compare two texts word by word (whitespace changes alone are not edits)."""
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, [t.strip() for t in a], [t.strip() for t in b],
                              autojunk=False)
    segments: list[Segment] = []
    added = removed = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.extend(_elide("".join(a[i1:i2]), i1 == 0, i2 == len(a), context))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("removed", "".join(a[i1:i2])))
            removed += i2 - i1
        if op in ("insert", "replace"):
            segments.append(Segment("added", "".join(b[j1:j2])))
            added += j2 - j1
    return WordDiff(segments, added, removed)


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
