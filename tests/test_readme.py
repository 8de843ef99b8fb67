"""The README shows the real `--help` of every command and the live schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_readme_is_current() -> None:
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "README.md"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, (
        "README.md is out of date: run `.venv/bin/cog -r README.md`\n" + result.stdout
        + result.stderr)


def test_readme_documents_every_command() -> None:
    from archiver.cli import cli

    readme = (ROOT / "README.md").read_text()
    for name in cli.commands:
        assert f"### `archiver {name} --help`" in readme, name
