"""A capture's stored resources, found by the URL its page used for them."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from sqlite_utils import Database

from archiver import store

SAFE = ":/?#[]@!$&'()*+,;=%~"


class ResourceIndex:
    """URL -> resource id for one capture. The DOM's URLs and the browser's requests can
    differ in small ways (a fragment, characters the browser percent-encoded): each lookup
    tries the URL as written, without its fragment, and percent-encoded as a browser does."""

    def __init__(self, by_url: dict[str, int]) -> None:
        self.by_url = by_url

    @classmethod
    def of(cls, db: Database, capture_id: int) -> ResourceIndex:
        return cls(store.resource_map(db, capture_id))

    def find(self, url: str) -> int | None:
        for candidate in _spellings(url):
            found = self.by_url.get(candidate)
            if found is not None:
                return found
        return None


def _spellings(url: str) -> list[str]:
    bare = urlsplit(url)._replace(fragment="").geturl() if "#" in url else url
    encoded = quote(bare, safe=SAFE)
    return list(dict.fromkeys([url, bare, encoded, bare.rstrip("?")]))
