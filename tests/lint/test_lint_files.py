"""Which files lint reads: a broken spec is never skipped, files that are plainly not specs
are skipped and counted, nothing to lint is said as such; folders of any depth, symlink
loops and FIFOs end (lint/files.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from lintkit import RULE_FIXTURES
from typer.testing import CliRunner

from cnncalc.cli.app import app
from cnncalc.lint.files import LIBRARY, NOT_A_SPEC, kind

GOOD = (RULE_FIXTURES / "kernel-padding" / "pass.yaml").read_text(encoding="utf-8")
INPUT = "input: {channels: 1, height: 32, width: 32}\n"
LAYERS = "  - {type: conv2d, out_channels: 6, kernel_size: 5}\n"

# Broken specs: each must be a finding, named or found by a walk.
BROKEN = {
    "layer-for-layers": f"name: bad\n{INPUT}layer:\n{LAYERS}",
    "layers-under-input": (
        f"name: bad\ninput:\n  channels: 1\n  height: 32\n  width: 32\n  layers:\n  {LAYERS}"
    ),
    "both-misspelt": f"name: bad\nInput: {{channels: 1, height: 32, width: 32}}\nlayres:\n{LAYERS}",
    "only-layers-misspelt": f"name: bad\nLayers:\n{LAYERS}",
    "input-misspelt": f"name: bad\ninputs: {{channels: 1, height: 32}}\nlayers:\n{LAYERS}",
    "blocks-and-a-typo": "blocks: {b: {layers: [{type: relu}]}}\nlayer: []\n",
    "yaml-syntax-error": f"name: bad\n{INPUT}layers:\n  - {{type: conv2d\n",
    "syntax-error-and-typo": "name: bad\nlayer:\n  - {type: conv2d\n",
}
# Plainly not specs: skipped by a walk (and by --skip-non-specs), findings when named.
OTHER = {
    "workflow.yml": "name: CI\non: [push]\njobs: {lint: {runs-on: ubuntu-latest}}\n",
    "action.yml": (
        "name: act\ndescription: d\ninputs: {who: {description: x, required: true}}\n"
        "outputs: {o: {description: y}}\nruns: {using: node20, main: index.js}\n"
    ),
    "compose.yaml": "services: {web: {image: nginx}}\n",
    "gitlab.yml": "include: [a.yml]\nstages: [build]\n",
    "slack.yaml": "text: hi\nblocks: [{type: section}]\n",
    "list.yaml": "- 1\n- 2\n",
    "empty.yaml": "",
    "broken-other.yaml": "site_name: x\nnav: [\n",
}
LIBRARY_TEXT = "# shared blocks\nblocks:\n  b: {layers: [{type: relu}]}\ninclude: [other.yaml]\n"


def lint(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["lint", "--isolated", *args], env={"GITHUB_ACTIONS": ""})
    return r.exit_code, r.stdout, r.stderr


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_spec_is_a_finding_named_walked_or_under_the_hook_flag(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(BROKEN[name], encoding="utf-8")
    for args in ([str(path)], [str(tmp_path)], ["--skip-non-specs", str(path)]):
        code, out, _ = lint(*args)
        assert code == 1, (args, out)
        assert "All checks passed" not in out and f"{name}.yaml:" in out
        assert "Found " in out and " in 1 spec." in out


def test_the_issue_s_broken_spec_fails_as_params_does(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BROKEN["layer-for-layers"], encoding="utf-8")
    code, out, _ = lint(str(path))
    assert code == 1
    assert "E002 error [spec-error] unknown top-level key 'layer'" in out
    assert "did you mean 'layers'?" in out


@pytest.mark.parametrize("name", OTHER)
def test_yaml_that_is_plainly_not_a_spec_is_skipped_by_a_walk_but_a_finding_when_named(
    tmp_path: Path, name: str
) -> None:
    write(tmp_path, {name: OTHER[name], "net.yaml": GOOD})
    code, out, _ = lint(str(tmp_path))
    assert code == 0
    assert out.endswith(
        "All checks passed (1 spec). Skipped 1 file: 1 not a spec (--verbose lists them).\n"
    )
    code, out, _ = lint("--skip-non-specs", str(tmp_path / name), str(tmp_path / "net.yaml"))
    assert (code, out.splitlines()[-1].split(".")[0]) == (0, "All checks passed (1 spec)")
    code, out, _ = lint(str(tmp_path / name))
    assert code == 1 and out.endswith("in 1 spec.\n")
    if name in ("empty.yaml", "broken-other.yaml"):  # YAML's own error, as params says it
        assert f"{name}:" in out and " E001 error [spec-error] " in out
    else:
        assert f"{name}:1:1: E000 error [spec-error] not a spec" in out
        assert "--skip-non-specs" in out  # the hint says how to skip it instead


def test_verbose_lists_what_was_skipped_and_why(tmp_path: Path) -> None:
    (tmp_path / "blocks").mkdir()
    write(tmp_path, {"net.yaml": GOOD, "compose.yaml": OTHER["compose.yaml"]})
    write(tmp_path / "blocks", {"lib.yaml": LIBRARY_TEXT})
    code, out, _ = lint("-v", str(tmp_path))
    lines = out.splitlines()
    assert code == 0 and lines[-1] == (
        "All checks passed (1 spec). Skipped 2 files: 1 block library, 1 not a spec."
    )
    assert f"{tmp_path / 'blocks' / 'lib.yaml'}: skipped: block library (" in out
    assert f"{tmp_path / 'compose.yaml'}: skipped: not a spec (" in out


def test_a_block_library_is_skipped_even_when_named(tmp_path: Path) -> None:
    write(tmp_path, {"lib.yaml": LIBRARY_TEXT})
    code, out, _ = lint(str(tmp_path / "lib.yaml"))
    assert code == 0 and out.startswith("No specs found. Skipped 1 file: 1 block library")


def test_the_repository_s_block_libraries_are_the_files_skipped_in_specs() -> None:
    root = Path(__file__).parents[2]
    _, out, _ = lint("--format", "json", str(root / "specs"))
    data = json.loads(out)
    libraries = sorted((root / "specs" / "blocks").glob("*.yaml"))
    assert sorted(data["skipped"]) == [str(p) for p in libraries]
    assert len(data["files"]) == len(list((root / "specs").rglob("*.yaml"))) - len(libraries)


def test_nothing_to_lint_is_said_as_such(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": OTHER["compose.yaml"]})
    code, out, err = lint(str(tmp_path))
    assert (code, out) == (
        0,
        "No specs found. Skipped 1 file: 1 not a spec (--verbose lists them).\n",
    )
    (tmp_path / "compose.yaml").unlink()
    assert lint(str(tmp_path))[:2] == (0, "No specs found.\n")
    code, out, err = lint("--format", "json", str(tmp_path))
    assert code == 0 and json.loads(out)["files"] == []
    assert err == f"cnncalc lint: warning: no specs found in {tmp_path}\n"


@pytest.mark.parametrize(
    ("data", "want"),
    [
        ({"input": "3x32x32"}, "spec"),  # broken, but a spec: its errors are reported
        ({"layers": None}, "spec"),
        ({"name": "x", "Layer": [{"type": "relu"}]}, "spec"),
        ({"lyaers": [{"layers": []}]}, "spec"),
        ({"blocks": {"a": {"layers": []}}}, LIBRARY),
        ({"blocks": {"a": {"layers": []}}, "description": "d"}, LIBRARY),
        ({"blokcs": {"a": {"layers": []}}}, "spec"),
        ({"blocks": {"a": {}}, "author": "me"}, "spec"),
        ({"players": [{"name": "x"}]}, NOT_A_SPEC),  # near `layers`, but holds no layers
        ({"inputs": {"who": {"required": True}}}, NOT_A_SPEC),
        ({"name": "x", "description": "y", "outputs": ["a"]}, NOT_A_SPEC),
        ({1: 2}, NOT_A_SPEC),
        ([{"layers": []}], NOT_A_SPEC),
        (None, NOT_A_SPEC),
    ],
)
def test_what_counts_as_a_spec(data: object, want: str) -> None:
    assert kind(data) == want


# ---- walking: depth, loops, special files ----------------------------------------------------
def _chain(top: Path, depth: int) -> None:
    """top/d/d/…/d, `depth` folders, built by relative steps: the absolute path would outgrow
    what one system call takes."""
    old = os.getcwd()
    try:
        os.chdir(top)
        for _ in range(depth):
            os.mkdir("d")
            os.chdir("d")
        Path("net.yaml").write_text(GOOD, encoding="utf-8")
        Path("bad.yaml").write_text(BROKEN["layer-for-layers"], encoding="utf-8")
    finally:
        os.chdir(old)


def _unchain(top: Path, depth: int) -> None:
    """Remove it again, deepest first: shutil.rmtree (and pytest's clean-up) recurse."""
    old = os.getcwd()
    try:
        os.chdir(top / "d")
        for _ in range(depth - 1):
            os.chdir("d")
        for name in os.listdir("."):
            os.unlink(name)
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(old)


def test_a_folder_1100_deep_is_walked_without_recursion(tmp_path: Path) -> None:
    _chain(tmp_path, 1100)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # the default: a recursive walk fails at this depth
    try:
        code, out, _ = lint(str(tmp_path))
        code_glob, out_glob, _ = lint(str(tmp_path / "**" / "*.yaml"))
    finally:
        sys.setrecursionlimit(limit)
        _unchain(tmp_path, 1100)
    assert code == 1 and out.endswith("in 2 specs.\n") and "bad.yaml:3:1: E002" in out
    assert (code_glob, out_glob) == (code, out)


def test_a_symlink_loop_ends(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "a" / "self").symlink_to(tmp_path, target_is_directory=True)
    write(tmp_path / "a" / "b", {"net.yaml": GOOD})
    for arg in (str(tmp_path), str(tmp_path / "**" / "*.yaml"), str(tmp_path / "a" / "*")):
        code, out, _ = lint(arg)
        assert (code, out) == (0, "All checks passed (1 spec).\n"), arg


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_never_opened(tmp_path: Path) -> None:
    # Opening a FIFO with no writer blocks for ever: finishing at all is the proof.
    os.mkfifo(tmp_path / "pipe.yaml")
    write(tmp_path, {"net.yaml": GOOD})
    tail = "All checks passed (1 spec). Skipped 1 file: 1 not a regular file"
    for arg in (str(tmp_path), str(tmp_path / "*.yaml")):
        code, out, _ = lint(arg)
        assert code == 0 and out.startswith(tail), arg
    code, _, err = lint(str(tmp_path / "pipe.yaml"))
    assert code == 2 and "pipe.yaml: not a regular file (a FIFO)" in err


def test_a_device_named_is_a_usage_error() -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    code, _, err = lint("/dev/null")
    assert code == 2 and "/dev/null: not a regular file (a character device)" in err


def test_globs_match_as_glob_does(tmp_path: Path) -> None:
    (tmp_path / "zoo" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    write(tmp_path, {"a.yaml": GOOD, "b.yml": GOOD, "c.txt": GOOD})
    write(tmp_path / "zoo", {"z.yaml": GOOD})
    write(tmp_path / "zoo" / "deep", {"y.yaml": GOOD})
    write(tmp_path / ".hidden", {"h.yaml": GOOD})

    def files(pattern: str) -> list[str]:
        code, out, _ = lint("--format", "json", str(tmp_path / pattern))
        assert code == 0
        return [Path(f).relative_to(tmp_path).as_posix() for f in json.loads(out)["files"]]

    assert files("*.yaml") == ["a.yaml"]
    assert files("*.y?ml") == ["a.yaml"]
    assert files("[ab].y*") == ["a.yaml", "b.yml"]
    assert files("*") == ["a.yaml", "b.yml", "c.txt", "zoo/deep/y.yaml", "zoo/z.yaml"]
    assert files("**/*.yaml") == ["a.yaml", "zoo/deep/y.yaml", "zoo/z.yaml"]
    assert files("zoo/*/*.yaml") == ["zoo/deep/y.yaml"]
