"""`archiver setup` where Playwright's CDN cannot be reached (the CDN is outside this machine, so
its answer is faked; the browser found instead is the real one on this machine)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from archiver.cli import cli
from archiver.cli import server as server_cli

TRACE = "\n".join(["Downloading Chromium ..."] + [f"    at frame {n} (node:internal)"
                                                    for n in range(50)]
                  + ["Error: getaddrinfo ENOTFOUND cdn.playwright.dev"])


def test_a_failed_download_is_one_line_and_not_tried_again(tmp_path: Path,
                                                            monkeypatch: Any) -> None:
    calls: list[list[str]] = []

    def offline(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return subprocess.CompletedProcess(args, 1, stdout="", stderr=TRACE)

    monkeypatch.setattr(server_cli, "DOWNLOAD_FAILED", tmp_path / "download-failed")
    monkeypatch.setattr(server_cli.subprocess, "run", offline)
    first = CliRunner().invoke(cli, ["setup", "--no-autoconsent"])
    assert first.exit_code == 0, first.output
    said = first.stderr.splitlines()
    assert len(said) == 2  # "Installing ..." and one line saying what happened
    assert "could not download its Chromium (Error: getaddrinfo ENOTFOUND" in said[1]
    assert "at frame" not in first.stderr
    assert first.stdout.startswith("Browser: /")
    second = CliRunner().invoke(cli, ["setup", "--no-autoconsent"])
    assert second.exit_code == 0 and len(calls) == 1  # not downloaded again
    assert "could not be downloaded before" in second.stderr
