"""include: taking blocks from other spec files, relative to the including file; refused
outside the spec's folder tree (unless CNNCALC_INCLUDE_ANYWHERE=1), in cycles, and located."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc.api import SpecError, analyze, load
from cnncalc.spec.blocks import ALLOW_OUTSIDE_ENV

SPEC = """name: t
input: {channels: 3, height: 8, width: 8}
include: %s
layers:
  - {name: a, type: cbr, out: 4}
"""
CBR = """blocks:
  cbr:
    args: {out}
    layers:
      - {type: conv2d, out_channels: $out, kernel_size: 3, padding: 1}
      - {type: relu}
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def errors(path: Path) -> list[str]:
    with pytest.raises(SpecError) as err:
        analyze(load(path))
    return [p.format() for p in err.value.problems]


def test_blocks_come_from_included_files_relative_to_each(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "net.yaml": SPEC % "[lib/a.yaml, lib/b.yaml]",
            "lib/a.yaml": "include: inner/cbr.yaml\n",  # relative to lib/
            "lib/inner/cbr.yaml": CBR,
            # a diamond: lib/a.yaml and lib/b.yaml both include inner/cbr.yaml
            "lib/b.yaml": "include: inner/cbr.yaml\nblocks: {other: {layers: [{type: relu}]}}\n",
        },
    )
    r = analyze(load(tmp_path / "net.yaml"))
    assert [s.name for s in r.layers] == ["a.0", "a.1"]


def test_the_zoo_shares_blocks(tmp_path: Path) -> None:
    specs = Path(__file__).resolve().parents[2] / "specs"
    assert analyze(load(specs / "resnet18.yaml")).totals.params == 11_689_512
    assert analyze(load(specs / "squeezenet1_1.yaml")).totals.params == 1_235_496


def test_outside_the_spec_folder_is_refused_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"shared/cbr.yaml": CBR, "project/net.yaml": SPEC % "../shared/cbr.yaml"})
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    [msg] = errors(tmp_path / "project/net.yaml")
    assert re.match(
        r".*net\.yaml:3:10: E113 include '\.\./shared/cbr\.yaml' is outside the spec's folder", msg
    )
    monkeypatch.setenv(ALLOW_OUTSIDE_ENV, "1")
    assert analyze(load(tmp_path / "project/net.yaml")).totals.params == 3 * 9 * 4 + 4


def test_a_family_folder_shares_the_blocks_folder_beside_it_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """specs/resnet/x.yaml may include ../blocks/resnet.yaml, as specs/x.yaml includes
    blocks/resnet.yaml; any other folder above it stays refused, and so does a blocks/ that
    is a symlink (it could lead anywhere)."""
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    write(
        tmp_path,
        {
            "blocks/cbr.yaml": CBR,
            "other/cbr.yaml": CBR,
            "fam/net.yaml": SPEC % "../blocks/cbr.yaml",
            "fam/bad.yaml": SPEC % "../other/cbr.yaml",
            "fam/deep/net.yaml": SPEC % "../../blocks/cbr.yaml",
        },
    )
    assert analyze(load(tmp_path / "fam/net.yaml")).totals.params == 3 * 9 * 4 + 4
    for bad in ("fam/bad.yaml", "fam/deep/net.yaml"):
        [msg] = errors(tmp_path / bad)
        assert "E113" in msg and "is outside the spec's folder" in msg, msg
    write(tmp_path, {"elsewhere/cbr.yaml": CBR, "linked/fam/net.yaml": SPEC % "../blocks/cbr.yaml"})
    (tmp_path / "linked" / "blocks").symlink_to(tmp_path / "elsewhere")
    [msg] = errors(tmp_path / "linked/fam/net.yaml")
    assert "E113" in msg and "is outside the spec's folder" in msg, msg


def test_include_cycles_and_missing_files_are_located(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "net.yaml": SPEC % "[a.yaml, missing.yaml]",
            "a.yaml": "include: b.yaml\n" + CBR,
            "b.yaml": "include: [a.yaml]\n",
        },
    )
    msgs = errors(tmp_path / "net.yaml")
    assert any(
        re.match(r".*b\.yaml:1:11: E113 include cycle: a\.yaml → b\.yaml → a\.yaml", m)
        for m in msgs
    ), msgs
    assert any(
        re.match(r".*net\.yaml:3:19: E113 include 'missing\.yaml': no such file", m) for m in msgs
    ), msgs
    write(tmp_path, {"self.yaml": SPEC % "self.yaml" + CBR})
    assert any("include cycle: self.yaml → self.yaml" in m for m in errors(tmp_path / "self.yaml"))


def test_problems_inside_included_files_point_into_them(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "net.yaml": SPEC % "lib.yaml",
            "lib.yaml": CBR.replace("kernel_size: 3, padding: 1", "kernel_size: 9"),
        },
    )
    [msg] = errors(tmp_path / "net.yaml")
    assert re.match(r".*lib\.yaml:5:\d+: E100 layer 'a\.0': kernel extent 9 is larger", msg), msg
    write(tmp_path, {"lib.yaml": "blocks: [oops\n"})
    [msg] = errors(tmp_path / "net.yaml")
    assert re.match(r".*lib\.yaml:2:1: E001 YAML syntax error", msg), msg


def test_a_block_defined_twice_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"net.yaml": SPEC % "lib.yaml" + CBR, "lib.yaml": CBR})
    [msg] = errors(tmp_path / "net.yaml")
    assert re.match(
        r".*net\.yaml:7:3: E110 block 'cbr' is defined twice \(first at .*lib\.yaml:2:3\)", msg
    ), msg


# ---- the file opened is the file checked; regular files only; nothing outside is quoted ----
SECRET = "hunter2"
# a file outside the spec's folder whose text a YAML message would quote (a duplicate key)
OUTSIDE = f"blocks:\n  cbr: {{layers: [{{type: relu}}]}}\n{SECRET}: 1\n{SECRET}: 2\n"


def test_a_symlink_then_dotdot_opens_the_file_that_was_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`L/../../x.yaml` with L -> a/b: the OS (and the check) reach p/x.yaml, inside; the
    text collapsed (`p/L/../../x.yaml` -> x.yaml beside p) names a file outside."""
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    write(
        tmp_path,
        {
            "x.yaml": OUTSIDE,  # outside the spec's folder p/
            "p/x.yaml": CBR,
            "p/a/b/.keep": "",
            "p/net.yaml": SPEC % "L/../../x.yaml",
        },
    )
    (tmp_path / "p/L").symlink_to("a/b")
    r = analyze(load(tmp_path / "p/net.yaml"))  # p/x.yaml's cbr: a conv and a relu
    assert [s.name for s in r.layers] == ["a.0", "a.1"]
    assert r.totals.params == 3 * 9 * 4 + 4
    # the same with the inside file missing: "no such file", naming the inside path
    (tmp_path / "p/x.yaml").unlink()
    [msg] = errors(tmp_path / "p/net.yaml")
    assert "E113 include 'L/../../x.yaml': no such file" in msg, msg
    assert str(tmp_path / "p/x.yaml") in msg and SECRET not in msg


def test_problems_in_a_file_reached_through_a_symlink_name_its_real_path(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {"p/x.yaml": "blocks: [oops\n", "p/a/b/.keep": "", "p/net.yaml": SPEC % "L/../../x.yaml"},
    )
    (tmp_path / "p/L").symlink_to("a/b")
    [msg] = errors(tmp_path / "p/net.yaml")
    assert msg.startswith(f"{tmp_path / 'p/x.yaml'}:2:1: E001 YAML syntax error"), msg


@pytest.mark.parametrize("how", ["relative", "absolute", "symlink", "symlinked folder"])
def test_outside_files_are_never_opened_nor_quoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    write(tmp_path, {"outside/x.yaml": OUTSIDE, "p/.keep": ""})
    item = {
        "relative": "../outside/x.yaml",
        "absolute": str(tmp_path / "outside/x.yaml"),
        "symlink": "link.yaml",
        "symlinked folder": "dir/x.yaml",
    }[how]
    (tmp_path / "p/link.yaml").symlink_to(tmp_path / "outside/x.yaml")
    (tmp_path / "p/dir").symlink_to(tmp_path / "outside")
    write(tmp_path, {"p/net.yaml": SPEC % f"'{item}'"})
    [msg] = errors(tmp_path / "p/net.yaml")
    assert f"E113 include '{item}' is outside the spec's folder" in msg, msg
    assert SECRET not in msg
    # allowed on request: then its problems are shown like any spec's (the user trusts it)
    monkeypatch.setenv(ALLOW_OUTSIDE_ENV, "1")
    [msg] = errors(tmp_path / "p/net.yaml")
    assert "E001 duplicate key 'hunter2'" in msg, msg


@pytest.mark.parametrize("when", ["open", "stat"])
def test_a_folder_swapped_for_a_symlink_after_the_check_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """A race: `sub/x.yaml` is checked (inside), then `sub` becomes a symlink to a folder
    outside before the open (caught by the inode seen before), or before the file's status
    is read (caught by where the descriptor really points, /proc/self/fd)."""
    from cnncalc.spec import files

    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    write(
        tmp_path,
        {"outside/x.yaml": OUTSIDE, "p/sub/x.yaml": CBR, "p/net.yaml": SPEC % "sub/x.yaml"},
    )
    real = getattr(os, when)

    def swap_first(path: str, *args: int, **kw: bool) -> object:
        if str(path).endswith("sub/x.yaml") and not (tmp_path / "p/sub").is_symlink():
            (tmp_path / "p/sub").rename(tmp_path / "p/old")
            (tmp_path / "p/sub").symlink_to(tmp_path / "outside")
        return real(path, *args, **kw)

    monkeypatch.setattr(files.os, when, swap_first)
    [msg] = errors(tmp_path / "p/net.yaml")
    why = "changed while it was being opened" if when == "open" else "is outside the spec's"
    assert f"E113 include 'sub/x.yaml' {why}" in msg, msg
    assert SECRET not in msg
    assert (tmp_path / "p/sub").is_symlink()  # the swap did happen


def test_a_fifo_swapped_in_after_the_check_is_not_waited_on(tmp_path: Path) -> None:
    """A FIFO that passes the status check (swapped in after it) is opened without waiting
    for a writer, then refused: run in a child process, so a hang fails instead of hanging."""
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    code = (
        "import os, sys; from pathlib import Path; from cnncalc.spec import files\n"
        f"regular = os.stat({__file__!r})\n"
        "files.os.stat = lambda p, *a, **k: regular  # the check saw a regular file\n"
        "try:\n"
        f"    files.read_regular(Path({str(fifo)!r}), None)\n"
        "except files.Refused as r:\n"
        "    print(r.reason)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.strip() == "is a FIFO, not a spec file", out


@pytest.mark.parametrize("anywhere", [False, True])
def test_fifos_devices_and_stdin_are_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, anywhere: bool
) -> None:
    """Through the real CLI with stdin an open pipe that nobody writes: reading any of these
    would wait forever (or, /dev/zero, until the size limit)."""
    os.mkfifo(tmp_path / "fifo.yaml")
    items = ["fifo.yaml", "/dev/zero", "/dev/stdin", "/proc/self/fd/0", "/dev/null"]
    env = {
        k: v for k, v in os.environ.items() if k not in (ALLOW_OUTSIDE_ENV, "PYTEST_CURRENT_TEST")
    }
    if anywhere:
        env[ALLOW_OUTSIDE_ENV] = "1"
    for item in items:
        write(tmp_path, {"net.yaml": SPEC % item})
        with subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from cnncalc.cli.fast import entry; entry()",
                "params",
                "net.yaml",
            ],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            try:
                proc.wait(timeout=30)  # stdin stays open meanwhile (communicate would close it)
            except subprocess.TimeoutExpired:
                proc.kill()
                pytest.fail(f"include {item!r} hangs")
            assert proc.stderr is not None
            err = proc.stderr.read()
        assert proc.returncode == 1, (item, err)
        [line] = err.splitlines()
        assert f"net.yaml:3:10: E113 include '{item}'" in line, line
        if item == "fifo.yaml":
            assert "is a FIFO, not a spec file" in line, line
        elif not anywhere:
            assert "is outside the spec's folder" in line, line
        else:  # /dev/stdin is /proc/self/fd/0, a link to "pipe:[…]": no file of that name
            assert "is a device, not a spec file" in line or "no such file" in line, line


def test_a_loop_of_symlinks_is_located(tmp_path: Path) -> None:
    write(tmp_path, {"net.yaml": SPEC % "a.yaml"})
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    [msg] = errors(tmp_path / "net.yaml")  # RuntimeError from pathlib before
    assert re.match(r".*net\.yaml:3:10: E113 include 'a\.yaml': not a usable path", msg), msg
