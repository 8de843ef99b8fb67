"""Stage `trim`: each candidate cut to the article body as people annotate it: what an
extractor's result still holds that a reader does not count as the article, found by structure
first and by text second (it runs before `choose`, which compares the trimmed texts).

* the heading that repeats the title (`Article.title`);

* tables of contents (a block whose class says so, or a list of links into the page itself);
* buttons and calls to action ("Learn more", "Check price", "Back to top");
* sign-up forms (an e-mail or phone field with its pitch and its fine print);
* gallery and slideshow chrome ("Image 1 of 23", "Close", "Caption"), image credits
  ("Photo: ...", "Courtesy of ...") and the captions of images (those of the text's figures
  are out of the text only: `trim` hands them back to be shown with their images);
* the byline and dateline the page repeats above the text (a standfirst stays);
* affiliate disclosures and appeals to follow the site or get its newsletter;
* "Related", "More from", "You may also like" lists at the end, and the lines that close a
  post there (the author's bio, a date line, a line of tags).

Lists, tables, code, quotes and headings inside the text stay: every rule looks at short,
link-heavy or labelled blocks only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from archiver.extract import rules
from archiver.extract.boilerplate import remove_signup_forms, remove_title_heading
from archiver.extract.dom import (
    HEADING_TAGS,
    WORD_RE,
    class_id,
    elements,
    has_prose,
    link_density,
    remove,
    short_text,
    text_of,
)
from archiver.extract.output import html_to_text

Caption = tuple[HtmlElement, int, HtmlElement]
"""A caption taken out of the text: its figure, its place in the figure, the <figcaption>."""


def article_text(node: HtmlElement, meta: dict[str, str]) -> str | None:
    """Trim a candidate's article to its body (`trim`), and return its text, or None when it
    has no words or is mostly links. Its figures' captions are in its HTML, not in its text."""
    remove_title_heading(node, meta.get("title"))
    captions = trim(node, meta)
    text = html_to_text(node)
    if not WORD_RE.search(text) or link_density(node) > rules.MAX_LINK_DENSITY:
        return None
    restore_captions(node, captions)
    return text


def trim(node: HtmlElement, meta: dict[str, str]) -> list[Caption]:
    """Remove from an article element what is not its body text. Returns the captions of its
    figures, taken out like every caption (annotators do not count them as the text): once the
    text is read, `restore_captions` puts them back for the reader to see under their images."""
    _remove_tables_of_contents(node)
    remove_signup_forms(node)
    _remove_buttons(node)
    _remove_notices(node)
    _remove_ad_labels(node)
    _remove_gallery_chrome(node)
    captions = _take_figure_captions(node)
    _remove_captions_and_credits(node)
    _remove_related_tail(node)
    _remove_appeals(node)
    _remove_teaser_tail(node)
    _remove_closing_lines(node, meta)
    _remove_repeated_header(node, meta)
    return captions


def _take_figure_captions(node: HtmlElement) -> list[Caption]:
    """The <figcaption>s of the figures that show an image or a video, out of the tree and
    without the credits they hold ("Photo: ..."); a caption that is a credit alone goes."""
    taken = []
    for caption in list(node.iter("figcaption")):
        figure = caption.getparent()
        if figure is None or figure.tag != "figure" or not figure.xpath(rules.MEDIA):
            continue
        index = figure.index(caption)
        remove(caption)
        for el in list(elements(caption)):
            if el is not caption and el.getparent() is not None and (
                    rules.CREDIT_ONLY_CLASS_RE.search(class_id(el))
                    or len(text_of(el)) < rules.CREDIT_MAX_CHARS
                    and rules.CREDIT_TEXT_RE.match(text_of(el))):
                remove(el)
        text = text_of(caption)
        if text and len(text) < rules.CAPTION_MAX_CHARS and not rules.CREDIT_TEXT_RE.match(text):
            caption.tail = None
            taken.append((figure, index, caption))
    return taken


def restore_captions(node: HtmlElement, captions: list[Caption]) -> None:
    """Put the captions `trim` took back into their figures, if these are still in the text
    with their images."""
    for figure, index, caption in captions:
        if (figure is node or node in figure.iterancestors()) and figure.xpath(rules.MEDIA):
            figure.insert(min(index, len(figure)), caption)


def _remove_tables_of_contents(node: HtmlElement) -> None:
    for el in list(elements(node)):
        if el is node or el.getparent() is None:
            continue
        if rules.TOC_RE.search(class_id(el)) and link_density(el) > rules.LINK_LIST_MIN_DENSITY:
            remove(el)
        elif el.tag in ("ul", "ol") and _is_list_of_anchors(el):
            _remove_with_label(el)
        elif _is_toc_label(el):
            remove(el)


def _is_toc_label(el: HtmlElement) -> bool:
    """A "Table of contents" line left alone (its list folded away, or built by a script):
    a block of its own that says only that."""
    if el.tag not in rules.TOC_LABEL_TAGS:
        return False
    text = short_text(el, rules.TOC_LABEL_MAX_CHARS - 1)
    return text is not None and bool(rules.TOC_LABEL_RE.match(text)) and _is_alone(el)


def _is_list_of_anchors(el: HtmlElement) -> bool:
    """A list whose items are all links into the page: "#section" hrefs, 3 or more."""
    hrefs = [a.get("href") or "" for a in el.iter("a")]
    items = [li for li in el if li.tag == "li"]
    return (len(items) >= rules.TOC_MIN_ITEMS and len(hrefs) >= len(items)
            and all(h.startswith("#") for h in hrefs)
            and _linked_share(el) > rules.TOC_LINKED_SHARE)


def _linked_share(el: HtmlElement) -> float:
    text = len(text_of(el))
    return sum(len(text_of(a)) for a in el.iter("a")) / text if text else 0.0


def _remove_with_label(el: HtmlElement) -> None:
    """Remove a block, and the "Table of contents" label just before it."""
    label = el.getprevious()
    if label is not None and rules.TOC_LABEL_RE.match(text_of(label)):
        remove(label)
    parent = el.getparent()
    remove(el)
    if parent is not None and parent.getparent() is not None and not text_of(parent):
        remove(parent)


def _remove_buttons(node: HtmlElement) -> None:
    for el in list(elements(node)):
        if el is node or el.getparent() is None:
            continue
        if el.tag in HEADING_TAGS:
            continue
        text = short_text(el, rules.SHORT)
        if text is None:
            continue
        if el.tag in ("a", "button") and (rules.BUTTON_CLASS_RE.search(class_id(el))
                                          or el.get("role") == "button"):
            if not _is_question(el, text):
                _remove_block_of(el, node)
        elif rules.CALL_TO_ACTION_RE.match(text) and (el.tag == "a" or el.find(".//a") is not None
                                                 or el.tag == "button"):
            _remove_block_of(el, node)


def _remove_ad_labels(node: HtmlElement) -> None:
    """An ad's label, a block of its own ("Article continues below", "Advertisement"): the ad
    went, its label stayed in the text."""
    for found in node.xpath(".//text()[normalize-space() and string-length() <= $most]",
                            most=2 * rules.TEASER_LABEL_MAX_CHARS):
        if not rules.AD_LABEL_RE.match(found):
            continue  # one look at each short text node, not at every block
        el = found.getparent()
        if (el is None or not found.is_text or el is node or el.getparent() is None
                or el.tag not in ("p", "div", "span", "small", "em", "i", "h6", "aside")
                or any(c.tag in rules.BLOCK_TAGS for c in el)):
            continue
        text = text_of(el)
        if len(text) <= rules.TEASER_LABEL_MAX_CHARS and rules.AD_LABEL_RE.match(text) and (
                el.tag not in ("span", "small", "em", "i") or _is_alone(el)):
            remove(el)


def _is_question(el: HtmlElement, text: str) -> bool:
    """An accordion's question styled as a button: it asks, and it opens a panel of the page
    rather than another page (`aria-expanded`, or a link to "#…")."""
    return text.endswith("?") and (el.get("aria-expanded") is not None
                                   or el.get("aria-controls") is not None
                                   or (el.tag == "a" and not _links_elsewhere(el)))


def _remove_notices(node: HtmlElement) -> None:
    """Notices in a short block of their own, told by two things said together:

    * an affiliate disclosure ("If you buy through our links we may earn a commission, at no
      extra cost to you"): it talks of commissions and of buying through links (an article
      about affiliate marketing says more in each paragraph);
    * an appeal to follow the site or get its newsletter ("Follow us on Instagram…", "Sign up
      for our newsletter…"): it opens with the appeal and names the channel."""
    for el in list(node.iter("p", "div", "small", "em", "i", "span", "aside", "h2", "h3", "h4",
                             "h5", "h6")):
        if el.getparent() is None or any(c.tag in rules.BLOCK_TAGS for c in el):
            continue
        text = short_text(el, rules.NOTICE_MAX_CHARS - 1)
        if text is not None and any(
                first.search(text) and second.search(text) for first, second in rules.NOTICES
        ) and (el.tag not in ("small", "em", "i", "span") or _is_alone(el)):
            remove(el)


def _remove_appeals(node: HtmlElement) -> None:
    """A box after the text that asks the reader for money or a sign-in: an appeal for
    donations ("Since you made it to the bottom of this article, we have a small favor to
    ask…", "This story is funded by readers like you") or a paywall ("This article is exclusive
    to subscribers"). Its first line is the appeal, it has more lines, speaks of donating,
    members or subscribing, is short, and no paragraph of prose follows it (a line of tags,
    mostly links, may): a paragraph that asks alone is the text's."""
    order: dict[HtmlElement, int] | None = None
    prose: list[int] = []
    for el in list(node.iter("div", "section", "aside")):
        if el is node or el.getparent() is None:
            continue
        text = short_text(el, rules.APPEAL_MAX_CHARS)
        if (text is None or not rules.APPEAL_LEAD_RE.match(text)
                or not rules.APPEAL_WORDS_RE.search(text)):
            continue
        lines = [t for t in (text_of(b) for b in el.iter(*rules.APPEAL_LINES)) if t]
        if len(lines) < 2 or not rules.APPEAL_LEAD_RE.match(lines[0]):
            continue
        if order is None:
            order = {e: n for n, e in enumerate(node.iter())}
            prose = [order[p] for p in node.iter("p", "li", "blockquote")
                     if len(t := text_of(p)) > rules.CARDS_PROSE_CHARS
                     and link_density(p, t) < rules.LINK_LIST_MIN_DENSITY]
        end = max(order.get(e, 0) for e in el.iter())
        if not (prose and prose[-1] > end):
            _remove_block_of(el, node)


def _remove_block_of(el: HtmlElement, node: HtmlElement) -> None:
    """Remove an element with the wrappers that hold nothing else."""
    block = el
    text = text_of(el)
    for ancestor in el.iterancestors():
        if ancestor is node or text_of(ancestor) != text:
            break
        block = ancestor
    remove(block)


def _remove_gallery_chrome(node: HtmlElement) -> None:
    """Inside a gallery or slideshow, everything but prose: counters, buttons, captions."""
    for gallery in node.xpath(".//*[@class or @id]"):  # a gallery is named so
        if gallery.getparent() is None:
            continue
        if not rules.GALLERY_RE.search(class_id(gallery)) or has_prose(gallery):
            continue
        for el in list(elements(gallery)):
            if el is not gallery and el.getparent() is not None and el.tag not in ("img",
                                                                                    "picture"):
                if (text_of(el) and len(text_of(el)) < rules.GALLERY_TEXT_MAX_CHARS
                        and not el.xpath(".//img")):
                    remove(el)
    for el in list(elements(node)):
        if el is not node and el.getparent() is not None and rules.GALLERY_CHROME_RAW_RE.match(
                el.text_content()) and not el.xpath(".//img"):
            remove(el)


def _remove_captions_and_credits(node: HtmlElement) -> None:
    for el in list(elements(node)):
        if el is node or el.getparent() is None:
            continue
        if el.tag == "figcaption" or (
            rules.CREDIT_CLASS_RE.search(class_id(el))
            and len(text_of(el)) < rules.CREDIT_BLOCK_MAX_CHARS and not has_prose(el)
        ):
            remove(el)
        elif (el.tag in ("p", "div", "span", "small", "em", "i", "cite")
              and (text := short_text(el, rules.CREDIT_MAX_CHARS - 1)) is not None
              and rules.CREDIT_TEXT_RE.match(text) and _is_alone(el)):
            remove(el)


def _is_alone(el: HtmlElement) -> bool:
    """Whether an element is a block of its own: no text right before or after it."""
    parent = el.getparent()
    if parent is None:
        return False
    before = el.getprevious()
    lead = (before.tail if before is not None else parent.text) or ""
    return not lead.strip() and not (el.tail or "").strip()


def _remove_related_tail(node: HtmlElement) -> None:
    """A heading like "Related posts" and the lists of links right after it."""
    for heading in list(node.iter(*rules.SUBHEADINGS, "p", "strong", "div", "span")):
        if heading.getparent() is None:
            continue
        text = short_text(heading, rules.RELATED_LABEL_MAX_CHARS)
        if text is None or not rules.RELATED_LEAD_RE.match(text):
            continue
        if heading.tag in ("strong", "span") and not _is_alone(heading):
            continue
        links = _linked_run(heading)
        if heading.tag in rules.SUBHEADINGS:
            links = max(links, _headlines_run(heading), key=len)
        if links:
            for el in links:
                remove(el)
            remove(heading)




def _headlines_run(heading: HtmlElement) -> list[HtmlElement]:
    """Everything after a "Related" heading to the end of its parent, when it is a list of
    posts laid out flat: headings that are each a link to another page (the posts' titles,
    RELATED_MIN_HEADLINES of them or more), with their excerpts, dates and categories. A
    heading of the text's own (not a link, longer than a category's or a date's label) means
    the text goes on: nothing is taken."""
    run = [el for el in heading.itersiblings() if isinstance(el.tag, str)]
    headlines = 0
    for el in run:
        if el.tag not in rules.SUBHEADINGS:
            continue
        links = list(el.iter("a"))
        text = text_of(el)
        if len(links) == 1 and text_of(links[0]) == text and _links_elsewhere(links[0]):
            headlines += len(text.split()) >= rules.HEADLINE_MIN_WORDS
        elif len(text) > rules.RELATED_LABEL_MAX_CHARS // 2:
            return []
    return run if headlines >= rules.RELATED_MIN_HEADLINES else []


def _linked_run(heading: HtmlElement) -> list[HtmlElement]:
    """The blocks right after a "Related" heading that are lists of links (up to the first
    block of text), with the empty ones between them."""
    run: list[HtmlElement] = []
    found = False
    for el in heading.itersiblings():
        if not isinstance(el.tag, str):
            continue
        if text_of(el) and link_density(el) <= rules.LINK_LIST_MIN_DENSITY:
            break
        run.append(el)
        found = found or bool(text_of(el))
    while run and not text_of(run[-1]):
        run.pop()  # an image after the list may be the article's again
    return run if found else []


def _remove_teaser_tail(node: HtmlElement) -> None:
    """Teaser cards after the text, without a "Related" heading: a run of three or more
    wrappers of one kind, each a short block led by a linked headline (a category, a date,
    an author and an excerpt may come with it). Listicles keep their items: their headings
    and paragraphs follow each other in one parent, not one wrapper per item, and a run in
    the middle of the text is left alone. Under a "Related"/"Latest news" label, cards with
    a long excerpt are cards too, wherever they are and however much of the text they hold."""
    runs = [run for parent in elements(node) for run in _card_runs(parent, loose=False)]
    if any(rules.RELATED_LEAD_RE.match(text) for text in node.xpath(
            ".//text()[normalize-space() and string-length() <= $most]",
            most=rules.RELATED_LABEL_MAX_CHARS)):  # a "Related" label: look for looser cards
        strict = {el for run in runs for el in run}
        runs += [run for parent in elements(node) for run in _card_runs(parent, loose=True)
                 if run[0] not in strict and _label_before(run[0], node) is not None]
    if not runs:
        return
    order = {el: n for n, el in enumerate(node.iter())}
    prose = [order[p] for p in node.iter("p", "li", "pre", "blockquote", "td")
             if len(text_of(p)) > rules.CARDS_PROSE_CHARS]
    total = len(text_of(node))
    for run in runs:
        if run[0].getparent() is None:
            continue
        end = max(order[el] for el in run[-1].iter())  # the run's last element, in page order
        label = _label_before(run[0], node)
        if label is None and ((prose and prose[-1] > end) or sum(
                len(text_of(el)) for el in run) > rules.CARDS_MAX_SHARE * total):
            continue  # text after the cards, or many cards, and no "Related" label: the text's
        for el in run:
            remove(el)
        if label is not None:
            remove(label)


def _label_before(first: HtmlElement, node: HtmlElement) -> HtmlElement | None:
    """The block with text right before a run of cards, if it labels them as other pages
    ("Latest news", "Related posts")."""
    for el in (first, *first.iterancestors()):
        if el is node:
            return None
        before = next((s for s in el.itersiblings(preceding=True)
                       if isinstance(s.tag, str) and text_of(s)), None)
        if before is not None:
            text = text_of(before)
            return before if (len(text) <= rules.RELATED_LABEL_MAX_CHARS
                              and rules.RELATED_LEAD_RE.match(text)) else None
    return None


def _card_runs(parent: HtmlElement, loose: bool) -> list[list[HtmlElement]]:
    runs: list[list[HtmlElement]] = []
    if len(parent) < rules.MIN_CARDS:
        return runs  # too few children for a run of cards
    run: list[HtmlElement] = []
    for child in parent:
        if not isinstance(child.tag, str):
            continue
        card = _is_card(child, loose)
        if card and run and child.tag == run[0].tag:
            run.append(child)
            continue
        if len(run) >= rules.MIN_CARDS:
            runs.append(run)
        run = [child] if card else []
    if len(run) >= rules.MIN_CARDS:
        runs.append(run)
    return runs


def _is_card(el: HtmlElement, loose: bool = False) -> bool:
    """A short block led by a link of three words or more (its headline) to another page; a
    `loose` card may hold a long excerpt (up to LABELLED_CARD_MAX_CHARS)."""
    if el.tag in rules.NOT_CARD_TAGS:
        return False
    text = short_text(el, rules.LABELLED_CARD_MAX_CHARS if loose else rules.CARD_MAX_CHARS)
    if text is None or len(text) < rules.CARD_MIN_CHARS or not loose and has_prose(el):
        return False
    for a in el.iter("a"):
        headline = text_of(a)
        if len(headline.split()) >= rules.HEADLINE_MIN_WORDS:
            return (0 <= text.find(headline) <= rules.HEADLINE_MAX_OFFSET
                    and _links_elsewhere(a))
    return False


def _links_elsewhere(a: HtmlElement) -> bool:
    """Whether a link leads to another page: not an accordion's or a tab's title, whose link
    goes nowhere ("", "#", "#answer-2", "javascript:")."""
    href = (a.get("href") or "").strip().lower()
    return bool(href) and not href.startswith(("#", "javascript:"))


def _remove_repeated_header(node: HtmlElement, meta: dict[str, str]) -> None:
    """Byline, date and chrome lines (share labels, counters, a line of tags) above the first
    paragraph of the text. A standfirst stays, even when the page's description repeats it:
    people who annotate articles keep it (on the tuning pages, 76 of 100 four-word shingles
    of the standfirsts this stage took out were in the ground truth)."""
    byline = meta.get("byline") or ""
    for el in _leading_blocks(node):
        text = text_of(el)
        if len(text) <= rules.HEADER_LINE_MAX_CHARS and (
                _is_dateline(text) or _is_byline(text, byline)
                or rules.CLOSING_CHROME_RE.search(text) or rules.TAGS_LINE_RE.match(text)):
            remove(el)


def _is_byline(text: str, byline: str) -> bool:
    """A line that is the byline: it starts with it or is mostly it ("Jo Bloggs, Transport
    editor"), not a headline or a caption that ends with it ("… Image by Jo Bloggs")."""
    return bool(byline) and byline in text and (
        text.startswith(byline) or len(text) - len(byline) <= rules.DATELINE_MAX_OTHER_CHARS)


def _remove_closing_lines(node: HtmlElement, meta: dict[str, str]) -> None:
    """The lines that close a post, not its text, as its last blocks (up to six, in any
    order): lines of chrome (share and pager labels, counters, a comment policy, an author
    box's label, name and role), a short paragraph about the author ("About the author: …",
    or the author named in the metadata, a person's name, the first name alone too, opening a
    sentence about them: "Jane Doe is a reporter who covers …"), a date line ("Last updated:
    May 5, 2025", "Posted by Jo at …") and a line of tags ("Tags: …", "Filed under: …"); an
    author box's label ("About the author:") and the paragraph about someone under it."""
    byline = re.sub(r"^\W*by\s+", "", meta.get("byline") or "", flags=re.I)
    author = re.split(r"[,.|]| and ", byline)[0].strip()
    names = {author, author.split()[0]} if rules.PERSON_RE.match(author) else set()
    for _ in range(rules.CLOSING_LINES):
        blocks = _blocks_from_the_end(node)
        found = next(blocks, None)
        if found is None or found[0] is node:
            return
        last, text = found
        if _closes_the_post(last, text, names, author):
            remove(last)
            continue
        holders = set(last.iterancestors())
        before, before_text = next(((el, t) for el, t in blocks if el not in holders),
                                   (None, ""))
        if before is not None and _bio_opening(last, text, about=False) \
                and rules.AUTHOR_LABEL_RE.match(before_text):
            remove(last)  # "About the author:", then a paragraph about someone
            remove(before)
            continue
        if not names or len(text) > rules.AUTHOR_ROLE_MAX_CHARS:
            return
        if before is None or not _names_the_author(before_text, author):
            return
        remove(last)  # the author's role under the name ("Veterinarian"), then the name
        remove(before)


def _closes_the_post(el: HtmlElement, text: str, names: set[str], author: str) -> bool:
    if len(text) <= rules.HEADER_LINE_MAX_CHARS and (
            (_is_dateline(text) and rules.YEAR_RE.search(text))
                             or rules.TAGS_LINE_RE.match(text)):
        return True  # a date line with its date ("By keeping an eye on …" is a sentence)
    if len(text) <= rules.CLOSING_CHROME_MAX_CHARS and rules.CLOSING_CHROME_RE.search(text):
        return True  # share, rate and pager labels, counters, a comment policy
    if names and _names_the_author(text, author):
        return True  # the author's name alone, or "Written by" it: an author box's heading
    opening = _bio_opening(el, text)
    if opening is None:
        return False
    text = rules.HONORIFIC_RE.sub("", text)
    return opening.group().lower().startswith("about the") or any(
        text.startswith(name) for name in names)


def _bio_opening(el: HtmlElement, text: str, about: bool = True) -> re.Match[str] | None:
    """The opening of a short paragraph about a person (`text`, the text of `el`): their name
    and what they are or do, or (with `about`) "About the author"; None if it is no bio."""
    opening = rules.BIO_RE.match(text)
    if (opening is None or len(text) > rules.BIO_MAX_CHARS
            or link_density(el) > rules.BIO_MAX_LINK_DENSITY):
        return None
    if not about and opening.group().lower().startswith("about the"):
        return None
    return opening


def _names_the_author(text: str, author: str) -> bool:
    """A line that is the author's name, with at most a label and letters after it ("Written
    by Jo Bloggs", "Shelby Loos, DVM")."""
    if not author or " " not in author or author.lower() not in text.lower():
        return False  # most lines: no regular expression to build
    found = re.match(rf"^\W*(?:(?:written|posted|published) by:?\s*|by\s+)?{re.escape(author)}"
                     r"(?:,?\s*[A-Z][\w.]{0,10}){0,2}\W*$", rules.HONORIFIC_RE.sub("", text),
                     flags=re.I)
    return found is not None


def _blocks_from_the_end(node: HtmlElement) -> Iterator[tuple[HtmlElement, str]]:
    """The blocks with text, with their text, in reverse page order: the first holds the
    text's last words (a block comes after the blocks inside it in that order)."""
    return ((el, t) for el in reversed(list(node.iter(*rules.CLOSING_BLOCKS)))
            if (t := text_of(el)))


def _is_dateline(text: str) -> bool:
    """A line that is a byline or a date ("By …", "Updated …", "15 Dec, 2025", "8 min read"),
    not a sentence that mentions a date: the date starts the line or is most of it, or is one
    of its fields ("By Jo | May 5, 2025 | News")."""
    found = rules.DATELINE_RE.search(text)
    if found is not None and (
            found.start() == 0 or len(text) - len(found.group()) <= rules.DATELINE_MAX_OTHER_CHARS):
        return True
    fields = [f.strip() for f in rules.META_SEPARATOR_RE.split(text)]
    return len(fields) >= 2 and any(  # "On Behalf of Firm | Apr 21, 2017 | Products Liability"
        (date := rules.DATELINE_RE.search(f)) is not None and date.group() == f for f in fields)


def _leading_blocks(node: HtmlElement) -> list[HtmlElement]:
    """The blocks of text before the first long paragraph (at most five)."""
    found: list[HtmlElement] = []
    for el in node.iter(*rules.LEADING_TAGS):
        text = text_of(el)
        if not text or any(el in f.iterdescendants() for f in found):
            continue
        if any(text_of(d) for d in el.iterdescendants(*rules.BLOCK_TAGS)):
            continue  # a container (at any depth, e.g. a <div> around <main>): its blocks next
        if (len(text) > rules.LEADING_BLOCK_MAX_CHARS or len(found) == rules.LEADING_BLOCKS
                or el.tag in ("h2", "ul", "ol", "table")):
            break
        found.append(el)
    return found
