"""docs/diff.md's examples run: each `$ cnncalc …` line in a console block prints the lines
below it (stdout, then stderr; `…` stands for any lines; a last line `[exit N]` is the exit
code, else 0), in a folder holding the doc's `# file: NAME` YAML blocks; a command naming
`net.yaml@HEAD~1` runs in a git repository where net.yaml's last commit changed old.yaml's
text to new.yaml's. docs/json.md's `cnncalc diff` contract is what the JSON output has, and
docs/lint.md points to diff's budgets."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests.diff.kit import ROOT, cli, repo_with, write

DOC = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
FILES = dict(re.findall(r"```yaml\n# file: (\S+)\n(.*?)```", DOC, re.S))
CONSOLE = re.findall(r"```console\n(.*?)```", DOC, re.S)


def examples() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for block in CONSOLE:
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *lines = chunk.rstrip("\n").split("\n")
            out.append((command, lines))
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    pattern = "".join(".*?\n" if e == "…" else re.escape(e) + "\n" for e in expected)
    return re.fullmatch(pattern, "".join(a + "\n" for a in actual), re.S) is not None


def test_the_doc_has_examples() -> None:
    assert len(examples()) >= 5 and set(FILES) == {"old.yaml", "new.yaml"}


@pytest.mark.parametrize(("command", "expected"), examples(), ids=[c for c, _ in examples()])
def test_console_example(
    command: str, expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = shlex.split(command)
    assert args[0] == "cnncalc"
    if any("@HEAD" in a for a in args):
        repo_with(tmp_path, {"net.yaml": FILES["old.yaml"]}, {"net.yaml": FILES["new.yaml"]})
    else:
        write(tmp_path, FILES)
    monkeypatch.chdir(tmp_path)
    code = 0
    if expected and re.fullmatch(r"\[exit \d\]", expected[-1]):
        code = int(expected.pop()[6])
    result = cli(*args[1:], env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == code, result.stderr
    text = result.stdout + result.stderr
    actual = [line.rstrip() for line in text.rstrip("\n").split("\n")]
    assert matches(expected, actual), "\n".join(actual)


def test_bash_block_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The opening block's commands, on the doc's files in a repository with two commits
    (origin/main named as a branch): each runs, exit 0 or 1 (a broken budget)."""
    block = DOC.split("```bash\n", 1)[1].split("```", 1)[0]
    repo = repo_with(
        tmp_path, {"specs/net.yaml": FILES["old.yaml"]}, {"specs/net.yaml": FILES["new.yaml"]}
    )
    from tests.diff.kit import git

    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD~1")
    write(repo, FILES)
    monkeypatch.chdir(repo)
    for line in block.splitlines():
        command = (
            line.split("#", 1)[0].split(">", 1)[0] if "'" not in line else line.split("  #")[0]
        )
        args = shlex.split(command)
        res = cli(*args[1:], env={"GITHUB_ACTIONS": ""})
        assert res.exit_code in (0, 1), (line, res.stderr)
        assert res.stdout.strip(), line
        if "--fail-on" in args:
            assert res.exit_code == 1 and "params>+5%: broken" in res.stderr


# ---- docs/json.md: the contract --------------------------------------------------------
JSON_MD = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")


def contract() -> dict[str, dict[str, str]]:
    part = JSON_MD.split("## `cnncalc diff OLD NEW --format json`", 1)[1].split("\n## ", 1)[0]
    out: dict[str, dict[str, str]] = {}
    for heading, body in re.findall(r"^### (.+?)\n(.*?)(?=^### |\Z)", part, re.M | re.S):
        keys = re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|", body, re.M)
        out[heading.strip("`")] = {k: present.strip() for k, present in keys}
    return out


FIGURE_KEYS = {"old", "new", "delta", "percent"}


def test_json_has_exactly_the_documented_keys(tmp_path: Path) -> None:
    spec = contract()
    assert set(spec) == {"top level", "layers[]"} and all(spec.values())
    write(tmp_path, FILES)
    lenet = ROOT / "specs" / "lenet5.yaml"
    runs = [
        (tmp_path / "old.yaml", tmp_path / "new.yaml", "--fail-on", "params>+1%"),
        (lenet, lenet),  # memory n/a on both sides: memory_notes
    ]
    seen_status: set[str] = set()
    for run in runs:
        res = cli("diff", *run, "-f", "json")
        assert res.exit_code in (0, 1), res.stderr
        data: dict[str, Any] = json.loads(res.stdout)
        assert set(data) == set(spec["top level"])
        assert set(data["totals"]) == {"layers", "params", "trainable", "macs", "memory"}
        assert all(set(f) == FIGURE_KEYS for f in data["totals"].values())
        for row in data["layers"]:
            assert set(row) == set(spec["layers[]"])
            assert set(row["figures"]) == {"params", "trainable", "macs", "memory"}
            assert all(set(f) == FIGURE_KEYS for f in row["figures"].values())
            assert all(set(c) == {"what", "old", "new"} for c in row["changes"])
            seen_status.add(row["status"])
        assert sum(data["summary"][k] for k in ("added", "removed", "changed", "unchanged")) == len(
            data["layers"]
        )
    assert seen_status == {"added", "removed", "changed", "unchanged"}


def test_lint_md_points_to_diff_budgets() -> None:
    lint = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    assert "cnncalc diff" in lint and "diff.md" in lint and "--fail-on 'params>+5%'" in lint
