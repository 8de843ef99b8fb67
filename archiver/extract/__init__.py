"""Turn a page's HTML into an `Article`: pure, HTML in, article out, no I/O.

readability-lxml picks the article; around it this package

* refuses input that is not HTML (PDF/PNG bytes, JSON) with `ExtractionError`, and repairs what
  can be repaired (NUL bytes, bogus charset declarations, nesting deeper than libxml2 keeps);
* removes page chrome first: consent prompts, hidden nodes, icon sprites, share/follow widgets,
  newsletter boxes, "related" teasers, navigation; by structure and attributes, and by text only
  where a short block holds a consent text *and* an accept button;
* cleans the chosen article the way Firefox's Reader View does (keeps captions, lists, tables and
  code that readability-lxml's own cleaner drops);
* reads the metadata (JSON-LD, OpenGraph, meta tags, `<time>`, `<html lang>`) and renders the
  article as sanitized HTML (nh3) and as plain text.

Stages, one module each: `parse`, `metadata`, `normalize`, `byline`, `boilerplate`,
`strategies` (`scoring`, `cleaning`), `trim`, `choose`, `output`.
"""

from __future__ import annotations

from lxml import etree

from archiver.errors import ExtractionError
from archiver.extract import strategies
from archiver.extract.boilerplate import (
    remove_chrome,
    remove_consent_checkboxes,
    remove_signup_forms,
    remove_title_heading,
)
from archiver.extract.byline import itemprop_author, take_byline
from archiver.extract.choose import Candidate, block_words, choose, paragraph_words
from archiver.extract.dom import WORD_RE
from archiver.extract.metadata import first_paragraph, guess_language, read_metadata
from archiver.extract.normalize import remove_hidden
from archiver.extract.output import html_to_text, prepare_article
from archiver.extract.parse import checked_input, parse, repair_text
from archiver.extract.trim import article_text
from archiver.models import Article
from archiver.sanitize import sanitize_html

__all__ = ["extract", "extract_text", "guess_language", "html_to_text", "sanitize_html"]

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
    html = repair_text(checked_input(html))
    root = parse(html)
    meta = read_metadata(root, url)
    remove_hidden(root)
    byline = None if meta.get("byline") else take_byline(root) or itemprop_author(root)
    page_words = paragraph_words(root)
    remove_signup_forms(root)
    remove_consent_checkboxes(root)
    remove_chrome(root)
    remove_title_heading(root, meta.get("title"))
    page_words = max(page_words, block_words(root))
    found = choose(_candidate("cleaned", strategies.cleaned(root), meta), page_words, [
        lambda: _candidate("readability", strategies.plain_readability(html), meta),
        lambda: _candidate("trafilatura", strategies.trafilatura_article(html, url), meta),
    ]) or next((c for c in (_candidate("page", node, meta)
                            for node in strategies.page_regions(root)) if c), None)
    if found is None:
        raise ExtractionError("no article text found in the document")
    prepare_article(found.node, url)
    return _article(meta, byline, found)


def _candidate(path: str, node, meta: dict[str, str]) -> Candidate | None:
    text = None if node is None else article_text(node, meta)
    return None if text is None else Candidate(path, node, text)


def _article(meta: dict[str, str], byline: str | None, found: Candidate) -> Article:
    node, text = found.node, found.text
    return Article(
        title=meta.get("title") or None,
        byline=meta.get("byline") or byline,
        published=meta.get("published"),
        lang=meta.get("lang") or guess_language(text),
        site_name=meta.get("site_name"),
        description=meta.get("description") or first_paragraph(node),
        canonical_url=meta.get("canonical_url"),
        image_url=meta.get("image_url"),
        html=sanitize_html(etree.tostring(node, encoding="unicode", method="html")),
        text=text,
        word_count=len(WORD_RE.findall(text)),
        extraction_path=found.path,
    )


