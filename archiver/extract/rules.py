"""The heuristics of extraction as data: class/id patterns, phrase lists, tag sets and
thresholds, by stage, in the order the stages run. Tuning a rule changes a value here, not the
code of a stage. Patterns meant for lowercased text (searched without re.I, ten times faster)
say so. The arithmetic of Readability.js's scoring and cleaning (its dividers, weights and
table sizes) stays in the code that ports it, `scoring` and `cleaning`."""

from __future__ import annotations

import re

# every stage: what the helpers on trees (`dom`) count
# ---------------------------------------------------------------------------------------------

IN_PAGE_LINK_WEIGHT = 0.3
"""A link into the page itself ("#section") counts this much of its text as linked."""

PROSE_PARAGRAPH_CHARS = 300
"""A <p> longer than this is a paragraph of prose: a block that holds one is text."""

HEADING_ID_SHARE = 0.6
"""A heading's id made of its own words (this share of them or more) names no kind of block."""


# normalize: what no reader sees
# ---------------------------------------------------------------------------------------------

UNLIKELY_ROLES = frozenset(
    {"menu", "menubar", "navigation", "alert", "alertdialog", "dialog", "banner", "contentinfo",
     "complementary", "search"}
)
"""ARIA roles of what is not the article: menus, navigation, alerts, dialogs, banners."""

SUBHEADINGS = ("h2", "h3", "h4", "h5", "h6")
"""The headings inside a text, below its title."""

HIDDEN_STYLE_RE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
"""An inline style that hides the element."""

HIDDEN_CLASS = "w-condition-invisible"
"""Webflow's conditional visibility: its stylesheet hides an element of this class
(display:none), a block whose CMS field is empty or a second copy of the article laid out for
other readers (signed-in, gated)."""

STREAMED_ID_RE = re.compile(r"^S:\d+$")
"""React's streamed server rendering sends content as <div hidden id="S:0"> that a script then
moves into place: hidden in the markup, the page's text in the browser."""

FOLDED_RE = re.compile(r"accordion|collaps|faq|tab-?pane|tabpanel|expand|toggle|answer|"
                       r"disclosure|rah-static", re.I)
"""Class/id of a panel a reader unfolds (accordion, FAQ answer, tab panel)."""

FOLDED_LOWER_RE = re.compile(FOLDED_RE.pattern)
"""FOLDED_RE for lowercased text (without re.I: ten times faster, for the scoring's hot loops)."""

NOT_FOLDED_RE = re.compile(r"banner|menu|nav|modal|popup|dialog|cookie|consent", re.I)
"""Class/id of a hidden block that stays hidden even when it folds (menus, banners, popups)."""


HOVER_CARD_RE = re.compile(r"tooltip|popover|hover-?card", re.I)
"""Class/id of a hover card (a term's definition, a footnote, a button's help)."""

HOVER_CARD_NAMES = ("ooltip", "oolTip", "opover", "opOver", "overcard", "over-card")
"""HOVER_CARD_RE's words as pages write them: a page whose markup holds none of them anywhere
holds no hover card (looking for each in the text costs less than lowercasing it)."""


QUESTION_MAX_CHARS = 200
"""An accordion's question (the button that opens its answer) is at most this long."""


FOLDED_PANEL_MIN_CHARS = 80
FOLDED_PANEL_MAX_LINK_DENSITY = 0.3
"""A folded panel stays when it holds at least this much text at less than this link density:
an answer, not a folded menu."""


# byline: the byline in the markup
# ---------------------------------------------------------------------------------------------

BYLINE_RE = re.compile(r"byline|author|dateline|writtenby|p-author", re.I)
"""Class/id of a byline."""

NOT_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
"""Elements whose content no reader reads as text."""

BYLINE_SKIP_ROLES = frozenset(
    {"menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog"}
)
"""ARIA roles of subtrees where Reader View looks for no byline."""

HEADER_RE = re.compile("header", re.I)
""""header" in class/id, which inside an <article> names the article's header."""


BYLINE_MAX_CHARS = 100
"""A byline is shorter than this."""


# boilerplate: page chrome
# ---------------------------------------------------------------------------------------------

# Consent platforms' containers (OneTrust, Cookiebot, Didomi, Quantcast, Usercentrics,
# Sourcepoint, TrustArc, Osano, Klaro, Complianz, CookieYes, Borlabs, Iubenda, cookieconsent.js).
# A bare "cmp-" is not one: Adobe Experience Manager's components are cmp-text, cmp-container...
CMP_PREFIXES = (
    r"(?:onetrust-|ot-sdk-|cybotcookiebot|cookiebot|didomi-|qc-cmp|usercentrics|uc-banner|"
    r"sp_message|sp-message|truste-|trustarc|osano-|klaro|cmplz-|cky-|cookieyes|borlabs-|"
    r"iubenda-cs|cc-window|cc_banner|cmpbox|cmp-(?:banner|popup|modal|overlay|dialog|wall|app|ui|consent|layer)|gdpr-|consent-|cookie-|cookies-|cookie_|"
    r"eu-cookie|cookielaw|cookie-law|cookienotice|cookiebanner|cookieconsent|consentmanager)"
)

CMP_ID_RE = re.compile(CMP_PREFIXES, re.I)
"""An id that starts with a consent platform's prefix."""

CMP_CLASS_RE = re.compile(r"(?:^|\s)" + CMP_PREFIXES, re.I)
"""A class that starts with a consent platform's prefix."""

CONSENT_FEATURE_RE = re.compile(
    r"cmp[-_]?(?:banner|popup|modal|overlay|dialog|wall|consent|layer|prompt)"
    r"|(?:cookie|consent|gdpr|privacy)[-_]?(?:banner|bar|notice|notification|popup|pop-up|"
    r"modal|overlay|dialog|box|wall|message|prompt|alert|layer|container|wrapper|law|consent|"
    r"info|manager|policy-banner|hint|accept|widget|sheet|panel)"
    r"|(?:banner|bar|notice|popup|modal|overlay|dialog)[-_]?(?:cookie|consent|gdpr)",
    re.I,
)
"""Class/id of a consent prompt of unknown make ("cookie-banner", "gdpr-notice")."""

CONSENT_TEXT_RE = re.compile(
    r"cookie|consent|gdpr|datenschutz|einwilligung|privacy|tracking|personaldaten|rgpd|"
    r"données personnelles|privacidad|protezione dei dati",
    re.I,
)
"""Words of a consent text, in the languages the capture's fallback knows."""

ACCEPT_RE = re.compile(
    r"^\W*(?:accept|agree|allow|ok(?:ay)?|got it|i understand|understood|continue|close|"
    r"yes|zulassen|akzeptieren|einverstanden|zustimmen|verstanden|alle akzeptieren|"
    r"accepter|j'accepte|tout accepter|d'accord|aceptar|acepto|accetta|accetto|aceitar|"
    r"accepteren|akkoord|cookies zulassen|alle cookies|accept all|allow all|allow cookies)"
    r"\b[\w\s!.'’-]{0,40}$",
    re.I,
)
"""The label of a consent prompt's accept button."""

CHROME_FEATURE_RE = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|sharedaddy|social|socials|follow|addtoany|addthis|"
    r"newsletter|subscribe|subscription|signup|sign-up|mailing-list|"
    r"related|read-more|readmore|more-stories|recommended|recirculation|outbrain|taboola|"
    r"breadcrumbs?|skip-link|skiplink|comment-form|comment-respond|respond|"
    r"print-only|advert|advertisement|ad-slot|ad-container|sponsored|modal|paywall|"
    r"author-box|author-bio|author-info|author-card|about-author|about-the-author|"
    r"saboxplugin-wrap|abh_box|wp-block-post-author|bio|author-bios|disclaimer|disclaimers|"
    r"twitter-tweet|instagram-media|tiktok-embed)(?:$|[\s_-])",
    re.I,
)
"""Class/id of chrome: share/follow widgets, newsletter boxes, related teasers, ads, author
boxes, modals and paywalls, embedded posts."""

TEASER_LEAD_RE = re.compile(
    r"^\W*(?:mehr zum thema|lesen sie auch|lesen sie mehr|auch interessant|weitere artikel|"
    r"das könnte sie auch interessieren|related|read more|see also|more on this|"
    r"read also|also read|recommended|more from|à lire aussi|lire aussi|voir aussi|"
    r"leer más|lee también|leggi anche|follow us|folge uns|folgen sie uns|suivez-nous|"
    r"síguenos|seguici)\b",
    re.I,
)
"""The first words of a teaser of other pages ("Mehr zum Thema", "Read more", "Follow us")."""

NEVER_CHROME = frozenset({"html", "body", "article", "main"})
"""Elements never removed as chrome."""

ANY_CHROME_WORD_RE = re.compile(
    r"cookie|consent|gdpr|cmp|privacy|onetrust|ot-sdk|didomi|usercentrics|uc-banner|sp_message|"
    r"sp-message|truste|trustarc|osano|klaro|cky-|borlabs|iubenda|cc-window|cc_banner|"
    r"comment|disqus|wpdiscuz|"
    r"share|sharing|social|follow|addtoany|addthis|newsletter|subscri|sign-?up|mailing|related|"
    r"read-?more|more-stories|recommended|recirculation|outbrain|taboola|breadcrumb|skip|respond|"
    r"print-only|advert|ad-|sponsored|modal|paywall|author|sabox|abh_|bio|disclaimer|tweet|"
    r"instagram|tiktok",
)
"""Every word the attribute tests of `_is_chrome` look for (past navigation), in lower case:
searched in lowercased text, ten times faster than with re.I."""

CHROME_TAGS = frozenset({"nav", "dialog", "header", "footer", "aside"})
"""Elements that can be chrome without any attribute saying so."""

COOKIE_CATEGORY_RE = re.compile(
    r"\b(?:necessary|essential|functional|performance|analytics?|advertising|advertisement|"
    r"marketing|targeting|non-necessary|preference|statistics?) cookies\b.*\b(?:website|site|"
    r"browser|personal (?:data|information))\b"
    r"|\bcookies\b.*\bnecessary\b.*\bwebsite\b.*\bcookies\b",
    re.I,
)
"""A consent tool's text about a category of cookies ("Necessary cookies are essential...")."""

OVERLAY_RE = re.compile(r"(?:^|[\s_-])(?:modal|paywall)(?:$|[\s_-])", re.I)
"""Class/id of a modal or paywall."""

COMMENTS_CLASS_RE = re.compile(
    r"(?:^|\s)(?:comments|commentlist|comment-list|comments?-(?:area|wrapper|section|container|"
    r"list|block|thread|holder|wrap)|disqus_thread|wpdiscuz\w*|post-comments|article-comments|"
    r"commentary-thread)(?:$|\s)",
    re.I,
)
"""Class or id of readers' comments (WordPress, Disqus, wpDiscuz)."""

CONSENT_LABEL_RE = re.compile(r"cookie|consent", re.I)
"""An aria-label of a consent prompt."""

CONSENT_WORDS_RE = re.compile(
    r"cookie|consent|gdpr|cmp|privacy|onetrust|ot-sdk|didomi|usercentrics|uc-banner|sp_message|"
    r"sp-message|truste|trustarc|osano|klaro|cky-|borlabs|iubenda|cc-window|cc_banner",
)
"""Every word the consent tests look for (lower case, for lowercased text): an element
without any is no consent prompt."""

CONSENT_SETTINGS_RE = re.compile(
    r"^\W*(?:(?:manage|change|update|edit|review|withdraw|revoke|open)\s+(?:your\s+|my\s+)?)?"
    r"(?:cookie|consent|privacy|tracking)s?\s+(?:settings|preferences|choices|options|consent|"
    r"policy settings)\W*$|^\W*(?:manage|change|withdraw|revoke|update) (?:your |my )?consent\W*$",
    re.I,
)
"""The link or button that reopens a consent tool ("Manage consent", "Cookie settings")."""

CONSENT_FINE_PRINT_RE = re.compile(
    r"\bconsent|\bgdpr\b|\bagree to (?:the|our)\b|\bprivacy policy\b|\bcookies?\b|"
    r"\beinwillig|\bdatenschutz|\bconsens|\bconsiento\b",
    re.I,
)
"""The fine print next to a form's consent checkbox."""



CONTROL_MAX_CHARS = 60
"""A button or link up to this long can be a consent prompt's "Accept" or "Cookie settings"."""

BANNER_MAX_CHARS = 1200
BANNER_MAX_PARAGRAPHS = 4
"""A consent banner around an accept button holds at most this much text and these <p>s."""

CONTENT_CHARS = 3000
"""An element with more text than this is content, whatever its class says about consent."""

COOKIE_CATEGORY_MAX_CHARS = 400
"""A consent tool's description of a category of cookies is shorter than this."""

WRAPPER_PROSE_CHARS = 500
"""A page-level <header> or <aside> with more characters of paragraphs is a layout wrapper."""

WIDGET_CONTENT_CHARS = 500
WIDGET_CONTENT_MAX_LINK_DENSITY = 0.3
"""An element named like a widget with more text than this at a lower link density is content."""

TEASER_MAX_CHARS = 250
TEASER_MIN_LINK_DENSITY = 0.3
TEASER_LABEL_MAX_CHARS = 40
"""A teaser ("Read more: ...") is shorter than TEASER_MAX_CHARS and either linkier than
TEASER_MIN_LINK_DENSITY or a bare label shorter than TEASER_LABEL_MAX_CHARS."""

TEASER_BLOCK_MAX_CHARS = 300
"""A teaser's lead is widened to the ancestors up to this much text."""

LINK_LIST_MIN_DENSITY = 0.5
"""A block linkier than this is a list of links (teasers' cards, a table of contents, related
posts), not text."""

TITLE_HEADING_SIMILARITY = 0.75
"""An <h1>/<h2> more similar than this to the title repeats it (`dom.similarity`)."""

SIGNUP_MAX_CHARS = 600
SIGNUP_MAX_PARAGRAPHS = 3
"""A sign-up form goes with its ancestors up to this much text and these <p>s."""

SIGNUP_PAGE_PROSE_SHARE = 0.5
"""A form whose surroundings hold more than this share of the page's paragraph text (a contact
page) goes alone, without them."""

CONSENT_CHECKBOX_MAX_CHARS = 400
"""A consent checkbox goes with its ancestors up to this much text."""


# candidates: readability's scoring (`scoring`)
# ---------------------------------------------------------------------------------------------

UNLIKELY_RE = re.compile(
    r"-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|"
    r"gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|"
    r"sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote",
)
"""Readability.js's class/id of a subtree that holds no article."""

MAYBE_CANDIDATE_RE = re.compile(r"and|article|body|column|content|main|shadow")
"""Readability.js's class/id patterns, in lower case: search lowercased text (re.I makes the
search ten times slower, and it runs on every element)."""

COMMAS_RE = re.compile("[\u002C\u060C\uFE50\uFE10\uFE11\u2E41\u2E34\u2E32\uFF0C]")
"""Commas of many scripts: each adds a point to a paragraph's score."""

TAG_SCORES = {
    "div": 5, "pre": 3, "td": 3, "blockquote": 3, "address": -3, "ol": -3, "ul": -3, "dl": -3,
    "dd": -3, "dt": -3, "li": -3, "form": -3, "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5,
    "h6": -5, "th": -5,
}
"""Readability.js's initial score of a candidate, by tag."""



LAYOUT_WRAPPER_PROSE_SHARE = 0.5
"""An "unlikely" element ("header", "sidebar") with more than this share of the page's paragraph
text is a layout wrapper, and stays."""

NAMED_BLOCK_PROSE_CHARS = 300
NAMED_BLOCK_MAX_LINK_DENSITY = 0.25
"""An element named "header" with more characters of paragraphs than this, at a lower link
density, is a block of the text named for its part ("listicle-header")."""

LEAD_SCORE_SHARE = 0.08
LEAD_PROSE_CHARS = 200
LEAD_MAX_LINK_DENSITY = 0.1
"""A block before the winner joins it as its lead (an intro, a summary) when it scores at least
LEAD_SCORE_SHARE of the winner, holds LEAD_PROSE_CHARS of paragraphs and is linked less than
LEAD_MAX_LINK_DENSITY."""

LEAD_LEVELS = 1
"""The lead may also be a sibling of the winner's ancestors up to this many levels (a page
builder's row or column around the body): 1, its parent's (2 and 3: as many pages worse as
better on the tuning split)."""

SEGMENT_MAX_LINK_DENSITY = 0.2
"""A block of the winner's tag and class between two of its segments that readability merged
joins them whatever it scores, when at most this linked (readability's own limit for a segment)."""

SECOND_LOOK_SHARE = 0.75
"""Readability.js's second look at the winner: candidates that score at least this share of its
score are as good."""

REPEATED_TEXT_SHARE = 0.7
"""A text whose distinct runs of four words are fewer than this share of them repeats itself."""


# candidates: Reader View's cleaning (`cleaning`)
# ---------------------------------------------------------------------------------------------

VIDEO_RE = re.compile(
    r"//(www\.)?((dailymotion|youtube|youtube-nocookie|player\.vimeo|v\.qq)\.com|"
    r"(archive|upload\.wikimedia)\.org|player\.twitch\.tv)",
    re.I,
)
"""Embedded players of video that Reader View keeps."""

NEGATIVE_RE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|"
    r"footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|"
    r"skyscraper|sponsor|shopping|tags|widget",
)
"""Readability.js's class/id of chrome (class weight -25), in lower case."""

POSITIVE_RE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story"
)
"""Readability.js's class/id of content (class weight +25), in lower case."""

SHARE_RE = re.compile(r"(\b|_)(share|sharedaddy)(\b|_)", re.I)
"""Class/id of share buttons."""

AD_WORDS_RE = re.compile(
    r"^(ad(vertising|vertisement)?|pub(licité)?|werb(ung)?|广告|Реклама|Anuncio)$", re.I
)
"""A block that says only "Advertisement"."""

LOADING_RE = re.compile(r"^((loading|正在加载|Загрузка|chargement|cargando)(…|\.\.\.)?)$", re.I)
"""A block that says only "Loading..."."""

BLOCKISH = ("blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul", "span", "li",
            "td")
"""Tags of blocks whose text makes a block more than its headings."""

LAYOUT_NAMES_RE = re.compile(r"elementor-widget|overflow(?:-[xy])?-hidden")
"""Class names that read like Readability's negative words but name layout: every block of an
Elementor page is an "elementor-widget" (its share buttons still say "share"), and Tailwind's
"overflow-hidden" clips a box, it does not hide it."""

ICON_RE = re.compile(r"icon|emoji|bullet|check", re.I)
"""Class or alt text of an icon or bullet image."""



ICON_MAX_PX = 48
"""An image declared at most this many pixels wide or high is an icon."""

WIDGET_PROSE_CHARS = 200
WIDGET_PROSE_MAX_LINK_DENSITY = 0.25
"""A block named like chrome ("widget") with more characters of paragraphs than this, at a lower
link density, holds prose and stays. On the tuning pages, such blocks held 2,750 ground-truth
shingles to 480 others."""

CALLOUT_PROSE_CHARS = 200
CALLOUT_MAX_LINK_DENSITY = 0.1
"""An <aside> inside the article with this many characters of paragraphs, at a lower link
density, is a callout of the text (a note, a box between its paragraphs) and stays; a teaser
for another story (a linked headline and its excerpt) is linked more."""

SENTENCE_OWN_CHARS = 80
SENTENCE_MAX_LINK_DENSITY = 0.4
"""A block with a paragraph of more than SENTENCE_OWN_CHARS outside its links passes Reader
View's link-density check below SENTENCE_MAX_LINK_DENSITY (1,958 ground-truth shingles to 672)."""


# candidates, faq: the FAQ section after the article
# ---------------------------------------------------------------------------------------------

FAQ_NAMES = ("faq", "FAQ", "Faq")
"""How pages name an FAQ section in its class or id: a page whose markup holds none holds none."""

FAQ_XPATH = ".//*[@class or @id][" + " or ".join(
    f"contains(@class, '{n}') or contains(@id, '{n}')" for n in FAQ_NAMES) + "]"
"""The elements named like an FAQ section (one walk of the tree)."""

QUESTION_TAGS = (*SUBHEADINGS, "button", "summary", "dt", "strong", "p", "span",
                 "div", "a")
"""Elements that can hold an FAQ's question (the innermost one that holds its text)."""

FAQ_MIN_QUESTIONS = 2
FAQ_MIN_CHARS = 200
FAQ_MAX_LINK_DENSITY = 0.3
"""An FAQ section: two questions or more, this much text, at most this linked."""

FAQ_HELD_SHARE = 0.1
"""An FAQ section goes after the article unless more than this share of its runs of four words
are in the article already."""


# trim: the article body as people annotate it
# ---------------------------------------------------------------------------------------------

TOC_LABEL_TAGS = frozenset({*SUBHEADINGS, "p", "div", "span", "strong", "b", "summary",
                            "button", "label"})
"""Elements a lone "Table of contents" label stands in."""

NOT_CARD_TAGS = frozenset({"li", "p", "tr", "a", *SUBHEADINGS, "span", "strong"})
"""Elements that are lines of a card, never a card."""

TOC_RE = re.compile(r"(?:^|[\s_-])(?:toc|table-of-contents|tableofcontents|ez-toc\w*|"
                    r"lwptoc\w*|rank-math-toc\w*|jump-links?|on-this-page)(?:$|[\s_-])", re.I)
"""Class/id of a table of contents."""

TOC_LABEL_RE = re.compile(
    r"^\W*(?:table of contents|contents|in this (?:article|post|guide|story|review)|"
    r"jump to(?: section)?|on this page|what's inside|quick links|skip to)\W*$", re.I)
"""The label of a table of contents."""

BUTTON_CLASS_RE = re.compile(r"(?:^|[\s_-])(?:btn|button|cta|wp-block-button\w*)(?:$|[\s_-])",
                             re.I)
"""Class/id of a button."""

CALL_TO_ACTION_RE = re.compile(
    r"^\W*(?:learn more|read more|see more|show more|view more|load more|more info|"
    r"check (?:the )?(?:latest )?price\w*|check availability|see (?:the )?(?:latest )?price|"
    r"see (?:the )?rating|see details|view details|view deal|see deal|get (?:the )?deal|"
    r"shop now|buy now|book now|order now|get started|start now|try (?:it )?(?:for )?free|"
    r"sign up|subscribe|download now|read (?:the |our )?(?:full |entire )?review|"
    r"best prices today|rate this (?:article|post)|back to (?:the )?(?:articles?|posts?|blog)"
    r"(?: list)?|skip to (?:the )?(?:extras|bottom|end)\b.*|"
    r"(?:buy|view|shop|check price|see it) (?:at|on) [\w.& -]{2,30}|back to top|"
    r"continue reading|click here|visit (?:the )?(?:site|website|store))\W*$",
    re.I,
)
"""The label of a call to action ("Learn more", "Check price", "Back to top")."""

AD_LABEL_RE = re.compile(
    r"^\W*(?:(?:the )?(?:article|story|content|text) continues (?:below|after)(?: (?:this )?"
    r"(?:ad|advert|advertisement))?|continue reading below|scroll (?:down )?to continue(?: "
    r"reading)?|advertisement(?: - scroll to continue(?: reading)?)?|sponsored|ad|anzeige|"
    r"werbung|publicité)\W*$", re.I)
"""An ad's label left in the text ("Article continues below", "Advertisement")."""

GALLERY_RE = re.compile(r"gallery|slideshow|slider|carousel|lightbox|swiper|slick|glide", re.I)
"""Class/id of a gallery or slideshow."""

GALLERY_CHROME_RE = re.compile(
    r"^\W*(?:(?:image|photo|picture|slide)\s*\d+\s*(?:of|/)\s*\d+|\d+\s*(?:of|/)\s*\d+|"
    r"close|caption|next|previous|prev|expand|enlarge|zoom|fullscreen|full screen|"
    r"view (?:the )?gallery|open (?:the )?gallery|view all \d* ?(?:photos|images)|"
    r"(?:show|hide) caption|skip ad|play|pause)\W*$",
    re.I,
)
"""Gallery chrome ("Image 1 of 23", "Close", "Caption")."""

GALLERY_CHROME_RAW_RE = re.compile(
    GALLERY_CHROME_RE.pattern.replace(" ?", r"\s*").replace(" ", r"\s+"), re.I)
"""GALLERY_CHROME_RE on an element's text as it is, not normalized (each space of the pattern
any run of whitespace): every element is looked at, and most of them hold long texts."""

CREDIT_CLASS_RE = re.compile(r"credit|caption|attribution|copyright|photo-source|image-source",
                             re.I)
"""Class/id of a caption or credit."""

CREDIT_ONLY_CLASS_RE = re.compile(r"credit|attribution|copyright|photo-source|image-source",
                                  re.I)
"""Class/id of a credit inside a caption."""

CREDIT_TEXT_RE = re.compile(
    r"^\W*(?:(?:photo|image|picture|illustration|graphic|video|header|featured|cover|lead)s?"
    r"(?: image)?\s*(?:credits?|courtesy|source)?\s*[:|©]"
    r"|(?:photo|image|picture|illustration)s? (?:credits?|courtesy|by)\b"
    r"|credits?\s*[:|]|courtesy of\b|©|\(c\)\s"
    r"|(?:getty images|shutterstock|istock(?:photo)?|alamy|unsplash|pexels|adobe stock|"
    r"(?:ap|afp|reuters|dpa|epa) (?:photo|images?))\b)",  # a stock agency's or wire's credit
    re.I,
)
"""A credit line ("Photo: ...", "Courtesy of ...", a stock agency's or wire's name)."""

RELATED_LEAD_RE = re.compile(
    r"^\W*(?:related(?: (?:posts?|articles?|stories|reading|content|news|links|guides?|"
    r"topics|coverage|reviews))?|more (?:from|on|in|about|like this|stories|articles|posts|"
    r"news|reading|to read|to explore)\b.*|(?:if you (?:liked|enjoyed) this \w+,? )?"
    r"(?:you|we think you) (?:may|might|will|could) "
    r"(?:also )?(?:like|enjoy|be interested)\b.*|recommended(?: (?:for you|reading|articles|"
    r"posts|stories))?|read (?:this )?next|what to read next|up next|keep reading|"
    r"(?:most )?popular(?: (?:posts|stories|articles|now))?|trending(?: now| stories)?|"
    r"latest (?:news|posts|stories|articles)|don't miss|editor'?s? picks|"
    r"other (?:posts|articles|stories) you\b.*|similar (?:posts|articles))\W*$",
    re.I,
)
"""The heading of a list of other pages ("Related posts", "You may also like")."""

DATELINE_RE = re.compile(
    r"\b(?:\d{1,2}(?:st|nd|rd|th)?,? )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}"
    r"\b|\b\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
    r"\.?,? \d{4}\b|\b\d+ min(?:ute)?s? read\b|^\W*(?:estimated )?reading time\b|"
    r"^\W*\d+\s*min(?:ute)?s?\W*$|^\W*(?:by|written by|"
    r"posted by|updated|published|last updated|reviewed by|fact checked by|edited by)\b",
    re.I,
)
"""A date, a reading time or a byline's first words."""

MAX_LINK_DENSITY = 0.5
"""A result whose text is mostly links is a list of links, not an article."""

SHORT = 80
"""Text length up to which a block is a label, a button or a line of chrome."""

MEDIA = ".//img|.//picture|.//video"
"""What makes a figure a picture: an image or a video."""

DISCLOSURE_RE = re.compile(
    r"\b(?:affiliate|commissions?|commissionable|compensat\w+|kick ?back|associate\b.*\bearns?)",
    re.I)

DISCLOSED_RE = re.compile(
    r"\b(?:we|i|our|this (?:site|website|blog|post|article|page|content))\b(?:\W+\w+){0,8}"
    r"\W+(?:may |might |will |can )?(?:earn|receive|get|make|contains?|includes?|uses?|is "
    r"supported)\b",
    re.I)

APPEAL_RE = re.compile(
    r"^\W*(?:sign up|subscribe|join|follow (?:me|us)|(?:want|looking for) more\b[^?]{0,60}\?|"
    r"thank you for subscribing|get (?:our|the) )", re.I)

CHANNEL_RE = re.compile(
    r"\b(?:newsletters?|inbox|mailing list|e-?mail updates|instagram|facebook|pinterest|"
    r"tiktok|youtube|telegram|linkedin)\b", re.I)

NOTICES = ((DISCLOSURE_RE, DISCLOSED_RE), (APPEAL_RE, CHANNEL_RE))
"""An affiliate disclosure (what it is, who discloses) and an appeal to follow the site (the
appeal, the channel): each pair of patterns found together makes a notice."""

APPEAL_LEAD_RE = re.compile(
    r"^\W*(?:since you(?:'ve| have)? made it (?:to the (?:bottom|end)|this far)|"
    r"(?:we have|can we ask you) a (?:small |quick )?(?:favou?r|question)\b|"
    r"(?:this|our) (?:story|article|journalism|reporting|work|newsroom|site|coverage) (?:is|was) "
    r"(?:funded|made possible|supported|powered|sustained) by (?:readers|you|members)|"
    r"support (?:our|independent|nonprofit|local) (?:mission|journalism|newsroom|reporting|work)|"
    r"(?:please )?consider (?:making a )?(?:donation|donating|supporting)|donate\b|"
    r"(?:become|be) a (?:paid )?(?:member|supporter|subscriber|patron)\b|"
    r"this (?:article|story|content|piece|post) is (?:exclusive|only available|reserved) "
    r"(?:to|for)|"
    r"unlock (?:this|the full|the rest of this) (?:article|story|piece|post)|"
    r"subscribe (?:now )?to (?:continue|keep) reading)",
    re.I,
)
APPEAL_WORDS_RE = re.compile(
    r"\b(?:donat\w*|pitch(?:ing)? in|contribut\w*|fundrais\w*|members?(?:hip)?|supporters?|"
    r"subscri\w*|log in|sign in|paid)\b",
    re.I,
)
APPEAL_MAX_CHARS = 1500
APPEAL_LINES = ("p", *SUBHEADINGS, "li")
"""A box after the text that appeals for donations or a sign-in: it opens with APPEAL_LEAD_RE
("Since you made it to the bottom of this article…", "This story is funded by readers like
you", "This article is exclusive to subscribers"), speaks of donating, members or subscribing
(APPEAL_WORDS_RE), is at most APPEAL_MAX_CHARS long, and has two APPEAL_LINES or more, the
first of them the appeal."""

BIO_RE = re.compile(
    r"^(?:about the (?:author|writer|contributor)s?\b|(?:(?:dr|mr|mrs|ms|prof)\.? )?"
    r"[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){0,3},? (?:is|was|has been|has|an?|the|writes|covers) )",
)
"""The first words of the author's bio."""

HONORIFIC_RE = re.compile(r"^\W*(?:dr|mr|mrs|ms|prof)\.?\s+", re.I)
"""A title before a person's name ("Dr. ")."""

PERSON_RE = re.compile(
    r"^(?!.*\b(?i:team|staff|editors?|editorial|official|admin|desk)\b)"
    r"[A-Z][a-z][\w'’.-]*(?: (?:[A-Z][\w'’.-]+|van|von|de|da|del|der|le|la|al|bin)){1,3}$")
"""A person's name (two to four words, the first one capitalized, not a team's or a desk's)."""

CLOSING_CHROME_RE = re.compile(
    r"^\W*(?:share(?: this)?(?: (?:post|article|story|page|recipe|guide))?(?: on \w+)?|"
    r"rate this (?:article|post|story|recipe|page)|"
    r"(?:was|is|did you find) this (?:article |page |post |guide |information )?(?:helpful|useful)"
    r"\??|(?:previous|next|older|newer)(?: (?:post|article|story|entry))?|follow(?: us)?|"
    r"up next|thanks? (?:you )?for (?:visiting|reading)!?|back to top|top|back|"
    r"pages?:?(?: \d+)+|\(?visited \d[\d,]* times?\b.*|\(?\d[\d,]* (?:reviews?|comments?|"
    r"views?|shares?)\)?|print(?: this)?(?: article| page| recipe)?|leave a (?:comment|reply)|"
    r"favou?rite on google news|(?:written|posted|published) by|about the (?:author|writer)|"
    r"author|recent posts|view (?:author|profile)(?: page)?)\W*$"
    r"|\bcomment(?:ing)? (?:policy|guidelines)\b|^\W*comments (?:are|have been) (?:closed|"
    r"disabled)\b|^\W*republish (?:our|this) (?:articles?|story|stories)\b"
    r"|\b(?:article|story|piece|review) (?:also |originally |first )?appeared in\b.{0,60}"
    r"\b(?:issue|edition)\b",
    re.I,
)
"""A line of page chrome that closes a post: share, rate, follow and pager labels, counters
("Visited 1,902 times", "(0 Reviews)"), an author box's labels ("Written by", "Recent posts"),
a comment policy, "Republish our articles",
"This article also appeared in the May issue"."""

AUTHOR_LABEL_RE = re.compile(
    r"^\W*(?:about the (?:author|writer|contributor)s?|meet the (?:author|writer)|"
    r"(?:written|posted|published) by(?: [A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3})?)\W*$", re.I)
"""An author box's label above a paragraph about the author ("About the author:", "Written by
Jo Bloggs"): the two close the post, whoever the page says wrote it."""

CLOSING_CHROME_MAX_CHARS = 300
"""A closing line of chrome is at most this long."""

AUTHOR_ROLE_MAX_CHARS = 80
"""The line under the author's name in an author box ("Veterinarian", "Founder and Dean")."""

CLOSING_BLOCKS = ("p", "div", "section", "aside", "blockquote", *SUBHEADINGS)
"""Blocks that can be the lines closing a post."""

YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")
"""A year."""

TAGS_LINE_RE = re.compile(r"^\W*(?:tags|tagged(?: with)?|filed under|categories|category|"
                          r"topics?)\s*:", re.I)
"""A line of tags ("Tags: ...", "Filed under: ...")."""

LEADING_TAGS = ("p", "div", "span", "time", *SUBHEADINGS, "ul", "ol", "table",
                "section", "header")
"""Blocks that can be the header of the text (byline, date line, standfirst)."""

BLOCK_TAGS = frozenset({"p", "div", "ul", "ol", "table", "section", "header", "h2", "h3", "h4",
                        "h5", "h6", "blockquote", "pre", "figure"})
"""Blocks that hold other blocks of the text."""



CAPTION_MAX_CHARS = 500
"""A figure's caption longer than this is not put back under its image."""

CREDIT_MAX_CHARS = 150
"""A credit line ("Photo: ...") is shorter than this."""

CREDIT_BLOCK_MAX_CHARS = 300
"""A block named "credit" or "caption" goes when it is shorter than this."""

TOC_LABEL_MAX_CHARS = 40
TOC_MIN_ITEMS = 3
TOC_LINKED_SHARE = 0.8
"""A table of contents: a label shorter than TOC_LABEL_MAX_CHARS; a list of TOC_MIN_ITEMS items
or more, all links into the page, more than TOC_LINKED_SHARE of its text linked."""

NOTICE_MAX_CHARS = 400
"""An affiliate disclosure or an appeal to follow the site is shorter than this."""

GALLERY_TEXT_MAX_CHARS = 300
"""Inside a gallery, text shorter than this is its chrome (counters, buttons, captions)."""

RELATED_LABEL_MAX_CHARS = 60
"""A "Related posts" heading is shorter than this."""

RELATED_MIN_HEADLINES = 3
"""After a "Related" heading, this many linked headings or more (the posts' titles) make what
follows it a list of posts, with their excerpts."""

MIN_CARDS = 3
CARD_MIN_CHARS = 15
CARD_MAX_CHARS = 500
HEADLINE_MIN_WORDS = 3
HEADLINE_MAX_OFFSET = 40
"""Teaser cards after the text: a run of MIN_CARDS or more, each CARD_MIN_CHARS to
CARD_MAX_CHARS long, led by a linked headline of HEADLINE_MIN_WORDS or more that starts within
HEADLINE_MAX_OFFSET characters of the card's text."""

LABELLED_CARD_MAX_CHARS = 1000
"""Under a "Related"/"Latest news" label, a card (with its excerpt) is at most this long."""

CARDS_PROSE_CHARS = 150
CARDS_MAX_SHARE = 0.5
"""Cards stay when a paragraph longer than CARDS_PROSE_CHARS follows them, or when they hold more
than CARDS_MAX_SHARE of the text."""

HEADER_LINE_MAX_CHARS = 120
"""A byline or date line is at most this long."""

META_SEPARATOR_RE = re.compile(r"\s[|•·]\s|\s*\|\s*")
"""What separates the fields of a byline ("By Jo | May 5, 2025 | News")."""

DATELINE_MAX_OTHER_CHARS = 40
"""A date line is the date, or the date and at most this much else."""

LEADING_BLOCK_MAX_CHARS = 150
LEADING_BLOCKS = 5
"""The header of the text: at most LEADING_BLOCKS blocks, before the first one longer than
LEADING_BLOCK_MAX_CHARS."""

CLOSING_LINES = 6
BIO_MAX_CHARS = 700
BIO_MAX_LINK_DENSITY = 0.5
"""The lines that close a post: up to CLOSING_LINES last blocks; a bio is at most BIO_MAX_CHARS
long and at most BIO_MAX_LINK_DENSITY linked."""


# choose: which candidate is the article
# ---------------------------------------------------------------------------------------------

CHECK_SHARE = 0.7
"""The cleaned text is checked when it has fewer words than this share of the page's <p>s."""

KEEP_SHARE = 0.7
"""A result is taken when it has at least this share of the words of the longest result."""

TEXT_BLOCKS = ("p", "li", "pre", "td", "blockquote", "dd", "h2", "h3", "h4")
"""Blocks of text that the page's expected length counts (each once)."""


# output: the article's text
# ---------------------------------------------------------------------------------------------

INLINE_TAGS = frozenset(
    "a abbr b bdi bdo code del dfn em font i ins kbd mark s samp strike strong tt u var".split()
)
"""Inline markup that can cut a word in the source (`<a>business</a>es`, `<b>R</b>efuse`): where
only its start or only its end lies between two pieces of text without whitespace, the text can
be one word (`WORD_SUFFIX_RE`). <span> is not one: pages set spans side by side as blocks; nor
are <sub> and <sup>, whose text is no part of the word before it (10<sup>15</sup> is not 1015)."""

WORD_SUFFIX_RE = re.compile(r"(?:s|es|ed|ing|ers?|est|ly|['’](?:s|d|ll|re|ve|t)?|-\w+)(?![\w'’-])")
"""The end of a word that inline markup cut off ("es", "'s", "-fare"): one more word after a
link is the page's missing space (`<a>Alexis Madrigal</a>reports` shows "Madrigalreports" in a
browser, and means two words)."""

UNSPACED_SCRIPT_RE = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
"""Chinese and Japanese, which put no space between words: inline markup there cuts no word."""
