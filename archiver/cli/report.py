"""How a run of captures reports: one line per URL on stdout, a summary on stderr."""

from __future__ import annotations

import json
from typing import Any

import click

from archiver.walls import ADVICE


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
    """Counts for the end of a run: saved, skipped, failed by reason, walls by kind."""

    def __init__(self, total: int, skipped: int, invalid: int) -> None:
        self.total, self.skipped, self.invalid = total, skipped, invalid
        self.saved = self.partial = self.failed = self.blocked = 0
        self.reasons: dict[str, int] = {}
        self.walls: dict[str, int] = {}  # "login wall", "paywall" ... (paywalls are saved)

    def add(self, result: Any) -> None:
        wall = getattr(result, "wall", None)
        if wall:
            self.walls[wall] = self.walls.get(wall, 0) + 1
        if result.status == "failed":
            self.failed += 1
            reason = _reason_kind(result.error or "unknown")
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
        elif result.status == "blocked":
            self.blocked += 1
        else:
            self.saved += 1
            self.partial += result.status == "partial"

    def line(self, _result: Any = None) -> str:
        blocked = f", {self.blocked} blocked" if self.blocked else ""
        return f"{self.saved} saved, {self.failed} failed{blocked}"

    def print(self) -> None:
        if self.total + self.skipped + self.invalid <= 1:
            return
        parts = [f"{self.saved} saved" + (f" ({self.partial} partial)" if self.partial else ""),
                 f"{self.skipped} skipped as already archived", f"{self.failed} failed"]
        if self.blocked:
            parts.append(f"{self.blocked} blocked by a wall")
        if self.invalid:
            parts.append(f"{self.invalid} invalid")
        click.echo("Done: " + ", ".join(parts) + ".", err=True)
        for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1]):
            click.echo(f"  {count:>5}  {reason}", err=True)
        for wall, count in sorted(self.walls.items(), key=lambda kv: (-kv[1], kv[0])):
            click.echo(f"  {count:>5}  {wall}", err=True)
        if self.walls:
            click.echo(f"  Walls: {ADVICE}; `archiver failures` lists them, `archiver retry "
                       "--cookies FILE` tries them again.", err=True)


def _reason_kind(error: str) -> str:
    """Group failure messages: "the server answered HTTP 404" -> itself; a long reason ->
    its part before the first parenthesis or colon."""
    return error.split(" (")[0].split(": ")[0][:80]


def print_result(result: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    if result.status in ("failed", "blocked"):
        click.secho(f"{result.status}: {result.url}: {result.error}", err=True, fg="red")
        if result.id is not None:
            click.echo(f"{result.id}\t{result.status}\t{result.url}")
        return
    click.echo(f"{result.id}\t{result.title or '(no title)'}")
    if result.status == "partial":
        click.secho(f"partial: {result.url}: {result.error}", err=True, fg="yellow")
