"""URL normalization: which URLs are "the same page"."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from archiver.errors import InvalidURL

DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
    "vero_id", "wickedid", "ref_src", "ref_url", "s_cid", "spm",
})
ARCHIVABLE_SCHEMES = ("http", "https")


_OTHER_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d+(?:[/?#]|$))")
"""`mailto:`, `javascript:`, `place:sort=8`: a scheme, not a host and port (`localhost:8000`)."""


def with_scheme(url: str) -> str:
    """`example.org/a` -> `https://example.org/a`; URLs with a scheme are left alone."""
    url = url.strip()
    if "://" not in url and not _OTHER_SCHEME.match(url):
        return "https://" + url
    return url


def _looks_like_a_host(host: str) -> bool:
    """Whether a host typed without a scheme is a web address: a domain with a dot,
    localhost, or an IP address (`notaurl` is a typo, not an intranet host)."""
    if "." in host.strip(".") or host == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def split(url: str) -> SplitResult:
    """`urlsplit`, raising InvalidURL (not ValueError) for what it cannot parse, such as an
    unclosed IPv6 literal (`http://[::1/`)."""
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise InvalidURL(f"{url[:300]!r} is not a valid URL ({exc})") from exc


def check_archivable(url: str) -> str:
    """Return the URL (with a scheme added if it had none), or raise InvalidURL saying why."""
    typed = url.strip()
    url = with_scheme(url)
    parts = split(url)
    if parts.scheme.lower() not in ARCHIVABLE_SCHEMES:
        raise InvalidURL(f"{url[:300]!r} is not an http(s) URL; only web pages can be archived")
    if not parts.hostname:
        raise InvalidURL(f"{url!r} has no host name")
    if any(ch.isspace() for ch in url):
        raise InvalidURL(f"{url!r} contains spaces; is it really a URL?")
    if url != typed and not _looks_like_a_host(parts.hostname):
        raise InvalidURL(f"{typed[:300]!r} is not a web address: write it as a URL "
                         f"(https://{typed[:100]}) or a domain such as example.org")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise InvalidURL(f"{url!r} has an invalid port") from exc
    return url


def normalize(url: str) -> str:
    """The key that decides "same page": lower-case scheme and host, no default port, no
    fragment, no tracking parameters, "/" for an empty path. Query order is kept (it can
    matter to the server)."""
    parts = urlsplit(with_scheme(url))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)],
        doseq=True,
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _tracking(param: str) -> bool:
    name = param.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def host_of(url: str) -> str:
    """The site a URL belongs to, without a leading "www."."""
    host = (urlsplit(with_scheme(url)).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
