"""Stage `normalize`: the page as a reader sees it. What no reader sees goes (hidden nodes,
`display:none`, `aria-hidden`, closed modal dialogs, the hover cards a term or a button shows
under the pointer), except the panels a reader opens (folded accordion and FAQ answers, tab
panels) and React's streamed `<div hidden id="S:0">`."""

from __future__ import annotations

from lxml.html import HtmlElement

from archiver.extract import rules
from archiver.extract.dom import HEADING_TAGS, class_id, link_density, remove, text_of


def remove_hidden(root: HtmlElement, html: str) -> None:
    """Nodes no reader sees (hidden, display:none, aria-hidden, closed modal dialogs, hover
    cards: looked for only when the page's markup (`html`) names one)."""
    for el in root.xpath(".//*[@hidden or @style or @aria-hidden or @aria-modal or "
                         "contains(@class, $hidden)]", hidden=rules.HIDDEN_CLASS):
        if el.getparent() is not None and is_hidden(el):
            remove(el)
    remove_hover_cards(root, html)
    read_accordion_questions(root)


def may_hold_hover_cards(html: str) -> bool:
    """Whether a page's markup names a tooltip, a popover or a hover card anywhere: most pages
    do not, and a look at the text costs less than one at every element."""
    return any(name in html for name in rules.HOVER_CARD_NAMES)


def read_accordion_questions(root: HtmlElement) -> None:
    """An accordion's questions are text: the button that opens a panel (WAI-ARIA's accordion:
    a heading whose words are its button's, or a button with `aria-expanded` that asks a
    question) is read as the words of its heading, not as a control the text leaves out, when
    its answer is there to read (the panel it controls, or the block right after it)."""
    ids: dict[str, HtmlElement] | None = None
    for button in list(root.iter("button")):
        text = text_of(button)
        if not text or len(text) > rules.QUESTION_MAX_CHARS:
            continue
        parent = button.getparent()
        in_heading = (parent is not None and parent.tag in HEADING_TAGS
                      and text_of(parent) == text)
        if not in_heading and not (button.get("aria-expanded") is not None
                                   and text.endswith("?")):
            continue
        if ids is None and button.get("aria-controls"):  # one walk for all the buttons
            ids = {}
            for el in root.iterdescendants():
                if (name := el.get("id")) is not None:
                    ids.setdefault(name, el)
        if _answer_of(button, parent if in_heading else button, ids) is not None:
            button.tag = "span"


def _answer_of(button: HtmlElement, question: HtmlElement | None,
               ids: dict[str, HtmlElement] | None) -> HtmlElement | None:
    """The panel a question's button opens, if it holds an answer: the element its
    `aria-controls` names (`ids`: the page's elements by id, the first of each), else the
    block right after the question."""
    controls = (button.get("aria-controls") or "").split()
    panel = None
    if controls:
        panel = ids.get(controls[0]) if ids is not None else None
    elif question is not None:
        panel = question.getnext()
    if panel is None or len(text_of(panel)) < rules.FOLDED_PANEL_MIN_CHARS:
        return None
    return panel


def remove_hover_cards(root: HtmlElement, html: str) -> None:
    """Hover cards: a tooltip or popover that shows a term's definition, a footnote or a
    button's help while the pointer is on it (`role="tooltip"`, or a block named so that the
    term points to with `aria-describedby`/`aria-labelledby`/`aria-controls`). Written into the
    paragraph next to the term, it would read as part of the sentence."""
    if not may_hold_hover_cards(html):
        return
    pointed: set[str] = set()
    for el in root.xpath(".//*[@role='tooltip' or @aria-describedby or @aria-labelledby or "
                         "@aria-controls]"):
        if el.get("role") == "tooltip":
            if el.getparent() is not None:
                remove(el)
            continue
        for name in ("aria-describedby", "aria-labelledby", "aria-controls"):
            pointed.update((el.get(name) or "").split())
    if not pointed:
        return
    for el in root.xpath(".//*[@id]"):
        if (el.get("id") in pointed and el.getparent() is not None
                and rules.HOVER_CARD_RE.search(class_id(el))):
            remove(el)


def is_hidden(el: HtmlElement) -> bool:
    if _is_hidden_in_markup(el):
        return not _is_folded_panel(el)
    return el.get("aria-modal") == "true" and el.get("role") == "dialog"


def _is_hidden_in_markup(el: HtmlElement) -> bool:
    if el.get("hidden") is not None and not rules.STREAMED_ID_RE.match(el.get("id") or ""):
        return True
    if rules.HIDDEN_STYLE_RE.search(el.get("style") or ""):
        return True
    if el.get("aria-hidden") == "true" and "fallback-image" not in (el.get("class") or ""):
        return True
    return rules.HIDDEN_CLASS in (el.get("class") or "").split()


def _is_folded_panel(el: HtmlElement) -> bool:
    """A folded accordion, FAQ answer or tab panel: hidden until the reader opens it, and part
    of the article (people who annotate articles count it). A folded menu is not one: panels
    that are mostly links, or named like menus and banners, stay hidden."""
    features = class_id(el)
    if ((el.get("role") or "") not in ("region", "tabpanel")
            and not rules.FOLDED_RE.search(features) and not _follows_disclosure_button(el)):
        return False
    if rules.NOT_FOLDED_RE.search(features) or (el.get("role") or "") in rules.UNLIKELY_ROLES:
        return False
    return (len(text_of(el)) >= rules.FOLDED_PANEL_MIN_CHARS
            and link_density(el) < rules.FOLDED_PANEL_MAX_LINK_DENSITY)


def _follows_disclosure_button(el: HtmlElement) -> bool:
    """The panel right after the button that opens it (`aria-expanded`), the button on its
    own or in a heading: WAI-ARIA's disclosure pattern, whatever the classes are called."""
    before = el.getprevious()
    if before is None or (before.tag != "button" and before.tag not in HEADING_TAGS):
        return False
    return bool(before.xpath("descendant-or-self::button[@aria-expanded]"))
