"""Turn a page's HTML into an `Article`: pure, HTML in, article out, no I/O.

readability-lxml picks the article; around it this module

* refuses input that is not HTML (PDF/PNG bytes, JSON) with `ExtractionError`, and repairs what
  can be repaired (NUL bytes, bogus charset declarations, nesting deeper than libxml2 keeps);
* removes page chrome first: consent prompts, hidden nodes, icon sprites, share/follow widgets,
  newsletter boxes, "related" teasers, navigation; by structure and attributes, and by text only
  where a short block holds a consent text *and* an accept button;
* cleans the chosen article the way Firefox's Reader View does (keeps captions, lists, tables and
  code that readability-lxml's own cleaner drops);
* reads the metadata (JSON-LD, OpenGraph, meta tags, `<time>`, `<html lang>`) and renders the
  article as sanitized HTML (nh3) and as plain text.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from html import escape, unescape
from html.parser import HTMLParser as _TokenParser
from typing import Any
from urllib.parse import urljoin

import lxml.html
import nh3
from lxml import etree
from lxml.html import HtmlElement
from readability import Document

from archiver.errors import ExtractionError
from archiver.models import Article

MAX_HTML_CHARS = 30_000_000
"""Larger input is refused: no article is that big, and readability's scoring is superlinear."""

MAX_DEPTH = 200
"""Nesting kept when a document is deeper than libxml2's limit (256); deeper tags are dropped."""

# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def extract(html: str, url: str | None = None) -> Article:
    """Extract the article of `html` (a page's markup); `url` makes links absolute.

    Raises `ExtractionError` (and nothing else) when the input is not HTML or holds no article.
    """
    try:
        return _extract(html, url)
    except ExtractionError:
        raise
    except RecursionError as exc:
        raise ExtractionError("document is nested too deeply to process") from exc
    except MemoryError as exc:
        raise ExtractionError("document is too large to process") from exc
    except Exception as exc:  # noqa: BLE001 - the contract is: ExtractionError or a result
        raise ExtractionError(f"extraction failed: {type(exc).__name__}: {exc}") from exc


def extract_text(html: str, url: str | None = None) -> str:
    """The article's plain text: the entry point of the benchmark harness."""
    return extract(html, url).text


def _extract(html: str, url: str | None) -> Article:
    html = _repair_text(_checked_input(html))
    root = _parse(html)
    meta = _read_metadata(root, url)
    byline = None if meta.get("byline") else _take_byline(root) or _itemprop_author(root)
    _remove_chrome(root)
    _remove_title_heading(root, meta.get("title"))
    node = _ArticleFinder(root).article()
    if node is None:
        raise ExtractionError("no article content found in the document")
    _prepare_article(node, url)
    text = html_to_text(node)
    if not text.strip():
        raise ExtractionError("no article text found in the document")
    return _article(meta, byline, node, text, root)


def _article(
    meta: dict[str, str], byline: str | None, node: HtmlElement, text: str, root: HtmlElement
) -> Article:
    return Article(
        title=meta.get("title") or None,
        byline=meta.get("byline") or byline,
        published=meta.get("published"),
        lang=meta.get("lang") or guess_language(text),
        site_name=meta.get("site_name"),
        description=meta.get("description") or _first_paragraph(node),
        canonical_url=meta.get("canonical_url"),
        image_url=meta.get("image_url"),
        html=sanitize_html(etree.tostring(node, encoding="unicode", method="html")),
        text=text,
        word_count=len(_WORD_RE.findall(text)),
    )


# ---------------------------------------------------------------------------------------------
# Input checks and repair
# ---------------------------------------------------------------------------------------------

_BINARY_SIGNATURES = {
    "%PDF-": "a PDF document",
    "\x89PNG": "a PNG image",
    "\ufffdPNG": "a PNG image",
    "GIF87a": "a GIF image",
    "GIF89a": "a GIF image",
    "\xff\xd8\xff": "a JPEG image",
    "PK\x03\x04": "a ZIP archive",
    "\x1f\x8b": "gzip-compressed data",
    "RIFF": "a RIFF (WebP/WAV/AVI) file",
}
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_META_CHARSET_RE = re.compile(r"<meta\b[^>]*charset[^>]*>", re.I)


def _checked_input(html: object) -> str:
    """Refuse what is not HTML, with a message saying what it is instead."""
    if isinstance(html, bytes | bytearray):
        raise ExtractionError("expected the HTML as text (str), got bytes: decode it first")
    if not isinstance(html, str):
        raise ExtractionError(f"expected the HTML as text (str), got {type(html).__name__}")
    if len(html) > MAX_HTML_CHARS:
        raise ExtractionError(
            f"document too large: {len(html):,} characters (limit {MAX_HTML_CHARS:,})"
        )
    head = html.lstrip("\ufeff \t\r\n")[:2048]
    if not head.replace("\x00", "").strip():
        raise ExtractionError("empty document")
    for signature, what in _BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise ExtractionError(f"not HTML: the input is {what}")
    if _looks_binary(head):
        raise ExtractionError("not HTML: the input looks like binary data")
    if head[0] in "{[" and _is_json(html):
        raise ExtractionError("not HTML: the input is JSON")
    if "<" not in html:
        raise ExtractionError("not HTML: the input has no markup (plain text?)")
    return html


def _looks_binary(head: str) -> bool:
    """Control characters and U+FFFD are rare in HTML and common in decoded binary data.

    NUL bytes alone do not count: they are what UTF-16 read as a single-byte charset leaves.
    """
    without_nul = head.replace("\x00", "")
    if not without_nul:
        return False
    odd = len(_CONTROL_RE.findall(without_nul)) + without_nul.count("\ufffd")
    return odd > 0.1 * len(without_nul)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _repair_text(html: str) -> str:
    """Drop what the parser must not see: NULs, control characters, lone surrogates, encoding
    declarations (the input is already text, so a declared charset can only mislead)."""
    html = _CONTROL_RE.sub("", html.lstrip("\ufeff"))
    html = _SURROGATE_RE.sub("\ufffd", html)
    html = _XML_DECL_RE.sub("", html)
    return _META_CHARSET_RE.sub("", html)


# ---------------------------------------------------------------------------------------------
# Parsing (with a fallback for documents nested deeper than libxml2 allows)
# ---------------------------------------------------------------------------------------------


def _parse(html: str) -> HtmlElement:
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    root = _parse_with(html, parser)
    if any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in parser.error_log):
        # libxml2 silently drops everything below depth 256: rebuild the markup flatter
        huge = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
        root = _parse_with(_flatten(html, MAX_DEPTH), huge)
    return root


def _parse_with(html: str, parser: lxml.html.HTMLParser) -> HtmlElement:
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError(f"could not parse the HTML: {exc}") from exc
    if root is None or not isinstance(root, HtmlElement):
        raise ExtractionError("could not parse the HTML: no document element")
    return root


_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)


class _Flattener(_TokenParser):
    """Re-serialize markup, dropping the tags (not the text) nested deeper than `max_depth`."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(convert_charrefs=True)
        self.max_depth = max_depth
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, emitted)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            self.out.append(self.get_starttag_text() or "")
            return
        emitted = len(self.stack) < self.max_depth
        self.stack.append((tag, emitted))
        self.out.append(self.get_starttag_text() or "" if emitted else " ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if not any(name == tag for name, _ in self.stack):
            return
        while self.stack:
            name, emitted = self.stack.pop()
            if emitted:
                self.out.append(f"</{name}>")
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        raw = self.stack and self.stack[-1][0] in ("script", "style")
        self.out.append(data if raw else escape(data, quote=False))


def _flatten(html: str, max_depth: int) -> str:
    flattener = _Flattener(max_depth)
    flattener.feed(html)
    flattener.close()
    return "".join(flattener.out)


# ---------------------------------------------------------------------------------------------
# Small DOM helpers
# ---------------------------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _text(el: HtmlElement) -> str:
    return _norm(el.text_content())


def _features(el: HtmlElement) -> str:
    """The class and id of an element, the strings Readability's heuristics look at."""
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _remove(el: HtmlElement) -> None:
    """Remove an element and its subtree, keeping the text that follows it."""
    if el.getparent() is not None:
        el.drop_tree()


def _elements(root: HtmlElement) -> Iterator[HtmlElement]:
    """Every element under root, skipping comments/PIs (lxml yields those with a callable tag)."""
    for el in root.iter():
        if isinstance(el.tag, str):
            yield el


def _link_density(el: HtmlElement) -> float:
    length = len(_text(el))
    if not length:
        return 0.0
    linked = 0.0
    for a in el.iter("a"):
        weight = 0.3 if (a.get("href") or "").startswith("#") else 1.0
        linked += len(_text(a)) * weight
    return linked / length


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------

_JSONLD_ARTICLE_TYPES = re.compile(
    r"^(Article|AdvertiserContentArticle|NewsArticle|AnalysisNewsArticle|AskPublicNewsArticle|"
    r"BackgroundNewsArticle|OpinionNewsArticle|ReportageNewsArticle|ReviewNewsArticle|Report|"
    r"SatiricalArticle|ScholarlyArticle|MedicalScholarlyArticle|SocialMediaPosting|BlogPosting|"
    r"LiveBlogPosting|DiscussionForumPosting|TechArticle|APIReference)$"
)
_META_PROPERTY_RE = re.compile(
    r"\s*(article|dc|dcterm|og|twitter)\s*:\s*"
    r"(author|creator|description|published_time|title|site_name|image|url|locale)\s*",
    re.I,
)
_META_NAME_RE = re.compile(
    r"^\s*(?:(dc|dcterm|og|twitter|parsely|weibo:(article|webpage))\s*[-.:]\s*)?"
    r"(author|creator|pub-date|description|title|site_name|image)\s*$",
    re.I,
)


def _read_metadata(root: HtmlElement, url: str | None) -> dict[str, str]:
    """Title, byline, dates, language... from JSON-LD first, then meta tags, then the markup.

    The order of sources is Reader View's (Readability.js `_getArticleMetadata`): a title an
    author or a page declares (JSON-LD, Dublin Core, OpenGraph, Twitter...) is taken as it is;
    only the `<title>` element, which usually carries the site's name, is cleaned. The byline
    here comes from declarations only; the markup's byline is `_find_byline`'s job."""
    values = _meta_values(root)
    site_name = _norm(unescape(_first(values, "og:site_name") or ""))
    page_title = _page_title(root, site_name)
    ld = _json_ld(root, page_title)
    raw = {
        "title": ld.get("title") or _first(values, "dc:title", "dcterm:title", "og:title",
                                           "weibo:article:title", "weibo:webpage:title",
                                           "title", "twitter:title", "parsely-title"),
        "byline": ld.get("byline") or _first(values, "dc:creator", "dcterm:creator", "author",
                                             "parsely-author") or _article_author(values),
        "description": ld.get("description") or _first(
            values, "dc:description", "dcterm:description", "og:description",
            "weibo:article:description", "weibo:webpage:description", "description",
            "twitter:description"),
        "site_name": ld.get("site_name") or _first(values, "og:site_name"),
        "published": ld.get("published") or _first(values, "article:published_time",
                                                   "parsely-pub-date") or _time_published(root),
        "image_url": ld.get("image") or _first(values, "og:image", "twitter:image", "image"),
        "canonical_url": _canonical(root, values),
        "lang": _declared_language(root, values),
    }
    found = {key: _norm(unescape(value)) for key, value in raw.items() if value}
    if not found.get("title"):
        found["title"] = page_title
    for key in ("image_url", "canonical_url"):
        if key in found and url:
            found[key] = _absolute(url, found[key])
    return {key: value for key, value in found.items() if value}


def _first(values: dict[str, str], *names: str) -> str | None:
    return next((values[name] for name in names if values.get(name)), None)


def _meta_values(root: HtmlElement) -> dict[str, str]:
    """Meta tags by (lower-cased) name. A `property` is a space-separated list of names
    ("og:title twitter:title", "x:title dc:title"): each known name in it counts."""
    values: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        names = [_WS_RE.sub("", m.group(0).lower())
                 for m in _META_PROPERTY_RE.finditer(meta.get("property") or "")]
        for name in names:
            values[name] = content
        if names:
            continue
        name = meta.get("name") or ""
        if _META_NAME_RE.match(name):
            values[_WS_RE.sub("", name.lower()).replace(".", ":")] = content
        elif (meta.get("http-equiv") or "").lower() == "content-language":
            values["content-language"] = content
    return values


def _article_author(values: dict[str, str]) -> str | None:
    """`article:author` names the author only when it is not a link to the author's page."""
    author = values.get("article:author")
    return author if author and not _is_url(author) else None


def _is_url(text: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://\S+$|^/\S*$|^www\.\S+$", text.strip(), re.I))


def _json_ld(root: HtmlElement, page_title: str) -> dict[str, str]:
    """Metadata from the first schema.org Article-like JSON-LD object on the page."""
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        item = _json_ld_article(script.text or "")
        if item is not None:
            return _json_ld_fields(item, page_title)
    return {}


def _json_ld_article(source: str) -> dict[str, Any] | None:
    source = re.sub(r"^\s*<!\[CDATA\[|\]\]>\s*$", "", source)
    try:
        parsed = json.loads(source)
    except ValueError:
        return None
    candidates = parsed if isinstance(parsed, list) else [parsed]
    for item in candidates:
        if not isinstance(item, dict) or not _is_schema_org(item.get("@context")):
            continue
        if "@type" not in item and isinstance(item.get("@graph"), list):
            item = next((x for x in item["@graph"] if _is_article_type(x)), None)
        if item is not None and _is_article_type(item):
            return item
    return None


_SCHEMA_ORG_RE = re.compile(r"^https?://schema\.org/?$", re.I)


def _is_schema_org(context: object) -> bool:
    """Whether a JSON-LD @context is schema.org's: only then do "name" and "author" mean
    what schema.org says they mean."""
    if isinstance(context, str):
        return bool(_SCHEMA_ORG_RE.match(context.strip()))
    if isinstance(context, dict):
        return _is_schema_org(context.get("@vocab"))
    if isinstance(context, list):
        return any(_is_schema_org(c) for c in context)
    return False


def _is_article_type(item: object) -> bool:
    if not isinstance(item, dict):
        return False
    types = item.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and _JSONLD_ARTICLE_TYPES.match(t) for t in types)


def _json_ld_fields(item: dict[str, Any], page_title: str) -> dict[str, str]:
    fields = {
        "title": _json_ld_title(item, page_title),
        "byline": _json_ld_names(item.get("author")),
        "description": _str(item.get("description")),
        "site_name": _str((item.get("publisher") or {}).get("name"))
        if isinstance(item.get("publisher"), dict) else None,
        "published": _str(item.get("datePublished")),
        "image": _json_ld_image(item.get("image")),
    }
    return {key: value for key, value in fields.items() if value}


def _str(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _json_ld_title(item: dict[str, Any], page_title: str) -> str | None:
    """Prefer `headline` over `name` only when it is the one that matches the page's <title>:
    some sites put their own name into `name`."""
    name, headline = _str(item.get("name")), _str(item.get("headline"))
    if name and headline and name != headline:
        if _similarity(headline, page_title) > 0.75 >= _similarity(name, page_title):
            return headline
        return name
    return name or headline


def _json_ld_names(author: object) -> str | None:
    authors = author if isinstance(author, list) else [author]
    names = [_str(a.get("name")) for a in authors if isinstance(a, dict)]
    return ", ".join(n for n in names if n) or None


def _json_ld_image(image: object) -> str | None:
    if isinstance(image, list) and image:
        image = image[0]
    if isinstance(image, dict):
        image = image.get("url")
    return _str(image)


def _similarity(a: str, b: str) -> float:
    """Share of b's text made of words that also occur in a (1 = same words)."""
    tokens_a = [t for t in re.split(r"\W+", a.lower()) if t]
    tokens_b = [t for t in re.split(r"\W+", b.lower()) if t]
    if not tokens_a or not tokens_b:
        return 0.0
    unique_b = [t for t in tokens_b if t not in tokens_a]
    return 1 - len(" ".join(unique_b)) / len(" ".join(tokens_b))


_TITLE_SEPARATORS = "|\\-–—\\\\/>»"
_TITLE_SEPARATOR_RE = re.compile(f" [{_TITLE_SEPARATORS}] ")
_HIERARCHICAL_SEPARATOR_RE = re.compile(r" [\\/>»] ")


def _title_element(root: HtmlElement) -> str:
    """The text of the document's <title> (not an SVG icon's <title>), as `document.title`."""
    head = root.find("head")
    title = head.find("title") if head is not None else None
    if title is None:
        title = next((t for t in root.iter("title")
                      if not any(a.tag in ("svg", "symbol") for a in t.iterancestors())), None)
    return _norm(title.text_content()) if title is not None else ""


def _page_title(root: HtmlElement, site_name: str = "") -> str:
    """The title in the <title> element, cleaned like Reader View (Readability.js's
    `_getArticleTitle`): " | Site" and "Section » " parts go, a "Site: " prefix goes unless a
    heading repeats the whole title, and a very short or very long title gives way to the only
    <h1>. A cut that leaves four words or fewer is undone: short titles are often a
    "Name - Subtitle" that must stay whole. A part that is exactly the page's declared site
    name (og:site_name) goes first, whatever its length."""
    original = _without_site_name(_title_element(root), site_name)
    title = original
    hierarchical = False
    if _TITLE_SEPARATOR_RE.search(title):
        hierarchical = bool(_HIERARCHICAL_SEPARATOR_RE.search(title))
        last = list(_TITLE_SEPARATOR_RE.finditer(original))[-1]
        title = original[: last.start()]
        if _word_count(title) < 3:
            title = re.sub(f"^[^{_TITLE_SEPARATORS}]*[{_TITLE_SEPARATORS}]", "", original)
    elif ": " in title:
        if not any(_text(h) == title for h in root.iter("h1", "h2")):
            title = original[original.rindex(":") + 1:]
            if _word_count(title) < 3:
                title = original[original.index(":") + 1:]
            elif _word_count(original[: original.index(":")]) > 5:
                title = original
    elif len(title) > 150 or len(title) < 15:
        h1s = list(root.iter("h1"))
        if len(h1s) == 1:
            title = _text(h1s[0])
    title = _norm(title)
    count = _word_count(title)
    if count <= 4 and (
        not hierarchical
        or count != _word_count(re.sub(f"[{_TITLE_SEPARATORS}]+", "", original)) - 1
    ):
        return original
    return title


def _without_site_name(title: str, site_name: str) -> str:
    """Drop a " | Site Name" suffix or "Site Name | " prefix naming the declared site."""
    if not site_name or len(site_name) >= len(title):
        return title
    name = re.escape(site_name)
    for pattern in (rf"^(.*\S)\s+[{_TITLE_SEPARATORS}·:]\s+{name}$",
                    rf"^{name}\s*[{_TITLE_SEPARATORS}·:]\s+(\S.*)$"):
        match = re.match(pattern, title, re.I)
        if match:
            return match.group(1)
    return title


def _word_count(text: str) -> int:
    """Words as Readability.js counts them (`split(/\\s+/)`: edges count as empty words)."""
    return len(re.split(r"\s+", text))


def _time_published(root: HtmlElement) -> str | None:
    for el in root.xpath(
        '//*[@itemprop="datePublished"] | //time[@pubdate] | //time[@datetime]'
    ):
        value = el.get("datetime") or el.get("content")
        if value and value.strip():
            return value.strip()
    return None


def _canonical(root: HtmlElement, values: dict[str, str]) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return str(link.get("href")).strip()
    return values.get("og:url")


def _declared_language(root: HtmlElement, values: dict[str, str]) -> str | None:
    for el in (root, root.find("body")):
        if el is not None:
            lang = (el.get("lang") or el.get("{http://www.w3.org/XML/1998/namespace}lang") or "")
            if lang.strip():
                return lang.strip()
    declared = values.get("content-language") or values.get("og:locale")
    return declared.split(",")[0].strip().replace("_", "-") if declared else None


def _absolute(base: str, link: str) -> str:
    try:
        return urljoin(base, link)
    except ValueError:
        return link


# A cheap guess for pages that do not say which language they are in: scripts first, then the
# share of very common words. Good enough to route a page to the right full-text tokenizer.
_SCRIPT_LANGS = (
    (re.compile(r"[\u3040-\u30ff]"), "ja"), (re.compile(r"[\uac00-\ud7af]"), "ko"),
    (re.compile(r"[\u4e00-\u9fff]"), "zh"), (re.compile(r"[\u0400-\u04ff]"), "ru"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"), (re.compile(r"[\u0590-\u05ff]"), "he"),
    (re.compile(r"[\u0370-\u03ff]"), "el"), (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0900-\u097f]"), "hi"),
)
_STOPWORDS = {
    "en": "the and of to is in that it for was with on as are this be by you not have",
    "de": "der die und das ist nicht ein eine zu den von mit sich des auf für im dem auch",
    "fr": "le la les et des est une un du que pas pour dans qui sur au avec il elle",
    "es": "el la los las y de que en un una es por con para del se lo como más",
    "it": "il la di che e un una per non sono del della con si le gli è anche",
    "pt": "o a os as e de que um uma não do da em para com se por mais",
    "nl": "de het een en van is dat niet op te zijn voor met ook aan er maar",
}
_STOPWORD_SETS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}


def guess_language(text: str) -> str | None:
    """Guess a language code from text, or None when the text is too short to tell."""
    sample = text[:5000]
    letters = sum(ch.isalpha() for ch in sample)
    if letters < 20:
        return None
    for pattern, lang in _SCRIPT_LANGS:
        if len(pattern.findall(sample)) > 0.2 * letters:
            return lang
    words = Counter(w.lower() for w in _WORD_RE.findall(sample))
    scores = {lang: sum(words[w] for w in stop) for lang, stop in _STOPWORD_SETS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= 3 else None


# ---------------------------------------------------------------------------------------------
# Chrome removal, before readability sees the page
# ---------------------------------------------------------------------------------------------

_HIDDEN_STYLE_RE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
_UNLIKELY_ROLES = frozenset(
    {"menu", "menubar", "navigation", "alert", "alertdialog", "dialog", "banner", "contentinfo",
     "complementary", "search"}
)
# Consent platforms' containers (OneTrust, Cookiebot, Didomi, Quantcast, Usercentrics,
# Sourcepoint, TrustArc, Osano, Klaro, Complianz, CookieYes, Borlabs, Iubenda, cookieconsent.js)
_CMP_ID_RE = re.compile(
    r"^(onetrust-|ot-sdk-|cybotcookiebot|cookiebot|didomi-|qc-cmp|usercentrics|uc-banner|"
    r"sp_message|sp-message|truste-|trustarc|osano-|klaro|cmplz-|cky-|cookieyes|borlabs-|"
    r"iubenda-cs|cc-window|cc_banner|cmpbox|cmp-|gdpr-|consent-|cookie-|cookies-|cookie_|"
    r"eu-cookie|cookielaw|cookie-law|cookienotice|cookiebanner|cookieconsent|consentmanager)",
    re.I,
)
_CONSENT_FEATURE_RE = re.compile(
    r"(?:cookie|consent|gdpr|cmp|privacy)[-_]?(?:banner|bar|notice|notification|popup|pop-up|"
    r"modal|overlay|dialog|box|wall|message|prompt|alert|layer|container|wrapper|law|consent|"
    r"info|manager|policy-banner|hint|accept|widget|sheet|panel)"
    r"|(?:banner|bar|notice|popup|modal|overlay|dialog)[-_]?(?:cookie|consent|gdpr)",
    re.I,
)
_CONSENT_TEXT_RE = re.compile(
    r"cookie|consent|gdpr|datenschutz|einwilligung|privacy|tracking|personaldaten|rgpd|"
    r"données personnelles|privacidad|protezione dei dati",
    re.I,
)
_ACCEPT_RE = re.compile(
    r"^\W*(?:accept|agree|allow|ok(?:ay)?|got it|i understand|understood|continue|close|"
    r"yes|zulassen|akzeptieren|einverstanden|zustimmen|verstanden|alle akzeptieren|"
    r"accepter|j'accepte|tout accepter|d'accord|aceptar|acepto|accetta|accetto|aceitar|"
    r"accepteren|akkoord|cookies zulassen|alle cookies|accept all|allow all|allow cookies)"
    r"\b[\w\s!.'’-]{0,40}$",
    re.I,
)
_CHROME_FEATURE_RE = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|sharedaddy|social|socials|follow|addtoany|addthis|"
    r"newsletter|subscribe|subscription|signup|sign-up|mailing-list|"
    r"related|read-more|readmore|more-stories|recommended|recirculation|outbrain|taboola|"
    r"breadcrumbs?|skip-link|skiplink|comment-form|comment-respond|respond|"
    r"print-only|advert|advertisement|ad-slot|ad-container|sponsored)(?:$|[\s_-])",
    re.I,
)
_TEASER_LEAD_RE = re.compile(
    r"^\W*(?:mehr zum thema|lesen sie auch|lesen sie mehr|auch interessant|weitere artikel|"
    r"das könnte sie auch interessieren|related|read more|see also|more on this|"
    r"read also|also read|recommended|more from|à lire aussi|lire aussi|voir aussi|"
    r"leer más|lee también|leggi anche|follow us|folge uns|folgen sie uns|suivez-nous|"
    r"síguenos|seguici)\b",
    re.I,
)


def _remove_chrome(root: HtmlElement) -> None:
    """Remove what is not the article: by attributes in one pass, then sprites and the
    chrome only text gives away (consent bars of unknown make, "Mehr zum Thema" teasers)."""
    for el in list(_elements(root)):
        if el.getparent() is not None and el.tag not in _NEVER_CHROME and _is_chrome(el):
            _remove(el)
    _remove_icon_sprites(root)
    _remove_consent_by_text(root)
    _remove_teasers(root)


_NEVER_CHROME = frozenset({"html", "body", "article", "main"})


def _is_chrome(el: HtmlElement) -> bool:
    return (
        _is_hidden(el)
        or _is_navigation(el)
        or (_is_consent_prompt(el) and not _is_large(el))
        or (el.tag != "a" and bool(_CHROME_FEATURE_RE.search(_features(el)))
            and not _looks_like_content(el))
    )


def _is_hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None or _HIDDEN_STYLE_RE.search(el.get("style") or ""):
        return True
    if el.get("aria-hidden") == "true" and "fallback-image" not in (el.get("class") or ""):
        return True
    return el.get("aria-modal") == "true" and el.get("role") == "dialog"


def _is_navigation(el: HtmlElement) -> bool:
    """Navigation and page-level header/footer/aside: by ARIA role or by HTML5 element."""
    role = (el.get("role") or "").lower()
    if role in _UNLIKELY_ROLES or el.tag in ("nav", "dialog"):
        return not el.xpath(".//article | .//main")
    if el.tag in ("header", "footer", "aside") and not _in_article(el):
        return not el.xpath(".//article | .//main") and not _holds_article_text(el)
    return False


def _in_article(el: HtmlElement) -> bool:
    return any(a.tag in ("article", "main") for a in el.iterancestors())


def _holds_article_text(el: HtmlElement) -> bool:
    """A page-level <header>/<aside> that holds long paragraphs is a layout wrapper, not chrome."""
    return sum(len(_text(p)) for p in el.iter("p")) > 500


def _is_consent_prompt(el: HtmlElement) -> bool:
    label = f"{el.get('aria-label') or ''} {el.get('aria-labelledby') or ''}"
    return bool(
        _CMP_ID_RE.match(el.get("id") or "")
        or any(_CMP_ID_RE.match(c) for c in (el.get("class") or "").split())
        or _CONSENT_FEATURE_RE.search(_features(el))
        or _CONSENT_LABEL_RE.search(label)
    )


_CONSENT_LABEL_RE = re.compile(r"cookie|consent", re.I)


def _is_large(el: HtmlElement) -> bool:
    """Whether an element holds so much text it must be content, whatever its class says."""
    return len(_text(el)) > 3000 or bool(el.xpath(".//article | .//main"))


def _remove_icon_sprites(root: HtmlElement) -> None:
    """SVG sprite sheets (<symbol>s whose titles are icon names) and <svg> titles: not text."""
    for svg in list(root.iter("svg", "{http://www.w3.org/2000/svg}svg")):
        if svg.getparent() is None:
            continue
        if svg.xpath(".//*[local-name()='symbol']") or not svg.xpath(
            ".//*[local-name()='path' or local-name()='use' or local-name()='image' or "
            "local-name()='rect' or local-name()='circle' or local-name()='text']"
        ):
            _remove(svg)
            continue
        for label in svg.xpath(".//*[local-name()='title' or local-name()='desc']"):
            _remove(label)


def _remove_consent_by_text(root: HtmlElement) -> None:
    """A short block with a consent text and an accept button, whatever its markup."""
    controls = root.xpath(
        "//button | //a | //input[@type='button' or @type='submit'] | //*[@role='button']"
    )
    for control in controls:
        if control.getparent() is None:
            continue
        label = _text(control) or (control.get("value") or "")
        if len(label) > 60 or not _ACCEPT_RE.match(label):
            continue
        banner = _consent_container(control)
        if banner is not None:
            _remove(banner)


def _consent_container(control: HtmlElement) -> HtmlElement | None:
    """The largest ancestor of an accept button that is still banner-sized and talks consent."""
    found = None
    for ancestor in control.iterancestors():
        if ancestor.tag in ("body", "html", "article", "main"):
            break
        text = _text(ancestor)
        if len(text) > 1200 or len(ancestor.xpath(".//p")) > 4:
            break
        if _CONSENT_TEXT_RE.search(text):
            found = ancestor
    return found


def _looks_like_content(el: HtmlElement) -> bool:
    """Long, not-linky text is content even under a widget-like class name."""
    text = _text(el)
    return len(text) > 500 and _link_density(el) < 0.3


def _remove_teasers(root: HtmlElement) -> None:
    """Blocks that announce other pages ("Mehr zum Thema", "Read more", "Follow us on").

    Found from their text nodes (cheap), then judged on the element that starts with them."""
    for text in root.xpath("//text()[normalize-space()]"):
        if not _TEASER_LEAD_RE.match(text):
            continue
        el = text.getparent()
        if el is None or el.getparent() is None or not text.is_text:
            continue
        content = _text(el)
        if len(content) < 250 and (_link_density(el) > 0.3 or len(content) < 40):
            _remove(_teaser_block(el))


def _teaser_block(el: HtmlElement) -> HtmlElement:
    """Widen a teaser's lead to the block that holds just it (and its linked card)."""
    block = el
    for ancestor in el.iterancestors():
        if ancestor.tag in ("body", "article", "main") or len(_text(ancestor)) > 300:
            break
        block = ancestor
    return block


_BYLINE_RE = re.compile(r"byline|author|dateline|writtenby|p-author", re.I)
_NOT_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
_BYLINE_SKIP_ROLES = frozenset(
    {"menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog"}
)


def _take_byline(root: HtmlElement) -> str | None:
    """Find the byline in the markup the way Reader View does, remove it, return its text.

    The first element in document order, outside hidden nodes and outside the subtrees
    Readability.js drops as unlikely (class/id like "sidebar", "comment", "header"; menu and
    navigation roles), that is marked as the author (rel=author, itemprop=author) or whose
    class/id says byline/author/dateline, and holds 1-99 characters of text. When it has an
    itemprop=name descendant (schema.org Person), that names the author more exactly than the
    whole element ("By", dates, "Follow" buttons)."""
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or el.tag in _NOT_TEXT_TAGS or _is_hidden(el):
            continue
        features = _features(el)
        if el.tag not in ("html", "body") and _is_byline(el, features):
            name = next((d for d in el.iterdescendants()
                         if isinstance(d.tag, str) and "name" in (d.get("itemprop") or "")),
                        None)
            byline = _text(name if name is not None else el)
            _remove(el)
            return byline
        if _is_unlikely(el, features):
            continue
        stack.extend(reversed([child for child in el if isinstance(child.tag, str)]))
    return None


def _is_byline(el: HtmlElement, features: str) -> bool:
    if not (el.get("rel") == "author" or "author" in (el.get("itemprop") or "")
            or _BYLINE_RE.search(features)):
        return False
    return 0 < len(el.text_content().strip()) < 100


def _is_unlikely(el: HtmlElement, features: str) -> bool:
    """Readability.js's test for a subtree that holds no article (before any scoring), with
    the exceptions our article finder makes too: a block that holds the <article>/<main> is
    a layout wrapper, and a "header" inside an <article> is that article's header (where
    HTML puts the author's name), not the page's."""
    if (el.get("role") or "") in _BYLINE_SKIP_ROLES:
        return True
    if el.tag in ("html", "body", "a") or not _UNLIKELY_RE.search(features):
        return False
    if _in_article(el) and not _UNLIKELY_RE.search(_HEADER_RE.sub(" ", features)):
        return False
    return (
        not _MAYBE_CANDIDATE_RE.search(features)
        and not _has_ancestor(el, "table")
        and not _has_ancestor(el, "code")
        and not el.xpath("descendant::article | descendant::main")
    )


_HEADER_RE = re.compile("header", re.I)


def _itemprop_author(root: HtmlElement) -> str | None:
    """A `<meta itemprop="author" content="...">`: the author when nothing else names one."""
    for value in root.xpath('//meta[contains(@itemprop, "author")]/@content'):
        if 0 < len(value.strip()) < 100:
            return _norm(value)
    return None


def _remove_title_heading(root: HtmlElement, title: str | None) -> None:
    """The first <h1>/<h2> that repeats the title: it is `Article.title`, not article text."""
    if not title:
        return
    for heading in root.iter("h1", "h2"):
        if _similarity(title, _text(heading)) > 0.75:
            _remove(heading)
            return


# ---------------------------------------------------------------------------------------------
# readability-lxml, with Readability.js's notion of "unlikely" and its article cleaning
# ---------------------------------------------------------------------------------------------

_UNLIKELY_RE = re.compile(
    r"-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|"
    r"gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|"
    r"sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote",
    re.I,
)
_MAYBE_CANDIDATE_RE = re.compile(r"and|article|body|column|content|main|shadow", re.I)


class _ArticleFinder(Document):  # type: ignore[misc]
    """readability-lxml's Document: its candidate scoring, with our cleaning of the winner."""

    def __init__(self, root: HtmlElement) -> None:
        super().__init__(root)  # no url: only the article's links are made absolute, later
        self._node: HtmlElement | None = None

    def article(self) -> HtmlElement | None:
        try:
            self.summary(html_partial=True)
        except Exception as exc:  # noqa: BLE001 - readability wraps everything in Unparseable
            raise ExtractionError(f"readability could not find an article: {exc}") from exc
        return self._node

    def remove_unlikely_candidates(self) -> None:
        for el in list(_elements(self.html)):
            features = _features(el)
            if (
                len(features) > 1
                and _UNLIKELY_RE.search(features)
                and not _MAYBE_CANDIDATE_RE.search(features)
                and el.tag not in ("html", "body", "a")
                and not el.xpath("ancestor::table | ancestor-or-self::pre | ancestor::code")
                and not el.xpath("descendant-or-self::main | descendant-or-self::article | "
                                 ".//math")
            ):
                _remove(el)

    def get_link_density(self, elem: HtmlElement) -> float:
        return _link_density(elem)

    def score_node(self, elem: HtmlElement) -> dict[str, Any]:
        """Readability.js's initial score: only <div> gets the container bonus, not <article>.
        <body> gets no class weight: readability-lxml sets its id to "readabilityBody"."""
        weight = _class_weight(elem) if elem.tag != "body" else 0
        return {"content_score": _TAG_SCORES.get(elem.tag, 0) + weight, "elem": elem}

    def score_paragraphs(self) -> dict[HtmlElement, dict[str, Any]]:
        """Score like Readability.js: a paragraph's points go to five levels of ancestors
        (divided by 1, 2, 6, 9, 12), so an article made of lists or nested blocks still wins."""
        candidates: dict[HtmlElement, dict[str, Any]] = {}
        for elem in self.html.iter("p", "pre", "td", "blockquote"):
            text = _norm(elem.text_content())
            if len(text) < self.min_text_length:
                continue
            points = 1 + len(_COMMAS_RE.split(text)) + min(len(text) // 100, 3)
            for level, ancestor in enumerate(_scorable_ancestors(elem)):
                if ancestor not in candidates:
                    candidates[ancestor] = self.score_node(ancestor)
                divider = 1 if level == 0 else 2 if level == 1 else level * 3
                candidates[ancestor]["content_score"] += points / divider
        for elem, candidate in candidates.items():
            candidate["content_score"] *= 1 - self.get_link_density(elem)
        return candidates

    def sanitize(self, node: HtmlElement, candidates: dict, keep_all_images: bool = False) -> str:
        clean_article(node)
        self._node = node
        self.html = node
        return etree.tostring(node, encoding="unicode", method="html")


_COMMAS_RE = re.compile("[\u002C\u060C\uFE50\uFE10\uFE11\u2E41\u2E34\u2E32\uFF0C]")


_TAG_SCORES = {
    "div": 5, "pre": 3, "td": 3, "blockquote": 3, "address": -3, "ol": -3, "ul": -3, "dl": -3,
    "dd": -3, "dt": -3, "li": -3, "form": -3, "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5,
    "h6": -5, "th": -5,
}


def _scorable_ancestors(elem: HtmlElement) -> Iterator[HtmlElement]:
    for level, ancestor in enumerate(elem.iterancestors()):
        if level == 5 or ancestor.getparent() is None:
            return
        yield ancestor


_VIDEO_RE = re.compile(
    r"//(www\.)?((dailymotion|youtube|youtube-nocookie|player\.vimeo|v\.qq)\.com|"
    r"(archive|upload\.wikimedia)\.org|player\.twitch\.tv)",
    re.I,
)
_NEGATIVE_RE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|"
    r"footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|"
    r"skyscraper|sponsor|shopping|tags|widget",
    re.I,
)
_POSITIVE_RE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story", re.I
)
_SHARE_RE = re.compile(r"(\b|_)(share|sharedaddy)(\b|_)", re.I)
_AD_WORDS_RE = re.compile(
    r"^(ad(vertising|vertisement)?|pub(licité)?|werb(ung)?|广告|Реклама|Anuncio)$", re.I
)
_LOADING_RE = re.compile(r"^((loading|正在加载|Загрузка|chargement|cargando)(…|\.\.\.)?)$", re.I)
_BLOCKISH = ("blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul", "span", "li",
             "td")


def clean_article(node: HtmlElement) -> None:
    """Clean the chosen article like Readability.js's _prepArticle: conditional, not greedy."""
    data_tables = _data_tables(node)
    for tag in ("form", "fieldset"):
        _clean_conditionally(node, tag, data_tables)
    for tag in ("object", "embed", "footer", "link", "aside", "iframe", "input", "textarea",
                "select", "button", "nav", "noscript"):
        _clean_tag(node, tag)
    _clean_share_elements(node)
    for heading in list(node.iter("h1", "h2")):
        if _class_weight(heading) < 0:
            _remove(heading)
    for tag in ("table", "ul", "div"):
        _clean_conditionally(node, tag, data_tables)
    for heading in node.iter("h1"):
        heading.tag = "h2"
    for p in list(node.iter("p")):
        if not _text(p) and not p.xpath(".//img | .//embed | .//object | .//iframe"):
            _remove(p)
    _unwrap_single_cell_tables(node)


def _clean_tag(node: HtmlElement, tag: str) -> None:
    for el in list(node.iter(tag)):
        if tag in ("object", "embed", "iframe") and _is_video(el):
            continue
        _remove(el)


def _is_video(el: HtmlElement) -> bool:
    return any(_VIDEO_RE.search(value) for value in el.attrib.values())


def _clean_share_elements(node: HtmlElement) -> None:
    for child in list(node):
        for el in list(child.iterdescendants()):
            if isinstance(el.tag, str) and el.getparent() is not None and _SHARE_RE.search(
                _features(el)
            ) and len(el.text_content()) < 500:
                _remove(el)


def _class_weight(el: HtmlElement) -> int:
    weight = 0
    for feature in (el.get("class"), el.get("id")):
        if feature:
            weight -= 25 if _NEGATIVE_RE.search(feature) else 0
            weight += 25 if _POSITIVE_RE.search(feature) else 0
    return weight


def _data_tables(node: HtmlElement) -> set[HtmlElement]:
    return {table for table in node.iter("table") if _is_data_table(table)}


def _is_data_table(table: HtmlElement) -> bool:
    """Readability.js's _markDataTables: data table or layout table?"""
    if table.get("role") == "presentation" or table.get("datatable") == "0":
        return False
    if table.get("summary"):
        return True
    caption = table.find(".//caption")
    if caption is not None and len(caption):
        return True
    if caption is not None and (caption.text or "").strip():
        return True
    if table.xpath(".//col | .//colgroup | .//tfoot | .//thead | .//th"):
        return True
    if table.xpath(".//table"):
        return False
    rows, columns = _table_size(table)
    if rows == 1 or columns == 1:
        return False
    return rows >= 10 or columns > 4 or rows * columns > 10


def _table_size(table: HtmlElement) -> tuple[int, int]:
    rows = columns = 0
    for tr in table.iter("tr"):
        rows += _int_attr(tr, "rowspan")
        columns = max(columns, sum(_int_attr(td, "colspan") for td in tr.iter("td")))
    return rows, columns


def _int_attr(el: HtmlElement, name: str) -> int:
    try:
        return max(1, int(el.get(name) or 1))
    except ValueError:
        return 1


def _has_ancestor(el: HtmlElement, tag: str, max_depth: int = 3) -> bool:
    for depth, ancestor in enumerate(el.iterancestors()):
        if max_depth > 0 and depth > max_depth:
            return False
        if ancestor.tag == tag:
            return True
    return False


def _clean_conditionally(node: HtmlElement, tag: str, data_tables: set[HtmlElement]) -> None:
    for el in reversed(list(node.iter(tag))):
        if el.getparent() is not None and el is not node and _is_fishy(el, tag, data_tables):
            _remove(el)


def _is_fishy(el: HtmlElement, tag: str, data_tables: set[HtmlElement]) -> bool:
    """Readability.js's _cleanConditionally test for one element."""
    if el in data_tables or any(a in data_tables for a in el.iterancestors("table")):
        return False
    if _has_ancestor(el, "code") or any(t in data_tables for t in el.iter("table")):
        return False
    weight = _class_weight(el)
    if weight < 0:
        return True
    text = _text(el)
    if text.count(",") >= 10:
        return False
    is_list = tag in ("ul", "ol") or _list_share(el, text) > 0.9
    counts = Counter(d.tag for d in el.iterdescendants() if isinstance(d.tag, str))
    p, img, li = counts["p"], counts["img"], counts["li"] - 100
    embeds = [e for e in el.iter("object", "embed", "iframe") if e is not el]
    if any(_is_video(e) for e in embeds):
        return False
    if _AD_WORDS_RE.match(text) or _LOADING_RE.match(text):
        return True
    remove = _fails_checks(el, text, is_list, weight, p, img, li, counts["input"], len(embeds))
    if is_list and remove:
        return not _is_image_list(el, img)
    return remove


def _list_share(el: HtmlElement, text: str) -> float:
    if not text:
        return 0.0
    return sum(len(_text(lst)) for lst in el.iter("ul", "ol") if lst is not el) / len(text)


def _fails_checks(
    el: HtmlElement, text: str, is_list: bool, weight: int, p: int, img: int, li: int,
    inputs: int, embeds: int,
) -> bool:
    figure_child = _has_ancestor(el, "figure")
    link_density = _link_density(el)
    length = len(text)
    heading_density = _density(el, text, ("h1", "h2", "h3", "h4", "h5", "h6"))
    return (
        (not figure_child and img > 1 and p / img < 0.5)
        or (not is_list and li > p)
        or inputs > p // 3
        or (not is_list and not figure_child and heading_density < 0.9 and length < 25
            and (img == 0 or img > 2) and link_density > 0)
        or (not is_list and weight < 25 and link_density > 0.2)
        or (weight >= 25 and link_density > 0.5)
        or (embeds == 1 and length < 75) or embeds > 1
        or (img == 0 and _density(el, text, _BLOCKISH) == 0)
    )


def _density(el: HtmlElement, text: str, tags: Iterable[str]) -> float:
    if not text:
        return 0.0
    return sum(len(_text(d)) for d in el.iter(*tags) if d is not el) / len(text)


def _is_image_list(el: HtmlElement, img: int) -> bool:
    if any(len(child) > 1 for child in el):
        return False
    return img == len(list(el.iter("li")))


def _unwrap_single_cell_tables(node: HtmlElement) -> None:
    for table in list(node.iter("table")):
        rows = table.xpath("./tr | ./tbody/tr")
        if len(table) > 1 or len(rows) != 1 or len(rows[0]) != 1 or rows[0][0].tag != "td":
            continue
        cell = rows[0][0]
        cell.tag = "div" if cell.xpath(".//p | .//div | .//table | .//ul | .//ol") else "p"
        cell.tail = table.tail
        parent = table.getparent()
        if parent is not None:
            parent.replace(table, cell)


# ---------------------------------------------------------------------------------------------
# Output: absolute links, sanitized HTML, plain text
# ---------------------------------------------------------------------------------------------


def _prepare_article(node: HtmlElement, url: str | None) -> None:
    for a in list(node.iter("a")):
        if (a.get("href") or "").strip().lower().startswith("javascript:"):
            a.drop_tag()
    if url:
        try:
            node.make_links_absolute(url, resolve_base_href=False, handle_failures="discard")
        except ValueError:
            pass


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


_LINE_TAGS = frozenset(
    "li dt dd tr figcaption caption summary legend address br hr div section article header "
    "footer main aside nav details fieldset form".split()
)
_PARAGRAPH_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 blockquote pre ul ol dl table figure".split())
_CELL_TAGS = frozenset({"td", "th"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head",
                        "title", "iframe", "object", "embed", "select", "textarea", "button"})
_LINE, _PARAGRAPH = 1, 2


def html_to_text(node: HtmlElement) -> str:
    """Plain text: paragraphs separated by blank lines, list items and headings on their own
    lines, cells separated by tabs, <pre> whitespace kept."""
    out = _TextBuilder()
    _walk(node, out, pre=False)
    return out.text()


class _TextBuilder:
    """Collects text chunks. Like html-text (the benchmark's reference renderer), separate
    chunks from different elements get a space unless punctuation follows: inline markup
    inside a word is rare, block-ish <span>s without whitespace between them are not."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = _PARAGRAPH  # break owed before the next text
        self.started = False
        self.prev_raw = ""

    def brk(self, kind: int) -> None:
        self.pending = max(self.pending, kind)

    def add(self, raw: str, pre: bool) -> None:
        text = raw if pre else _norm(raw)
        if not text:
            return
        if self.pending and self.started:
            self.parts.append("\n\n" if self.pending == _PARAGRAPH else "\n")
        elif self.started and not pre and self._needs_space(text):
            self.parts.append(" ")
        self.pending = 0
        self.started = True
        self.parts.append(text)
        self.prev_raw = raw

    def _needs_space(self, text: str) -> bool:
        if self.parts[-1] == "\t":
            return False
        if self.prev_raw[-1:].isspace():
            return True
        return not _PUNCT_AFTER_RE.match(text) and not self.prev_raw.endswith("(")

    def text(self) -> str:
        lines = "".join(self.parts).split("\n")
        return "\n".join(line.rstrip() for line in lines).strip("\n")


_PUNCT_AFTER_RE = re.compile(r'^[,:;.!?")]')


def _walk(el: HtmlElement, out: _TextBuilder, pre: bool) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    tag = tag.rsplit("}", 1)[-1].lower()
    if tag in _SKIP_TAGS or not isinstance(el.tag, str):
        return
    pre = pre or tag in ("pre", "textarea")
    kind = _PARAGRAPH if tag in _PARAGRAPH_TAGS else _LINE if tag in _LINE_TAGS else 0
    if tag == "br":
        if pre:
            out.add("\n", pre=True)
        else:
            out.brk(_LINE)
        return
    out.brk(kind)
    if tag in _CELL_TAGS and out.started and not out.pending:
        out.add("\t", pre=True)
    if el.text:
        out.add(el.text, pre)
    for child in el:
        _walk(child, out, pre)
        if child.tail:
            out.add(child.tail, pre)
    out.brk(kind)


def _first_paragraph(node: HtmlElement) -> str | None:
    for p in node.iter("p"):
        text = _text(p)
        if text:
            return text
    return None
