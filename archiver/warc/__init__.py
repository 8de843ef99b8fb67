"""Web archives in and out: WARC records and WACZ packages, the web-archiving world's exchange
formats (Browsertrix Crawler, ArchiveWeb.page, ReplayWeb.page, pywb read and write them).

* `records`: reading WARC files record by record, checking lengths and digests, and fetching
  one record's payload by offset (bounded: no payload is read whole into memory unchecked).
* `container`: opening a `.wacz` (a ZIP) or a bare `.warc` / `.warc.gz`, and its page lists.
* `pages`: which records are pages, and a `Capture` for each one, with its resources.
* `importer`: the import as a whole (scan, pages, extraction and storage, a summary).
* `writer` and `wacz`: the export (WARC records of the stored captures, packaged as WACZ).
"""

from __future__ import annotations

from archiver.errors import WebArchiveError as WebArchiveError  # re-exported


