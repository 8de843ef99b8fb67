"""The checks every state-changing request of the web UI passes (the forms of the home page,
the reader view, the history and the delete confirmation; SECURITY.md §2).

Datasette's CSRF protection (asgi-csrf) compares the form's `csrftoken` with the `ds_csrftoken`
cookie, but lets a POST through when it carries no cookie at all, and a cross-site form POST
arrives without cookies (SameSite=Lax). So these routes also refuse, with a 403 saying why:

- any method but POST (GET never changes anything);
- a POST whose `Sec-Fetch-Site` is present and not `same-origin`;
- a POST whose `Origin` is absent or is not this server's own origin (scheme://Host);
- a POST without a `csrftoken` field signed by this server.

The views send `Referrer-Policy: same-origin` (not `no-referrer`), or browsers would send
`Origin: null` with the archive's own forms.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from itsdangerous import BadSignature

from archiver.errors import Refused as Refused  # re-exported: the forms' refusals
from archiver.web.http import BodyTooLarge, bounded_body

MAX_FORM_BYTES = 1024 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
DEFAULT_PORTS = {"http": "80", "https": "443"}


class Form:
    """A posted form's fields; a field may repeat (`page=1&page=2`)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        for key, value in self.pairs:
            if key == name:
                return value
        return default

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def ids(self, name: str) -> list[int]:
        """Row ids in a repeated field, in order, each once; anything else is a 400."""
        found: list[int] = []
        for value in self.getlist(name):
            value = value.strip()
            if not value.isdigit() or len(value) > 18:
                raise Refused(400, f"{name}={value[:40]!r} is not a row id.")
            if int(value) not in found:
                found.append(int(value))
        return found


def own_origin(request: Any, datasette: Any = None) -> str:
    """This server's origin as the browser sees it: the request's scheme and `Host` (https
    behind a proxy that terminates TLS, when Datasette is told so with `force_https_urls`)."""
    https = datasette is not None and datasette.setting("force_https_urls")
    return _origin(f"{'https' if https else request.scheme}://{request.host}")


def _origin(url: str) -> str:
    """scheme://host[:port], lower case, without the scheme's default port ("" if none)."""
    parts = urlsplit(url.strip().lower())
    try:
        port = parts.port
    except ValueError:
        return ""
    host = parts.hostname or ""
    if not parts.scheme or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    if port is not None and DEFAULT_PORTS.get(parts.scheme) != str(port):
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


def check_request(request: Any, datasette: Any = None) -> None:
    """Method, Sec-Fetch-Site and Origin (the checks that need no body): the one rule for
    every write from the archive's own pages (the library's forms, highlights)."""
    if request.method != "POST":
        raise Refused(405, "This address changes the archive: it answers POST from the "
                           "archive's own forms only.", {"Allow": "POST"})
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        raise Refused(403, f"Refused: this request did not come from the archive's own pages "
                           f"(Sec-Fetch-Site: {fetch_site[:40]}). The archive changes only "
                           "through its own pages.")
    origin = request.headers.get("origin")
    if origin is None:
        raise Refused(403, "Refused: the request has no Origin header, so it cannot be told "
                           "apart from a cross-site request. The archive changes only "
                           "through its own pages, in a browser that sends Origin.")
    own = own_origin(request, datasette)
    if not _origin(origin) or _origin(origin) != own:
        raise Refused(403, f"Refused: the request came from {origin[:100]!r}, not from the "
                           f"archive itself ({own}). The archive changes "
                           "only through its own pages.")


async def read_form(request: Any, datasette: Any) -> Form:
    """The posted form, once every check has passed (else `Refused`)."""
    check_request(request, datasette)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise Refused(400, f"Send a form ({FORM_TYPE}), not {content_type[:60]!r}.")
    body = await _body(request)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(400, f"The form could not be read: {exc}.") from exc
    form = Form(pairs)
    token = form.get("csrftoken")
    if not token:
        raise Refused(403, "Refused: the form has no csrftoken field. The archive changes only "
                           "through its own pages; reload the page and try again.")
    try:
        datasette.unsign(token, "csrftoken")
    except BadSignature as exc:
        raise Refused(403, "Refused: the form's csrftoken was not made by this server; reload "
                           "the page and try again.") from exc
    return form


async def _body(request: Any) -> bytes:
    try:
        return await bounded_body(request, MAX_FORM_BYTES)
    except BodyTooLarge:
        raise Refused(413, f"The form is larger than {MAX_FORM_BYTES} bytes.") from None
