"""Which requests load a consent platform (CMP): its script, its frame, its API.

A page shows a consent prompt either from the start (the handler then sees it), or later, from
a script: nearly always a consent platform's, loaded from the platform's own host or under a
name that says what it is. When a page requested none of these, the handler need not hold the
page for a prompt (it still watches while the screenshot is taken; see handler.py). A false
match costs only the wait every page had before.

The hosts and names are those of the platforms autoconsent has rules for (its rules recognise
a prompt in the DOM, not the request that brings it) and a few generic words platforms and
home-made notices are named by ("consent", "cookie", "gdpr", "cmp", "tcf").
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Host names and path words of consent platforms (lower case; matched anywhere in host + path).
PLATFORMS = (
    "cookielaw", "onetrust", "cookiepro", "cookiebot", "cybot", "didomi", "privacy-center",
    "quantcast", "consensu", "usercentrics", "sourcepoint", "privacy-mgmt", "sp-prod",
    "trustarc", "truste.com", "consentmanager", "iubenda", "osano", "cookieyes", "cookie-script",
    "cookiefirst", "cookiehub", "termly", "axept", "tarteaucitron", "complianz", "borlabs",
    "klaro", "cookieinformation", "civiccomputing", "evidon", "crownpeak", "ketchcdn", "ketchjs",
    "transcend", "datagrail", "ethyca", "fides", "sirdata", "inmobi", "fundingchoices",
    "appconsent", "sfbx", "cassiecloud", "securiti", "uniconsent", "pandectes", "consentmo",
    "termsfeed", "gravito", "clickio", "snigel", "pubtech", "sibbo", "truyo", "openli",
)


GENERIC = re.compile(r"consent|cookie|gdpr|dsgvo|rgpd|privacy-?(?:center|manager|notice)"
                     r"|(?<![a-z])(?:cmp|tcf)(?![a-z])")


KINDS = ("script", "document", "xhr", "fetch")
"""The request types that can bring a prompt (a stylesheet or an image alone cannot)."""


def cmp_request(url: str, kind: str | None) -> bool:
    """Whether a request of this resource type for `url` loads a consent platform."""
    if kind not in KINDS:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    where = f"{parts.hostname or ''}{parts.path}".lower()
    return any(name in where for name in PLATFORMS) or GENERIC.search(where) is not None
