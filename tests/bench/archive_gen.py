"""Generate a large archive of realistic captures, to measure the reading views on.

Articles of 150-1,500 words drawn from a 30,000-word vocabulary with a Zipf distribution (so
some words are in most articles and most words in few), 400 sites, pages captured one to four
times (later captures edit a paragraph), a mix of languages, tags on one capture in ten, and
one shared small screenshot. Rows go through `store.save_capture`, like real captures.

example:
  python -m tests.bench gen-archive --captures 100000 --db /tmp/big.db
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver import store
from archiver.models import Article, Capture

VOCABULARY_SIZE = 30_000
SITES = 400
LANGS = ["en"] * 12 + ["de"] * 3 + ["fr"] * 2 + ["es", "ar", "he", "ja"]
TAGS = ["to read", "climate", "politics", "science", "history", "recipes", "work", "later"]
SYLLABLES = ("ka ri to ne sa mo lu pe di an or el is un ba ve co ga hu fi "
             "ran tel mar sol ver nor ast in ex ul").split()
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--captures", type=int, default=100_000, help="how many captures")
    parser.add_argument("--db", type=Path, required=True, help="the archive to create or extend")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    parser.add_argument("--pages", type=int, default=None,
                        help="spread the captures over about this many pages (versions a page "
                             "vary around captures/pages); default: 1-4 versions a page")


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY_SIZE:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))))
    ordered = sorted(words)
    rng.shuffle(ordered)
    return ordered


class TextMaker:
    """Paragraphs of Zipf-distributed words."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = vocabulary(rng)
        ranks = range(1, len(self.words) + 1)
        self.weights = list(itertools.accumulate(1 / rank for rank in ranks))

    def sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.weights, k=self.rng.randint(6, 22))
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))

    def article(self, words: int) -> list[str]:
        paragraphs: list[str] = []
        while sum(len(p.split()) for p in paragraphs) < words:
            paragraphs.append(self.paragraph())
        return paragraphs


def captures(count: int, seed: int,
             pages: int | None = None) -> Iterator[tuple[Capture, Article, list[str]]]:
    rng = random.Random(seed)
    mean = max(1.0, count / pages) if pages else None
    spread = [1, 1, 1, 2, 2, 3, 4] if mean is None else list(range(1, round(2 * mean)))
    maker = TextMaker(rng)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    made = 0
    while made < count:
        site = f"site{rng.randrange(SITES)}.example"
        url = f"https://{site}/{rng.randrange(10**9)}/{maker.sentence()[:30].replace(' ', '-')}"
        paragraphs = maker.article(rng.randint(150, 1500))
        title = maker.sentence()[:-1]
        lang = rng.choice(LANGS)
        for _ in range(min(rng.choice(spread or [1]), count - made)):
            when = start + timedelta(seconds=rng.randrange(6 * 365 * 86400))
            paragraphs[rng.randrange(len(paragraphs))] = maker.paragraph()
            tags = rng.sample(TAGS, rng.randint(1, 2)) if rng.random() < 0.1 else []
            yield _capture(url, title, paragraphs, lang, when), _article(
                title, paragraphs, lang), tags
            made += 1


def _capture(url: str, title: str, paragraphs: list[str], lang: str, when: datetime) -> Capture:
    stamp = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    html = f"<html lang='{lang}'><title>{title}</title><p>{paragraphs[0]}</p></html>"
    return Capture(url=url, final_url=url, http_status=200, content_type="text/html",
                   html=html, screenshot=PNG_1X1, title=title, captured_at=stamp,
                   duration_ms=1200)


def _article(title: str, paragraphs: list[str], lang: str) -> Article:
    text = "\n\n".join(paragraphs)
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    return Article(title=title, byline="A. Writer", lang=lang, text=text, html=html,
                   word_count=len(text.split()))


def run(args: argparse.Namespace) -> int:
    db = store.open_db(args.db)
    db.execute("PRAGMA synchronous = OFF")  # a throwaway benchmark archive: speed over safety
    began = time.perf_counter()
    made = captures(args.captures, args.seed, args.pages)
    for n, (capture, article, tags) in enumerate(made, start=1):
        capture_id = store.save_capture(db, capture, article, source="bench")
        if tags:
            store.add_tags(db, [store.page_of_capture(db, capture_id)], tags)
        if n % 10_000 == 0:
            print(f"{n} captures, {time.perf_counter() - began:.0f} s", flush=True)
    counts = store.archive_counts(db)
    elapsed = time.perf_counter() - began
    print(f"{args.db}: {counts['captures']} captures of {counts['pages']} pages "
          f"(made {args.captures} in {elapsed:.0f} s)")
    db.close()
    return 0
