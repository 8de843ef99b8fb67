"""Walls: whether what a capture kept is the page asked for, or something the site put in its
place (a bot challenge, a login form, a paywall teaser, a consent page, a "not found" page
answered with 200, an app shell whose scripts rendered nothing).

Pure: a finished `Capture` (its URL, final URL, HTTP status, rendered DOM) and its extracted
`Article` in, a `Wall` (its kind and the evidence) or None out. Structure and signals decide
first (HTTP status, redirects, the final URL, password forms, JSON-LD, known challenge markup,
how much text the page has); words (en, de, fr, es, it, nl, pt) only count on pages with
little text. A page with an article's worth of text is no wall, whatever it says: a false
alarm costs more than a miss. Paywalls are the exception, because the teaser has text: they
need the page's own JSON-LD (`isAccessibleForFree: false`) or paywall markup, and a subscribe
box or a paid part missing from the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml.cssselect import CSSSelector

from archiver.models import Article, Capture

LABELS = {
    "challenge": "bot challenge",
    "login": "login wall",
    "paywall": "paywall",
    "consent": "consent interstitial",
    "not_found": "soft 404",
    "app_shell": "app shell that never rendered",
}
"""Each kind of wall and how it is named in errors and summaries."""

MAX_HTML = 3_000_000  # characters of the rendered DOM looked at (walls are small pages)
SHORT = 150  # words: a page with fewer is short (an article has more)
TEASER = 300  # words: a page with more is no paywall's teaser (unless its paid part is empty)
FEW = 60  # words: a page with fewer has hardly anything but what walls it off
BLOCKING_STATUSES = (401, 403, 429, 503)
ADVICE = ("save it from your browser with the extension, which sees what you see, or "
          "`archiver save --cookies FILE`")
"""What to do about a wall (the reader view and `archiver failures` say it)."""


@dataclass(frozen=True)
class Wall:
    """What stood in the way: `kind` (a key of LABELS) and the evidence, in words."""

    kind: str
    evidence: tuple[str, ...]

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def status(self) -> str:
        """`partial` for a paywall (its teaser is kept), `blocked` for the others."""
        return "partial" if self.kind == "paywall" else "blocked"

    @property
    def message(self) -> str:
        evidence = "; ".join(self.evidence)
        if self.kind == "paywall":
            return f"paywall ({evidence}): only the teaser was kept"
        return f"blocked: {self.label} ({evidence})"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "evidence": list(self.evidence)}


def apply(capture: Capture, wall: Wall | None) -> None:
    """Give `capture` the wall's status, error and record (nothing when `wall` is None)."""
    if wall is None:
        return
    before = capture.error if capture.status == "partial" else None
    capture.status = wall.status
    capture.error = wall.message + (f"; {before}" if before else "")
    capture.wall = wall.as_json()


# --- signals ----------------------------------------------------------------------------------

def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


# Markup only challenge and block pages carry (as served by the bot-protection services).
CHALLENGE_PAGES = {
    "Cloudflare challenge": _rx(r"/cdn-cgi/challenge-platform/", r"\bcf-chl-", r"__cf_chl_",
                                r"\bcf_chl_", r'id="challenge-(?:form|running|stage)',
                                r"cf-browser-verification", r'id="cf-error-details'),
    "PerimeterX/HUMAN press-and-hold": _rx(r"\bpx-captcha\b", r"_pxCaptcha", r"/captcha\.js\?",
                                           r"px-cloud\.net"),
    "DataDome": _rx(r"captcha-delivery\.com", r"\bdd\.js\b.*\bdatadome"),
    "Imperva/Incapsula": _rx(r"_Incapsula_Resource", r"Incapsula incident"),
    "AWS WAF challenge": _rx(r"\bawswaf", r"AwsWafIntegration", r"aws-waf-token"),
    "DDoS-Guard": _rx(r"ddos-guard\.net/", r"__ddg\d"),
    "Sucuri": _rx(r"sucuri_cloudproxy", r"cloudproxy@sucuri"),
    "Akamai block": _rx(r"errors\.edgesuite\.net"),
}
# Captcha widgets: also in comment, login and newsletter forms of real pages.
CAPTCHA_WIDGETS = {
    "Turnstile": _rx(r"challenges\.cloudflare\.com/turnstile", r'class="[^"]*\bcf-turnstile\b'),
    "hCaptcha": _rx(r"hcaptcha\.com/1/api\.js", r"js\.hcaptcha\.com", r'class="[^"]*\bh-captcha\b'),
    "reCAPTCHA": _rx(r"google\.com/recaptcha/", r"recaptcha\.net/recaptcha",
                     r'class="[^"]*\bg-recaptcha\b'),
}
CHALLENGE_TITLE = _rx(
    r"just a moment", r"attention required", r"security check", r"are you a (?:robot|human)",
    r"human verification", r"verify you are (?:a )?human", r"pardon our interruption",
    r"access denied", r"bot (?:check|verification|detection)", r"checking your browser",
    r"one more step", r"captcha", r"einen moment", r"un instant", r"un momento",
    r"even geduld", r"um momento", r"sicherheitsüberprüfung", r"vérification de sécurité",
)
CHALLENGE_WORDS = _rx(
    r"checking if the site connection is secure", r"checking your browser",
    r"verify (?:that )?you are (?:a )?human", r"verify you(?:'| a)re (?:a )?human",
    r"(?:i'?m|i am|you are|you're) not a robot", r"press (?:&|and) hold",
    r"enable javascript and cookies to continue",
    r"needs to review the security of your connection", r"unusual traffic",
    r"prove you(?:'re| are) (?:a )?human", r"complete the security check",
    # de, fr, es, it, nl, pt
    r"überprüfen(?:, ob| dass) sie ein mensch sind", r"bestätigen sie, dass sie ein mensch sind",
    r"kein roboter", r"verbindung (?:der website )?(?:ist )?sicher", r"drücken und halten",
    r"vérifi\w* que vous (?:êtes|etes) (?:un )?humain", r"pas un robot",
    r"appuyez et maintenez", r"vérification de la sécurité de votre connexion",
    r"verifica(?:r|mos)? que (?:eres|es) (?:un )?humano", r"no soy un robot",
    r"comprobando si la conexión", r"mantén pulsado",
    r"verifica (?:di|che) (?:essere|sei) (?:un )?umano", r"non sono un robot",
    r"tieni premuto",
    r"controleren of (?:u|je) een mens bent", r"bevestig dat (?:u|je) een mens bent",
    r"geen robot", r"ingedrukt houden",
    r"verifi\w* (?:se|que) (?:você|voce) (?:é|e) (?:um )?humano", r"não sou um robô",
    r"confirme que (?:você|voce) (?:é|e) humano", r"pressione e segure",
)

LOGIN_PATH = _rx(
    r"(?:^|/)(?:log-?in|log_in|sign-?in|sign_in|signon|sso|auth|authenticate|authorize|oauth2?"
    r"|session/new|sessions/new|wp-login\.php|anmelden|einloggen|connexion|se-connecter"
    r"|identification|iniciar-sesion|acceso|accedi|inloggen|aanmelden|entrar)(?:[/.?_-]|$)")
LOGIN_HOST = _rx(r"^(?:login|signin|sso|auth|accounts?|id|idp)\.")
CONSENT_URL = _rx(r"consent", r"cookie-?wall", r"privacy-?gate", r"\bcmp\.", r"^guce\.",
                  r"/gdpr(?:[/.?]|$)", r"cookie-?(?:notice|policy-gate|choice)")
CONSENT_MARKUP = _rx(r"onetrust", r"didomi", r"cookiebot", r"usercentrics", r"cmpbox",
                     r"qc-cmp", r"sp_message", r"sp-message", r"truste", r"consent",
                     r"cookie-?(?:banner|notice|wall|law|bar|popup|modal|layer|dialog)",
                     r"\bgdpr", r"\bcmp-", r"privacy-?(?:banner|wall|gate)")
CONSENT_WORDS = _rx(
    r"accept all", r"accept cookies", r"we use cookies", r"reject all", r"manage (?:cookie )?"
    r"(?:preferences|options|settings)", r"before you continue", r"cookie settings",
    r"your privacy choices", r"we value your privacy",
    r"alle akzeptieren", r"wir verwenden cookies", r"wir nutzen cookies", r"zustimmen",
    r"alle ablehnen", r"tout accepter", r"nous utilisons des cookies", r"tout refuser",
    r"aceptar todo", r"aceptar cookies", r"utilizamos cookies", r"usamos cookies",
    r"rechazar todo", r"accetta tutto", r"accetta tutti", r"utilizziamo (?:i )?cookie",
    r"rifiuta tutto", r"alles accepteren", r"alle cookies accepteren",
    r"wij gebruiken cookies", r"we gebruiken cookies", r"aceitar tudo", r"aceitar todos",
    r"utilizamos cookies", r"rejeitar tudo",
)
NOT_FOUND_WORDS = _rx(
    r"\b404\b", r"not found", r"(?:does not|doesn't|no longer) exists?",
    r"no longer available", r"nicht gefunden", r"existiert nicht", r"introuvable",
    r"non trouvée", r"n'existe pas", r"no encontrada", r"no se encontró", r"no existe",
    r"non trovata", r"non esiste", r"niet gevonden", r"bestaat niet", r"não encontrada",
    r"não existe", r"nicht mehr verfügbar",
)
NOT_FOUND_PATH = _rx(r"(?:^|/)(?:404|not-?found|page-?not-?found|error-?404|fehler-?404|"
                     r"seite-nicht-gefunden)(?:\.\w+)?/?$")
PAYWALL_MARKUP = _rx(r"pay-?wall", r"reg-?wall", r"meter(?:ed)?-?wall", r"\btp-modal\b",
                     r"\btp-container", r"piano-(?:offer|inline|paywall)", r"premium-?wall",
                     r"subscriber-?wall", r"article-?locked", r"locked-?content")
PAYWALL_WORDS = _rx(
    r"subscribe (?:now )?to (?:continue|read|keep reading|unlock)", r"subscribers? only",
    r"for subscribers", r"to continue reading", r"already a subscriber",
    r"become a subscriber", r"unlock (?:this|the full) (?:article|story)",
    r"start your subscription", r"continue reading with", r"this (?:article|story) is for",
    r"weiterlesen mit", r"jetzt abonnieren", r"für abonnenten", r"(?:schon|bereits) abonnent",
    r"abo abschließen", r"um weiterzulesen",
    r"réservé aux abonnés", r"abonnez-vous", r"déjà abonné", r"pour lire la suite",
    r"exclusivo para suscriptores", r"suscríbete", r"ya eres suscriptor", r"sigue leyendo",
    r"riservato agli abbonati", r"abbonati", r"sei già abbonato", r"continua a leggere",
    r"alleen voor abonnees", r"word abonnee", r"al abonnee", r"lees verder met",
    r"exclusivo para assinantes", r"assine", r"já é assinante", r"continue lendo",
)
PAYWALL_HINTS = ("wall", "tp-", "piano-", "locked")  # in the lower-cased HTML: cheap
JSON_LD_NOT_FREE = re.compile(
    r'"isAccessibleForFree"\s*:\s*(?:false|"false"|"False"|"no")', re.IGNORECASE)
JSON_LD_SELECTOR = re.compile(r'"cssSelector"\s*:\s*"([^"\\]{1,200})"')
APP_ROOTS = ("root", "app", "__next", "__nuxt", "svelte", "main-app", "react-root", "app-root")
MEDIA_TAGS = ("img", "picture", "video", "audio", "canvas", "svg", "iframe", "object", "embed")
DROPPED_TAGS = ("script", "style", "noscript", "template")


def _words(text: str) -> int:
    """Words of a text; a text without spaces (Chinese, Japanese) a word per few characters."""
    parts = text.split()
    return max(len(parts), (len(text) - len(parts)) // 7)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_comments=True)
_BYTES_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_comments=True,
                                 encoding="utf-8")
_JSON_LD = etree.XPath("//script[translate(normalize-space(@type), 'LDJSON', 'ldjson')"
                       "='application/ld+json']/text()", smart_strings=False)
_SCRIPTS = etree.XPath("count(//script[not(@type) or normalize-space(@type)='' or "
                       "@type='module' or contains(@type, 'javascript') or @src])")
_PASSWORDS = etree.XPath("//input[translate(normalize-space(@type), 'PASWORD', 'pasword')"
                         "='password']")
_MEDIA = etree.XPath("count(" + "|".join(f"//{t}" for t in MEDIA_TAGS) + ")")
_ROOT = etree.XPath("//*[@id=$name]")
_IDS = etree.XPath("//body//@id", smart_strings=False)
_CLASSES = etree.XPath("//body//@class", smart_strings=False)
_NAMED = etree.XPath("//body//*[@id or @class]")
_TITLE = etree.XPath("string(//title)")
_H1 = etree.XPath("//h1")


def _visible_text(element: Any) -> str:
    """The text of an element (scripts, styles, noscript and templates were taken out)."""
    return " ".join(etree.tostring(element, method="text", encoding="unicode",
                                   with_tail=False).split())


class _Page:
    """What detection looks at in a rendered DOM, read once (by XPath: fast on big pages)."""

    def __init__(self, html: str) -> None:
        self.html = html[:MAX_HTML]
        self.doc = _parse(self.html)
        self.text = ""
        self.words = 0
        if self.doc is None:
            return
        doc = self.doc
        self.title = _short(str(_TITLE(doc)), 80)
        self.json_ld = "\n".join(_JSON_LD(doc))
        self.scripts = int(_SCRIPTS(doc))
        self.password_forms: list[Any] = []
        for field in _PASSWORDS(doc):
            form = next(field.iterancestors("form"), None)
            holder = form if form is not None else field.getparent()
            if holder is not None and holder not in self.password_forms:
                self.password_forms.append(holder)
        etree.strip_elements(doc, *DROPPED_TAGS, with_tail=False)
        body = doc.find("body")
        self.text = _visible_text(body if body is not None else doc)
        self.words = _words(self.text)

    # Read only when a check needs them (most pages are long articles that need none).

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def media(self) -> int:
        """Images, videos, canvases, frames ... on the page."""
        return int(_MEDIA(self.doc))

    @cached_property
    def names(self) -> str:
        """Every id and class of the page's body, for markup patterns."""
        return " ".join([*_IDS(self.doc), *_CLASSES(self.doc)])

    @property
    def empty_root(self) -> str | None:
        """The app's mount point (#root, #app ...), when it is there and empty."""
        for name in APP_ROOTS:
            for root in _ROOT(self.doc, name=name):
                if len(root) == 0 and not (root.text or "").strip():
                    return f"#{name}"
        return None

    @property
    def headings(self) -> list[str]:
        return [_short(_visible_text(h), 80) for h in _H1(self.doc)][:3]

    def words_outside(self, elements: list[Any]) -> int:
        inside = sum(_words(_visible_text(e)) for e in elements)
        return max(0, self.words - inside)

    def consent_boxes(self) -> list[Any]:
        """The outermost elements whose id or class names a consent prompt."""
        boxes: list[Any] = []
        for element in _NAMED(self.doc):
            names = f"{element.get('id') or ''} {element.get('class') or ''}"
            if CONSENT_MARKUP.search(names) and \
                    not any(box in element.iterancestors() for box in boxes):
                boxes.append(element)
        return boxes

    def selector_words(self, selector: str) -> int | None:
        """Words in what a CSS selector of the page's JSON-LD matches (None: it matches
        nothing, or is no selector: sites' selectors often name no element of the page)."""
        try:
            found = CSSSelector(selector, translator="html")(self.doc)
        except Exception:  # noqa: BLE001 - a page's own selector may be anything
            return None
        return sum(_words(_visible_text(e)) for e in found) if found else None

    def markup_has(self, pattern: re.Pattern[str]) -> list[str]:
        """Ids and classes of the page matching `pattern` (a few)."""
        found: list[str] = []
        for match in pattern.finditer(self.names):
            start = self.names.rfind(" ", 0, match.start()) + 1
            end = self.names.find(" ", match.end())
            token = self.names[start:end if end >= 0 else len(self.names)]
            if token not in found:
                found.append(token)
            if len(found) == 3:
                break
        return found


def _parse(html: str) -> Any:
    try:
        return etree.fromstring(html, _PARSER)
    except ValueError:  # a str with an XML encoding declaration
        try:
            return etree.fromstring(html.encode("utf-8", errors="replace"), _BYTES_PARSER)
        except (ValueError, etree.LxmlError):
            return None
    except etree.LxmlError:
        return None


def _where(url: str) -> str:
    """A URL as evidence: its path (and host when it is another), never its query."""
    parts = urlsplit(url)
    return _short((parts.hostname or "") + (parts.path or "/"), 80)


def _redirected(capture: Capture) -> bool:
    if not capture.final_url:
        return False
    a, b = urlsplit(capture.url), urlsplit(capture.final_url)
    return (a.hostname, a.path.rstrip("/")) != (b.hostname, b.path.rstrip("/"))


def _is_login_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(LOGIN_PATH.search(parts.path or "") or LOGIN_HOST.search(parts.hostname or ""))


def _status_evidence(status: int) -> list[str]:
    return [f"HTTP {status}"] if status and status != 200 else []


# --- the kinds --------------------------------------------------------------------------------

def detect(capture: Capture, article: Article | None = None, *,
           rendered: bool = True) -> Wall | None:
    """The wall standing in for the page asked for, or None when the page is what it seems.
    `rendered`: the capture's HTML is the DOM after its scripts ran (a capture's snapshot);
    False for HTML as served (a WACZ/WARC import), which may be an app shell its scripts
    would have filled."""
    if not capture.is_html or not capture.html:
        return None
    status = capture.http_status or 0
    if status >= 400 and status not in BLOCKING_STATUSES:
        return None  # an error page is a failure of its own (404, 500 ...)
    if status and not 200 <= status < 300 and status not in BLOCKING_STATUSES:
        return None
    page = _Page(capture.html)
    if page.doc is None:
        return None
    checks = (_challenge, _login, _consent, _not_found, _app_shell, _paywall)
    for check in checks if rendered else [c for c in checks if c is not _app_shell]:
        wall = check(capture, page, status, article)
        if wall is not None:
            return wall
    return None


def _challenge(capture: Capture, page: _Page, status: int, article: Article | None) -> Wall | None:
    blocking = status in BLOCKING_STATUSES
    if not blocking and page.words >= SHORT:
        return None  # a page with an article's worth of text, answered as usual
    pages = [name for name, rx in CHALLENGE_PAGES.items() if rx.search(page.html)]
    widgets = [name for name, rx in CAPTCHA_WIDGETS.items() if rx.search(page.html)] \
        if page.words < 100 else []
    title = CHALLENGE_TITLE.search(page.title)
    words = CHALLENGE_WORDS.search(page.lower) if page.words < SHORT else None
    evidence = _status_evidence(status)
    if title:
        evidence.append(f'title "{page.title}"')
    if words:
        evidence.append(f'"{_short(words.group(0))}"')
    if pages and (blocking or page.words < SHORT):
        evidence += [f"{name} markup" for name in pages]
    elif widgets and not page.password_forms and (blocking or title or words):
        evidence += [f"a {name} widget" for name in widgets]
    elif not ((title and page.words < FEW) or (words and page.words < FEW and blocking)
              or (words and page.words < 40)):
        return None
    evidence.append(f"{page.words} words")
    return Wall("challenge", tuple(evidence))


def _login(capture: Capture, page: _Page, status: int, article: Article | None) -> Wall | None:
    evidence = _status_evidence(status)
    redirected = _redirected(capture) and _is_login_url(capture.final_url or "") \
        and not _is_login_url(capture.url)
    form = "a password form" if page.password_forms else None
    if status == 401:
        evidence += [form] if form else []
    elif redirected and (form or page.words < SHORT * 2):
        evidence.append(f"redirected to {_where(capture.final_url or '')}")
        evidence += [form] if form else [f"{page.words} words"]
    elif form and page.words_outside(page.password_forms) < FEW and not _is_login_url(capture.url):
        besides = page.words_outside(page.password_forms)
        evidence.append(f"{form} and {besides} words besides")
    else:
        return None
    return Wall("login", tuple(evidence))


def _consent(capture: Capture, page: _Page, status: int, article: Article | None) -> Wall | None:
    if status >= 400:
        return None
    final = capture.final_url or ""
    parts = urlsplit(final)
    redirected = _redirected(capture) and not CONSENT_URL.search(urlsplit(capture.url).path) \
        and CONSENT_URL.search((parts.hostname or "") + (parts.path or ""))
    if not redirected and page.words >= 400:
        return None
    words = CONSENT_WORDS.search(page.lower[:20_000])
    said = [f'"{_short(words.group(0))}"'] if words else []
    action = capture.consent.action if capture.consent else ""
    handled = f"a consent prompt ({action} by the archiver)" \
        if action in ("hidden", "opted out") else None
    if redirected:
        return Wall("consent", (f"redirected to {_where(final)}", *said,
                                *([handled] if handled else [])))
    if handled and page.words < 40:  # the prompt was all there was
        return Wall("consent", (f"{handled} and {page.words} words besides", *said))
    if not words:
        return None
    boxes = page.consent_boxes()
    besides = page.words_outside(boxes)
    if boxes and besides < 30:
        where = page.markup_has(CONSENT_MARKUP)[:1]
        named = f" ({where[0]})" if where else ""
        return Wall("consent", (f"a full-page consent prompt{named} and {besides} words besides",
                                *said))
    if not boxes and page.words < 40:
        return Wall("consent", (f"a consent prompt and {page.words} words in all", *said))
    return None


def _not_found(capture: Capture, page: _Page, status: int, article: Article | None) -> Wall | None:
    if not 200 <= status < 300:
        return None
    evidence = [f"HTTP {status}"]
    final = capture.final_url or capture.url
    if _redirected(capture) and NOT_FOUND_PATH.search(urlsplit(final).path or "") \
            and page.words < SHORT * 2:
        evidence.append(f"redirected to {_where(final)}")
    elif page.words < SHORT:
        said = [f'title "{page.title}"'] if NOT_FOUND_WORDS.search(page.title) else []
        said += [f'heading "{h}"' for h in page.headings if NOT_FOUND_WORDS.search(h)][:1]
        if not said:
            return None
        evidence += said
    else:
        return None
    evidence.append(f"{page.words} words")
    return Wall("not_found", tuple(evidence))


def _app_shell(capture: Capture, page: _Page, status: int, article: Article | None) -> Wall | None:
    if not 200 <= status < 300 or page.words >= 5 or not page.scripts:
        return None
    root = page.empty_root
    if root is None and (page.media or any(f.html.strip() for f in capture.frames)):
        return None
    evidence = [f"{page.words} words after its {page.scripts} script(s) ran"]
    if root:
        evidence.append(f"an empty {root}")
    return Wall("app_shell", tuple(evidence))


def _paywall(capture: Capture, page: _Page, status: int, article: Article | None) -> Wall | None:
    if not 200 <= status < 300:
        return None
    not_free = JSON_LD_NOT_FREE.search(page.json_ld)
    lowered = page.html.lower()
    hinted = not_free or any(hint in lowered for hint in PAYWALL_HINTS)
    boxes = page.markup_has(PAYWALL_MARKUP) if hinted else []
    if not (not_free or boxes):
        return None
    kept = article.word_count if article and article.word_count else page.words
    words = PAYWALL_WORDS.search(page.lower)
    said = f'a "{_short(words.group(0))}" box' if words else None
    evidence: list[str] = []
    if not_free:
        evidence.append("JSON-LD isAccessibleForFree: false")
        selectors = JSON_LD_SELECTOR.findall(page.json_ld)
        paid = [n for n in map(page.selector_words, selectors) if n is not None]
        if paid and max(paid) >= 100:
            return None  # the paid part is on the page: a subscriber's capture
        if paid:
            evidence.append(f"its paid part has {max(paid)} words")
        elif not (boxes or said) or kept >= TEASER:
            return None  # nothing says the text was cut off
    elif not (boxes and said) or kept >= TEASER:
        return None
    evidence += [f"paywall markup ({boxes[0]})"] if boxes else []
    evidence += [said] if said else []
    evidence.append(f"{kept} words kept")
    return Wall("paywall", tuple(evidence))
