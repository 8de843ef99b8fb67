"""autoconsent's rules, cut down to those that can apply to one document.

autoconsent ships its declarative rules in a compact form (`rules/compact-rules.json`): a
table of strings and, per rule, a row whose steps refer to those strings by index. About three
quarters of the rules are site-specific (a `urlPattern` naming one site); the content script
tests that pattern itself, but only after it was handed every rule. Handing a page only the
rules that can match its address (every generic rule, plus the site-specific ones whose
pattern matches) is what autoconsent's own browser extensions do; it cuts the message each page
gets from ~280 KB to ~70 KB, and the work of passing it through the driver and the browser.

The rows are documented by autoconsent's `CompactedCMPRule` (lib/encoding.ts):
[min step version, name, cosmetic, urlPattern, frame context, prehide selectors (string
indices), detectCmp, detectPopup, optOut, test (lists of steps)]; a step names a string by
index under the short keys in `STRING_KEYS`, and nests steps under `if`, `then`, `else`, `any`.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

STRING_KEYS = ("e", "v", "c", "k", "w", "wv", "h", "cc")


URL_PATTERN, PREHIDE, FIRST_STEPS, LAST_STEPS = 3, 5, 6, 9


@dataclass(frozen=True, eq=False)  # hashed by identity: the cache below keys on it
class CompactRules:
    """The compact rule table, with each site-specific rule's pattern compiled once."""

    version: int
    strings: tuple[str, ...]
    rows: tuple[Any, ...]
    frame_rows: frozenset[int]  # rules that run in iframes (autoconsent's frameRuleRange)
    patterns: tuple[re.Pattern[str] | None, ...]  # None: generic (or a pattern Python can't read)

    @classmethod
    def parse(cls, text: str) -> CompactRules:
        compact = json.loads(text)
        rows = tuple(compact["r"])
        start, end = compact.get("index", {}).get("frameRuleRange", [0, len(rows)])
        return cls(int(compact["v"]), tuple(compact["s"]), rows, frozenset(range(start, end)),
                   tuple(_compile(row[URL_PATTERN]) for row in rows))

    def for_document(self, url: str, top: bool) -> str:
        """The rules a document at `url` can use, as the JSON autoconsent's `initResp` takes."""
        chosen = tuple(
            n for n, row in enumerate(self.rows)
            if (top or n in self.frame_rows)
            and (not row[URL_PATTERN] or _matches(self.patterns[n], url))
        )
        return self._encode(chosen)

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one table per process, few distinct sets
    def _encode(self, chosen: tuple[int, ...]) -> str:
        """The chosen rows with a string table of only what they use, indices renumbered."""
        strings: list[str] = []
        renumbered: dict[int, int] = {}

        def index(old: int) -> int:
            if old not in renumbered:
                renumbered[old] = len(strings)
                strings.append(self.strings[old])
            return renumbered[old]

        rows = [_renumber_row(self.rows[n], index) for n in chosen]
        return json.dumps({"compact": {"v": self.version, "s": strings, "r": rows}})


def _compile(pattern: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None  # kept for every page: autoconsent tests it itself


def _matches(pattern: re.Pattern[str] | None, url: str) -> bool:
    return pattern is None or pattern.search(url) is not None


def _renumber_row(row: list[Any], index: Any) -> list[Any]:
    out = list(row)
    out[PREHIDE] = [index(i) for i in row[PREHIDE]]
    for n in range(FIRST_STEPS, LAST_STEPS + 1):
        out[n] = [_renumber_step(step, index) for step in row[n]]
    return out


def _renumber_step(step: dict[str, Any], index: Any) -> dict[str, Any]:
    out = dict(step)
    for key in STRING_KEYS:
        if isinstance(step.get(key), int):
            out[key] = index(step[key])
    if isinstance(step.get("if"), dict):
        out["if"] = _renumber_step(step["if"], index)
    for key in ("then", "else", "any"):
        if isinstance(step.get(key), list):
            out[key] = [_renumber_step(s, index) for s in step[key]]
    return out
