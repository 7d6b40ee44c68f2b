"""The pre-commit hooks: the remote one run the way pre-commit runs it (the entry from
.pre-commit-hooks.yaml with the staged files whose names match `files`, in a subprocess), and
the README's `repo: local` snippet run for real by pre-commit in a scratch git repository."""

from __future__ import annotations

import os
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
    assert h["language"] == "python" and h["entry"] == "cnncalc lint --skip-non-specs"
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
    env = {"PATH": "", "NO_COLOR": "1"}
    if "PYTHONPATH" in os.environ:  # the sources under test, where they are not installed
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env).returncode


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


BROKEN = (
    "name: bad\ninput: {channels: 1, height: 32, width: 32}\n"
    "layer:\n  - {type: conv2d, out_channels: 6, kernel_size: 5}\n"
)


@pytest.mark.parametrize(
    "text",
    [BROKEN, BROKEN.replace("layer:", "  layers:").replace("\n  - ", "\n    - ")],
    ids=["layer-for-layers", "layers-under-input"],
)
def test_hook_fails_a_spec_with_a_misspelt_or_misplaced_key(tmp_path: Path, text: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: [push]\njobs: {}\n", encoding="utf-8")
    assert run_hook([bad, workflow], tmp_path) == 1
    assert run_hook([workflow], tmp_path) == 0


# ---- the README's snippet, run by pre-commit itself -----------------------------------------
def readme_snippet() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "repos:" in b]
    assert len(blocks) == 1, "README.md has one .pre-commit-config.yaml snippet"
    return blocks[0]


def test_the_readme_snippet_and_the_hook_definition_agree() -> None:
    [repo] = yaml.safe_load(readme_snippet())["repos"]
    [local] = repo["hooks"]
    assert repo["repo"] == "local" and local["language"] == "system"
    remote = hook()
    assert (local["id"], local["entry"], local["files"]) == (
        remote["id"],
        remote["entry"],
        remote["files"],
    )


def pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        PRE_COMMIT_HOME=str(repo.parent / "pre-commit-home"),
        HOME=str(repo.parent),
        # the language: system hook finds cnncalc on PATH: the one beside this Python
        PATH=os.pathsep.join([str(Path(executable()).parent), env.get("PATH", "")]),
        NO_COLOR="1",
        GIT_CONFIG_NOSYSTEM="1",
    )
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_the_readme_snippet_runs_under_pre_commit(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".pre-commit-config.yaml").write_text(readme_snippet(), encoding="utf-8")
    (repo / "specs" / "lenet5.yaml").write_text(
        (REPO / "specs" / "lenet5.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (repo / "specs" / "bad.yaml").write_text(BROKEN, encoding="utf-8")
    (repo / ".github" / "workflows" / "ci.yml").write_text(
        "name: CI\non: [push]\njobs: {lint: {runs-on: ubuntu-latest}}\n", encoding="utf-8"
    )
    git(repo, "init", "-q")
    git(repo, "add", "-A")

    run = pre_commit(repo, "run", "--all-files")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "cnncalc lint" in run.stdout and "Failed" in run.stdout
    assert "specs/bad.yaml:3:1: E002 error [spec-error] unknown top-level key 'layer'" in run.stdout
    assert "specs/lenet5.yaml" not in run.stdout  # clean: no finding
    assert "ci.yml" not in run.stdout and ".pre-commit-config.yaml" not in run.stdout

    (repo / "specs" / "bad.yaml").unlink()
    git(repo, "add", "-A")
    run = pre_commit(repo, "run", "--all-files")
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"cnncalc lint\.+Passed", run.stdout), run.stdout
