"""Word diffs of watched pages: correct, and bounded on hostile input (a watched page's text is
the site's to choose)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from archiver.compare import compare
from archiver.textdiff import diff_words, tokens


def test_tokens_join_back_and_survive_long_whitespace() -> None:
    text = "  The keepers\n\n kept   the light."
    assert "".join(tokens(text)) == text
    assert tokens(" " * 200_000 + "x") == [" " * 200_000 + "x"]
    assert tokens("\t" * 10) == []


def test_diff_marks_the_edit_and_counts_words() -> None:
    diff = diff_words("the keepers kept the light on monday",
                      "the keepers kept the lamp on tuesday")
    removed = [s.words for s in diff.segments if s.kind == "removed"]
    added = [s.words for s in diff.segments if s.kind == "added"]
    assert removed == ["light", "monday"] and added == ["lamp", "tuesday"]
    assert (diff.added, diff.removed) == (2, 2)
    same = diff_words("a  b\nc", "a b c")
    assert not same.changed  # whitespace alone is no edit


def test_a_hostile_page_is_diffed_within_its_budget() -> None:
    """30,000 words crafted against difflib (two distinct words in random order) took 264 s a check
    with SequenceMatcher(autojunk=False); run in a child process that is killed after 60 s."""
    script = textwrap.dedent("""
        import random
        from archiver.compare import compare
        rng = random.Random(1)
        words = [rng.choice("ab") for _ in range(30000)]
        old = " ".join(words)
        new = " ".join(rng.choice("ab") for _ in range(30000))
        new = " " * 100000 + new
        verdict = compare(old, new, threshold=1)
        assert verdict.changed
        print(verdict.diff.added, verdict.diff.removed)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    added, removed = map(int, result.stdout.split())
    assert 0 < added <= 30000 and 0 < removed <= 30000


def test_compare_ignores_what_it_is_told_to() -> None:
    assert not compare("Price 10 on 2026-01-01", "Price 12 on 2026-02-03",
                       ignore_numbers=True, ignore_dates=True).changed
    assert compare("Price 10", "Price 12").changed
