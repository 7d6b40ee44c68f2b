"""Helpers for the diff tests: the CLI in-process, spec files, a git repository."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cnncalc.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str | Path, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    """`cnncalc ARGS` in-process: click's Result (stdout, stderr, exit_code)."""
    return CliRunner().invoke(app, [str(a) for a in args], input=input, env=env)


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def repo_with(folder: Path, *commits: dict[str, str]) -> Path:
    """A git repository in `folder` with one commit per mapping of files (path -> text)."""
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q", "-b", "main")
    for i, files in enumerate(commits):
        write(folder, files)
        git(folder, "add", "-A")
        git(folder, "commit", "-q", "-m", f"commit {i}")
    return folder
