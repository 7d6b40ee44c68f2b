"""`PATH@REV`: the old spec read from git, its includes from the same revision, errors located
as `PATH@REV:line:col`, and the usage errors (unknown revision, not a repository) one line,
exit 2. Each test makes its own repository."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cnncalc.spec.revision import split
from tests.diff.kit import cli, git, repo_with

LIB_V1 = """\
blocks:
  unit:
    args: {c}
    layers:
      - {type: conv2d, out_channels: $c, kernel_size: 3, padding: 1}
      - {type: relu}
"""
NET = """\
name: net
include: [../blocks/lib.yaml, parts/more.yaml]
input: {channels: 3, height: 8, width: 8}
layers:
  - {name: stem, type: unit, c: 4}
  - {name: extra, type: tail}
  - {name: head, type: conv2d, out_channels: 2, kernel_size: 1}
"""
MORE = """\
blocks:
  tail:
    layers:
      - {type: conv2d, out_channels: 4, kernel_size: 1}
"""


def figures(res: Any) -> dict[str, dict[str, int]]:
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)["totals"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two commits: the second widens the block library's kernel (the spec itself is the
    same) and the nested include's convolution; the working tree then changes again."""
    repo = repo_with(
        tmp_path / "repo",
        {
            "specs/blocks/lib.yaml": LIB_V1,
            "specs/net/net.yaml": NET,
            "specs/net/parts/more.yaml": MORE,
        },
        {
            "specs/blocks/lib.yaml": LIB_V1.replace(
                "kernel_size: 3, padding: 1", "kernel_size: 5, padding: 2"
            ),
            "specs/net/parts/more.yaml": MORE.replace("out_channels: 4", "out_channels: 8"),
        },
    )
    (repo / "specs/net/net.yaml").write_text(NET.replace("out_channels: 2", "out_channels: 3"))
    monkeypatch.chdir(repo)
    return repo


def params_of(lib: str, more: str, net: str, folder: Path) -> int:
    """`cnncalc params` on the files written out by hand: the authority for a revision."""
    for name, text in (
        ("blocks/lib.yaml", lib),
        ("net/net.yaml", net),
        ("net/parts/more.yaml", more),
    ):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    res = cli("params", folder / "net/net.yaml", "-f", "json")
    assert res.exit_code == 0, res.stderr
    return int(json.loads(res.stdout)["totals"]["params"])


def test_includes_are_read_from_the_revision(repo: Path, tmp_path: Path) -> None:
    v1 = params_of(LIB_V1, MORE, NET, tmp_path / "v1")
    lib2 = LIB_V1.replace("kernel_size: 3, padding: 1", "kernel_size: 5, padding: 2")
    more2 = MORE.replace("out_channels: 4", "out_channels: 8")
    v2 = params_of(lib2, more2, NET, tmp_path / "v2")
    tree = params_of(lib2, more2, NET.replace("out_channels: 2", "out_channels: 3"), tmp_path / "t")
    assert len({v1, v2, tree}) == 3
    t = figures(cli("diff", "specs/net/net.yaml@HEAD~1", "specs/net/net.yaml@HEAD", "-f", "json"))
    assert (t["params"]["old"], t["params"]["new"]) == (v1, v2)
    t = figures(cli("diff", "specs/net/net.yaml@HEAD~1", "specs/net/net.yaml", "-f", "json"))
    assert (t["params"]["old"], t["params"]["new"]) == (v1, tree)
    sha = git(repo, "rev-parse", "HEAD~1").strip()
    t = figures(cli("diff", f"specs/net/net.yaml@{sha}", "specs/net/net.yaml", "-f", "json"))
    assert t["params"]["old"] == v1


def test_paths_are_relative_to_the_current_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_root = cli("diff", "specs/net/net.yaml@HEAD~1", "specs/net/net.yaml@main", "-f", "json")
    monkeypatch.chdir(repo / "specs" / "net")
    below = cli("diff", "net.yaml@HEAD~1", "net.yaml@main", "-f", "json")
    assert figures(at_root) == figures(below)


def test_a_file_deleted_from_the_working_tree(repo: Path) -> None:
    git(repo, "rm", "-q", "-r", "-f", "specs/net")
    res = cli("diff", "specs/net/net.yaml@HEAD~1", "specs/net/net.yaml@HEAD", "-f", "json")
    assert figures(res)["layers"]["old"] == 4


def test_errors_in_a_revision_are_located_there(repo: Path) -> None:
    bad = NET.replace("kernel_size: 1}", "kernel_sise: 1}")
    (repo / "specs/net/net.yaml").write_text(bad)
    (repo / "specs/net/parts/more.yaml").write_text(MORE.replace("kernel_size", "kernel_syze"))
    git(repo, "commit", "-q", "-am", "broken")
    (repo / "specs/net/net.yaml").write_text(NET)
    res = cli("diff", "specs/net/net.yaml@HEAD", "specs/net/net.yaml")
    assert res.exit_code == 1 and res.stdout == ""
    line = bad.splitlines().index(next(x for x in bad.splitlines() if "sise" in x)) + 1
    lines = res.stderr.strip().splitlines()
    assert any(
        x.startswith(f"specs/net/net.yaml@HEAD:{line}:") and "kernel_sise" in x for x in lines
    )
    assert any(x.startswith("specs/net/parts/more.yaml@HEAD:4:") for x in lines), lines
    assert "cnncalc-rev-" not in res.stderr  # the temporary folder never shows


def test_an_include_escaping_its_folder_is_refused_in_a_revision(repo: Path) -> None:
    (repo / "secret.yaml").write_text(MORE)
    (repo / "specs/net/net.yaml").write_text(NET.replace("parts/more.yaml", "../../secret.yaml"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "escape")
    res = cli("diff", "specs/net/net.yaml@HEAD", "specs/net/net.yaml@HEAD~1")
    assert res.exit_code == 1
    assert "specs/net/net.yaml@HEAD:2:" in res.stderr and "E113" in res.stderr
    assert "outside the spec's folder" in res.stderr
    anywhere = cli(
        "diff", "specs/net/net.yaml@HEAD", "specs/net/net.yaml@HEAD~1",
        env={"CNNCALC_INCLUDE_ANYWHERE": "1"},
    )  # fmt: skip
    assert anywhere.exit_code in (1, 2) and "Traceback" not in anywhere.stderr
    assert "outside" in anywhere.stderr or "no such file" in anywhere.stderr


def test_an_include_through_a_symlink_is_not_followed(repo: Path) -> None:
    os.symlink("parts", repo / "specs/net/link")
    (repo / "specs/net/net.yaml").write_text(NET.replace("parts/more.yaml", "link/more.yaml"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "symlink")
    assert cli("params", "specs/net/net.yaml").exit_code == 0  # the working tree follows it
    res = cli("diff", "specs/net/net.yaml@HEAD", "specs/net/net.yaml")
    assert res.exit_code == 1 and "include 'link/more.yaml': no such file" in res.stderr


@pytest.mark.parametrize(
    ("old", "message"),
    [
        ("specs/net/net.yaml@nope", "unknown revision 'nope'"),
        ("specs/net/net.yaml@HEAD~9", "unknown revision 'HEAD~9'"),
        ("specs/net/net.yaml@--output=x", "write a revision as PATH@REV"),
        ("specs/net/gone.yaml@HEAD", "has no file specs/net/gone.yaml"),
        ("specs/net@HEAD", "has no file specs/net"),
    ],
)
def test_usage_errors(repo: Path, old: str, message: str) -> None:
    res = cli("diff", old, "specs/net/net.yaml")
    assert res.exit_code == 2 and res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1 and message in res.stderr, res.stderr
    assert not (repo / "x").exists()


def test_not_a_repository_and_outside_it(tmp_path: Path, repo: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.yaml").write_text("name: a\ninput: {features: 2}\nlayers: [{type: relu}]\n")
    res = cli("diff", f"{plain / 'a.yaml'}@HEAD", plain / "a.yaml")
    assert res.exit_code == 2 and "not a git repository" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_split() -> None:
    assert split("net.yaml@HEAD~1") == ("net.yaml", "HEAD~1")
    assert split("net.yaml@HEAD@{1}") == ("net.yaml", "HEAD@{1}")
    assert split("a@b.yaml@main") == ("a@b.yaml", "main")
    assert split("plain.yaml") == ("plain.yaml", None)
    assert split("-") == ("-", None)


def test_a_file_named_with_an_at_sign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = "name: a\ninput: {features: 2}\nlayers: [{type: relu}]\n"
    (tmp_path / "a@b.yaml").write_text(text)
    assert split("a@b.yaml") == ("a@b.yaml", None)
    assert cli("diff", "a@b.yaml", "a@b.yaml").exit_code == 0


def test_a_spec_at_the_repository_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its includes come from the revision too; blocks/ beside the repository is not read."""
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "lib.yaml").write_text(LIB_V1)  # a shared folder outside the repo
    net = NET.replace("../blocks/lib.yaml", "lib/lib.yaml").replace("parts/more.yaml", "more.yaml")
    repo = repo_with(
        tmp_path / "repo",
        {"net.yaml": net, "lib/lib.yaml": LIB_V1, "more.yaml": MORE},
        {"lib/lib.yaml": LIB_V1.replace("out_channels: $c", "out_channels: $c, bias: false")},
    )
    monkeypatch.chdir(repo)
    t = figures(cli("diff", "net.yaml@HEAD~1", "net.yaml", "-f", "json"))
    assert t["params"]["old"] - t["params"]["new"] == 4  # the block conv's bias: c = 4
    escape = NET.replace("parts/more.yaml", "more.yaml")  # ../blocks/lib.yaml: outside
    (repo / "net.yaml").write_text(escape)
    git(repo, "commit", "-q", "-am", "escape")
    res = cli("diff", "net.yaml@HEAD", "net.yaml@HEAD~1")
    assert res.exit_code == 1 and "net.yaml@HEAD:2:" in res.stderr
    assert "outside the spec's folder" in res.stderr and "cnncalc-rev-" not in res.stderr


def test_github_annotations_name_working_tree_files_only(repo: Path) -> None:
    res = cli("diff", "specs/net/net.yaml@HEAD~1", "specs/net/net.yaml@HEAD", "-f", "github")
    assert res.exit_code == 0 and res.stdout and "file=" not in res.stdout
    res = cli("diff", "specs/net/net.yaml@HEAD~1", "specs/net/net.yaml", "-f", "github")
    assert "file=specs/net/net.yaml,line=" in res.stdout


@pytest.mark.parametrize(
    "ref", ["specs/net/ne\x00t.yaml@HEAD", "specs/net/net.yaml@HE\x00AD", "@HEAD"]
)
def test_unusable_names_are_usage_errors(repo: Path, ref: str) -> None:
    from cnncalc.api import load_ref
    from cnncalc.errors import CnncalcError

    with pytest.raises(CnncalcError) as err:
        load_ref(ref)
    assert err.value.exit_code == 2 and "\x00" not in str(err.value)
