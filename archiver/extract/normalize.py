"""Stage `normalize`: the page as a reader sees it. What no reader sees goes (hidden nodes,
`display:none`, `aria-hidden`, closed modal dialogs), except the panels a reader opens (folded
accordion and FAQ answers, tab panels) and React's streamed `<div hidden id="S:0">`."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from archiver.extract.dom import HEADING_TAGS, class_id, link_density, remove, text_of

UNLIKELY_ROLES = frozenset(
    {"menu", "menubar", "navigation", "alert", "alertdialog", "dialog", "banner", "contentinfo",
     "complementary", "search"}
)
_HIDDEN_STYLE_RE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)


def remove_hidden(root: HtmlElement) -> None:
    """Nodes no reader sees (hidden, display:none, aria-hidden, closed modal dialogs)."""
    for el in root.xpath(".//*[@hidden or @style or @aria-hidden or @aria-modal]"):
        if el.getparent() is not None and is_hidden(el):
            remove(el)


_STREAMED_ID_RE = re.compile(r"^S:\d+$")
"""React's streamed server rendering sends content as <div hidden id="S:0"> that a script then
moves into place: hidden in the markup, the page's text in the browser."""


def is_hidden(el: HtmlElement) -> bool:
    if _is_hidden_in_markup(el):
        return not _is_folded_panel(el)
    return el.get("aria-modal") == "true" and el.get("role") == "dialog"


def _is_hidden_in_markup(el: HtmlElement) -> bool:
    if el.get("hidden") is not None and not _STREAMED_ID_RE.match(el.get("id") or ""):
        return True
    if _HIDDEN_STYLE_RE.search(el.get("style") or ""):
        return True
    return el.get("aria-hidden") == "true" and "fallback-image" not in (el.get("class") or "")


_FOLDED_RE = re.compile(r"accordion|collaps|faq|tab-?pane|tabpanel|expand|toggle|answer|"
                        r"disclosure|rah-static", re.I)
_NOT_FOLDED_RE = re.compile(r"banner|menu|nav|modal|popup|dialog|cookie|consent", re.I)


def _is_folded_panel(el: HtmlElement) -> bool:
    """A folded accordion, FAQ answer or tab panel: hidden until the reader opens it, and part
    of the article (people who annotate articles count it). A folded menu is not one: panels
    that are mostly links, or named like menus and banners, stay hidden."""
    features = class_id(el)
    if ((el.get("role") or "") not in ("region", "tabpanel") and not _FOLDED_RE.search(features)
            and not _follows_disclosure_button(el)):
        return False
    if _NOT_FOLDED_RE.search(features) or (el.get("role") or "") in UNLIKELY_ROLES:
        return False
    return len(text_of(el)) >= 80 and link_density(el) < 0.3


def _follows_disclosure_button(el: HtmlElement) -> bool:
    """The panel right after the button that opens it (`aria-expanded`), the button on its
    own or in a heading: WAI-ARIA's disclosure pattern, whatever the classes are called."""
    before = el.getprevious()
    if before is None or (before.tag != "button" and before.tag not in HEADING_TAGS):
        return False
    return bool(before.xpath("descendant-or-self::button[@aria-expanded]"))


