"""How a run of captures reports: one line per URL on stdout, a summary on stderr."""

from __future__ import annotations

import json
from typing import Any

import click


class NoBar:
    """Stands in for the progress bar when it is off."""

    def __enter__(self) -> NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, steps: int, item: Any = None) -> None:
        pass


class LineProgress:
    """The progress of a run as a line a result on stderr, where stderr is no terminal (a log
    file, a pipe) and --progress asked for it: click's bar draws nothing there."""

    def __init__(self, total: int, summary: Summary) -> None:
        self.total, self.done, self.summary = total, 0, summary

    def __enter__(self) -> LineProgress:
        click.echo(f"Archiving {self.total} page(s) ...", err=True)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, steps: int, item: Any = None) -> None:
        self.done += steps
        click.echo(f"Archiving: {self.done}/{self.total} ({self.summary.line()})", err=True)


def clear_bar_line() -> None:
    """Rub out the progress bar's line before a result is printed on the same terminal (the
    bar draws itself again on its next update)."""
    click.echo("\r\033[K", nl=False, err=True)


class Summary:
    """Counts for the end of a run: saved, skipped, failed by reason."""

    def __init__(self, total: int, skipped: int, invalid: int) -> None:
        self.total, self.skipped, self.invalid = total, skipped, invalid
        self.saved = self.partial = self.failed = 0
        self.reasons: dict[str, int] = {}

    def add(self, result: Any) -> None:
        if result.status == "failed":
            self.failed += 1
            reason = _reason_kind(result.error or "unknown")
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
        else:
            self.saved += 1
            self.partial += result.status == "partial"

    def line(self, _result: Any = None) -> str:
        return f"{self.saved} saved, {self.failed} failed"

    def print(self) -> None:
        if self.total + self.skipped + self.invalid <= 1:
            return
        parts = [f"{self.saved} saved" + (f" ({self.partial} partial)" if self.partial else ""),
                 f"{self.skipped} skipped as already archived", f"{self.failed} failed"]
        if self.invalid:
            parts.append(f"{self.invalid} invalid")
        click.echo("Done: " + ", ".join(parts) + ".", err=True)
        for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1]):
            click.echo(f"  {count:>5}  {reason}", err=True)


def _reason_kind(error: str) -> str:
    """Group failure messages: "the server answered HTTP 404" -> itself; a long reason ->
    its part before the first parenthesis or colon."""
    return error.split(" (")[0].split(": ")[0][:80]


def print_result(result: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    if result.status == "failed":
        click.secho(f"failed: {result.url}: {result.error}", err=True, fg="red")
        if result.id is not None:
            click.echo(f"{result.id}\tfailed\t{result.url}")
        return
    click.echo(f"{result.id}\t{result.title or '(no title)'}")
    if result.status == "partial":
        click.secho(f"partial: {result.url}: {result.error}", err=True, fg="yellow")
