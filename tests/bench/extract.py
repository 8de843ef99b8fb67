"""Extraction quality and speed: the project's extractor next to plain readability-lxml.

Runs the shared harness (../shared/bench/extract_eval.py next to the repository) on a data set
of pages with known article text. A directory with `pages.jsonl.gz` (WCXB) is read as the
harness's jsonl format and can be cut in two by a hash of each page's id: `--split tune` (the
pages rules may be tuned on) or `--split holdout` (about 27 % of pages, sha256(id)[0] < 77, kept
for an estimate of how the extractor does on pages nobody tuned for). A mozilla-style directory
also gets its metadata scored against expected-metadata.json: title exact, language, byline
and excerpt (each over the pages where the expectation has one).

example:
  python -m tests.bench extract
  python -m tests.bench extract --data-dir ../shared/bench/mozilla --json result.json
  python -m tests.bench extract --data-dir ../shared/bench/wcxb --split tune \
      --extractor trafilatura-aeb
  python -m tests.bench extract --data-dir ../shared/bench/wcxb --split tune --timing
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from archiver.errors import ExtractionError
from archiver.extract import extract

REPO_ROOT = Path(__file__).resolve().parents[2]
HARNESS = REPO_ROOT.parent / "shared" / "bench" / "extract_eval.py"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "bench" / "mozilla"
EXTRACTOR = "py:archiver.extract:extract_text"
MOZILLA_URL = "http://fakehost/test/page.html"  # the URL the harness gives every mozilla page
JSONL_NAME = "pages.jsonl.gz"
HOLDOUT_BELOW = 77
"""A page is held out when the first byte of sha256(its id) is below this (77/256, ~30 %)."""
SPLITS = ("all", "tune", "holdout")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help="pages to score (default: $ARCHIVER_BENCH_DATA or ../shared/bench/mozilla)",
    )
    parser.add_argument("--harness", type=Path, default=HARNESS, help="path of extract_eval.py")
    parser.add_argument("--json", type=Path, help="write the harness's full results here")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--no-metadata", action="store_true", help="skip the metadata scores")
    parser.add_argument(
        "--split", choices=SPLITS, default="all",
        help="jsonl sets only: all pages, the tuning split, or the held-out split (default all)",
    )
    parser.add_argument(
        "--extractor", action="append", default=[], metavar="SPEC",
        help="a further extractor for the harness to run, e.g. trafilatura-aeb (repeatable)",
    )
    parser.add_argument(
        "--timing", action="store_true",
        help="only time plain readability-lxml and archiver.extract, page by page in turn "
             "(both under the same load), and print their medians and ratio",
    )


def run(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or Path(os.environ.get("ARCHIVER_BENCH_DATA") or DEFAULT_DATA)
    if not data_dir.is_dir():
        print(f"error: no benchmark data at {data_dir} "
              "(pass --data-dir PATH or set ARCHIVER_BENCH_DATA)", file=sys.stderr)
        return 2
    jsonl = (data_dir / JSONL_NAME).is_file()
    if args.split != "all" and not jsonl:
        print(f"error: --split needs a data set stored as {JSONL_NAME}", file=sys.stderr)
        return 2
    if args.timing:
        print(format_timing(time_in_turn(_pages(data_dir, jsonl, args.split, args.limit))))
        return 0  # timing runs the extractors here; it needs no harness
    if not args.harness.is_file():
        print(f"error: benchmark harness not found at {args.harness} "
              "(pass --harness PATH to point at extract_eval.py)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        data = write_split(data_dir / JSONL_NAME, Path(tmp), args.split) if jsonl else data_dir
        code = _run_harness(args, "jsonl" if jsonl else "mozilla", data)
    if code == 0 and not jsonl and not args.no_metadata:
        print()
        print(format_metadata_scores(score_metadata(data_dir, args.limit)))
    return code


def _pages(data_dir: Path, jsonl: bool, split: str, limit: int) -> list[tuple[str, str | None]]:
    """(html, url) of each page of a data set (of one split, for a jsonl set)."""
    pages: list[tuple[str, str | None]] = []
    if jsonl:
        with gzip.open(data_dir / JSONL_NAME, "rt", encoding="utf8") as src:
            for line in src:
                page = json.loads(line) if line.strip() else None
                if page and (split == "all" or split_of(str(page["id"])) == split):
                    pages.append((page["html"], page.get("url")))
    else:
        for source in sorted(data_dir.rglob("source.html")):
            pages.append((source.read_text(encoding="utf8"), MOZILLA_URL))
    return pages[:limit] if limit else pages


def time_in_turn(pages: list[tuple[str, str | None]]) -> dict[str, list[float]]:
    """CPU milliseconds per page of plain readability-lxml (as the harness runs it) and of
    archiver.extract, one right after the other on each page: a busy machine slows both
    alike, where timing one extractor over the whole set and then the other does not."""
    import html_text
    from readability import Document

    times: dict[str, list[float]] = {"readability-lxml": [], "archiver.extract": []}
    for html, url in pages:
        start = time.process_time()
        html_text.extract_text(Document(html).summary(html_partial=True))
        times["readability-lxml"].append((time.process_time() - start) * 1000)
        start = time.process_time()
        try:
            extract(html, url)
        except ExtractionError:
            pass
        times["archiver.extract"].append((time.process_time() - start) * 1000)
    return times


def format_timing(times: dict[str, list[float]]) -> str:
    plain, ours = times["readability-lxml"], times["archiver.extract"]
    if not plain:
        return "no pages"
    lines = [f"{len(plain)} pages, CPU ms per page, in turn on each page"]
    for name, values in times.items():
        lines.append(f"  {name:<18} median {statistics.median(values):7.1f}  "
                     f"p95 {sorted(values)[int(0.95 * (len(values) - 1))]:7.1f}")
    ratio = statistics.median(ours) / statistics.median(plain)
    lines.append(f"  ratio of medians   {ratio:.2f}x")
    return "\n".join(lines)


def split_of(page_id: str) -> str:
    """"holdout" or "tune": fixed by the page's id, so every run cuts the set the same way."""
    first_byte = hashlib.sha256(page_id.encode("utf8")).digest()[0]
    return "holdout" if first_byte < HOLDOUT_BELOW else "tune"


def write_split(pages: Path, out_dir: Path, split: str) -> Path:
    """Copy the pages of `split` into out_dir/pages.jsonl.gz (all of them for "all")."""
    if split == "all":
        return pages.parent
    with gzip.open(pages, "rt", encoding="utf8") as src, \
            gzip.open(out_dir / JSONL_NAME, "wt", encoding="utf8") as dst:
        for line in src:
            if line.strip() and split_of(str(json.loads(line)["id"])) == split:
                dst.write(line)
    return out_dir


def _run_harness(args: argparse.Namespace, kind: str, data_dir: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable, str(args.harness), "--data", kind, "--data-dir", str(data_dir),
            "--extractor", "readability-lxml",
            *[arg for spec in args.extractor for arg in ("--extractor", spec)],
            "--extractor", EXTRACTOR,
            "--json", str(args.json or Path(tmp) / "result.json"),
        ]
        if args.limit:
            command += ["--limit", str(args.limit)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p
        ))
        return subprocess.run(command, cwd=REPO_ROOT, env=env, check=False).returncode


@dataclass
class Score:
    """How many pages had an expectation, and how many of those we matched."""

    expected: int = 0
    matched: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, page: str, expected: object, got: str | None) -> None:
        if not isinstance(expected, str) or not expected.strip():
            return
        self.expected += 1
        if _same(expected, got):
            self.matched += 1
        else:
            self.misses.append(page)

    @property
    def share(self) -> float:
        return self.matched / self.expected if self.expected else 0.0


def _same(expected: str, got: str | None) -> bool:
    return " ".join(expected.split()) == " ".join((got or "").split())


def score_metadata(data_dir: Path, limit: int = 0) -> dict[str, Score]:
    """Run the extractor on each page that has expected-metadata.json and compare fields."""
    scores = {name: Score() for name in ("title", "lang", "byline", "excerpt")}
    pages = sorted(p.parent for p in data_dir.rglob("expected-metadata.json"))
    for page in pages[:limit] if limit else pages:
        expected = json.loads((page / "expected-metadata.json").read_text(encoding="utf8"))
        try:
            article = extract((page / "source.html").read_text(encoding="utf8"), MOZILLA_URL)
        except ExtractionError:
            article = None
        got: dict[str, str | None] = {
            "title": article.title if article else None,
            "lang": article.lang if article else None,
            "byline": article.byline if article else None,
            "excerpt": article.description if article else None,
        }
        for name, score in scores.items():
            score.add(page.name, expected.get(name), got[name])
    return scores


def format_metadata_scores(scores: dict[str, Score]) -> str:
    lines = ["metadata (share of pages whose expected value we reproduce exactly)"]
    for name, score in scores.items():
        lines.append(f"  {name:<8} {score.share:6.1%}  ({score.matched}/{score.expected})")
    return "\n".join(lines)
