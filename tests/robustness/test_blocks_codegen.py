"""Blocks and includes that loop or reach out of the spec's folder, and hostile names in
generated code. One test per row of docs/robustness.md."""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cnncalc.api import SpecError, analyze, load, loads
from cnncalc.spec.blocks import ALLOW_OUTSIDE_ENV
from robustness.kit import Run, refused

Cli = Callable[..., Run]
SPEC = "name: t\ninput: {channels: 3, height: 8, width: 8}\ninclude: %s\nlayers:\n  - {type: b}\n"
BLOCK = "blocks:\n  b:\n    layers: [{type: relu}]\n"


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text) if isinstance(text, bytes) else p.write_text(text)


def problems(path: Path) -> list[str]:
    with pytest.raises(SpecError) as err:
        analyze(load(path))
    return [p.format() for p in err.value.problems]


def test_an_include_cycle_is_named(cnncalc: Cli, tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "net.yaml": SPEC % "a.yaml",
            "a.yaml": "include: b.yaml\n" + BLOCK,
            "b.yaml": "include: [a.yaml]\n",
        },
    )
    line = refused(cnncalc("params", str(tmp_path / "net.yaml")), 1)
    assert line.endswith(
        "b.yaml:1:11: E113 include cycle: a.yaml → b.yaml → a.yaml "
        "(hint: a file cannot include itself, directly or through others)"
    ), line


def test_a_file_including_itself_is_named(tmp_path: Path) -> None:
    write(tmp_path, {"self.yaml": SPEC % "self.yaml" + BLOCK})
    [msg] = problems(tmp_path / "self.yaml")
    assert msg.endswith(
        "self.yaml:3:10: E113 include cycle: self.yaml → self.yaml "
        "(hint: a file cannot include itself, directly or through others)"
    ), msg


def test_an_include_outside_the_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "lib/b.yaml": BLOCK,
            "project/net.yaml": SPEC % "../lib/b.yaml",
            "project/abs.yaml": SPEC % "/etc/passwd",
            "project/link.yaml": SPEC % "inside.yaml",
        },
    )
    (tmp_path / "project" / "inside.yaml").symlink_to(tmp_path / "lib" / "b.yaml")
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    for name, item in [("net", "../lib/b.yaml"), ("abs", "/etc/passwd"), ("link", "inside.yaml")]:
        [msg] = problems(tmp_path / "project" / f"{name}.yaml")
        assert f"{name}.yaml:3:10: E113 include '{item}' is outside the spec's folder" in msg, msg
    monkeypatch.setenv(ALLOW_OUTSIDE_ENV, "1")  # the flag that allows it
    assert analyze(load(tmp_path / "project" / "net.yaml")).layers


def test_includes_that_are_not_spec_files_are_located(tmp_path: Path) -> None:
    write(tmp_path, {"dir/x": "", "bin.yaml": b"\x00\xff\xfe", "bad.yaml": "a: [\n"})
    cases = {
        "dir": "E113 include 'dir' is a directory, not a spec file",
        "missing.yaml": "E113 include 'missing.yaml': no such file",
        "bin.yaml": "bin.yaml:1:2: E001 the file is not UTF-8 text",
        "bad.yaml": "bad.yaml:2:1: E001 YAML syntax error",
        "x" * 5000: "E113 include 'xxxx",
        '"a\\0b"': "E113 include 'a\\x00b': not a usable path",
        "3": "E113 include: takes file paths, got 3",
    }
    for item, expected in cases.items():
        write(tmp_path, {"net.yaml": SPEC % item})
        msgs = problems(tmp_path / "net.yaml")
        assert any(expected in m for m in msgs), (item[:20], msgs)


@pytest.mark.parametrize(
    ("defs", "chain"),
    [
        ("  a: {layers: [{type: a}]}", "a → a"),
        (
            "  a: {layers: [{type: b}]}\n  b: {layers: [{name: g, layers: [{type: a}]}]}",
            "a → b → a",
        ),
        ("  a: {args: {t: b}, layers: [{type: $t}]}\n  b: {layers: [{type: a}]}", "a → b → a"),
    ],
    ids=["itself", "through another", "through an argument"],
)
def test_a_block_using_itself_is_named(defs: str, chain: str) -> None:
    text = "name: t\ninput: {channels: 3, length: 8}\n"
    text += f"blocks:\n{defs}\nlayers:\n  - {{name: x, type: a}}\n"
    with pytest.raises(SpecError) as err:
        analyze(loads(text, "t.yaml"))
    msgs = [p.format() for p in err.value.problems]
    assert any("E112" in m and f"uses itself ({chain})" in m for m in msgs), msgs


HOSTILE = [
    "__import__('os')-system('touch PWNED')",
    'x"""; import os; os-system("touch PWNED") #',
    "x'); import os; ('",
    "self",
    "train",
    "forward",
    "class",
    "None",
    "__class__",
    "_private",
    "0abc",
    "ünï—cødé 🙂",
    "x" * 300,
    "a b  c",
    "$$x",
    "torch",
    "nn",
    "super",
]


def test_hostile_names_never_reach_generated_code_as_code(tmp_path: Path) -> None:
    import json

    names = [json.dumps(n, ensure_ascii=False) for n in HOSTILE]
    layers = [f"  - {{name: {names[0]}, type: conv2d, out_channels: 4, kernel_size: 3}}"]
    layers += [f"  - {{name: {n}, type: relu}}" for n in names[1:]]
    layers += [f"  - {{name: merged, type: add, from: [{names[3]}, {names[4]}]}}"]
    # a newline in the network name is refused at load (test_terminal.py); quotes are not
    spec = '"x); import os; (\\"\\"\\" \\\\"'
    text = f"name: {spec}\ninput: {{channels: 3, height: 8, width: 8}}\nlayers:\n" + "\n".join(
        layers
    )
    from cnncalc.codegen import generate

    gen = generate(analyze(loads(text, "t.yaml")), "torch")
    tree = ast.parse(gen.code)
    imported = {
        a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for a in node.names
    }
    assert imported <= {"torch", "nn", "math", "F"}, imported
    for node in ast.walk(tree):
        ident = (
            node.id
            if isinstance(node, ast.Name)
            else node.attr
            if isinstance(node, ast.Attribute)
            else None
        )
        if ident is not None:  # every identifier went through names.Namespace
            assert ident.isidentifier() and ident.isascii() and len(ident) <= 40, ident
            assert ident not in {"os", "system", "__import__", "eval", "exec", "__class__"}, ident
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id in {"super", "len", "range", "int", "tuple"}, ast.dump(node)
    for n in HOSTILE:  # no spec text with punctuation verbatim outside string literals
        if any(not (c.isalnum() or c == "_") for c in n):
            code_only = [t for t in gen.code.splitlines() if not t.strip().startswith(("#", '"'))]
            assert not any(n in line for line in code_only), n
    torch = pytest.importorskip("torch")
    scope: dict[str, object] = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(gen.code, "gen.py", "exec"), scope)  # runs nothing from the spec
        model = scope[gen.class_name]()  # type: ignore[operator]
        model(torch.zeros(1, 3, 8, 8))
    finally:
        os.chdir(cwd)
    assert not (tmp_path / "PWNED").exists()
