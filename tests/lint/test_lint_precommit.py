"""The pre-commit hook, run the way pre-commit runs it: the entry from .pre-commit-hooks.yaml
with the staged files whose names match `files`, in a subprocess, judged by exit code."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from lintkit import REPO, RULE_FIXTURES


def hook() -> dict[str, object]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [h] = [h for h in hooks if h["id"] == "cnncalc-lint"]
    assert h["language"] == "python" and h["entry"] == "cnncalc lint"
    return dict(h)


def executable() -> str:
    here = Path(sys.executable).parent / "cnncalc"  # the console script beside this Python
    found = str(here) if here.exists() else shutil.which("cnncalc")
    if found is None:
        pytest.skip("the cnncalc console script is not installed")
    return found


def run_hook(files: list[Path], cwd: Path) -> int:
    h = hook()
    pattern = re.compile(str(h["files"]))
    staged = [str(f.relative_to(cwd)) for f in files if pattern.search(str(f.relative_to(cwd)))]
    if not staged:
        return 0  # pre-commit skips a hook with no matching files
    entry = shlex.split(str(h["entry"]))
    cmd = [executable(), *entry[1:], *[str(a) for a in h.get("args", [])], *staged]  # type: ignore[attr-defined]
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, env={"PATH": "", "NO_COLOR": "1"}
    ).returncode


def test_hook_passes_clean_specs_and_ignores_other_files(tmp_path: Path) -> None:
    good = tmp_path / "net.yaml"
    good.write_text(
        (RULE_FIXTURES / "expectation" / "pass.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: [push]\njobs: {}\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text("layers: not yaml we look at\n", encoding="utf-8")
    assert run_hook([good, workflow, readme], tmp_path) == 0


def test_hook_fails_a_broken_spec(tmp_path: Path) -> None:
    bad = tmp_path / "lenet.yaml"
    bad.write_text(
        (RULE_FIXTURES / "expectation" / "fail.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    good = tmp_path / "ok.yml"
    good.write_text(
        (RULE_FIXTURES / "expectation" / "pass.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert run_hook([good, bad], tmp_path) == 1
