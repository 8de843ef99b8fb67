"""Stage `boilerplate`: page chrome goes before any strategy sees the page: sign-up forms and
consent checkboxes, consent prompts, icon sprites, share/follow widgets, newsletter boxes,
comment sections, teasers, navigation; the heading that repeats the title. By structure and
attributes first, by text only where a short block holds a consent text *and* an accept button.
`clean_fragment` does the same for another extractor's result, which saw the page whole."""

from __future__ import annotations

from lxml.html import HtmlElement

from archiver.extract import rules
from archiver.extract.dom import (
    class_id,
    elements,
    has_prose,
    in_article,
    link_density,
    prose_length,
    remove,
    short_text,
    similarity,
    text_of,
)
from archiver.extract.normalize import is_hidden


def remove_boilerplate(root: HtmlElement, title: str | None) -> None:
    """Everything of the page that is not its article, in this order: sign-up forms and consent
    checkboxes (before readability's cleaning drops their fields), the chrome, and the heading
    that repeats the title (it is `Article.title`, not article text)."""
    remove_signup_forms(root)
    remove_consent_checkboxes(root)
    remove_chrome(root)
    remove_title_heading(root, title)


def remove_chrome(root: HtmlElement) -> None:
    """Remove what is not the article: by attributes in one pass, then sprites and the
    chrome only text gives away (consent bars of unknown make, "Mehr zum Thema" teasers).
    Hidden nodes are gone already (`remove_hidden`)."""
    for el in list(elements(root)):
        if (el.getparent() is not None and (el.attrib or el.tag in rules.CHROME_TAGS)
                and el.tag not in rules.NEVER_CHROME and _is_chrome(el)):
            remove(el)
    _remove_icon_sprites(root)
    _remove_consent_by_text(root)
    _remove_teasers(root)


def clean_fragment(node: HtmlElement) -> None:
    """What must go from another extractor's result (which saw the page with its chrome):
    hidden nodes, consent prompts, icon sprites, a consent tool's descriptions of cookies."""
    for el in list(node.iterdescendants()):
        if isinstance(el.tag, str) and el.getparent() is not None and (
            is_hidden(el) or (_is_consent_prompt(el) and not _is_large(el))
            or _is_cookie_category(el)
        ):
            remove(el)
    _remove_icon_sprites(node)
    _remove_consent_by_text(node)


def _is_cookie_category(el: HtmlElement) -> bool:
    """A consent tool's text about a category of cookies ("Necessary cookies are essential for
    the website to function"), which extractors that do not know the tool take for prose."""
    if el.tag not in ("p", "div", "li", "td", "span"):
        return False
    text = short_text(el, rules.COOKIE_CATEGORY_MAX_CHARS - 1)
    return text is not None and bool(rules.COOKIE_CATEGORY_RE.search(text))


def _is_chrome(el: HtmlElement) -> bool:
    if _is_navigation(el) or _is_nosnippet(el):
        return True
    if not (el.get("class") or el.get("id") or el.get("aria-label")
            or el.get("aria-labelledby")):
        return False  # nothing named: no chrome word to find (a link, an image)
    if not rules.ANY_CHROME_WORD_RE.search(
            f"{class_id(el)} {el.get('aria-label') or ''} {el.get('aria-labelledby') or ''}"
            .lower()):
        return False  # most elements: one search instead of one per kind of chrome
    return (
        _is_comment_section(el)
        or (_is_consent_prompt(el) and not _is_large(el))
        or (el.tag != "a" and bool(rules.CHROME_FEATURE_RE.search(class_id(el)))
            and not _looks_like_content(el))
    )


def _is_nosnippet(el: HtmlElement) -> bool:
    """`data-nosnippet`: the site tells search engines the text is not the page's content
    (author bios, standfirsts repeated from the metadata, teasers, notices). Not when it wraps
    the article itself."""
    return el.get("data-nosnippet") is not None and not el.xpath(".//article | .//main | .//h1")


def _is_comment_section(el: HtmlElement) -> bool:
    """Readers' comments (WordPress #comments / ol.commentlist, Disqus, wpDiscuz): not the
    article, even when each comment is an <article> of its own (which keeps the section out of
    readability's "unlikely" rule)."""
    if not (rules.COMMENTS_CLASS_RE.search(el.get("class") or "")
            or rules.COMMENTS_CLASS_RE.search(el.get("id") or "")):
        return False
    return not el.xpath(".//main | .//h1") and all(
        "comment" in class_id(article).lower() for article in el.iter("article"))


def _is_navigation(el: HtmlElement) -> bool:
    """Navigation and page-level header/footer/aside: by ARIA role or by HTML5 element."""
    role = (el.get("role") or "").lower()
    if role in rules.UNLIKELY_ROLES or el.tag in ("nav", "dialog"):
        return not el.xpath(".//article | .//main")
    if el.tag in ("header", "footer", "aside") and not in_article(el):
        return not el.xpath(".//article | .//main") and not _holds_article_text(el)
    return False


def _holds_article_text(el: HtmlElement) -> bool:
    """A page-level <header>/<aside> that holds long paragraphs is a layout wrapper, not chrome."""
    return prose_length(el) > rules.WRAPPER_PROSE_CHARS


def _is_consent_prompt(el: HtmlElement) -> bool:
    label = f"{el.get('aria-label') or ''} {el.get('aria-labelledby') or ''}"
    if not rules.CONSENT_WORDS_RE.search(f"{class_id(el)} {label}".lower()):
        return False  # the common case, with one search instead of four
    return bool(
        rules.CMP_ID_RE.match(el.get("id") or "")
        or rules.CMP_CLASS_RE.search(el.get("class") or "")
        or rules.CONSENT_FEATURE_RE.search(class_id(el))
        or rules.CONSENT_LABEL_RE.search(label)
    )


def _is_large(el: HtmlElement) -> bool:
    """Whether an element holds so much text it must be content, whatever its class says."""
    return len(text_of(el)) > rules.CONTENT_CHARS or bool(el.xpath(".//article | .//main"))


def _remove_icon_sprites(root: HtmlElement) -> None:
    """SVG sprite sheets (<symbol>s whose titles are icon names) and <svg> titles: not text."""
    for svg in list(root.iter("svg", "{http://www.w3.org/2000/svg}svg")):
        if svg.getparent() is None:
            continue
        if svg.xpath(".//*[local-name()='symbol']") or not svg.xpath(
            ".//*[local-name()='path' or local-name()='use' or local-name()='image' or "
            "local-name()='rect' or local-name()='circle' or local-name()='text']"
        ):
            remove(svg)
            continue
        for label in svg.xpath(".//*[local-name()='title' or local-name()='desc']"):
            remove(label)


def _remove_consent_by_text(root: HtmlElement) -> None:
    """A short block with a consent text and an accept button, whatever its markup."""
    controls = root.xpath(
        "//button | //a | //input[@type='button' or @type='submit'] | //*[@role='button']"
    )
    for control in controls:
        if control.getparent() is None:
            continue
        label = text_of(control) or (control.get("value") or "")
        if len(label) <= rules.CONTROL_MAX_CHARS and rules.CONSENT_SETTINGS_RE.match(label):
            _remove_with_wrappers(control)
            continue
        if len(label) > rules.CONTROL_MAX_CHARS or not rules.ACCEPT_RE.match(label):
            continue
        banner = _consent_container(control)
        if banner is not None:
            remove(banner)


def _remove_with_wrappers(el: HtmlElement) -> None:
    """Remove an element with the wrappers that hold nothing else."""
    block, text = el, text_of(el)
    for ancestor in el.iterancestors():
        if ancestor.tag in ("body", "html", "article", "main") or text_of(ancestor) != text:
            break
        block = ancestor
    remove(block)


def _consent_container(control: HtmlElement) -> HtmlElement | None:
    """The largest ancestor of an accept button that is still banner-sized and talks consent."""
    found = None
    for ancestor in control.iterancestors():
        if ancestor.tag in ("body", "html", "article", "main"):
            break
        text = text_of(ancestor)
        if (len(text) > rules.BANNER_MAX_CHARS
                or len(ancestor.xpath(".//p")) > rules.BANNER_MAX_PARAGRAPHS):
            break
        if rules.CONSENT_TEXT_RE.search(text):
            found = ancestor
    return found


def _looks_like_content(el: HtmlElement) -> bool:
    """Long, not-linky text is content even under a widget-like class name; a modal or paywall
    of any length (plans, prices and benefits add up to more than a teaser) only when it holds
    the article's marks: a heading <h1>, <main>, <article> or a paragraph of prose."""
    text = text_of(el)
    if not (len(text) > rules.WIDGET_CONTENT_CHARS
            and link_density(el) < rules.WIDGET_CONTENT_MAX_LINK_DENSITY):
        return False
    return not rules.OVERLAY_RE.search(class_id(el)) or has_prose(el) or bool(
        el.xpath(".//h1 | .//main | .//article"))


def _remove_teasers(root: HtmlElement) -> None:
    """Blocks that announce other pages ("Mehr zum Thema", "Read more", "Follow us on").

    Found from their text nodes (cheap), then judged on the element that starts with them."""
    for text in root.xpath("//text()[normalize-space()]"):
        if not rules.TEASER_LEAD_RE.match(text):
            continue
        el = text.getparent()
        if el is None or el.getparent() is None or not text.is_text:
            continue
        content = text_of(el)
        if len(content) < rules.TEASER_MAX_CHARS and (
                link_density(el) > rules.TEASER_MIN_LINK_DENSITY
                or len(content) < rules.TEASER_LABEL_MAX_CHARS):
            block = _teaser_block(el)
            _remove_linked_siblings(block)
            remove(block)


def _remove_linked_siblings(label: HtmlElement) -> None:
    """The lists of links that follow a teaser's label ("Related stories" and its cards)."""
    for sibling in list(label.itersiblings()):
        if not isinstance(sibling.tag, str) or not text_of(sibling):
            continue
        if link_density(sibling) <= rules.LINK_LIST_MIN_DENSITY:
            return
        remove(sibling)


def _teaser_block(el: HtmlElement) -> HtmlElement:
    """Widen a teaser's lead to the block that holds just it (and its linked card)."""
    block = el
    for ancestor in el.iterancestors():
        text = text_of(ancestor)
        if (ancestor.tag in ("body", "article", "main")
                or len(text) > rules.TEASER_BLOCK_MAX_CHARS
                or (len(text) >= rules.TEASER_LABEL_MAX_CHARS
                    and link_density(ancestor, text) <= rules.TEASER_MIN_LINK_DENSITY)):
            break  # a sentence that ends with a "Read more here" link is not a teaser
        block = ancestor
    return block


def remove_title_heading(root: HtmlElement, title: str | None) -> None:
    """The first <h1>/<h2> that repeats the title, above the text: it is `Article.title`, not
    article text. A heading after a paragraph of the text is one of its sections, however much
    it reads like the title ("What is an online course?" under "What is an Online Course?
    Definition Explained")."""
    if not title:
        return
    for el in root.iter("h1", "h2", "p"):
        if el.tag == "p":
            if len(text_of(el)) > rules.LEADING_BLOCK_MAX_CHARS:
                return  # the text has begun
        elif similarity(title, text_of(el)) > rules.TITLE_HEADING_SIMILARITY:
            remove(el)
            return


def remove_signup_forms(node: HtmlElement) -> None:
    """An e-mail or phone field and what surrounds it: the pitch, the button, the fine print;
    never the block that holds the page's heading or its article. When what surrounds it holds
    most of the page's paragraphs (a contact page: a few lines and the form), the form goes
    alone: its text is the page's.

    Runs on the whole page too, before readability's cleaning drops the fields themselves."""
    fields = node.xpath(".//input[@type='email' or @type='tel' or contains(@name, 'email') or "
                        "contains(@name, 'EMAIL')]")
    page_prose = prose_length(node) if fields else 0
    for field in list(fields):
        if field.getparent() is None:
            continue
        block = field
        for ancestor in field.iterancestors():
            if (ancestor is node or ancestor.tag in rules.NEVER_CHROME
                    or len(text_of(ancestor)) > rules.SIGNUP_MAX_CHARS
                    or len(ancestor.findall(".//p")) > rules.SIGNUP_MAX_PARAGRAPHS
                    or ancestor.find(".//h1") is not None):
                break
            block = ancestor
        if prose_length(block) > rules.SIGNUP_PAGE_PROSE_SHARE * page_prose:
            block = next(field.iterancestors("form"), field)
        remove(block)


def remove_consent_checkboxes(node: HtmlElement) -> None:
    """A form's consent checkbox and its fine print ("I consent to the storage of my data",
    "I agree to the privacy policy"): a short block around a checkbox that talks consent.

    Runs on the whole page, before readability's cleaning drops the checkbox itself."""
    for box in list(node.xpath(".//input[@type='checkbox']")):
        if box.getparent() is None:
            continue
        block = None
        for ancestor in box.iterancestors():
            if ancestor is node or len(text_of(ancestor)) > rules.CONSENT_CHECKBOX_MAX_CHARS:
                break
            if rules.CONSENT_FINE_PRINT_RE.search(text_of(ancestor)):
                block = ancestor
        if block is not None:
            remove(block)
