"""Capturing as the logged-in user: cookies from a Netscape cookies.txt file (as browser
cookie exporters, curl and yt-dlp write it), and keeping their values out of the archive.

The file is read with the standard library's `http.cookiejar.MozillaCookieJar` (which knows
the `#HttpOnly_` prefix) after each line was checked here, so a bad file is an error naming
its line, never its content. The cookies are added to each capture's fresh browser context,
so they go only where the browser's own rules send them (their domains, paths, Secure).

Their values are secrets: `redact` takes them out of what a capture recorded (request
`Cookie` headers, response `Set-Cookie` headers, any header value that carries one) before it
is stored, and no error message quotes the file.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from http.cookiejar import LoadError, MozillaCookieJar
from pathlib import Path
from typing import Literal, TypedDict

from archiver.errors import BadCookies
from archiver.models import Capture

REDACTED = "[redacted]"
HTTPONLY_PREFIX = "#HttpOnly_"
MAGIC = re.compile(r"#( Netscape)? HTTP Cookie File")
FORMAT = ("a cookies.txt line is 7 fields separated by tabs: domain, include subdomains "
          "(TRUE/FALSE), path, secure (TRUE/FALSE), expires (seconds since 1970, 0 for a "
          "session cookie), name, value")
MIN_SECRET = 8  # characters: shorter values are only taken out of Cookie headers
SECRET_HEADERS = ("cookie", "set-cookie", "authorization", "proxy-authorization")


class BrowserCookie(TypedDict, total=False):
    """One cookie as the browser takes it (the fields of Playwright's `add_cookies`)."""

    name: str
    value: str
    url: str | None
    domain: str | None
    path: str | None
    expires: float | None
    httpOnly: bool | None
    secure: bool | None
    sameSite: Literal["Lax", "None", "Strict"] | None
    partitionKey: str | None


@dataclass(frozen=True)
class Cookies:
    """The cookies of one file, as Playwright's `add_cookies` takes them. `repr` shows the
    file and how many, never a value."""

    path: str
    cookies: tuple[BrowserCookie, ...]

    def __repr__(self) -> str:
        return f"Cookies({self.path!r}, {len(self.cookies)} cookies)"

    def __len__(self) -> int:
        return len(self.cookies)

    @property
    def values(self) -> list[str]:
        return [c.get("value") or "" for c in self.cookies if c.get("value")]


def load(path: str | Path) -> Cookies:
    """The cookies of a Netscape cookies.txt file, without the expired ones. Raises BadCookies
    naming the file and the line (not its content: it holds secrets)."""
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BadCookies(f"{file}: there is no such cookies file") from exc
    except UnicodeDecodeError as exc:
        raise BadCookies(f"{file}: not a cookies.txt file (it is not UTF-8 text)") from exc
    except OSError as exc:
        raise BadCookies(f"{file}: cannot be read ({exc.strerror})") from exc
    _check(file, text)
    jar = MozillaCookieJar()
    try:
        jar.load(str(file), ignore_discard=True, ignore_expires=True)
    except LoadError:  # its message quotes the line: not shown
        raise BadCookies(f"{file}: not a valid cookies.txt file ({FORMAT})") from None
    except OSError as exc:
        raise BadCookies(f"{file}: cannot be read ({exc.strerror})") from None
    now = time.time()
    cookies: list[BrowserCookie] = []
    for cookie in jar:
        if cookie.value is None or (cookie.expires and cookie.expires <= now):
            continue  # a name without a value; expired (0 is a session cookie)
        cookies.append(BrowserCookie(
            name=cookie.name, value=cookie.value, domain=cookie.domain,
            path=cookie.path or "/", secure=bool(cookie.secure),
            httpOnly=any(cookie.has_nonstandard_attr(a) for a in ("HTTPOnly", "HttpOnly")),
            expires=float(cookie.expires) if cookie.expires else -1,
        ))
    return Cookies(str(file.resolve()), tuple(cookies))


def _check(file: Path, text: str) -> None:
    """Each line of the file is a comment, blank or a cookie of 7 fields (else BadCookies)."""
    lines = text.splitlines()
    if not lines or not MAGIC.match(lines[0]):
        raise BadCookies(f"{file}, line 1: not a Netscape cookies.txt file (it starts with "
                         "\"# Netscape HTTP Cookie File\"; export the cookies in that format)")
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith(HTTPONLY_PREFIX):
            line = line[len(HTTPONLY_PREFIX):]
        if not line.strip() or line.lstrip().startswith(("#", "$")):
            continue
        problem = _problem(line.split("\t"))
        if problem:
            raise BadCookies(f"{file}, line {number}: {problem} ({FORMAT})")


def _problem(fields: list[str]) -> str | None:
    if len(fields) != 7:
        return f"{len(fields)} field(s), not 7"
    domain, subdomains, path, secure, expires, name, _value = fields
    if not domain or any(c.isspace() for c in domain):
        return "the domain is empty or has spaces"
    if subdomains not in ("TRUE", "FALSE"):
        return "the second field (include subdomains) is not TRUE or FALSE"
    if (subdomains == "TRUE") != domain.startswith("."):
        return ("the second field (include subdomains) does not match the domain (TRUE goes "
                "with a domain starting with a dot)")
    if not path.startswith("/"):
        return "the path does not start with /"
    if secure not in ("TRUE", "FALSE"):
        return "the fourth field (secure) is not TRUE or FALSE"
    if expires and not expires.isdigit():
        return "the fifth field (expires) is not a number"
    if not name:
        return "the cookie has no name"
    return None


def redact(capture: Capture, cookies: Cookies | None) -> None:
    """Take the cookies' values out of what `capture` recorded: `Cookie`, `Set-Cookie` and
    `Authorization` headers become "[redacted]" (request and response, the page's and every
    resource's), and any other header value carrying one of the values has it replaced.
    Values shorter than MIN_SECRET characters are only taken out with those headers (a
    short value would match innocent text)."""
    if not cookies:
        return
    secrets = sorted({v for v in cookies.values if len(v) >= MIN_SECRET}, key=len, reverse=True)
    capture.headers = _redacted(capture.headers, secrets)
    for resource in capture.resources:
        resource.headers = _redacted(resource.headers, secrets)
        resource.request_headers = _redacted(resource.request_headers, secrets)
    if capture.error:
        capture.error = _without(capture.error, secrets)


def _redacted(headers: dict[str, str], secrets: list[str]) -> dict[str, str]:
    return {name: REDACTED if name.lower() in SECRET_HEADERS else _without(value, secrets)
            for name, value in headers.items()}


def _without(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
