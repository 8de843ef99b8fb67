"""The URLs of a stylesheet, found in one linear pass (no regex that backtracks over the text).

A browser loads what its CSS tokenizer reads as a URL: a `url(...)` token, a string inside
`url(` or `image-set(` / `-webkit-image-set(`, the string (or `url()`) right after `@import`.
This scanner follows the tokenizer of CSS Syntax Level 3 where it matters (comments, strings
that end at a newline, escapes, bad URLs) so that what it skips the browser skips too; where it
cannot be sure it errs on the side of calling something a URL (`xurl(...)` is treated as
`url(...)`): rewriting what the browser would not load costs nothing, missing what it would
load is a request to the live site.

Every regular expression here is anchored at one position and never fails after matching
(`*` over a class), or is a plain search for one of a few characters: the work is linear in
the size of the stylesheet, however hostile.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_CSS_CHARS = 16 * 1024 * 1024
"""Stylesheets longer than this are not rewritten but left out (replaced by a comment saying
so): far beyond any real site's, and each of the archive's readers would rewrite it again."""

_NAME_CHAR = r"\w\-\x00\x80-\U0010ffff"
_ESCAPE = r"\\(?:[0-9a-fA-F]{1,6}(?:\r\n|[ \t\n\r\f])?|[^\n\r\f0-9a-fA-F])"
_NAME = rf"(?:[{_NAME_CHAR}]|{_ESCAPE})+"
_NEXT = re.compile(rf"""/\*|(?<![{_NAME_CHAR}\\])(?:[{_NAME_CHAR}]++(?=\()|[{_NAME_CHAR}]*+\\)"""
                   rf"""|["'()\\;{{}}@]""")
"""The next token that matters: a comment, a name followed by "(" (a function), the start of a
name with an escape in it (read whole by _NAME_AT), a string, a parenthesis, the end of a rule,
an at-keyword. Names that are no function are skipped by the engine: a name's first position
consumes it (possessively: once), its other positions fail at once on the lookbehind."""
_NAME_AT = re.compile(_NAME)
_SPACE = re.compile(r"[ \t\n\r\f]*")
_STRING = {q: re.compile(rf"{q}((?:[^{q}\\\n\r\f]|\\(?:\r\n|[\s\S]))*)({q}?)") for q in "\"'"}
_UNQUOTED = re.compile(r"""(?:[^"'()\\ \t\n\r\f\x01-\x08\x0b\x0e-\x1f\x7f]|\\[^\n\r\f])*""")
_BAD_URL_REST = re.compile(r"(?:[^)\\]|\\[\s\S])*\)?")
_UNESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\n\r\f])?|(\r\n|[\n\r\f])|([\s\S]))")
URL_FUNCTIONS = ("url",)
STRING_URL_FUNCTIONS = ("url", "image-set")  # -webkit-image-set ends the same way


@dataclass(frozen=True)
class CssUrl:
    """One URL of a stylesheet: `css[start:end]` is what to replace.

    `form` is "url" (a whole unquoted `(…)` after `url`: write `("new")` in its place),
    "string" (a quoted string, quotes included: write `"new"`) or "bad" (a malformed
    `(…)` after `url` that loads nothing: write `()`); `kind` is "stylesheet" after
    `@import`, "image" otherwise."""

    start: int
    end: int
    url: str
    form: str
    kind: str


def unescape(value: str) -> str:
    """A CSS string's or URL's value: escapes decoded, escaped newlines dropped."""
    if "\\" not in value:
        return value

    def one(match: re.Match[str]) -> str:
        hexa, newline, char = match.groups()
        if newline is not None:
            return ""
        if hexa is not None:
            code = int(hexa, 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF \
                else "\ufffd"
        return char or ""

    return _UNESCAPE.sub(one, value)


def css_urls(css: str) -> Iterator[CssUrl]:
    """Every URL of `css`, in order, as the spans that hold them."""
    functions: list[str] = []  # the open functions (or plain parentheses: "")
    importing = False  # after @import, before its URL or the end of the rule
    pos, size = 0, len(css)
    while pos < size:
        match = _NEXT.search(css, pos)
        if match is None:
            return
        token, start = match.group(), match.start()
        pos = match.end()
        if token == "/*":
            end = css.find("*/", pos)
            pos = size if end < 0 else end + 2
        elif token in ("\"", "'"):
            string = _STRING[token].match(css, start)
            assert string is not None  # the pattern matches at least the quote
            pos = string.end()
            inside = functions[-1] if functions else ""
            if importing or inside.endswith(STRING_URL_FUNCTIONS):
                yield CssUrl(start, pos, unescape(string.group(1)), "string",
                             "stylesheet" if importing else "image")
                importing = False
        elif token == "(":
            functions.append("")
        elif token == ")":
            if functions:
                functions.pop()
        elif token in (";", "{", "}"):
            importing = False
        elif token == "@":
            keyword = _NAME_AT.match(css, pos)
            if keyword is not None:
                pos = keyword.end()
                importing = unescape(keyword.group()).lower() == "import"
        else:  # a name: an identifier, a number's unit, a function if "(" follows
            if token.endswith("\\"):  # a name with escapes: read it whole
                whole = _NAME_AT.match(css, start)
                token, pos = (whole.group(), whole.end()) if whole else (token, pos)
            if pos >= size or css[pos] != "(":
                continue
            name = unescape(token).lower()
            pos += 1
            if not name.endswith(URL_FUNCTIONS):
                functions.append(name)
                continue
            found = _url(css, pos, "stylesheet" if importing else "image")
            if found is None:  # url("…"): a function whose string is the URL
                functions.append("url")
                continue
            importing = False
            pos = found.end
            yield found


def _url(css: str, at: int, kind: str) -> CssUrl | None:
    """The URL token that starts after `url(` at `at`, or None when a string follows."""
    space = _SPACE.match(css, at)
    assert space is not None
    after = space.end()
    if after < len(css) and css[after] in "\"'":
        return None
    value = _UNQUOTED.match(css, after)
    assert value is not None
    close = _SPACE.match(css, value.end())
    assert close is not None
    end = close.end()
    if end >= len(css):
        return CssUrl(at - 1, end, unescape(value.group()), "url", kind)
    if css[end] == ")":
        return CssUrl(at - 1, end + 1, unescape(value.group()), "url", kind)
    rest = _BAD_URL_REST.match(css, end)
    assert rest is not None
    return CssUrl(at - 1, rest.end(), "", "bad", kind)
