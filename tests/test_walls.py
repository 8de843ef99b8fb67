"""Walls (issue #28): a capture that got a bot challenge, a login form, a paywall's teaser, a
consent page, a soft 404 or an empty app shell says so (status `blocked`, or `partial` for the
teaser, with the evidence), while look-alike articles stay `ok`; and `--cookies FILE` captures
as the logged-in user without the cookies' values reaching the archive or its exports."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import zipfile
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import FixtureServer, Reply
from helpers import records as rows

from archiver import cookies, walls
from archiver.cli import cli
from archiver.extract import extract
from archiver.models import Capture, Resource

FAST = ["--timeout", "10", "--request-timeout", "3", "--page-deadline", "40", "--no-screenshot"]
CASES = Path(__file__).parent / "extract_cases"
SECRET = "s3ss10n-7f2c9a41e8b0d6"  # the session cookie's value: must never be stored


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


# --- realistic pages -------------------------------------------------------------------------

PROSE = [
    "The harbour town woke slowly that spring, as it always had, with the ferry's horn at six "
    "and the bakery's shutters rattling up a few minutes later. Fishermen who had sailed before "
    "dawn came back with thin catches and long faces, and the talk on the quay was of quotas, "
    "diesel prices and the council's plan to turn the old net lofts into holiday flats.",
    "Maria Lindqvist has run the chandlery on the corner for thirty-one years. She remembers "
    "when the quay was stacked with crates of herring and the smell of tar hung over "
    "everything. Now, she says, most of her customers are weekend sailors who want brass "
    "fittings for boats they use twice a summer, and she stocks more sunscreen than rope.",
    "The council's housing report, published in March, found that almost a third of the homes "
    "within walking distance of the harbour are now second homes or short-term lets. Rents for "
    "the rest have risen by forty per cent in five years, and the primary school has lost two "
    "of its seven classes as young families moved inland to cheaper villages.",
    "Not everyone sees decline. The new seafood restaurant in the former customs house employs "
    "twenty people year round, and its owner argues that tourism is what keeps the ferry "
    "running in winter. Without visitors, he says, the crossing would have been cut to three "
    "days a week long ago, and the island beyond would be emptier still.",
    "At the harbour master's office, the logbooks tell their own story. Commercial landings "
    "have fallen every year for a decade, while the number of visiting yachts has doubled. The "
    "pontoons built for them in 2019 are full from June to September, and the waiting list "
    "for a permanent berth is now longer than the list for council housing.",
    "What the town will look like in another ten years depends, most people agree, on "
    "decisions that will be made this autumn: whether the net lofts are sold, whether the "
    "council caps holiday lets, and whether the fish auction, which has run every weekday "
    "morning since 1898, survives the loss of its last two trawlers.",
]


def page(title: str, body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}"
            f"</title>{head}</head><body>{body}</body></html>")


def site_chrome(main: str) -> str:
    return ("<header><a href=\"/\">The Coastal Courier</a><nav><a href=\"/news\">News</a> "
            "<a href=\"/sport\">Sport</a> <a href=\"/signin\">Sign in</a></nav></header>"
            f"<main>{main}</main><footer><p>© The Coastal Courier. <a href=\"/privacy\">"
            "Privacy</a> · <a href=\"/terms\">Terms</a></p></footer>")


def article(title: str, paragraphs: list[str], extra: str = "", head: str = "") -> str:
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return page(title, site_chrome(f"<article><h1>{title}</h1><p class=\"byline\">By Jonas "
                                   f"Berg</p>{text}{extra}</article>"), head)


CHALLENGE = page(
    "Just a moment...",
    "<div class=\"main-wrapper\" role=\"main\"><div class=\"main-content\">"
    "<h1 class=\"zone-name-title h1\">courier.example</h1>"
    "<h2 class=\"h2\" id=\"challenge-running\">Checking if the site connection is secure</h2>"
    "<div id=\"challenge-stage\" style=\"display: none;\"></div>"
    "<div id=\"challenge-body-text\" class=\"core-msg spacer\">courier.example needs to review "
    "the security of your connection before proceeding.</div>"
    "<noscript><div id=\"challenge-error-title\"><p>Enable JavaScript and cookies to continue"
    "</p></div></noscript></div></div>"
    "<script>(function(){window._cf_chl_opt={cvId: '3', cZone: 'courier.example', "
    "cType: 'managed', cRay: '8a1b2c3d4e5f6071'};var a = document.createElement('script');"
    "a.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1b2c3d4e5f6071';"
    "document.getElementsByTagName('head')[0].appendChild(a);}());</script>",
    "<meta name=\"robots\" content=\"noindex,nofollow\">"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
)
CAPTCHA_ARTICLE = article(
    "Why the web keeps asking if you are human",
    ["Every day millions of people are asked to verify you are human: to tick a box, pick the "
     "squares with traffic lights, or wait on a page that says Just a moment while it checks "
     "if the site connection is secure. reCAPTCHA, hCaptcha and Cloudflare's Turnstile now "
     "sit in front of a large share of the web's login and comment forms.", *PROSE],
    extra="<form class=\"comments\"><textarea name=\"c\"></textarea>"
          "<div class=\"g-recaptcha\" data-sitekey=\"x\"></div><button>Post</button></form>",
)
LOGIN = page(
    "Sign in – The Coastal Courier",
    "<div class=\"login\"><img src=\"/logo.svg\" alt=\"The Coastal Courier\"><h1>Sign in</h1>"
    "<form method=\"post\" action=\"/session\"><label>Email <input type=\"email\" name=\"email\">"
    "</label><label>Password <input type=\"password\" name=\"password\"></label>"
    "<label><input type=\"checkbox\" name=\"remember\"> Keep me signed in</label>"
    "<button type=\"submit\">Sign in</button></form><p><a href=\"/reset\">Forgot your "
    "password?</a> · <a href=\"/register\">Create an account</a></p></div>",
)
NEWSLETTER_ARTICLE = article(
    "The last trawlers of the north harbour", PROSE,
    extra="<aside class=\"newsletter\"><h2>Get the morning briefing</h2><form>"
          "<input type=\"email\" name=\"email\" placeholder=\"you@example.org\">"
          "<button>Sign up</button></form><p>Already have an account? <a href=\"/signin\">"
          "Sign in</a></p></aside>",
)
PAYWALL_LD = json.dumps({
    "@context": "https://schema.org", "@type": "NewsArticle",
    "headline": "Inside the council's secret housing deal", "isAccessibleForFree": False,
    "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": False,
                "cssSelector": ".article-paid"}})
PAYWALLED = article(
    "Inside the council's secret housing deal", PROSE[:2],
    extra="<div class=\"article-paid\"></div><div class=\"paywall-offer\"><h2>Subscribe to "
          "continue reading</h2><p>Get unlimited access to The Coastal Courier for €1 a week."
          "</p><a class=\"button\" href=\"/subscribe\">Subscribe</a><p>Already a subscriber? "
          "<a href=\"/signin\">Sign in</a></p></div>",
    head=f"<script type=\"application/ld+json\">{PAYWALL_LD}</script>",
)
PROMO_ARTICLE = article(
    "A summer on the ferry to the outer islands", PROSE + PROSE[:2],
    extra="<aside class=\"subscribe-promo\"><h2>Subscribe to The Coastal Courier</h2><p>"
          "Become a subscriber and support local journalism.</p><a href=\"/subscribe\">"
          "Subscribe now</a></aside>",
    head="<script type=\"application/ld+json\">{\"@context\": \"https://schema.org\", "
         "\"@type\": \"NewsArticle\", \"headline\": \"A summer on the ferry\", "
         "\"isAccessibleForFree\": true}</script>",
)
CONSENT_PAGE = page(
    "Before you continue",
    "<div class=\"consent-page\"><h1>Before you continue to The Coastal Courier</h1><p>We use "
    "cookies and data to deliver and maintain our services, measure audience engagement and "
    "show personalised ads.</p><form method=\"post\" action=\"/consent/save\">"
    "<button name=\"set\" value=\"reject\">Reject all</button> <button name=\"set\" "
    "value=\"accept\">Accept all</button></form><a href=\"/consent/options\">More options</a>"
    "</div>",
)
COOKIE_ARTICLE = article(
    "What the cookie banners really ask you to consent to",
    ["Every European reader knows the ritual: a box slides up, says we use cookies, and "
     "offers a large button to Accept all and a small link to manage preferences. Consent "
     "platforms such as OneTrust and Didomi record what you chose; regulators say that "
     "rejecting must be as easy as accepting.", *PROSE],
)
SOFT_404 = page(
    "Page not found – The Coastal Courier",
    site_chrome("<h1>Page not found</h1><p>Sorry, the page you were looking for doesn't "
                "exist or has been moved.</p><p><a href=\"/\">Go to the front page</a></p>"),
)
HISTORY_404 = article(
    "Page not found: the history of 404",
    ["The number 404 is probably the best-known error in computing. Page not found pages "
     "became a small art form in the 2000s, and the legend that the code was named after a "
     "room at CERN is still repeated, though it is not true.", *PROSE],
)
APP_SHELL = page("Courier App", "<div id=\"root\"></div><script src=\"/walls/app.js\"></script>")
APP_JS = b"fetch('/walls/api/feed').then(r => r.json()).catch(() => null);"
RENDERED_APP = page(
    "Courier App",
    "<div id=\"root\"></div><script>const root = document.getElementById('root');"
    f"for (const text of {json.dumps(PROSE[:3])}) {{ const p = document.createElement('p');"
    "p.textContent = text; root.appendChild(p); }</script>",
)


def redirect(location: str) -> Reply:
    return Reply(status=302, headers={"Location": location})


@pytest.fixture(scope="module")
def wall_pages(server: FixtureServer) -> dict[str, str]:
    """Each wall and its look-alike, served by the fixture server. Returns name -> URL."""
    add = server.add_page
    server.add("/walls/account/saved", redirect("/walls/login?next=%2Fwalls%2Faccount%2Fsaved"))
    server.add("/walls/story", redirect("/walls/consent?continue=%2Fwalls%2Fstory"))
    server.add("/walls/app.js", Reply(body=APP_JS, content_type="application/javascript"))
    return {
        "challenge 403": add("/walls/challenge-403", CHALLENGE, status=403,
                             headers={"cf-mitigated": "challenge"}),
        "challenge 503": add("/walls/challenge-503", CHALLENGE, status=503),
        "captcha article": add("/walls/captcha-article", CAPTCHA_ARTICLE),
        "login": server.url("/walls/account/saved"),
        "login page": add("/walls/login", LOGIN),
        "newsletter article": add("/walls/newsletter-article", NEWSLETTER_ARTICLE),
        "paywall": add("/walls/paywalled", PAYWALLED),
        "promo article": add("/walls/promo-article", PROMO_ARTICLE),
        "consent": server.url("/walls/story"),
        "consent page": add("/walls/consent", CONSENT_PAGE),
        "cookie article": add("/walls/cookie-article", COOKIE_ARTICLE),
        "soft 404": add("/walls/2024/05/removed-story", SOFT_404),
        "404 article": add("/walls/history-of-404", HISTORY_404),
        "app shell": add("/walls/app", APP_SHELL),
        "rendered app": add("/walls/app-rendered", RENDERED_APP),
    }


@pytest.fixture(scope="module")
def saved(wall_pages: dict[str, str], tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[Path, Result, dict[str, dict[str, Any]]]:
    """Every wall page and look-alike, captured at once in real Chromium."""
    db_path = tmp_path_factory.mktemp("walls") / "archive.db"
    urls = [url for name, url in wall_pages.items() if name not in ("login page", "consent page")]
    result = run("save", *urls, "--db", str(db_path), "--concurrency", "4", *FAST)
    by_url = {r["url"]: r for r in rows(db_path, "select * from captures")}
    return db_path, result, {name: by_url[url] for name, url in wall_pages.items()
                             if url in by_url}


# --- each wall in real Chromium, each look-alike stays ok --------------------------------------

@pytest.mark.parametrize(("name", "kind", "says"), [
    ("challenge 403", "challenge", ["HTTP 403", 'title "Just a moment..."',
                                    "Cloudflare challenge markup"]),
    ("challenge 503", "challenge", ["HTTP 503", "Cloudflare challenge markup"]),
    ("login", "login", ["redirected to 127.0.0.1/walls/login", "a password form"]),
    ("consent", "consent", ["redirected to 127.0.0.1/walls/consent"]),
    ("soft 404", "not_found", ["HTTP 200", 'title "Page not found – The Coastal Courier"']),
    ("app shell", "app_shell", ["0 words after its 1 script(s) ran", "an empty #root"]),
])
def test_a_wall_is_blocked_with_its_evidence(
        saved: tuple[Path, Result, dict[str, dict[str, Any]]], name: str, kind: str,
        says: list[str]) -> None:
    _, _, captures = saved
    row = captures[name]
    wall = json.loads(row["wall"])
    assert row["status"] == "blocked", row["error"]
    assert wall["kind"] == kind
    assert row["error"].startswith(f"blocked: {walls.LABELS[kind]} (")
    for evidence in says:
        assert evidence in wall["evidence"], wall
        assert evidence in row["error"]


def test_a_paywalled_article_keeps_its_teaser_as_partial(
        saved: tuple[Path, Result, dict[str, dict[str, Any]]]) -> None:
    db_path, _, captures = saved
    row = captures["paywall"]
    assert row["status"] == "partial"
    assert row["error"].startswith("paywall (JSON-LD isAccessibleForFree: false; ")
    assert "only the teaser was kept" in row["error"]
    assert json.loads(row["wall"])["kind"] == "paywall"
    assert "Maria Lindqvist" in row["text"]  # the teaser is kept and searchable
    [page] = rows(db_path, "select good_capture_id from pages where id = ?", row["page_id"])
    assert page["good_capture_id"] == row["id"]  # a teaser is a version worth showing


@pytest.mark.parametrize("name", ["captcha article", "newsletter article", "promo article",
                                  "cookie article", "404 article", "rendered app"])
def test_a_look_alike_stays_ok(saved: tuple[Path, Result, dict[str, dict[str, Any]]],
                               name: str) -> None:
    row = saved[2][name]
    assert row["status"] == "ok", row["error"]
    assert row["wall"] is None and row["error"] is None


def test_blocked_pages_have_no_good_version_and_count_as_failed(
        saved: tuple[Path, Result, dict[str, dict[str, Any]]]) -> None:
    db_path, result, captures = saved
    blocked = {c["page_id"] for c in captures.values() if c["status"] == "blocked"}
    assert len(blocked) == 6
    pages = rows(db_path, "select id, good_capture_id from pages")
    assert {p["id"] for p in pages if p["good_capture_id"] is None} == blocked
    assert result.exit_code == 1  # like a failure
    assert "Done: 7 saved (1 partial), 0 skipped as already archived, 0 failed, " \
           "6 blocked by a wall." in result.stderr
    for line in ("2  bot challenge", "1  login wall", "1  paywall", "1  consent interstitial",
                 "1  soft 404", "1  app shell that never rendered"):
        assert line in result.stderr
    assert "archiver save --cookies FILE" in result.stderr
    for name, url in ((n, c["url"]) for n, c in captures.items() if c["status"] == "blocked"):
        assert f"blocked\t{url}" in result.stdout, name


def test_failures_lists_walls_by_kind_and_retry_tries_them_again(
        saved: tuple[Path, Result, dict[str, dict[str, Any]]], server: FixtureServer,
        tmp_path: Path) -> None:
    db_path, _, captures = saved
    copy = tmp_path / "archive.db"
    sqlite3.connect(db_path).execute(f"VACUUM INTO '{copy}'")
    listed = run("failures", "--db", str(copy))
    lines = listed.stdout.splitlines()
    assert len(lines) == 6
    assert all("blocked: bot challenge" in line for line in lines[:2])  # grouped by kind
    assert "blocked: app shell that never rendered" in lines[-1]
    assert "Walls: 2 bot challenge, 1 login wall, 1 consent interstitial, 1 soft 404, " \
           "1 app shell that never rendered." in listed.stderr
    assert "--cookies FILE" in listed.stderr
    as_json = [json.loads(line) for line in run("failures", "--db", str(copy), "--json").stdout
               .splitlines()]
    assert {r["wall"] for r in as_json} == {"challenge", "login", "consent", "not_found",
                                            "app_shell"}

    server.add_page("/walls/2024/05/removed-story", HISTORY_404)  # the site fixed it
    retried = run("retry", "--db", str(copy), *FAST)
    assert "1 saved" in retried.stderr and "5 blocked by a wall" in retried.stderr
    assert len(run("failures", "--db", str(copy)).stdout.splitlines()) == 5
    server.add_page("/walls/2024/05/removed-story", SOFT_404)


# --- detection without a browser ---------------------------------------------------------------

def captured(html: str, url: str = "https://courier.example/news/harbour", *,
             final_url: str | None = None, status: int = 200) -> Capture:
    return Capture(url=url, final_url=final_url or url, http_status=status,
                   content_type="text/html; charset=utf-8", html=html)


def detect(capture: Capture) -> walls.Wall | None:
    try:
        found = extract(capture.html or "", url=capture.final_url)
    except Exception:  # noqa: BLE001 - a wall often has no article
        found = None
    return walls.detect(capture, found)


@pytest.mark.parametrize("html", [
    # PerimeterX/HUMAN
    page("Access to this page has been denied",
         "<div id=\"px-captcha\"></div><p>Press &amp; Hold to confirm you are a human (and "
         "not a bot).</p><script src=\"/abc/captcha.js?a=c&amp;u=1\"></script>"),
    # DataDome
    page("courier.example", "<script src=\"https://ct.captcha-delivery.com/c.js\"></script>"
         "<iframe src=\"https://geo.captcha-delivery.com/captcha/?initialCid=x\"></iframe>"),
    # words only, in German
    page("Einen Moment bitte …", "<p>Bitte bestätigen Sie, dass Sie ein Mensch sind.</p>"),
    # an hCaptcha and little else
    page("Security check", "<h1>One more step</h1><p>Please complete the security check to "
         "access courier.example</p><div class=\"h-captcha\" data-sitekey=\"k\"></div>"
         "<script src=\"https://js.hcaptcha.com/1/api.js\"></script>"),
])
def test_challenge_pages_of_other_vendors_and_languages(html: str) -> None:
    wall = detect(captured(html, status=200))
    assert wall is not None and wall.kind == "challenge", wall


def test_a_login_form_served_in_place_of_the_page_is_a_login_wall() -> None:
    wall = detect(captured(LOGIN, "https://courier.example/account/saved"))
    assert wall is not None and wall.kind == "login"
    assert "a password form and" in wall.message
    assert detect(captured(LOGIN, "https://courier.example/login")) is None  # asked for it
    wall = detect(captured("<h1>Unauthorized</h1>", status=401))
    assert wall is not None and wall.message == "blocked: login wall (HTTP 401)"


def test_an_article_with_a_hidden_login_form_is_no_wall() -> None:
    modal = ("<div class=\"modal\" hidden><form><input name=\"u\"><input type=\"password\" "
             "name=\"p\"><button>Sign in</button></form></div>")
    assert detect(captured(article("Harbour", PROSE, extra=modal))) is None


def test_consent_walls_by_url_and_by_page() -> None:
    wall = detect(captured(CONSENT_PAGE, final_url="https://consent.courier.example/?c=1"))
    assert wall is not None and wall.kind == "consent"
    assert "redirected to consent.courier.example/" in wall.message
    assert "c=1" not in wall.message  # never the query (it may carry tokens)
    prompt = page("Le Courrier", "<div id=\"didomi-host\"><div class=\"didomi-popup\"><h1>"
                  "Vos choix concernant les cookies</h1><p>Nous utilisons des cookies pour "
                  "mesurer l'audience et personnaliser les contenus et les publicités.</p>"
                  "<button>Tout refuser</button><button>Tout accepter</button></div></div>")
    wall = detect(captured(prompt))
    assert wall is not None and wall.kind == "consent"
    assert "a full-page consent prompt (didomi-host) and 0 words besides" in wall.message


def test_soft_404_in_other_languages_and_by_redirect() -> None:
    for title, heading in (("Seite nicht gefunden", "Fehler 404"),
                           ("Page introuvable", "Oups !"),
                           ("Página no encontrada", "Lo sentimos"),
                           ("Pagina non trovata", "Errore"),
                           ("Pagina niet gevonden", "Sorry"),
                           ("Página não encontrada", "Erro 404")):
        wall = detect(captured(page(title, f"<h1>{heading}</h1><p><a href=\"/\">Home</a></p>")))
        assert wall is not None and wall.kind == "not_found", title
    wall = detect(captured(page("Courier", "<h1>Oops</h1>"),
                           final_url="https://courier.example/404"))
    assert wall is not None and "redirected to courier.example/404" in wall.message
    assert detect(captured(page("Not found", "<h1>Not found</h1>"), status=404)) is None


def test_a_page_without_text_is_an_app_shell_only_when_scripts_built_it() -> None:
    assert detect(captured(page("x", "<div id=\"app\"></div><script src=\"/a.js\"></script>"))
                  ).kind == "app_shell"  # type: ignore[union-attr]
    assert detect(captured(page("Photo", "<img src=\"/a.jpg\" alt=\"\"><script></script>"))) \
        is None  # an image page
    assert detect(captured(page("Empty", "<div id=\"root\"></div>"))) is None  # no script


def test_paywall_needs_more_than_a_subscribe_button() -> None:
    # a subscriber's capture: the paid part named by the JSON-LD is on the page
    full = article("Deal", PROSE[:2], extra=f"<div class=\"article-paid\">"
                   f"{''.join(f'<p>{p}</p>' for p in PROSE)}</div>",
                   head=f"<script type=\"application/ld+json\">{PAYWALL_LD}</script>")
    assert detect(captured(full)) is None
    # paywall markup and a subscribe box, no JSON-LD: a teaser
    teaser = article("Deal", PROSE[:1], extra="<div id=\"regwall\"><p>Abonnieren Sie, um "
                     "weiterzulesen. Jetzt abonnieren!</p></div>")
    wall = detect(captured(teaser))
    assert wall is not None and wall.kind == "paywall" and wall.status == "partial"
    # the same box after a whole article: no teaser
    assert detect(captured(article("Deal", PROSE * 2, extra="<div id=\"regwall\"><p>Jetzt "
                                   "abonnieren!</p></div>"))) is None


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_the_extraction_cases_are_no_walls(case: str) -> None:
    """Articles with consent prompts of every platform, newsletter boxes, comment forms."""
    html = (CASES / case / "source.html").read_text(encoding="utf-8")
    assert detect(captured(html)) is None


def test_a_wall_found_at_import_is_stored_too(db_path: Path) -> None:
    from archiver import store
    from archiver.save import extract_and_store

    db = store.open_db(db_path)
    result = extract_and_store(db, captured(LOGIN, "https://courier.example/account"), "import")
    assert result.status == "blocked" and result.wall == "login wall"
    [row] = rows(db_path, "select status, wall from captures")
    assert row["status"] == "blocked" and json.loads(row["wall"])["kind"] == "login"


# --- cookies ---------------------------------------------------------------------------------

def cookie_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "cookies.txt"
    path.write_text("# Netscape HTTP Cookie File\n# exported for the test\n\n"
                    + "\n".join(lines) + "\n")
    return path


def test_a_cookies_file_is_read_with_httponly_session_and_expired_cookies(
        tmp_path: Path) -> None:
    path = cookie_file(tmp_path, f"#HttpOnly_.courier.example\tTRUE\t/\tTRUE\t0\tsid\t{SECRET}",
                       "courier.example\tFALSE\t/news\tFALSE\t4102444800\tlang\tde",
                       "courier.example\tFALSE\t/\tFALSE\t1000\told\tgone")
    jar = cookies.load(path)
    assert [(c["name"], c["domain"], c["path"], c["httpOnly"], c["secure"], c["expires"])
            for c in jar.cookies] == [("sid", ".courier.example", "/", True, True, -1),
                                      ("lang", "courier.example", "/news", False, False,
                                       4102444800.0)]
    assert SECRET not in repr(jar) and "2 cookies" in repr(jar)


@pytest.mark.parametrize(("lines", "says"), [
    ([f"courier.example\tFALSE\t/\tFALSE\t0\tsid {SECRET}"], "line 4: 6 field(s), not 7"),
    ([f"courier.example\tTRUE\t/\tFALSE\t0\tsid\t{SECRET}"], "line 4: the second field"),
    ([f"courier.example\tFALSE\t/\tFALSE\tsoon\tsid\t{SECRET}"], "line 4: the fifth field"),
    (["", f".courier.example\tTRUE\tnews\tFALSE\t0\tsid\t{SECRET}"], "line 5: the path"),
])
def test_a_bad_cookies_file_names_the_line_not_its_secret(
        tmp_path: Path, db_path: Path, lines: list[str], says: str) -> None:
    path = cookie_file(tmp_path, *lines)
    result = run("save", "https://courier.example/", "--cookies", str(path), "--db",
                 str(db_path))
    assert result.exit_code != 0
    assert f"{path}, {says}" in result.output
    assert SECRET not in result.output
    headerless = tmp_path / "plain.txt"
    headerless.write_text(f"courier.example\tFALSE\t/\tFALSE\t0\tsid\t{SECRET}\n")
    result = run("save", "https://courier.example/", "--cookies", str(headerless))
    assert "line 1: not a Netscape cookies.txt file" in result.output
    assert SECRET not in result.output


def test_redact_takes_the_values_out_of_every_recorded_header() -> None:
    jar = cookies.Cookies("c.txt", ({"name": "sid", "value": SECRET}, {"name": "l", "value": "de"}))
    capture = Capture(url="https://a.example/", headers={
        "set-cookie": f"sid={SECRET}; Path=/", "x-echo": f"token {SECRET}",
        "content-language": "de"},
        resources=[Resource(url="https://a.example/", request_headers={
            "Cookie": f"sid={SECRET}; l=de", "referer": "https://a.example/de"},
            headers={"x-session": SECRET})])
    cookies.redact(capture, jar)
    assert capture.headers == {"set-cookie": "[redacted]", "x-echo": "token [redacted]",
                               "content-language": "de"}
    assert capture.resources[0].request_headers == {"Cookie": "[redacted]",
                                                    "referer": "https://a.example/de"}
    assert capture.resources[0].headers == {"x-session": "[redacted]"}


def members_only(server: FixtureServer) -> Callable[[BaseHTTPRequestHandler], Reply]:
    """The article for a request carrying the session cookie, else a redirect to the login."""
    other_host = f"http://localhost:{server.port}"

    def reply(handler: BaseHTTPRequestHandler) -> Reply:
        if f"session={SECRET}" not in (handler.headers.get("Cookie") or ""):
            return redirect("/members/login?next=%2Fmembers%2Fstory")
        body = article("Members only: the harbour accounts", PROSE, extra=(
            "<img src=\"/members/chart.png\" alt=\"chart\">"
            f"<img src=\"{other_host}/members/pixel.png\" alt=\"\">"))
        return Reply(body=body.encode(), headers={
            "Set-Cookie": f"session={SECRET}; Path=/; HttpOnly", "Cache-Control": "private"})

    return reply


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def members(server: FixtureServer) -> str:
    server.add("/members/story", members_only(server))
    server.add_page("/members/login", LOGIN)
    server.add("/members/chart.png", Reply(body=PNG, content_type="image/png"))
    server.add("/members/pixel.png", Reply(body=PNG, content_type="image/png"))
    return server.url("/members/story")


def everything_stored(db_path: Path) -> bytes:
    """The database file's bytes (after a checkpoint), and every blob inflated."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blobs = [zlib.decompress(content) if encoding == "zlib" else content
             for content, encoding in conn.execute("select content, encoding from blobs")]
    conn.close()
    wal = db_path.with_name(db_path.name + "-wal")
    return b"".join([db_path.read_bytes(), wal.read_bytes() if wal.exists() else b"", *blobs])


def test_cookies_capture_the_members_page_and_go_nowhere_else(
        server: FixtureServer, members: str, db_path: Path, tmp_path: Path) -> None:
    without = run("save", members, "--db", str(db_path), *FAST)
    assert without.exit_code == 1
    assert "blocked: login wall (redirected to 127.0.0.1/members/login; a password form)" \
        in without.stderr

    jar = cookie_file(tmp_path, f"#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t{SECRET}")
    start = len(server.requests)
    result = run("save", members, "--cookies", str(jar), "--db", str(db_path), *FAST)
    assert result.exit_code == 0, result.output
    [row] = rows(db_path, "select * from captures where id = 2")
    assert row["status"] == "ok" and "Maria Lindqvist" in row["text"]

    seen = [(r["path"], {k.lower(): v for k, v in r["headers"].items()})
            for r in server.requests[start:]]
    own = [(path, h) for path, h in seen if h["host"].startswith("127.0.0.1")]
    other = [(path, h) for path, h in seen if h["host"].startswith("localhost")]
    assert [path for path, _ in other] == ["/members/pixel.png"]
    assert all("cookie" not in h for _, h in other)  # another cookie domain: none sent
    assert {path for path, h in own if h.get("cookie") == f"session={SECRET}"} \
        == {"/members/story", "/members/chart.png"}

    recorded = {r["url"]: r for r in rows(db_path, "select url, request_headers, headers "
                                          "from resources where capture_id = 2")}
    assert all(SECRET not in json.dumps(r) for r in recorded.values())
    assert json.loads(recorded[members]["headers"])["set-cookie"] == "[redacted]"
    chart = json.loads(recorded[server.url("/members/chart.png")]["request_headers"])
    assert chart["cookie"] == "[redacted]"
    assert SECRET.encode() not in everything_stored(db_path)
    assert SECRET not in result.output

    wacz = tmp_path / "export.wacz"
    assert run("export", "--db", str(db_path), "--format", "wacz", "-o", str(wacz)).exit_code == 0
    with zipfile.ZipFile(wacz) as package:
        for name in package.namelist():
            data = package.read(name)
            if name.endswith(".gz"):
                data = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
            assert SECRET.encode() not in data, name
            assert b"Cookie: session" not in data


def test_retry_with_cookies_gets_past_the_login_wall(
        server: FixtureServer, members: str, db_path: Path, tmp_path: Path) -> None:
    assert run("save", members, "--db", str(db_path), *FAST).exit_code == 1
    assert "login wall" in run("failures", "--db", str(db_path)).stdout
    jar = cookie_file(tmp_path, f"127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t{SECRET}")
    retried = run("retry", "--cookies", str(jar), "--db", str(db_path), *FAST)
    assert retried.exit_code == 0, retried.output
    assert "No failures." in run("failures", "--db", str(db_path)).stderr


def test_a_watch_keeps_its_cookie_file_path_and_a_wall_is_a_failed_check(
        server: FixtureServer, members: str, db_path: Path, tmp_path: Path) -> None:
    env = {"ARCHIVER_NOW": "2026-05-01T08:00:00Z", "ARCHIVER_DB": str(db_path)}
    assert run("watch", "add", members, "--every", "1h", env=env).exit_code == 0
    first = run("watch", "run", *FAST, env=env)
    assert "Checked 1 watch(es): 0 changed, 0 gone, 0 unchanged, 0 first, 1 failed." \
        in first.stderr
    [watch] = rows(db_path, "select * from watches")
    assert watch["status"] == "failing" and watch["error"].startswith("blocked: login wall (")
    assert rows(db_path, "select count(*) as n from captures")[0]["n"] == 0  # nothing kept
    listed = run("watch", "list", env=env)
    assert "--cookies FILE" in listed.stdout

    jar = cookie_file(tmp_path, f"127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t{SECRET}")
    other = server.url("/members/story?watched=2")
    added = run("watch", "add", other, "--every", "1h", "--cookies", str(jar), "--json", env=env)
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["cookies_file"] == str(jar.resolve())
    later = {**env, "ARCHIVER_NOW": "2026-05-01T10:00:00Z"}
    second = run("watch", "run", *FAST, env=later)
    assert "1 first, 1 failed." in second.stderr
    assert SECRET.encode() not in everything_stored(db_path)

    # the session ends: the page the watch saw turns into a login wall, which is no change
    cookie_file(tmp_path, "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\texpired-session-0")
    third = run("watch", "run", *FAST, env={**env, "ARCHIVER_NOW": "2026-05-01T12:00:00Z"})
    assert "0 changed, 0 gone, 0 unchanged, 0 first, 2 failed." in third.stderr
    [check] = rows(db_path, "select * from checks order by id desc limit 1")
    assert check["outcome"] == "failed" and check["error"].startswith("blocked: login wall (")
    assert rows(db_path, "select count(*) as n from captures")[0]["n"] == 1
    bad = run("watch", "add", server.url("/members/x"), "--cookies", str(tmp_path / "no.txt"),
              env=env)
    assert bad.exit_code != 0 and "there is no such cookies file" in bad.output


def test_walls_in_an_imported_warc_are_named_and_counted(db_path: Path, tmp_path: Path) -> None:
    from warcs import Response, warc_file

    warc = warc_file(tmp_path / "crawl.warc.gz", [
        Response("https://courier.example/news/harbour", CHALLENGE.encode(), status=403),
        Response("https://courier.example/news/ferry", PROMO_ARTICLE.encode()),
        Response("https://courier.example/news/deal", PAYWALLED.encode()),
    ])
    result = run("import", str(warc), "--db", str(db_path))
    assert "1 blocked by a wall" in result.stderr, result.output
    assert "1  bot challenge" in result.stderr and "1  paywall" in result.stderr
    statuses = {r["url"].rsplit("/", 1)[1]: (r["status"], r["kind"]) for r in rows(
        db_path, "select url, status, json_extract(wall, '$.kind') as kind from captures")}
    assert statuses == {"harbour": ("blocked", "challenge"), "ferry": ("ok", None),
                        "deal": ("partial", "paywall")}


def test_the_web_ui_marks_walls_and_says_what_to_do(db_path: Path) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from datasette.app import Datasette

    from archiver import store
    from archiver.save import extract_and_store

    db = store.open_db(db_path)
    blocked = extract_and_store(db, captured(LOGIN, "https://courier.example/account"), "cli").id
    ok = extract_and_store(db, captured(HISTORY_404, "https://courier.example/404-history"),
                           "cli").id
    db.close()

    async def get(*paths: str) -> list[str]:
        ds = Datasette([str(db_path)])
        return [(await ds.client.get(path)).text for path in paths]

    home = "/-/archiver/archive/"
    with ThreadPoolExecutor(max_workers=1) as pool:
        failed, reader, fine = pool.submit(asyncio.run, get(
            home + "?show=failed", f"{home}{blocked}", f"{home}{ok}")).result(timeout=120)
    assert 'class="status-blocked"' in failed and "Sign in – The Coastal Courier" in failed
    assert "blocked: login wall (a password form and" in failed
    assert "blocked: login wall (a password form and" in reader
    assert "blocked: blocked:" not in reader
    assert "save it from your browser with the extension, which sees what you see" in reader
    assert "archiver save --cookies FILE" in reader
    assert "wall-advice" not in fine and "status-blocked" not in fine
