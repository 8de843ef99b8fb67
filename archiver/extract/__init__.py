"""Turn a page's HTML into an `Article`: pure, HTML in, article out, no I/O.

One pipeline (`pipeline.STAGES`) of named stages, in this order, each in a module named for
what it does:

1. `parse` (`parse.py`): refuse input that is not HTML (PDF/PNG bytes, JSON) with
   `ExtractionError`; repair what can be repaired (NUL bytes, bogus charset declarations,
   nesting deeper than libxml2 keeps); parse it.
2. `metadata` (`metadata.py`): what the page declares (JSON-LD, OpenGraph, meta tags, `<title>`,
   `<time>`, `<html lang>`), read before anything of the page is removed.
3. `normalize` (`normalize.py`): what no reader sees goes (hidden nodes, closed dialogs, hover
   cards), but not folded panels a reader opens; an accordion's question buttons read as text.
4. `byline` (`byline.py`): the byline the markup shows, found as Reader View finds it and
   taken out of the text, where the page declares no author.
5. `boilerplate` (`boilerplate.py`): page chrome goes: sign-up forms, consent prompts, icon
   sprites, share/follow widgets, newsletter boxes, comments, teasers, navigation, the heading
   that repeats the title; by structure and attributes, by text only where a short block holds
   a consent text *and* an accept button. The words left say how long the article should be.
6. `candidates` (`strategies.py`): the ways to the article, in order: `cleaned` (readability-
   lxml's scoring, `scoring.py`, on the page without its chrome, and Reader View's cleaning,
   `cleaning.py`), then as second opinions `readability` (plain readability-lxml) and
   `trafilatura`, on the page as it came less what no reader sees; the page's main region last.
7. `trim` (`trim.py`): each candidate cut to the article body as people annotate it (tables of
   contents, buttons, captions and credits, related lists, repeated bylines, bios...).
8. `choose` (`choose.py`): the cleaned candidate unless it is short next to the page; then
   the second opinions are found, and the first not much shorter than the longest wins.
9. `faq` (`choose.py`): the page's FAQ sections that the article does not hold go after it
   (`strategies.faq_sections` copied them before any strategy moved the page's blocks).
10. `complete` (`metadata.py`): what the page does not declare, from the article: the byline
    in its markup, the language of its text, its first paragraph as description.
11. `output` (`output.py`): absolute links, sanitized HTML (nh3), plain text.

The heuristics are named data in `rules.py` (patterns, phrase lists, thresholds), by stage;
`dom.py` holds the helpers on trees that every stage uses.
"""

from __future__ import annotations

from archiver.errors import ExtractionError
from archiver.extract.metadata import guess_language
from archiver.extract.output import html_to_text
from archiver.extract.pipeline import run
from archiver.models import Article
from archiver.sanitize import sanitize_html

__all__ = ["extract", "extract_text", "guess_language", "html_to_text", "sanitize_html"]


def extract(html: str, url: str | None = None) -> Article:
    """Extract the article of `html` (a page's markup); `url` makes links absolute.

    Raises `ExtractionError` (and nothing else) when the input is not HTML or holds no article.
    """
    try:
        return run(html, url)
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
