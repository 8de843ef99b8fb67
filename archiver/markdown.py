"""Article HTML as Markdown (`export --format markdown`, `/-/archiver/DB/ID/markdown`).

markdownify does the converting; this module only makes its output safe to hand to any
Markdown renderer, since the text is archived (hostile): no tag passes through (`<` in text is
escaped, code fences are longer than any run of backticks inside them), text cannot make
links of its own (`[` and `]` escaped), images become links (reading a note fetches nothing),
relative URLs are resolved against the page's address and only http(s) and mailto are kept.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from markdownify import MarkdownConverter

LINK_SCHEMES = ("http", "https", "mailto")
_ESCAPED = re.compile(r"([\\`<>\[\]*_])")
_URL_UNSAFE = {" ": "%20", "<": "%3C", ">": "%3E", "(": "%28", ")": "%29", "\n": "", "\r": "",
               "\t": "", '"': "%22", "`": "%60"}
_BACKTICKS = re.compile(r"`+")


def to_markdown(html: str, base_url: str | None = None) -> str:
    """The Markdown of an (already sanitized) article's HTML; relative links resolved against
    `base_url`. An empty string when the HTML holds no text."""
    markdown = _Converter(base_url=base_url).convert(html or "")
    markdown = re.sub(r"\n{3,}", "\n\n", markdown)
    return markdown.strip() + "\n" if markdown.strip() else ""


def escape_text(text: str) -> str:
    """Archived text as Markdown text: every character that could start markup escaped."""
    return _ESCAPED.sub(r"\\\1", text)


class _Converter(MarkdownConverter):
    def __init__(self, base_url: str | None) -> None:
        # wrap without a width: the source's line breaks inside a paragraph become spaces (a
        # line of it starting with "1." or "- " would start a list)
        super().__init__(heading_style="atx", bullets="-", autolinks=False,
                         escape_asterisks=False, escape_underscores=False, escape_misc=False,
                         strong_em_symbol="*", newline_style="backslash", wrap=True,
                         wrap_width=None)
        self.base_url = base_url

    def escape(self, text: str, parent_tags: Any) -> str:
        return escape_text(text) if text else ""

    def url(self, value: str | None) -> str | None:
        """An absolute, http(s) or mailto URL written so that it cannot end the link early."""
        value = (value or "").strip()
        if not value:
            return None
        if self.base_url:
            value = urljoin(self.base_url, value)
        scheme = urlsplit(value).scheme.lower()
        if scheme and scheme not in LINK_SCHEMES:
            return None
        return "".join(_URL_UNSAFE.get(c, c) for c in value)

    def convert_a(self, el: Any, text: str, parent_tags: Any) -> str:
        href = self.url(el.get("href"))
        if "_noformat" in parent_tags or not href or not text.strip():
            return text
        lead, body, tail = _chomp(text)
        return f"{lead}[{body}]({href}){tail}"

    def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
        src = self.url(el.get("src"))
        alt = escape_text(" ".join((el.get("alt") or el.get("title") or "").split()))
        if not src:
            return alt
        return f"[{alt or 'image'}]({src})"

    def convert_video(self, el: Any, text: str, parent_tags: Any) -> str:
        source = el.find("source", attrs={"src": True})
        src = self.url(el.get("src") or (source.get("src") if source else None))
        label = text.strip() or el.name
        return f"[{label}]({src})" if src else text

    convert_audio = convert_video

    def convert_code(self, el: Any, text: str, parent_tags: Any) -> str:
        """A code span on one line, delimited by more backticks than it holds (a line of it
        starting with `<script`, say, would otherwise open an HTML block)."""
        if "_noformat" in parent_tags:
            return text
        lead, body, tail = _chomp(re.sub(r"\s+", " ", text))
        if not body:
            return ""
        longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
        if longest:
            body = f" {body} "
        return f"{lead}{'`' * (longest + 1)}{body}{'`' * (longest + 1)}{tail}"

    convert_kbd = convert_code
    convert_samp = convert_code

    def convert_pre(self, el: Any, text: str, parent_tags: Any) -> str:
        """A fence longer than any run of backticks in the code, so the code cannot close it."""
        text = text.strip("\n")
        if not text:
            return ""
        longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"\n\n{fence}\n{text}\n{fence}\n\n"


def _chomp(text: str) -> tuple[str, str, str]:
    body = text.strip()
    lead = " " if text[:1].isspace() else ""
    tail = " " if text[-1:].isspace() else ""
    return lead, body, tail
