"""Allowlist sanitizing of archived HTML (nh3): what the extractor stores and every view shows.

No scripts, handlers, frames, forms, or javascript:/data: URLs.
"""

from __future__ import annotations

import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "picture", "pre",
    "q", "s", "samp", "section", "small", "source", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
    "article", "header", "main", "video", "audio",
}


_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "srcset", "alt", "title", "width", "height"},
    "source": {"src", "srcset", "type", "media"},
    "video": {"src", "poster", "controls"},
    "audio": {"src", "controls"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "abbr": {"title"},
    "*": {"lang", "dir"},
}


def sanitize_html(html: str) -> str:
    """Allowlist sanitizing: no scripts, handlers, frames, forms, or javascript:/data: URLs."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object",
                            "form", "textarea", "select", "button"},
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
