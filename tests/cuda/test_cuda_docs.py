"""docs/cuda.md and the README's CUDA section run as written: each `cnncalc codegen cuda`
command succeeds, the C interface shown is the generated header's, and the facts quoted about
LeNet-5 (its shared memory per sample, its layout) are the generator's."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from cu_cases import ROOT, ZOO, report
from typer.testing import CliRunner

from cnncalc.cli.app import app
from cnncalc.codegen.cuda import generate

DOC = ROOT / "docs" / "cuda.md"
COMMANDS = [
    line.split("#")[0].strip()
    for doc in (DOC, ROOT / "README.md")
    for block in re.findall(r"```bash\n(.*?)```", doc.read_text(), re.S)
    for line in block.splitlines()
    if line.startswith("cnncalc codegen cuda")
]


def test_the_docs_have_commands() -> None:
    assert len(COMMANDS) >= 5


@pytest.mark.parametrize("command", COMMANDS)
def test_command(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = [str(ROOT / a) if a.startswith("specs/") else a for a in shlex.split(command)[1:]]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    folder = tmp_path / args[args.index("-o") + 1]
    assert any(p.suffix == ".cu" for p in folder.iterdir())


def test_the_interface_shown_is_the_header() -> None:
    header = generate(report(ZOO / "lenet5.yaml")).files["lenet_5.h"]
    shown = re.search(r"```c\n(.*?)```", DOC.read_text(), re.S)
    assert shown is not None
    for line in shown.group(1).splitlines():
        name = re.search(r"\b(lenet_5_\w+)\(", line)
        assert name is not None and f"{name.group(1)}(" in header


def test_lenet_facts() -> None:
    m = generate(report(ZOO / "lenet5.yaml"))
    text = DOC.read_text()
    assert f"needs {m.arena * 4:,} bytes per sample" in text
    assert f"LeNet-5's {m.weights_count * 4 // 1000} KB" in text
    assert "`C3.weight` holds only the connection table's kernels\n(60×5×5" in text
    assert [w.shape for w in m.weights if w.key == "C3.weight"] == [(60, 5, 5)]


def test_the_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python example of `generate(report, "cuda")` runs, and lists the files it says."""
    (block,) = [
        b for b in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S) if '"cuda")' in b
    ]
    listed = re.search(r"sorted\(module.files\)\s*# (\[.*\])", block)
    assert listed is not None
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    exec(block.replace('"specs/', f'"{ROOT}/specs/'), scope)
    module = scope["module"]
    assert sorted(module.files) == eval(listed.group(1))  # type: ignore[attr-defined]
    assert sorted(p.name for p in (tmp_path / "lenet5_cuda").iterdir()) == eval(listed.group(1))
