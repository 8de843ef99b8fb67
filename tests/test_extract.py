"""Extraction: golden cases (tests/extract_cases/<name>/), sanitizing, bad input, the bench CLI.

Each golden case is a `source.html` with the article's expected plain text in `expected.txt`
and, optionally, expected metadata in `expected.json`. After a deliberate change of behaviour,
regenerate them and review the diff:

    python -m tests.test_extract --regen          (or ARCHIVER_REGEN_EXTRACT=1 pytest ...)
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import lxml.html
import pytest

from archiver.errors import ExtractionError
from archiver.extract import extract, extract_text, html_to_text, strategies, trim
from archiver.extract.choose import block_words, choose
from archiver.extract.strategies import Candidate

CASES = Path(__file__).parent / "extract_cases"
CASE_URL = "https://news.example.com/2024/05/article.html"
METADATA_FIELDS = ("title", "byline", "published", "lang", "site_name", "description",
                   "canonical_url", "image_url")
CONSENT_PHRASES = re.compile(
    r"cookie|consent|privacy|accept all|agree|zulassen|partners|manage preferences", re.I
)
CHROME_CASES = ("cmp-onetrust", "cmp-cookiebot", "cmp-didomi", "cmp-quantcast",
                "cmp-usercentrics", "cmp-sourcepoint", "consent-homemade", "seed-rt-like",
                "share-widgets", "newsletter-box", "related-teaser", "comment-form")


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "source.html").is_file())


def run_case(name: str):
    return extract((CASES / name / "source.html").read_text(encoding="utf8"), CASE_URL)


def metadata_of(article) -> dict[str, str | None]:
    return {field: getattr(article, field) for field in METADATA_FIELDS}


# --- golden cases -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", case_names())
def test_golden_text(name: str) -> None:
    article = run_case(name)
    expected = (CASES / name / "expected.txt").read_text(encoding="utf8")
    assert article.text == expected.rstrip("\n")


@pytest.mark.parametrize(
    "name", [n for n in case_names() if (CASES / n / "expected.json").is_file()]
)
def test_golden_metadata(name: str) -> None:
    expected = json.loads((CASES / name / "expected.json").read_text(encoding="utf8"))
    assert metadata_of(run_case(name)) == expected


@pytest.mark.parametrize("name", CHROME_CASES)
def test_chrome_cases_keep_only_the_article(name: str) -> None:
    article = run_case(name)
    assert not CONSENT_PHRASES.search(article.text), article.text
    for chrome in ("Share this", "Follow us", "Folge uns", "Sign up", "Related", "Read more",
                   "Mehr zum Thema", "Leave a Reply", "icon", "All rights reserved", "Sport"):
        assert chrome not in article.text
    first_paragraph = "The city council" if not name.startswith("seed") else "Am Samstag"
    assert article.text.startswith(first_paragraph)


def test_seed_page_is_the_article_alone() -> None:
    """The page that produced shared/seed/000: sprite labels, cookie bar, teaser, follow box."""
    text = run_case("seed-rt-like").text
    assert "Am Samstag fanden in Moskau" in text
    assert "berichtete die Nachrichtenagentur am Abend." in text
    for leaked in ("icon bookmark", "Cookies", "Ein Arbeiter bringt", "Kurdische YPG", "RT\n"):
        assert leaked not in text


def test_article_about_cookies_keeps_its_text() -> None:
    text = run_case("about-cookies").text
    assert '"We use cookies to improve your experience."' in text
    assert 'click "Accept all" or to choose in the privacy settings' in text
    assert "Consent fatigue is real" in text
    assert text.count("\n\n") == 4


def test_lists_tables_code_and_quotes_survive_captions_go() -> None:
    """Human annotators keep the text's lists, tables, code and quotes, not image captions."""
    article = run_case("content-kept")
    text = article.text
    assert "The tools\n\ndatetime.fromisoformat for ISO 8601\nstrptime for fixed formats" in text
    assert 'stamp = datetime.fromisoformat("2024-05-01T12:30:00")\nprint(stamp.year)' in text
    assert "2024-05-01\tfromisoformat" in text
    assert "Always store times in UTC" in text
    assert "Figure 1: a timeline of the three parsing steps." not in text
    assert "Parse the input.\nAttach a time zone.\nConvert to UTC." in text
    assert "<pre><code>from datetime import datetime\n\nstamp" in article.html


# --- the fallback chain and the article body ----------------------------------------------------

PROSE = [
    "The council met on Tuesday to decide how the city's buses will run next year, and the "
    "vote, after four hours of debate, went the way most residents had hoped it would.",
    "Under the plan, night buses return to the three lines that lost them in 2020, fares for "
    "students drop by a third, and the ticket machines at every stop take cards at last.",
    "Critics said the money would be better spent on the tram, whose extension has waited "
    "for a decade, but the transport committee argued that buses reach more neighbourhoods.",
    "The changes take effect in January, once the new timetables are printed, the drivers "
    "hired and trained, and the depots ready for the larger fleet the plan calls for.",
]


def _paragraphs(texts: list[str] = PROSE) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def _assert_whole_text_without(html: str, *chrome: str) -> None:
    """The extracted text runs from PROSE's first paragraph to its last, without `chrome`."""
    text = extract(html, CASE_URL).text
    assert text.startswith(PROSE[0]) and text.endswith(PROSE[-1])
    for part in chrome:
        assert part not in text, part


def _builder_page(article: str) -> str:
    """A page made with a page builder: the article is a widget in nested sections, and the
    theme names the blocks in ways that read like chrome ("banner", "widget")."""
    return f"""<html><head><title>Council approves the new bus plan</title></head><body>
<header class="site-header"><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<div class="elementor elementor-location-single">
 <section class="elementor-section elementor-top-section hero-banner">
  <div class="elementor-container"><div class="elementor-row">
   <div class="elementor-widget-wrap">
    <div class="elementor-element elementor-widget elementor-widget-theme-post-content">
     <div class="elementor-widget-container">{article}</div>
    </div>
   </div>
  </div></div>
 </section>
</div>
<footer><p>© 2024 Daily Example. All rights reserved.</p></footer>
</body></html>"""


def test_page_builder_article_survives_the_cleaning() -> None:
    """The chrome removal drops the "hero-banner" section that holds the article: the text
    comes back from plain readability-lxml, and the article says so."""
    article = extract(_builder_page(_paragraphs(PROSE * 2)), CASE_URL)
    for paragraph in PROSE:
        assert paragraph in article.text
    assert article.extraction_path == "readability"
    assert "All rights reserved" not in article.text


def test_ordinary_article_comes_from_the_cleaned_path() -> None:
    html = f"<html><body><nav><a href='/'>Home</a></nav><article>{_paragraphs()}</article>"
    assert extract(html).extraction_path == "cleaned"


def test_page_with_no_article_anywhere_still_raises() -> None:
    with pytest.raises(ExtractionError, match="no article text"):
        extract("<html><body><div class='gallery'><img src='a.jpg'><img src='b.jpg'></div>"
                "</body></html>")


def test_gallery_widget_chrome_goes_and_prose_stays() -> None:
    gallery = """<div class="wp-block-gallery slideshow">
      <div class="slide"><img src="1.jpg" alt=""><span class="counter">Image 1 of 23</span>
        <figcaption>Photo: Jo Bloggs / Daily Example</figcaption></div>
      <div class="slide"><img src="2.jpg" alt=""><span class="counter">Image 2 of 23</span>
        <figcaption>The depot at night</figcaption></div>
      <button class="gallery-close">Close</button><span>Caption</span>
    </div>"""
    html = (f"<html><body><article>{_paragraphs(PROSE[:2])}{gallery}"
            f"<p class='wp-caption-text'>Courtesy of the city transport office</p>"
            f"{_paragraphs(PROSE[2:])}</article></body></html>")
    article = extract(html, CASE_URL)
    for paragraph in PROSE:
        assert paragraph in article.text
    for chrome in ("Image 1 of 23", "Image 2", "Close", "Caption", "Photo:", "Jo Bloggs",
                   "The depot at night", "Courtesy of"):
        assert chrome not in article.text
    assert 'src="https://news.example.com/2024/05/1.jpg"' in article.html


def test_related_stories_tail_goes() -> None:
    tail = """<h3>Related stories</h3>
      <ul><li><a href="/a">Tram extension delayed again</a></li>
          <li><a href="/b">Cycle lanes: what the city plans</a></li>
          <li><a href="/c">Fares rise across the region</a></li></ul>
      <div class="more"><h4>More from Daily Example</h4>
        <a href="/d">Five things to do this weekend</a> <a href="/e">The week in pictures</a>
      </div>"""
    html = f"<html><body><article>{_paragraphs()}{tail}</article></body></html>"
    text = extract(html, CASE_URL).text
    assert text.endswith(PROSE[-1])
    for chrome in ("Related stories", "Tram extension", "More from", "Five things"):
        assert chrome not in text


def test_flat_list_of_posts_after_a_related_heading_goes() -> None:
    """A "Read this next" heading followed, in the same parent, by other posts laid out flat
    (a linked headline each, its category, date and excerpt) goes to the end of the parent;
    a listicle's linked headings without such a heading stay (the test after this one)."""
    post = ("<h5><a href='/category/{n}'>Daily</a></h5><h5>Dec 19, 2025</h5><h3><a href="
            "'/2025/{n}-story'>The {n} hotel opens a rooftop terrace for winter</a></h3><p>The "
            "{n} hotel in the old town unveiled a terrace with heated booths, a fondue menu "
            "and views over the river, open every evening through the end of February.</p>")
    posts = "".join(post.format(n=n) for n in ("first", "second", "third"))
    html = (f"<html><body><article><div class='body'>{_paragraphs()}<h3>Read This Next</h3>"
            f"{posts}</div></article></body></html>")
    text = extract(html, CASE_URL).text
    assert text.endswith(PROSE[-1])
    assert "Read This Next" not in text and "rooftop terrace" not in text
    section = "<h3>How the council will pay for the new night buses</h3>"  # the text goes on
    body = lxml.html.fromstring(f"<div class='body'>{_paragraphs()}<h3>Read This Next</h3>"
                                f"{posts}{section}<p>{PROSE[0]} Again.</p></div>")
    text = trim.article_text(body, {}) or ""
    assert "How the council will pay" in text and text.endswith(f"{PROSE[0]} Again.")


def test_appeals_for_donations_and_paywall_boxes_after_the_text_go() -> None:
    """A box after the text that asks for money ("Since you made it to the bottom of this
    article, we have a small favor to ask", a plea to donate) or a sign-in ("This article is
    exclusive to subscribers") goes; an article about a fundraising campaign stays."""
    donation = ("<section class='below-content widget'><div class='wp-block-group'><h4><strong>"
                "Since you made it to the bottom of this article, we have a small favor to ask."
                "</strong></h4><p>We're in the midst of our end-of-year campaign, our most "
                "important fundraising effort of the year, and every dollar you give is doubled."
                "</p><p>If you believe stories like this one matter, please consider pitching in "
                "what you can.</p><p>Thank you.</p></div></section>")
    paywall = ("<div class='restricted-content-breaker'><h2>This article is exclusive to Plus "
               "subscribers</h2><p>Unlock this article, plus in-depth analysis and newsletters."
               "</p><p>Already have an account? Log in</p></div>")
    for box in (donation, paywall):
        _assert_whole_text_without(
            f"<html><body><article>{_paragraphs()}{box}</article></body></html>",
            "favor to ask", "pitching in", "exclusive to Plus", "Log in")
    campaign = ("<p>Donate to the tram fund, the campaign's leaflets say: since the vote, "
                "members of the committee have raised money for the extension at every market, "
                "and the fundraising, they say, will go on until the work begins next year.</p>")
    text = extract(f"<html><body><article>{_paragraphs()}{campaign}</article></body></html>",
                   CASE_URL).text
    assert "Donate to the tram fund" in text


def test_teaser_cards_after_the_text_go_without_a_heading() -> None:
    """Cards for other stories after the article (category, linked headline, author, date,
    excerpt; no "Related" label) go; a listicle's linked headings with their paragraphs stay."""
    card = ("<article class='card'><div class='cat'>Front Page</div><div class='title'><a "
            "href='/story-{n}'>Council approves the {n} budget plan</a></div><div>Webmaster"
            "</div><div class='date'>December 19, 2025</div><div class='body'>THE COUNCIL met "
            "on Tuesday to discuss the plan for the year ahead and its costs.</div></article>")
    cards = "".join(card.format(n=n) for n in ("first", "second", "third", "fourth"))
    listicle = "".join(f"<h3><a href='/tool-{n}'>The {n} tool we tried</a></h3><p>{PROSE[i]}</p>"
                       for i, n in enumerate(("first", "second", "third")))
    html = (f"<html><body><article>{_paragraphs()}{listicle}<section class='more'>{cards}"
            f"</section></article></body></html>")
    text = extract(html, CASE_URL).text
    assert "The third tool we tried" in text and PROSE[2] in text
    assert "Council approves" not in text and "Webmaster" not in text


def test_cards_in_the_middle_of_the_text_stay() -> None:
    """The same cards followed by more of the article's prose are part of it."""
    card = ("<div class='step'><a href='/guide-{n}'>Read the {n} guide first</a><p>It explains "
            "the settings, the order in which to change them, what each one does and which of "
            "them the council's own staff changed first, last winter.</p></div>")
    cards = "".join(card.format(n=n) for n in ("first", "second", "third"))
    html = (f"<html><body><article>{_paragraphs()}{cards}<p>{PROSE[0]} And more.</p>"
            f"</article></body></html>")
    text = extract(html, CASE_URL).text
    assert "Read the third guide first" in text and "And more." in text


def test_long_subscription_modal_goes() -> None:
    """A paywall modal whose plans and benefits add up to more text than a teaser is chrome
    all the same (no paragraph of prose, no heading of the page)."""
    plans = "".join(f"<div class='plan'><h2>Plan {n}</h2><p>Unlimited access to 30,000 archived "
                    f"posts, ad-free browsing, the full-text daily newsletters.</p><ul><li>Annual "
                    f"$59.99/year</li><li>Monthly $9.99/mo</li></ul></div>" for n in range(6))
    html = (f"<html><body><div class='post'>{_paragraphs()}<div class='memberModal'><div "
            f"class='modal-content'>{plans}</div></div></div></body></html>")
    text = extract(html, CASE_URL).text
    assert PROSE[-1] in text and "Unlimited access" not in text and "$9.99" not in text


def test_article_after_a_premature_end_of_document() -> None:
    """A template that closes the document after its header (</body></html>) and then goes
    on with the article: a browser puts the rest in <body>, and so does the extractor."""
    html = (f"<html><head><title>T</title></head><body><header><nav><a href='/'>Home</a></nav>"
            f"</header></body></html><div class='blog'>{_paragraphs()}</div></body></html>")
    article = extract(html, CASE_URL)
    assert article.text.startswith(PROSE[0]) and PROSE[-1] in article.text
    assert article.extraction_path == "cleaned"


def test_affiliate_disclosure_goes_and_an_article_about_commissions_stays() -> None:
    """"We may earn a commission if you buy through our links" is no article text; a
    paragraph that explains how agents earn commissions is."""
    disclosure = ("<p><em>This article contains affiliate links: if you buy through them we may "
                  "earn a small commission, at no extra cost to you.</em></p>")
    about = ("<p>Travel agents recommend insurance because they get a commission when you buy "
             "it, and because they can be held liable for your losses.</p><p>For US customers, "
             "the insurer's key lines include workers' compensation.</p>")
    html = (f"<html><body><article>{disclosure}{_paragraphs()}{about}</article></body></html>")
    text = extract(html, CASE_URL).text
    assert text.startswith(PROSE[0]) and "Travel agents recommend" in text
    assert "workers' compensation" in text and "affiliate links" not in text


def test_dateline_above_the_text_goes_and_the_first_paragraph_stays() -> None:
    """"15 Dec, 2025" and "Reading time: 4 minutes" above the text go, also when the article
    sits in a <div> around <main>; the first paragraph stays even when the page's
    description repeats it (it opens the text: more paragraphs follow it in its parent)."""
    first = "Just because the blog is new does not mean it gets no year-end round-up of games."
    html = (f"<html><head><meta name='description' content='{first}'></head><body><div><main>"
            f"<p><i><time>15 Dec, 2025</time></i></p><p>Reading time: 4 minutes</p>"
            f"<p>{first}</p>{_paragraphs()}</main></div></body></html>")
    text = extract(html, CASE_URL).text
    assert text.startswith(first) and PROSE[-1] in text
    assert "15 Dec" not in text and "Reading time" not in text


def test_standfirst_stays_and_the_date_line_below_it_goes() -> None:
    """A standfirst that repeats the page's description stays (people who annotate articles
    keep it); the date line below it goes."""
    standfirst = "From night buses to student fares, this is what the city's new plan changes"
    html = (f"<html><head><meta name='description' content=\"{standfirst}\"></head><body>"
            f"<main><p>{standfirst}</p><p>Tuesday February 11 2025</p>{_paragraphs()}</main>"
            f"</body></html>")
    text = extract(html, CASE_URL).text
    assert text.startswith(standfirst) and PROSE[0] in text and "February" not in text


def test_a_line_that_ends_with_the_byline_is_no_byline() -> None:
    """Above the text, the byline's own line goes ("Jo Bloggs, transport editor"); a caption or
    a headline that ends with the author's name ("… Photo by Jo Bloggs") stays."""
    head = '<meta name="author" content="Jo Bloggs">'
    lines = ("<p>Jo Bloggs, transport editor</p><p>The new night bus at the depot on its first "
             "run of the winter timetable. Photo by Jo Bloggs</p>")
    html = (f"<html><head>{head}</head><body><article>{lines}{_paragraphs()}</article>"
            f"</body></html>")
    text = extract(html, CASE_URL).text
    assert "transport editor" not in text and "first run of the winter timetable" in text


def test_a_section_heading_like_the_title_stays() -> None:
    """The headline above the text that repeats the title goes (it is `Article.title`); a
    section heading after the intro that reads like the title ("What is an online course?"
    under "What is an Online Course? Definition Explained") is the text's."""
    title = "What is an Online Course? Definition Explained"
    html = (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{PROSE[0]}</p><h2>What is an online course?</h2>{_paragraphs(PROSE[1:])}"
            f"</article></body></html>")
    text = extract(html, CASE_URL).text
    assert text.startswith(PROSE[0]) and "What is an online course?" in text
    assert "Definition Explained" not in text


def test_a_short_first_sentence_that_mentions_a_date_stays() -> None:
    """Only a line that is a date or a byline goes from above the text, not a sentence that
    mentions a date ("… Updated 2026-03-02. Comments are closed.")."""
    first = "Visitors so far: 1,377. Updated 2026-03-02. Comments are closed."
    html = (f"<html><head><title>Policy</title></head><body><div><main><h1>Policy</h1>"
            f"<p>{first}</p>{_paragraphs()}</main></div></body></html>")
    assert extract(html, CASE_URL).text.startswith(first)


def test_second_opinions_read_the_page_without_hidden_dialogs() -> None:
    """plain readability-lxml and trafilatura read the page as a reader sees it: a closed
    modal (display:none, role=dialog, here a "republish this story" box that talks of
    "consent") and a consent prompt are gone, the article stays."""
    modal = ('<div id="republish-modal" role="dialog" style="display:none;"><h2>Republish this '
             'story</h2><p>Signed consent forms are not required for our partners.</p></div>')
    html = (f"<html><body><div id='onetrust-banner-sdk'><p>We use cookies.</p><button>Accept"
            f"</button></div><article>{modal}{_paragraphs()}</article></body></html>")
    text = strategies.visible_page(html).text_content()
    assert PROSE[0] in text and PROSE[-1] in text
    assert "consent" not in text and "Republish" not in text and "cookies" not in text


def test_adobe_experience_manager_components_are_not_consent_prompts() -> None:
    """AEM's core components are named cmp-text, cmp-container...: "cmp" there is no
    consent management platform, and the article inside them stays."""
    body = "".join(f'<div class="cmp-container"><div class="text aem-GridColumn"><div '
                   f'class="cmp-text"><p>{text}</p></div></div></div>' for text in PROSE)
    article = extract(f"<html><body><div class='cmp-container'>{body}</div>"
                      f"<div class='cmp-banner'><p>We use cookies to improve your experience."
                      f"</p><button>Accept all</button></div></body></html>", CASE_URL)
    for paragraph in PROSE:
        assert paragraph in article.text
    assert "cookies" not in article.text
    assert article.extraction_path == "cleaned"


def test_webflow_conditionally_invisible_copy_is_not_read_twice() -> None:
    """Webflow hides an element of class "w-condition-invisible" (display:none in its
    stylesheet): here a second copy of the article, laid out for signed-in readers. The reader
    sees the text once."""
    html = (f"<html><body><div class='main'><div class='section'><div class='w-richtext'>"
            f"{_paragraphs()}</div></div><div class='layout__gated w-condition-invisible'>"
            f"<div class='section'><div class='w-richtext'>{_paragraphs()}</div></div></div>"
            f"</div></body></html>")
    text = extract(html, CASE_URL).text
    for paragraph in PROSE:
        assert text.count(paragraph) == 1


def test_callout_aside_between_paragraphs_stays_and_a_sidebar_goes() -> None:
    """An <aside> in the text that holds prose (a callout: "Not all buses are the same.")
    is the article's; an <aside> of links inside the same <article> (a sidebar) is not."""
    callout = ("<aside class='center'><p><strong>Not all fares are the same.</strong></p><p>"
               "Students, pensioners and children each pay a different fare, and the new plan "
               "changes only the first of them, by a third, from the first day of January, "
               "while the others stay as they were.</p></aside>")
    sidebar = ("<aside class='more'><h3>Popular</h3><ul>" + "".join(
        f"<li><a href='/s{n}'>Popular story number {n}</a></li>" for n in range(5))
        + "</ul></aside>")
    html = (f"<html><body><article>{_paragraphs(PROSE[:2])}{callout}{_paragraphs(PROSE[2:])}"
            f"{sidebar}</article></body></html>")
    article = extract(html, CASE_URL)
    assert "Not all fares are the same." in article.text and "pensioners" in article.text
    assert "Popular story" not in article.text
    assert article.extraction_path == "cleaned"
    teaser = ("<aside class='inline'><h3><a href='/2025/trams'>Read: the tram extension waits "
              "another year</a></h3><p>The extension was promised for 2020, then for 2023; the "
              "council now says the money will come once the bus plan has been paid for, after "
              "the next election, and only if the region pays half of what it costs.</p>"
              "</aside>")  # another story: a linked headline and its excerpt
    html = (f"<html><body><article>{_paragraphs(PROSE[:2])}{teaser}{_paragraphs(PROSE[2:])}"
            f"</article></body></html>")
    assert "tram extension waits" not in extract(html, CASE_URL).text


def test_short_segments_between_merged_segments_of_the_text_stay() -> None:
    """A page builder cuts the text into blocks of one kind (here "html-content", each in its
    own wrapper): readability merges the blocks that score a fifth of the winner; the short
    blocks between them (a subheading and a short list: "Specification:") are the text too."""
    def block(inner: str) -> str:
        return (f"<div class='sqs-block'><div class='block-content'><div class='html-content'>"
                f"{inner}</div></div></div>")
    spec = ("<h3>Specification:</h3><ul><li><p>Type: Over-Ear (Circumaural)</p></li><li><p>"
            "Battery Life: 30 hours, plus a quick charge</p></li><li><p>Codecs: SBC, AAC and "
            "LDAC, all three</p></li></ul>")
    body = block(_paragraphs(PROSE * 6)) + "".join(
        block(spec) + block(f"<h2>Model {n}</h2>{_paragraphs()}") for n in range(4))
    article = extract(f"<html><body><main><div class='col'>{body}</div></main></body></html>",
                      CASE_URL)
    assert article.extraction_path == "cleaned"
    assert article.text.count("Specification:") == 4
    assert article.text.count("Type: Over-Ear (Circumaural)") == 4
    assert article.text.index("Specification:") < article.text.index("Model 0")


def test_faq_section_after_the_article_joins_it_once() -> None:
    """An FAQ in a section of its own after the article (its own wrapper, named "faq") is the
    article's: it goes after the text, once, and not again when the article holds it."""
    faq = ("<section class='blog-faq'><h2>Frequently Asked Questions</h2>"
           "<h3>When do the night buses start?</h3><p>The night buses run again from the first "
           "Monday of January, on the three lines that lost them, every half hour.</p>"
           "<h3>Who pays less?</h3><p>Students pay a third less from January, with a card "
           "from their school or university, on every line of the network.</p></section>")
    html = (f"<html><body><main><article>{_paragraphs(PROSE * 3)}</article></main>"
            f"<div class='container'><div class='wrap'>{faq}</div></div></body></html>")
    text = extract(html, CASE_URL).text
    assert text.startswith(PROSE[0])
    assert text.count("When do the night buses start?") == 1
    assert text.endswith("on every line of the network.")
    inside = f"<html><body><article>{_paragraphs()}{faq}</article></body></html>"
    assert extract(inside, CASE_URL).text.count("Who pays less?") == 1


def test_react_streamed_content_is_the_article() -> None:
    """React streams server-rendered content as <div hidden id="S:0">, which a script moves
    into place: the browser shows it, so it is not hidden content."""
    html = (f"<html><body><div id='root'><p>Loading…</p></div><div hidden id='S:0'><article>"
            f"{_paragraphs()}</article></div><div hidden><p>{PROSE[0]} (draft)</p></div>"
            f"</body></html>")
    article = extract(html, CASE_URL)
    for paragraph in PROSE:
        assert paragraph in article.text
    assert "(draft)" not in article.text
    assert article.extraction_path == "cleaned"


def test_readers_comments_go_even_when_each_is_an_article() -> None:
    """WordPress themes mark each comment up as an <article class="comment"> inside
    #comments: the section is not the article, however long the comments are."""
    comment = ("<li class='comment depth-1'><article class='comment'><footer class='comment-meta'>"
               "Sam says:</footer><div class='comment-content'><p>I rode the night bus for "
               "years, and honestly the council should have done this a decade ago, before the "
               "depots were sold and the drivers left for the tram company.</p></div></article>"
               "</li>")
    html = (f"<html><body><div class='postarea'><h1>Buses</h1>{_paragraphs()}"
            f"<div id='comments' class='comments-wrapper'><h3>42 responses</h3>"
            f"<ol class='commentlist'>{comment * 12}</ol></div></div></body></html>")
    text = extract(html, CASE_URL).text
    assert PROSE[0] in text and text.endswith(PROSE[-1])
    assert "night bus for years" not in text and "responses" not in text


def test_the_stages_run_in_the_order_the_package_says() -> None:
    """One orchestrator runs the named stages; the package's docstring lists them in order,
    each with the module that holds it."""
    import archiver.extract
    from archiver.extract.pipeline import STAGES

    listed = re.findall(r"^\d+\. `(\w+)` \(`(\w+)\.py`", archiver.extract.__doc__ or "", re.M)
    assert [name for name, _ in listed] == [name for name, _ in STAGES]
    package = Path(archiver.extract.__file__).parent
    assert all((package / f"{module}.py").is_file() for _, module in listed)


def test_a_result_that_repeats_itself_is_not_longer() -> None:
    """A page that holds its text twice (once per layout) makes a second extractor's result
    twice as long, not better: the choice counts distinct text."""
    def made(path: str, text: str) -> Candidate:
        return Candidate(path, lxml.html.fromstring("<div></div>"), text)

    article = " ".join(PROSE)
    first = made("cleaned", article)
    twice = made("trafilatura", f"{article}\n\n{article}\n\nRead this next")
    assert choose(iter([first, twice]), 10_000) is first
    longer = made("trafilatura", f"{article}\n\n{' '.join(reversed(PROSE * 2))} and more")
    assert choose(iter([first, longer]), 10_000) is first
    more = " ".join(f"Then item {n} of the plan: route {n * 7} gets {n} more buses."
                    for n in range(40))
    other = made("trafilatura", f"{article} {more}")
    assert choose(iter([first, other]), 10_000) is other


def test_a_sentence_that_ends_with_a_read_more_link_stays() -> None:
    """A "Read more here" link at the end of a sentence of the text does not make the sentence
    a teaser (the paragraph is mostly not linked); a "Read more: <headline>" line still goes."""
    update = ("Update: as of April 7th, 2022, the state requires employers to pay out unused "
              "vacation time when employment ends, whatever the contract says. "
              "<a href='/news/vacation-law'>Read more here</a>.")
    teaser = "<p>Read more: <a href='/news/trams'>The tram extension waits another year</a></p>"
    html = (f"<html><body><article>{_paragraphs(PROSE[:2])}<p>{update}</p>{teaser}"
            f"{_paragraphs(PROSE[2:])}</article></body></html>")
    text = extract(html, CASE_URL).text
    assert "the state requires employers to pay out unused vacation time" in text
    assert "tram extension waits" not in text


def test_author_box_and_a_lone_contents_label_go() -> None:
    """The "about the author" box a blog plugin adds under the post, and a "Table of
    contents" label whose list a script builds, are not the article."""
    box = ("<div class='abh_box abh_box_down'><section class='vcard author abh_about_tab'>"
           "<h4>Author</h4><span class='title'>Jo Bloggs, transport editor</span><p>Jo has "
           "covered the city's buses, trams and roads for twelve years, and still takes the "
           "night bus home.</p><a href='/author/jo'>Recent posts</a></section></div>")
    html = (f"<html><body><article><p class='toc-label'>Table of Contents</p><div id='toc'>"
            f"</div>{_paragraphs()}{box}</article></body></html>")
    _assert_whole_text_without(html, "Table of Contents", "Jo has covered", "transport editor",
                               "Recent posts")


def test_author_bio_paragraph_at_the_end_goes() -> None:
    """A plain last paragraph about the author named in the metadata ("Jo Bloggs is …"), or
    one that says "About the author", goes; a last paragraph about someone else stays."""
    head = '<meta name="author" content="Jo Bloggs">'
    bio = ("<p><em>Jo Bloggs is a transport reporter who has covered the city's buses and "
           "trams for twelve years.</em></p>")
    html = f"<html><head>{head}</head><body><article>{_paragraphs()}{bio}</article></body></html>"
    text = extract(html, CASE_URL).text
    assert text.endswith(PROSE[-1]) and "transport reporter" not in text
    about = "<p>About the author: Sam Roe writes about the city's money and its plans.</p>"
    html = f"<html><body><article>{_paragraphs()}{about}</article></body></html>"
    assert "Sam Roe" not in extract(html, CASE_URL).text
    other = ("<p>Maria Lopez is a driver on the night line, and she says the plan is the best "
             "news the depot has heard in years.</p>")
    html = f"<html><head>{head}</head><body><article>{_paragraphs()}{other}</article></body></html>"
    assert extract(html, CASE_URL).text.endswith(other[3:-4])
    shop = "<p>Acme is already offering these buses, with the first fleet due in spring.</p>"
    html = (f"<html><head><meta name='author' content='Acme Official'></head><body><article>"
            f"{_paragraphs()}{shop}</article></body></html>")  # a company, not a person
    assert extract(html, CASE_URL).text.endswith(shop[3:-4])


def test_author_label_and_the_bio_under_it_go_without_a_byline() -> None:
    """"About the Author:" (or "Written by Sam Roe") on a line of its own, with a paragraph
    about someone under it, closes the post even when the page names no author; a paragraph
    about someone with no such label above it stays (the test above)."""
    for label in ("About the Author:", "Written by Sam Roe"):
        box = (f"<p>{label}</p><p>Sam Roe is a skilled writer with over five years of experience "
               "in covering the city's budget and its transport plans.</p>")
        _assert_whole_text_without(
            f"<html><body><article>{_paragraphs()}{box}</article></body></html>",
            label, "skilled writer")


def test_chrome_lines_that_close_a_post_go() -> None:
    """The lines a theme puts under a post, inside the article's container: share and rate
    labels, a pager, a visit counter, the comment policy, an author box (its "Written by"
    label, the author's name, the role under it); a closing sentence about sharing stays."""
    head = '<meta name="author" content="Jo Bloggs">'
    closing = ("<p>Share this article</p><div><a href='/p'>Previous Post</a></div><div>"
               "<a href='/n'>Next Post</a></div><p>Thank you for being part of our community. "
               "Read our Comment Policy before posting.</p><div class='card'><p>WRITTEN BY</p>"
               "<p>Jo Bloggs</p><p>Transport editor</p></div>")
    html = (f"<html><head>{head}</head><body><article>{_paragraphs()}{closing}</article>"
            f"</body></html>")
    _assert_whole_text_without(html, "Share this", "Previous", "Next Post", "Comment Policy",
                               "WRITTEN BY", "Jo Bloggs", "Transport editor")
    counted = ("<p>Rate this article</p><p>(Visited 1,902 times, 364 visits today)</p>"
               "<h3>Up Next</h3><h4>Thanks for visiting!</h4>")
    html = f"<html><body><article>{_paragraphs()}{counted}</article></body></html>"
    _assert_whole_text_without(html, "Rate this", "Visited", "Up Next", "Thanks for")
    sentence = "<p>Share this plan with a neighbour who takes the night bus.</p>"
    html = f"<html><body><article>{_paragraphs()}{sentence}</article></body></html>"
    assert extract(html, CASE_URL).text.endswith(sentence[3:-4])


def test_chrome_lines_above_the_text_and_ad_labels_go() -> None:
    """Above the first paragraph: a reading time, a view counter, a share label, a topic line;
    in the text: an ad's label left where the ad was ("Article continues below")."""
    header = ("<p>Estimated reading time: 4 minutes</p><p>1,693 views</p><p>Share</p>"
              "<p>Topic: Transport, Council</p>")
    middle = "<div class='ad-label'>Article continues below</div>"
    html = (f"<html><body><article>{header}{_paragraphs(PROSE[:2])}{middle}"
            f"{_paragraphs(PROSE[2:])}</article></body></html>")
    _assert_whole_text_without(html, "reading time", "views", "Share", "Topic",
                               "continues below")


def test_a_contact_page_keeps_its_prose_and_loses_its_form() -> None:
    """A contact page is a few lines and a form: the form goes (its labels are not text), the
    lines around it stay, in the block with the form too; a newsletter box beside an
    article still goes with its pitch."""
    lines = [
        "Questions about an order, a cake for a wedding or our opening hours? Our team answers "
        "every message within one working day, and often the same morning.",
        "For wholesale and press enquiries, please call the bakery on 01234 567890 between 8 am "
        "and 4 pm, Monday to Saturday, or write to us below.",
        "You can also visit us at 12 Mill Lane, where the shop is open every day from 7 am, and "
        "the café until 5 pm; parking is free behind the church across the road.",
    ]
    form = ("<form action='/send' method='post'><div><label>Your name<input type='text' "
            "name='your-name'></label></div><div><label>Your email<input type='email' "
            "name='your-email'></label></div><div><label>Your message<textarea name='msg'>"
            "</textarea></label></div><input type='submit' value='Send'></form>")
    html = (f"<html><head><title>Contact us</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Contact us</h1><div class='entry-content'><p>{lines[0]}</p>"
            f"<div class='wpcf7'><p>{lines[1]}</p>{form}</div><p>{lines[2]}</p></div>"
            f"</article><footer><p>© 2025 Example Bakery</p></footer></body></html>")
    article = extract(html, CASE_URL)
    assert article.extraction_path == "cleaned"
    assert all(line in article.text for line in lines)
    assert "Your email" not in article.text and "Your message" not in article.text
    box = ("<div class='box'><p>Get the week's transport news in your inbox.</p><input "
           "type='email' name='email'><button>Go</button></div>")
    html = f"<html><body><article>{_paragraphs()}{box}</article></body></html>"
    _assert_whole_text_without(html, "in your inbox")


def test_hover_cards_go_and_the_sentence_stays_whole() -> None:
    """A glossary term's hover card (a tooltip the term points to with aria-labelledby) and a
    footnote shown as a tooltip (role="tooltip") are not the paragraph's words; a note whose
    class says tooltip but that nothing points to, a visible aside, stays."""
    card = ("<span class='term'><dfn aria-labelledby='tip-1' tabindex='0'>fares</dfn><span "
            "class='Term_tooltip' id='tip-1'><strong>Fare</strong><br>A fare is the price a "
            "passenger pays for one journey.<a href='/glossary/fare'>Learn more</a></span></span>")
    note = ("<span class='footnote'>1<span role='tooltip'>The committee's own figures, from "
            "its March report.</span></span>")
    first = PROSE[1].replace("fares", card).replace("third,", f"third,{note}")
    html = (f"<html><body><article><p>{PROSE[0]}</p><p>{first}</p>{_paragraphs(PROSE[2:])}"
            f"</article></body></html>")
    text = extract(html, CASE_URL).text
    assert PROSE[1].replace("third,", "third, 1") in text  # the note's mark stays
    assert "price a passenger pays" not in text and "March report" not in text
    aside = ("<p>The drivers' union agreed.<span class='tooltip-note'> Its vote was unanimous, "
             "the union's secretary said.</span></p>")
    html = f"<html><body><article>{_paragraphs()}{aside}</article></body></html>"
    assert "Its vote was unanimous" in extract(html, CASE_URL).text


FAQ = [
    ("When do the night buses start?", "The night buses start in January, on the three lines "
     "that lost them in 2020, every half hour from midnight to five."),
    ("Do students pay less?", "Yes: fares for students drop by a third from January, with the "
     "student card shown to the driver or the machine."),
    ("Can I pay by card?", "Every ticket machine at every stop takes cards from January, and "
     "the drivers take contactless payments on board."),
]


@pytest.mark.parametrize("kind", ["aria", "toggle", "classes", "link"])
def test_an_faq_accordion_in_the_article_stays_whole(kind: str) -> None:
    """An FAQ accordion at the end of the article, its answers folded: the questions (a
    heading's button, a toggle's title linked to nothing, a title named "accordion-header",
    a link styled as a button that opens its answer)
    and the answers (hidden, or named "answer hidden") are the article's; teaser cards, whose
    headlines link to other pages, are not."""
    if kind == "aria":
        items = "".join(f"<h3><button aria-expanded='false' aria-controls='a{n}'>{q}</button>"
                        f"</h3><div id='a{n}' hidden><p>{a}</p></div>"
                        for n, (q, a) in enumerate(FAQ))
    elif kind == "toggle":
        items = "".join(f"<div class='elementor-toggle-item'><div class='elementor-tab-title' "
                        f"role='button' aria-expanded='false'><a href=''>{q}</a></div><div "
                        f"class='elementor-tab-content' role='region' hidden><p>{a}</p></div>"
                        f"</div>" for q, a in FAQ)
    elif kind == "classes":
        items = "".join(f"<div class='accordion-item'><div class='accordion-header'>{q}</div>"
                        f"<div class='answer hidden'><p>{a}</p></div></div>" for q, a in FAQ)
    else:
        items = "".join(f"<div class='card'><a class='accordion__button' href='#q{n}'>{q}</a>"
                        f"<div id='q{n}' class='collapse'><p>{a}</p></div></div>"
                        for n, (q, a) in enumerate(FAQ))
    html = (f"<html><body><nav><a href='/'>Home</a></nav><article>{_paragraphs(PROSE * 2)}"
            f"<h2>Frequently asked questions</h2><div class='faq'>{items}</div></article>"
            f"</body></html>")
    text = extract(html, CASE_URL).text
    assert text.startswith(PROSE[0])
    for question, answer in FAQ:
        assert question in text and answer in text, kind


def test_labelled_teaser_cards_and_a_byline_with_fields_go() -> None:
    """Under a "Latest News" label, a run of post cards (a linked headline, a date, a long
    excerpt each) goes even though a testimonial follows it; a byline line of fields ("On
    Behalf of Firm | Apr 21, 2017 | Category") goes above the text."""
    excerpt = ("When the agency denies a claim, it can feel like a dead end, and many applicants "
               "wonder whether they can take the matter to court to receive the benefits they "
               "believe they deserve. While the path is not straightforward, there are remedies "
               "available when a claim is denied, and a lawyer can explain each of them.")
    cards = "".join(f"<div class='post'><h3><a href='/blog/post-{n}/'>Post number {n} about "
                    f"claims and benefits</a></h3><span class='date'>March {n}, 2025</span>"
                    f"<p>{excerpt}</p><a class='read-more' href='/blog/post-{n}/'>Read More</a>"
                    f"</div>" for n in range(1, 4))
    byline = ("<p>On Behalf of <a href='/about/'>Example Law PLLC</a> | Apr 21, 2017 | Products "
              "Liability</p>")
    more = [f"On route {n}, the council expects {n * 120} more riders each day once the night "
            f"buses return, and depot {n} adds {n + 2} drivers to every shift." for n in range(12)]
    html = (f"<html><body><article>{byline}{_paragraphs([*PROSE, *more])}<h2>Latest News</h2><div "
            f"class='posts'>"
            f"{cards}</div><p>“I highly recommend this firm, they answered every question I had "
            f"and kept me informed from the first call to the last letter.” — Jo M.</p>"
            f"</article></body></html>")
    text = extract(html, CASE_URL).text
    assert text.startswith(PROSE[0]) and more[-1] in text
    for part in ("On Behalf of", "Latest News", "Post number", "March 1, 2025", "dead end"):
        assert part not in text, part


def test_date_and_tag_lines_that_close_a_post_go() -> None:
    """"Last updated: …" and "Tags: …" as the last lines go; a closing sentence that starts
    with "By" (a byline's word, but no date) stays."""
    closing = "<p>Last updated: May 5, 2025</p><p>Tags: buses, council, transport</p>"
    html = f"<html><body><article>{_paragraphs()}{closing}</article></body></html>"
    text = extract(html, CASE_URL).text
    assert text.endswith(PROSE[-1]) and "Last updated" not in text and "Tags" not in text
    sentence = "<p>By keeping an eye on these plans, riders can save a lot.</p>"
    html = f"<html><body><article>{_paragraphs()}{sentence}</article></body></html>"
    assert "By keeping an eye" in extract(html, CASE_URL).text


def test_appeals_to_follow_or_subscribe_go_and_prose_about_newsletters_stays() -> None:
    """A block of its own that opens with an appeal ("Follow us on …", "Sign up for our
    newsletter …", "Want more …?") and names the channel goes; a paragraph of the article
    that talks about newsletters or Instagram stays."""
    appeals = ("<p>Follow us on Instagram, YouTube and X for the latest news.</p>"
               "<h4>Subscribe to our daily newsletter</h4>"
               "<p>Want more from Daily Example? Sign up for our newsletter, The Bus Stop.</p>")
    prose = ("<p>The council will send the new timetable to everyone on its newsletter list, "
             "and follow up on Instagram once the first night buses run.</p>")
    html = (f"<html><body><article>{_paragraphs(PROSE[:2])}{appeals}{prose}"
            f"{_paragraphs(PROSE[2:])}</article></body></html>")
    text = extract(html, CASE_URL).text
    assert "newsletter list" in text and PROSE[-1] in text
    for appeal in ("Follow us", "Subscribe to our", "Want more", "The Bus Stop"):
        assert appeal not in text


def test_disclaimer_bio_and_embedded_post_boxes_go() -> None:
    """Blocks named as a disclaimer, an author's bio or a social network's embedded post
    (Twitter's `twitter-tweet`, Instagram's `instagram-media`) are not the article's text."""
    boxes = ("<div class='post-disclaimer'><p>This article is for information only and is not "
             "financial advice.</p></div>"
             "<blockquote class='twitter-tweet'><p>Night buses are back!! Finally</p>&mdash; "
             "Rider (@rider) <a href='https://twitter.com/rider/status/1'>May 5</a></blockquote>"
             "<div class='bio'><p>Jo covers transport for the paper.</p></div>")
    html = (f"<html><body><article>{_paragraphs(PROSE[:2])}{boxes}{_paragraphs(PROSE[2:])}"
            f"</article></body></html>")
    _assert_whole_text_without(html, "not financial advice", "Night buses are back", "Jo covers")


def test_text_cut_into_deep_blocks_is_found_whole_by_the_core() -> None:
    """Text in blocks of its own, each nested deeper than readability's scoring reaches, so
    that no common container gets points: Readability.js's second look (an ancestor of three
    of the top five that score nearly as well) finds it whole, without a second opinion."""
    block = ("<section class='row'><div><div><div><div><div><p>{}</p></div></div></div></div>"
             "</div></section>")
    html = ("<html><body><div class='page'>" + "".join(block.format(t) for t in PROSE)
            + "</div></body></html>")
    article = extract(html, CASE_URL)
    assert all(text in article.text for text in PROSE)
    assert article.extraction_path == "cleaned"


def test_stock_agency_credits_and_link_lines_go() -> None:
    """A credit line under an image that names a stock agency or a wire ("Getty Images /
    Jo Roe", "AP Photo/…"), and link lines like "Read our full review", "Back to articles
    list", "Skip to the extras" are not the article's text."""
    figure = ("<div><img src='/bus.jpg' alt=''><span class='t-xs'>Getty Images / Jo Roe</span>"
              "</div><p><a href='/review'>Read our full review</a></p>"
              "<p><a href='#extras'>Skip to the extras</a></p>")
    tail = "<p><a href='/blog'>Back to articles list</a></p>"
    html = (f"<html><body><article>{_paragraphs(PROSE[:2])}{figure}{_paragraphs(PROSE[2:])}"
            f"{tail}</article></body></html>")
    _assert_whole_text_without(html, "Getty", "full review", "Skip to", "Back to articles")


def test_layout_class_names_do_not_make_content_look_like_chrome() -> None:
    """Tailwind's "overflow-hidden" (a clipped box, not a hidden one) and Elementor's
    "elementor-widget-container" (every block of the page) are not Readability's "hidden" and
    "widget": the list and paragraphs inside them stay."""
    short = [text.split(",")[0] + "." for text in PROSE]
    box = ("<div class='overflow-hidden rounded-lg'><h3>What changes</h3><ul>"
           + "".join(f"<li>{text}</li>" for text in short) + "</ul></div>")
    widget = (f"<div class='elementor-widget-container'><p>{short[0]}</p><ul><li>{short[1]}"
              f"</li></ul></div>")
    html = (f"<html><body><article><div class='entry'>{_paragraphs(PROSE[:2])}{box}{widget}"
            f"{_paragraphs(PROSE[2:])}</div></article></body></html>")
    text = extract(html, CASE_URL).text
    assert "What changes" in text and short[3] in text and text.count(short[1]) == 2


def test_product_cards_and_sections_with_links_keep_their_prose() -> None:
    """A round-up's product cards named "widget" ("c-product-widget") that hold a paragraph
    of prose, and a section whose list of links sits under a sentence of its own, are the
    article's text; a "related" block of headline links still goes."""
    card = (f"<div class='c-product-widget__product'><h3>The night bus pass</h3>"
            f"<p>{PROSE[1]}</p><p>Price: 20 euros, or 15 euros for students and for anyone over "
            f"sixty-five.</p></div>")
    section = (f"<div class='sect1'><h2>Where to read the plan</h2><p>{PROSE[2]}</p><ul>"
               + "".join(f"<li><p><a href='/plan/{n}'>Chapter {n}, in full</a>"
                         f"</p></li>" for n in range(1, 7)) + "</ul></div>")
    related = ("<div class='related'>" + "".join(
        f"<p><a href='/news/{n}'>Tram extension delayed again, council says</a></p>"
        for n in range(4)) + "</div>")
    html = (f"<html><body><article><div class='entry'>{_paragraphs(PROSE[:1])}{card}{section}"
            f"{_paragraphs(PROSE[3:])}{related}</div></article></body></html>")
    text = extract(html, CASE_URL).text
    assert "The night bus pass" in text and PROSE[1] in text and "Price: 20 euros" in text
    assert "Where to read the plan" in text and "Chapter 6, in full" in text
    assert "Tram extension delayed" not in text


def test_blocks_of_text_named_header_stay() -> None:
    """A block of the text whose class says "header" (a listicle's "listicle-header" that
    holds its intro, an accordion styled "pane-header-alignment-left") stays when it holds
    paragraphs of prose, in the cleaned run itself; the page's header, a row of links, still
    goes."""
    intro = (f"<section class='listicle-header'><div><p>{PROSE[0]}</p><p>{PROSE[1]}</p></div>"
             f"</section>")
    faq = (f"<div class='kt-accordion-wrap kt-pane-header-alignment-left'><h3>What changes?</h3>"
           f"<p>{PROSE[2]}</p><p>{PROSE[3]}</p></div>")
    header = ("<header class='site-header'>" + "".join(
        f"<a href='/s/{n}'>Section {n}</a> " for n in range(5)) + "</header>")
    html = (f"<html><body>{header}<div class='listicle-body'>{intro}"
            f"<p>{PROSE[1].replace('Under', 'And under')}</p>{faq}</div></body></html>")
    article = extract(html, CASE_URL)
    assert article.text.startswith(PROSE[0]) and article.text.endswith(PROSE[3])
    assert "What changes?" in article.text and "Section 3" not in article.text
    assert article.extraction_path == "cleaned"


def test_layout_wrapper_named_sidebar_keeps_the_article_in_the_core() -> None:
    """A wrapper named "sidebar-layout" (or a header the template leaves open) that holds most
    of the page's paragraphs is the layout around the text, not a sidebar: the cleaned run
    keeps it, with no fallback needed, and the real sidebar still goes."""
    html = (f"<html><body><div class='sidebar-layout'><div class='col'><h1>Bus plan</h1>"
            f"{_paragraphs()}</div><div class='aside-col'><p>Popular: tram news</p></div></div>"
            f"</body></html>")
    article = extract(html, CASE_URL)
    assert all(text in article.text for text in PROSE) and "Popular" not in article.text
    assert article.extraction_path == "cleaned"


def test_blocks_marked_data_nosnippet_go() -> None:
    """`data-nosnippet` marks what the site says is not the page's text (a standfirst repeated
    from the metadata, an author blurb); not when it wraps the article itself."""
    blurb = ("<div class='with-excerpt' data-nosnippet>Jo is an experienced reporter who has "
             "covered transport for the past twelve years.</div>")
    html = f"<html><body><article>{blurb}{_paragraphs()}</article></body></html>"
    text = extract(html, CASE_URL).text
    assert text.startswith(PROSE[0]) and "experienced reporter" not in text
    html = (f"<html><body><div data-nosnippet><article><h1>Bus plan</h1>{_paragraphs()}"
            f"</article></div></body></html>")
    assert PROSE[0] in extract(html, CASE_URL).text


def test_in_body_heading_named_header_stays() -> None:
    """A heading whose class says "header" ("header-anchor", as newsletter platforms name
    them) is an in-body heading, not the page's header."""
    body = (f"{_paragraphs(PROSE[:2])}<h3 class='header-anchor-post'><strong>What the plan "
            f"costs</strong></h3>{_paragraphs(PROSE[2:])}")
    html = f"<html><body><div class='available-content'><div>{body}</div></div></body></html>"
    text = extract(html, CASE_URL).text
    assert "What the plan costs" in text and PROSE[0] in text and PROSE[-1] in text


def test_in_body_heading_whose_anchor_reads_like_chrome_stays() -> None:
    """A heading's id made from its own words ("h-what-is-social-travel", "media-coverage")
    names the heading, not a social widget or a media box: the heading stays."""
    body = (f"{_paragraphs(PROSE[:2])}<h2 class='wp-block-heading' id='h-what-is-social-travel'>"
            f"What is social travel?</h2>{_paragraphs(PROSE[2:3])}<h2 id='media-coverage'>Media "
            f"coverage</h2>{_paragraphs(PROSE[3:])}")
    html = f"<html><body><div class='entry-content'>{body}</div></body></html>"
    text = extract(html, CASE_URL).text
    assert "What is social travel?" in text and "Media coverage" in text
    assert PROSE[0] in text and PROSE[-1] in text


def test_folded_accordion_answers_are_part_of_the_article() -> None:
    """An FAQ whose answers are folded (display:none until opened) is part of the article;
    a folded menu next to it (links only) and a hidden dialog are not."""
    answers = "".join(
        f"<div class='accordion-item'><button aria-expanded='false'>Question {n}?</button>"
        f"<div id='faq-{n}' role='region' style='display:none;'><p>{text}</p></div></div>"
        for n, text in enumerate(PROSE[2:]))
    menu = ("<div class='collapse navbar-collapse' style='display:none;'><a href='/a'>Buses "
            "and trams in the city</a> <a href='/b'>Fares, tickets and passes for students</a> "
            "<a href='/c'>Timetables for the night lines</a></div>")
    html = (f"<html><body>{menu}<article>{_paragraphs(PROSE[:2])}<div class='accordion'>"
            f"{answers}</div></article><div role='dialog' aria-modal='true'><p>Subscribe for "
            f"more stories like this one, delivered every morning.</p></div></body></html>")
    text = extract(html, CASE_URL).text
    for paragraph in PROSE:
        assert paragraph in text
    assert "Timetables for the night lines" not in text and "Subscribe" not in text


def test_panels_opened_by_a_disclosure_button_are_part_of_the_article() -> None:
    """A section folded behind a heading's button (`aria-expanded`, WAI-ARIA's disclosure
    pattern), with classes that say nothing (CSS-in-JS names), is part of the article; a
    hidden block that no button opens is not."""
    sections = "".join(
        f"<div class='css-p1fz9n'><h3><button aria-expanded='false'><p>Part {n}</p></button>"
        f"</h3><div aria-hidden='true' hidden class='css-1k075w5'><p>{text}</p></div></div>"
        for n, text in enumerate(PROSE[2:]))
    html = (f"<html><body><article>{_paragraphs(PROSE[:2])}{sections}<div hidden "
            f"class='css-9x'><p>Thanks for reading, you are now signed in to the paper's "
            f"account.</p></div></article></body></html>")
    text = extract(html, CASE_URL).text
    assert all(paragraph in text for paragraph in PROSE)
    assert "signed in" not in text


def test_list_with_an_icon_per_item_stays() -> None:
    """A list whose items each start with a check-mark icon is a list of text, not a gallery
    (Reader View's cleaning counts every <img> as a picture)."""
    icon = "<img src='/i/check.svg' width='20' height='20' alt='check-circle'>"
    items = "".join(f"<li><span>{icon}</span><span>{text}</span></li>" for text in PROSE[:3])
    html = (f"<html><body><article>{_paragraphs(PROSE[:2])}<section class='list'><ul>{items}"
            f"</ul></section>{_paragraphs(PROSE[2:])}</article></body></html>")
    text = extract(html, CASE_URL).text
    assert f"{PROSE[0]}\n{PROSE[1]}\n{PROSE[2]}" in text


def test_page_size_counts_lists_code_and_cells_once() -> None:
    """What the cleaned result is checked against: the page's blocks of text, not only its
    <p>s (an article of lists, code and tables would look long enough otherwise), each
    word once (a <p> inside an <li> is not counted twice)."""
    root = lxml.html.fromstring(
        "<html><body><p>one two</p><ul><li><p>three four</p> five</li></ul>"
        "<pre>six seven</pre><table><tr><td>eight</td></tr></table><h2>nine</h2></body></html>")
    assert block_words(root) == 9


def test_intro_block_of_the_same_kind_as_the_body_stays() -> None:
    """A site builder cuts the article into blocks of one class ("rich-text") between images
    and calls to action: the short intro block belongs with the long body block."""
    intro = ("<p>Electric buses are coming to the city next spring, the council said, and the "
             "first forty will run on the lines that cross the river.</p>")
    body = _paragraphs(PROSE * 8)
    html = (f"<html><body><div class='post_body'><div class='rich-text'>{intro}</div>"
            f"<div class='cta'><a href='/demo'>Book a demo</a> of our fleet software today."
            f"</div><div class='rich-text'>{body}</div></div></body></html>")
    text = extract(html, CASE_URL).text
    assert text.startswith("Electric buses are coming") and text.endswith(PROSE[-1])


def test_related_list_goes_before_the_sign_off() -> None:
    """A "You might also like:" label and its list of links go even when the post ends with
    more text after them (a sign-off, an invitation to follow)."""
    tail = ("<p><strong>YOU MIGHT ALSO LIKE:</strong></p><ul><li><a href='/a'>12 porch "
            "projects</a></li><li><a href='/b'>A table for the kids' room</a></li></ul>"
            "<p>&#160;</p><p><em>Thanks for reading, and see you next week for more.</em></p>")
    html = f"<html><body><article>{_paragraphs()}{tail}</article></body></html>"
    text = extract(html, CASE_URL).text
    assert PROSE[-1] in text and "Thanks for reading" in text
    assert "MIGHT ALSO LIKE" not in text and "porch projects" not in text


def test_if_you_liked_this_post_list_goes() -> None:
    """"If you liked this post you might also like:" and its list of links go."""
    tail = ("<p>If you liked this post you might also like:</p><ul><li><a href='/a'>Why trams "
            "cost so much</a></li><li><a href='/b'>Night buses, a history</a></li></ul>")
    html = f"<html><body><article>{_paragraphs()}{tail}</article></body></html>"
    text = extract(html, CASE_URL).text
    assert text.endswith(PROSE[-1]) and "liked this post" not in text and "Why trams" not in text


def test_consent_checkbox_and_consent_settings_link_go() -> None:
    """A form's consent checkbox with its fine print, and the "Manage consent" link that
    reopens a consent tool, are no article text, even inside the article."""
    form = ("<div class='reply'><p>Write to the newsroom about this story.</p><p><label>"
            "<input type='checkbox' name='ok'> I consent to the storage of my data according "
            "to the privacy policy.</label></p><button>Send</button></div>")
    html = (f"<html><body><article>{_paragraphs()}{form}<p><a href='#'>Manage consent</a>"
            f"</p></article></body></html>")
    text = extract(html, CASE_URL).text
    assert text.startswith(PROSE[0]) and PROSE[-1] in text
    assert "consent" not in text.lower()


def test_in_body_headings_lists_and_quotes_stay() -> None:
    body = (f"{_paragraphs(PROSE[:2])}<h2>What changes</h2><ul><li>Night buses on lines 3, 7 "
            f"and 12</li><li>Student fares down by a third</li></ul><blockquote><p>We listened "
            f"to the riders, said the mayor.</p></blockquote>{_paragraphs(PROSE[2:])}")
    text = extract(f"<html><body><article>{body}</article></body></html>").text
    assert "What changes\n\nNight buses on lines 3, 7 and 12\nStudent fares" in text
    assert "We listened to the riders, said the mayor." in text


def test_extraction_path_is_stored_and_shown(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archiver import store
    from archiver.cli import cli
    from archiver.models import Capture

    html = _builder_page(_paragraphs(PROSE * 2))
    db_path = tmp_path / "archive.db"
    db = store.open_db(db_path)
    capture = Capture(url="https://blog.example/bus-plan", html=html, content_type="text/html",
                      captured_at="2024-05-01T10:00:00Z")
    capture_id = store.save_capture(db, capture, extract(html, capture.url))
    row = db.execute("SELECT extraction_path FROM captures WHERE id = ?", [capture_id]).fetchone()
    db.close()
    assert row[0] == "readability"
    result = CliRunner().invoke(cli, ["show", str(capture_id), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "extraction_path: readability" in result.stdout
    assert PROSE[0] in result.stdout


# --- metadata -----------------------------------------------------------------------------------


def test_json_ld_wins_over_meta_tags() -> None:
    article = run_case("metadata-jsonld")
    assert article.title == "Council approves transport budget"
    assert article.byline == "Ana Gómez, Lee Chan"
    assert article.published == "2024-05-01T09:30:00+02:00"
    assert article.description == "The council voted to approve a new budget for public transport."
    assert article.site_name == "Daily Example"
    assert article.canonical_url == "https://news.example.com/2024/05/council-budget"
    assert article.image_url == "https://news.example.com/images/bus.jpg"


def test_opengraph_time_and_byline_element() -> None:
    """The byline is the byline element's text, "By" and all, as Reader View shows it."""
    article = run_case("metadata-opengraph")
    assert article.title == "Council approves transport budget"
    assert article.byline == "By Jo Bloggs"
    assert article.published == "2024-05-02"
    assert article.lang == "en-GB"
    assert article.canonical_url == "https://news.example.com/council-budget"
    assert "Jo Bloggs" not in article.text


def test_title_loses_its_site_suffix() -> None:
    assert run_case("metadata-title-suffix").title == "Council approves transport budget"


def _page(title: str, head: str = "", body: str = "") -> str:
    return (f"<html><head><title>{title}</title>{head}</head><body>{body}"
            f"<article>{LONG_ARTICLE}</article></body></html>")


@pytest.mark.parametrize(("title", "head", "h1", "expected"), [
    # the last " | Site" part goes when what stays is long enough to be a title (5+ words)
    ("Council approves the new transport budget | Daily Example", "", "",
     "Council approves the new transport budget"),
    ("Council approves the new transport budget – Daily Example", "", "",
     "Council approves the new transport budget"),
    ("Council approves the new transport budget » Politics", "", "",
     "Council approves the new transport budget"),
    # ... else the cut is undone: "Name - Subtitle" titles stay whole
    ("Budget approved | Daily Example", "", "", "Budget approved | Daily Example"),
    # ... unless the part cut is the declared site name
    ("Budget approved | Daily Example", '<meta property="og:site_name" content="Daily Example">',
     "", "Budget approved"),
    # "Site: headline" loses the prefix, unless a heading repeats the whole title
    ("Daily Example: Council approves the new transport budget", "", "Council approves it",
     "Council approves the new transport budget"),
    ("Daily Example: Council approves the new transport budget", "",
     "Daily Example: Council approves the new transport budget",
     "Daily Example: Council approves the new transport budget"),
    # a very short title gives way to the only <h1>
    ("News", "", "Council approves the new transport budget",
     "Council approves the new transport budget"),
    # titles the page declares are taken as they are
    ("Ignored | Daily Example", '<meta property="og:title" content="Budget | Daily Example">', "",
     "Budget | Daily Example"),
])
def test_title_rules(title: str, head: str, h1: str, expected: str) -> None:
    assert extract(_page(title, head, f"<h1>{h1}</h1>" if h1 else "")).title == expected


def test_json_ld_headline_wins_when_name_is_the_site() -> None:
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
          '"NewsArticle", "name": "Daily Example", "headline": "Council approves the budget '
          'for buses"}</script>')
    html = _page("Council approves the budget for buses at night - Daily Example", ld)
    assert extract(html).title == "Council approves the budget for buses"


@pytest.mark.parametrize(("head", "body", "expected"), [
    # declared authors first: JSON-LD, then meta names, then article:author unless it is a link
    ('<meta name="author" content="Jo Bloggs">', '<p class="byline">By Sam</p>', "Jo Bloggs"),
    ('<meta property="og:article:author" content="Lee Chan">', "", "Lee Chan"),
    ('<meta property="article:author" content="https://example.com/lee">',
     '<p class="byline">By Sam</p>', "By Sam"),
    # in the markup: the first byline outside hidden and unlikely blocks, in document order
    ("", '<div class="comments"><span class="comment-author">Reader</span></div>'
         '<p style="display:none" class="byline">Hidden</p><p class="byline">By Sam</p>',
     "By Sam"),
    ("", '<script class="author-data">{"id": 7}</script><p class="byline">By Sam</p>', "By Sam"),
    ("", '<p class="author">' + "Much too long to be a byline. " * 4 + "</p>"
         '<a rel="author" href="/sam">Sam Smith</a>', "Sam Smith"),
    # a schema.org Person's name is more exact than the whole byline element
    ("", '<p itemprop="author" itemscope>By <span itemprop="name">Sam Smith</span>, 2 May</p>',
     "Sam Smith"),
    # nothing in the markup: structured data in a meta tag
    ('<meta itemprop="author" content="Sam Smith">', "", "Sam Smith"),
    ("", "", None),
])
def test_byline_rules(head: str, body: str, expected: str | None) -> None:
    article = extract(_page("Council approves the new transport budget", head, body))
    assert article.byline == expected
    if expected:
        assert expected not in article.text


def test_language_is_guessed_when_the_page_does_not_say() -> None:
    assert run_case("metadata-no-lang").lang == "en"


def test_word_count_and_extract_text_agree_with_text() -> None:
    html = (CASES / "content-kept" / "source.html").read_text(encoding="utf8")
    article = extract(html)
    assert extract_text(html) == article.text
    assert article.word_count == len(re.findall(r"\w+", article.text))



def test_a_word_that_inline_markup_cuts_stays_one_word() -> None:
    """`<a>business</a>es` is "businesses" on the screen: no space where inline markup (a
    link, bold, italics) cuts a word, as a browser shows it. Elements side by side are still
    words apart (`<span>Home</span><span>News</span>`, a menu's links), and so are two words
    where the page left out the space after a link (`<a>Ms Lee</a>reports`)."""
    page = (f"<html><body><article><h1>Buses</h1>{_paragraphs()}<p>Our <a href='/b'>business</a>"
            "es grew, with <em>no</em>-fare days and the <a href='/c'>council</a>'s <b>R</b>oute "
            "plan, as <a href='/m'>Ms Lee</a>reports in<em>Bus Lines</em>, 公交<a>车</a>。</p>"
            "</article></body></html>")
    text = extract(page, CASE_URL).text
    assert ("Our businesses grew, with no-fare days and the council's Route plan, as Ms Lee "
            "reports in Bus Lines, 公交车。") in text
    rendered = html_to_text(lxml.html.fromstring(
        "<div><p><span>Home</span><span>News</span></p><p><a>One</a><a>Two</a></p>"
        "<p><b>Note:</b>Text</p></div>"))
    assert rendered == "Home News\n\nOne Two\n\nNote: Text"

# --- sanitizing ---------------------------------------------------------------------------------

PARAGRAPHS = "".join(
    f"<p>Paragraph {i} of a long enough article, with commas, clauses, and several words.</p>"
    for i in range(8)
)
HOSTILE = f"""<html><body><article><h1>Hostile</h1>{PARAGRAPHS}
<p>Image <img src="x.png" onerror="alert(1)"> and <a href="javascript:alert(2)">a js link</a>,
<a href="data:text/html;base64,PHNjcmlwdD4=">a data link</a>, <a href="/relative">a relative one</a>
and <img src="data:image/svg+xml;base64,PHN2Zz4=" alt="data image">.</p>
<svg onload="alert(3)"><circle r="4"></circle></svg>
<script>alert(4)</script><iframe src="https://evil.example/"></iframe>
<form action="/steal"><input name="q"><button>Go</button></form>
<p onclick="alert(5)" style="color:red">Clickable paragraph with a style attribute.</p>
</article></body></html>"""


def test_sanitized_html_has_no_active_content() -> None:
    html = extract(HOSTILE, "https://example.org/a/page.html").html
    for forbidden in ("<script", "alert(", "onerror", "onload", "onclick", "javascript:",
                      "data:", "<iframe", "<form", "<input", "<button", "<svg", "style="):
        assert forbidden not in html
    assert 'href="https://example.org/relative"' in html
    assert 'src="https://example.org/a/x.png"' in html
    assert "Clickable paragraph" in html


# --- bad input ----------------------------------------------------------------------------------

LONG_ARTICLE = "<p>" + "A sentence of the article, with a comma, and more words. " * 20 + "</p>"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "empty document"),
        ("   \n\t ", "empty document"),
        ("\x00\x00\x00", "empty document"),
        ("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 50, "PDF"),
        ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", "PNG"),
        ("\ufffdPNG\r\n\x1a\n\x00\x00\x00\rIHDR\ufffd\ufffd", "PNG"),
        ('{"title": "<b>not a page</b>", "items": [1, 2, 3]}', "JSON"),
        ("just some words, no markup at all", "no markup"),
        ("\x01\x02\x03\x04<\x05\x06\x07\x08" * 200, "binary"),
    ],
)
def test_non_html_is_refused_with_a_reason(data: str, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract(data)


def test_bytes_are_refused() -> None:
    with pytest.raises(ExtractionError, match="bytes"):
        extract(b"<html><body><p>hi</p></body></html>")  # type: ignore[arg-type]


@pytest.mark.parametrize("charset", ["bogus-xyz", "x-user-defined-9", "utf-16", "", "'\"<>"])
def test_unknown_charset_declaration_is_ignored(charset: str) -> None:
    html = f'<html><head><meta charset="{charset}"><title>T</title></head><body>{LONG_ARTICLE}'
    assert "A sentence of the article" in extract(html).text


def test_xml_declaration_with_encoding_is_ignored() -> None:
    html = f'<?xml version="1.0" encoding="ISO-8859-1"?><html><body>{LONG_ARTICLE}</body></html>'
    assert "A sentence of the article" in extract(html).text


def test_nul_bytes_and_utf16_leftovers_are_repaired() -> None:
    utf16_as_latin1 = f"<html><body>{LONG_ARTICLE}</body></html>".encode("utf-16-le").decode(
        "latin-1"
    )
    assert "A sentence of the article" in extract("\ufeff" + utf16_as_latin1).text
    with_nuls = "<html><body>" + LONG_ARTICLE.replace("comma", "com\x00ma") + "</body></html>"
    assert "A sentence of the article, with a comma" in extract(with_nuls).text


def test_lone_surrogates_do_not_crash() -> None:
    html = f"<html><body>{LONG_ARTICLE}<p>broken \udcff here</p></body></html>"
    assert "A sentence of the article" in extract(html).text


def test_deep_nesting_keeps_the_text() -> None:
    depth = 5000
    html = ("<html><body>" + "<div>" * depth + LONG_ARTICLE + "</div>" * depth
            + "<p>And the text after the deep part, which libxml2 would drop.</p></body></html>")
    text = extract(html).text
    assert "A sentence of the article" in text


def test_huge_document_gives_a_result_or_a_clear_error() -> None:
    html = "<html><body>" + LONG_ARTICLE * 2000 + "</body></html>"
    assert extract(html).word_count > 10_000
    with pytest.raises(ExtractionError, match="too large"):
        extract("<p>" + "x" * 40_000_000)


def test_page_without_article_text_raises() -> None:
    with pytest.raises(ExtractionError, match="no article"):
        extract("<html><body><div><img src='a.png'></div></body></html>")


@pytest.mark.parametrize(
    "data",
    ["<", "<<<>>>", "<html", "</p></div></body>", "<!-- only a comment -->x", "<svg><symbol>",
     "<table>" * 300, "<p>" * 10_000 + "text", "<a href='http://[bad'>x</a>" + LONG_ARTICLE,
     "<base href='http://[bad'>" + LONG_ARTICLE, "&#0;&#xD800;&#x110000;" + LONG_ARTICLE],
)
def test_garbage_gives_a_result_or_extraction_error(data: str) -> None:
    try:
        article = extract(data, "http://example.org/")
    except ExtractionError as exc:
        assert str(exc)
    else:
        assert isinstance(article.text, str)


# --- the benchmark command ----------------------------------------------------------------------


def test_bench_extract_reports_a_missing_harness(tmp_path: Path, capsys) -> None:
    from tests.bench.__main__ import main

    code = main(["extract", "--harness", str(tmp_path / "nope.py"), "--data-dir", str(tmp_path)])
    assert code == 2
    assert "harness not found" in capsys.readouterr().err


def test_bench_times_both_extractors_in_turn(tmp_path: Path, capsys) -> None:
    from tests.bench.__main__ import main

    for n in range(3):
        page = tmp_path / "test-pages" / f"page-{n}"
        page.mkdir(parents=True)
        (page / "source.html").write_text(f"<html><body><article>{_paragraphs()}</article>"
                                          f"</body></html>", encoding="utf8")
    assert main(["extract", "--data-dir", str(tmp_path), "--timing"]) == 0
    out = capsys.readouterr().out
    assert "3 pages" in out and "readability-lxml" in out and "archiver.extract" in out
    assert re.search(r"ratio of medians\s+\d+\.\d\dx", out)


def test_bench_scores_metadata_of_a_data_set(tmp_path: Path) -> None:
    from tests.bench.extract import score_metadata

    page = tmp_path / "page-1"
    page.mkdir()
    source = (CASES / "metadata-jsonld" / "source.html").read_text(encoding="utf8")
    (page / "source.html").write_text(source, encoding="utf8")
    (page / "expected-metadata.json").write_text(json.dumps(
        {"title": "Council approves transport budget", "lang": "fr", "byline": None}
    ), encoding="utf8")
    scores = score_metadata(tmp_path)
    assert (scores["title"].matched, scores["title"].expected) == (1, 1)
    assert (scores["lang"].matched, scores["lang"].expected) == (0, 1)
    assert scores["byline"].expected == 0


# --- regeneration -------------------------------------------------------------------------------


def regenerate() -> None:
    """Rewrite every case's expected.txt (and expected.json where one exists or metadata is
    the point of the case) from the current extractor."""
    for name in case_names():
        article = run_case(name)
        (CASES / name / "expected.txt").write_text(article.text + "\n", encoding="utf8")
        if name.startswith("metadata") or (CASES / name / "expected.json").is_file():
            (CASES / name / "expected.json").write_text(
                json.dumps(metadata_of(article), indent=2, ensure_ascii=False) + "\n",
                encoding="utf8",
            )
        print(f"regenerated {name}", file=sys.stderr)


if os.environ.get("ARCHIVER_REGEN_EXTRACT") == "1" and "pytest" in sys.modules:
    regenerate()

if __name__ == "__main__":
    if "--regen" not in sys.argv[1:]:
        sys.exit("usage: python -m tests.test_extract --regen")
    regenerate()
