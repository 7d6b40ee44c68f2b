"""cnncalc codegen torch on the command line: writing, --check, exit codes, notes, and the
rule that the report commands never import the code generators or torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
LENET = ROOT / "specs" / "lenet5.yaml"


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["codegen", "torch", *args])
    return r.exit_code, r.stdout, r.stderr


def test_prints_the_module_and_writes_it_with_o(tmp_path: Path) -> None:
    code, out, _ = run(str(LENET))
    assert code == 0 and "class LeNet5(nn.Module):" in out and "self.C3 = TableConv(" in out
    target = tmp_path / "lenet5.py"
    code, out, err = run(str(LENET), "-o", str(target))
    assert code == 0 and out == "" and "wrote" in err
    assert target.read_text() == run(str(LENET))[1]


def test_check_passes_for_lenet() -> None:
    pytest.importorskip("torch")
    code, _, err = run(str(LENET), "--check", "-o", "/dev/null")
    assert code == 0, err
    assert "check passed: torch counts 60,000 trainable and 840 fixed parameters" in err


def test_check_fails_with_exit_1_when_torch_disagrees(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Lowerings that build the wrong module are caught: a count, a shape, a refusal."""
    pytest.importorskip("torch")
    from cnncalc.layers.identity import Identity
    from cnncalc.layers.linear import Linear

    monkeypatch.setattr(
        Linear, "torch_module", lambda self, x, y: f"nn.Linear({x[-1]}, 84, bias=False)"
    )
    code, _, err = run(str(LENET), "--check", "-o", "/dev/null")
    assert code == 1
    assert "check failed" in err and "trainable parameters: cnncalc 60,000, torch 59,916" in err
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: s\ninput: {channels: 2, height: 3, width: 3}\n"
        "layers:\n  - {name: i, type: identity}\n"
    )
    monkeypatch.setattr(Identity, "torch_module", lambda self, x, y: "nn.Flatten()")
    code, _, err = run(str(spec), "--check")
    assert (
        code == 1
        and "layer 'i': cnncalc 2x3x3, torch 18" in err
        and "outputs: cnncalc 2x2x3x3" in err
    )
    monkeypatch.setattr(Identity, "torch_module", lambda self, x, y: "nn.Linear(5, 5)")
    code, _, err = run(str(spec), "--check")
    assert code == 1 and "torch could not run the module at layer 'i'" in err


def test_check_without_torch_says_so_and_exits_2(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['torch'] = None\n"  # import torch now raises ImportError
        "from cnncalc.cli.app import main\n"
        f"sys.argv = ['cnncalc', 'codegen', 'torch', {str(LENET)!r}, '--check',"
        f" '-o', {str(tmp_path / 'x.py')!r}]\n"
        "main()\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert r.returncode == 2, r.stderr
    assert (
        "needs torch, which is not installed" in r.stderr
        and "pip install 'cnncalc[torch]'" in r.stderr
    )
    assert (tmp_path / "x.py").exists()  # the code is written all the same


def test_symbolic_input_is_refused_where_code_needs_a_number(tmp_path: Path) -> None:
    spec = tmp_path / "sym.yaml"
    spec.write_text(
        "name: sym\ninput: {channels: 1, height: H, width: W}\n"
        "symbols: {H: {min: 3}, W: {min: 3}}\n"
        "layers:\n"
        "  - {name: c, type: conv2d, out_channels: 2, kernel_size: 3}\n"
        "  - {type: flatten}\n  - {name: fc, type: linear, out_features: 3}\n"
    )
    code, _, err = run(str(spec))
    assert code == 1 and "sym.yaml:7:5: E120 layer 'fc': in_features is" in err and "--input" in err
    code, out, _ = run(str(spec), "--input", "1x8x8")
    assert code == 0 and "nn.Linear(72, 3)" in out


def test_symbolic_input_is_fine_where_code_does_not_depend_on_it(tmp_path: Path) -> None:
    spec = tmp_path / "fcn.yaml"
    spec.write_text(
        "name: fcn\ninput: {channels: 3, height: H, width: W}\nlayers:\n"
        "  - {type: conv2d, out_channels: 4, kernel_size: 3, padding: same}\n"
        "  - {type: globalavgpool2d}\n"
    )
    code, out, _ = run(str(spec))
    assert code == 0 and "Input: (N, 3, H, W)" in out
    code, _, err = run(str(spec), "--check")
    assert code == 2 and "--check needs a concrete input" in err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("no/such.yaml")[0] == 2
    assert run(str(LENET), "-o", str(tmp_path / "missing" / "dir" / "x.py"))[0] == 2
    assert run(str(LENET), "--line-length", "10")[0] == 2


def test_renamed_layers_are_noted() -> None:
    pytest.importorskip("yaml")
    r = CliRunner().invoke(app, ["codegen", "torch", str(ROOT / "specs" / "resnet18.yaml")])
    assert r.exit_code == 0 and "note:" not in r.stderr  # torchvision's names are identifiers


def test_report_commands_import_neither_codegen_nor_torch() -> None:
    script = (
        "import sys\n"
        "from cnncalc.cli.app import app\n"
        "from cnncalc.api import analyze, load\n"
        f"analyze(load({str(LENET)!r}))\n"
        "bad = [m for m in sys.modules if m.startswith(('cnncalc.codegen', 'torch'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_a_refused_forward_expression_is_located_and_later_layers_still_generate(
    tmp_path: Path,
) -> None:
    """A layer written in forward (here a roll by 10^26, past torch's 64-bit integers) that
    cannot be lowered once left later statements reading a variable never set: an internal
    KeyError. Now its E120 is the one located message, exit 1."""
    spec = tmp_path / "big.yaml"
    spec.write_text(
        "name: r\ninput: {channels: 2, length: 8}\nlayers:\n"
        "  - {name: c, type: conv1d, out_channels: 2, kernel_size: 3}\n"
        f"  - {{name: r, type: roll, shifts: {10**26}, dims: 2}}\n"
        "  - {name: q, type: relu}\n  - {name: s, type: add, from: [q, r]}\n"
    )
    code, out, err = run(str(spec))
    assert code == 1 and out == "", err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{spec}:5:"), err
    assert "E120 layer 'r': shifts is" in lines[0] and "internal error" not in err
