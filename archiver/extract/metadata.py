"""Stages `metadata` and `complete`: what the page declares about its article (JSON-LD,
OpenGraph and meta tags, <title>, <time>, language), read before any stage changes the page;
then, once the article is found, what the page does not declare, from the article itself."""

from __future__ import annotations

import json
import re
from collections import Counter
from html import unescape
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

from archiver.extract.dom import WORD_RE, WS_RE, norm, similarity, text_of
from archiver.models import Article

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


def read_metadata(root: HtmlElement, url: str | None) -> dict[str, str]:
    """Title, byline, dates, language... from JSON-LD first, then meta tags, then the markup.

    The order of sources is Reader View's (Readability.js `_getArticleMetadata`): a title an
    author or a page declares (JSON-LD, Dublin Core, OpenGraph, Twitter...) is taken as it is;
    only the `<title>` element, which usually carries the site's name, is cleaned. The byline
    here comes from declarations only; the markup's byline is `_find_byline`'s job."""
    values = _meta_values(root)
    site_name = norm(unescape(_first(values, "og:site_name") or ""))
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
    found = {key: norm(unescape(value)) for key, value in raw.items() if value}
    if not found.get("title"):
        found["title"] = page_title
    for key in ("image_url", "canonical_url"):
        if key in found and url:
            found[key] = _absolute(url, found[key])
    return {key: value for key, value in found.items() if value}


def describe(meta: dict[str, str], byline: str | None, node: HtmlElement, text: str
             ) -> Article:
    """The article's metadata (its body is `output`'s): what the page declares (`meta`), and
    where it declares nothing, the byline in its markup, the language of the text and the
    text's first paragraph as its description."""
    return Article(
        title=meta.get("title") or None,
        byline=meta.get("byline") or byline,
        published=meta.get("published"),
        lang=meta.get("lang") or guess_language(text),
        site_name=meta.get("site_name"),
        description=meta.get("description") or first_paragraph(node),
        canonical_url=meta.get("canonical_url"),
        image_url=meta.get("image_url"),
    )


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
        names = [WS_RE.sub("", m.group(0).lower())
                 for m in _META_PROPERTY_RE.finditer(meta.get("property") or "")]
        for name in names:
            values[name] = content
        if names:
            continue
        name = meta.get("name") or ""
        if _META_NAME_RE.match(name):
            values[WS_RE.sub("", name.lower()).replace(".", ":")] = content
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
        if similarity(headline, page_title) > 0.75 >= similarity(name, page_title):
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
    return norm(title.text_content()) if title is not None else ""


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
        if not any(text_of(h) == title for h in root.iter("h1", "h2")):
            title = original[original.rindex(":") + 1:]
            if _word_count(title) < 3:
                title = original[original.index(":") + 1:]
            elif _word_count(original[: original.index(":")]) > 5:
                title = original
    elif len(title) > 150 or len(title) < 15:
        h1s = list(root.iter("h1"))
        if len(h1s) == 1:
            title = text_of(h1s[0])
    title = norm(title)
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
    words = Counter(w.lower() for w in WORD_RE.findall(sample))
    scores = {lang: sum(words[w] for w in stop) for lang, stop in _STOPWORD_SETS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= 3 else None


def first_paragraph(node: HtmlElement) -> str | None:
    for p in node.iter("p"):
        text = text_of(p)
        if text and not any(a.tag == "figcaption" for a in p.iterancestors()):
            return text
    return None
